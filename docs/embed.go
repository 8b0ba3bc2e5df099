// Package docs carries billd's documents that the binary serves: the OpenAPI document of the REST
// API (openapi.yaml), which web serves as /openapi.json and renders as /docs.
package docs

import _ "embed"

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns a copy of the OpenAPI 3 document of billd's REST API, in YAML.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }
