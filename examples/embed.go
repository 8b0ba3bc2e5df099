// Package examples carries billd's example files. The binary uses one of them: billd demo applies
// the sample catalog, catalog.yaml.
package examples

import _ "embed"

//go:embed catalog.yaml
var catalog []byte

// Catalog returns a copy of catalog.yaml, a GPU cloud's catalog in `billd catalog apply`'s format.
func Catalog() []byte { return append([]byte(nil), catalog...) }
