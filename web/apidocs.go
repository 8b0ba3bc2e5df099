package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"go.yaml.in/yaml/v3"
)

// apiDocs is the API reference the server serves: the OpenAPI document as JSON and the page that
// renders it, each with its ETag. Both are made once, from the document embedded in the binary.
type apiDocs struct {
	json, page         []byte
	jsonETag, pageETag string
}

// loadAPIDocs converts the OpenAPI document src (YAML) to JSON and renders its page. It fails if
// src is not a YAML mapping that JSON can hold, or not an OpenAPI document the page can render.
func loadAPIDocs(src []byte) (*apiDocs, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("the OpenAPI document: %w", err)
	}
	var out bytes.Buffer
	if err := yamlToJSON(&out, &root); err != nil {
		return nil, fmt.Errorf("the OpenAPI document as JSON: %w", err)
	}
	page, err := renderAPIPage(&root)
	if err != nil {
		return nil, fmt.Errorf("the API reference page: %w", err)
	}
	return &apiDocs{json: out.Bytes(), page: page, jsonETag: etagOf(out.Bytes()), pageETag: etagOf(page)}, nil
}

// etagOf is the strong ETag of b: a hash of its bytes.
func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// yamlToJSON writes the YAML node n as JSON, keeping the order of mapping keys. Merge keys ("<<")
// are refused rather than misread.
func yamlToJSON(w *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("line %d: a document with %d nodes", n.Line, len(n.Content))
		}
		return yamlToJSON(w, n.Content[0])
	case yaml.AliasNode:
		return yamlToJSON(w, n.Alias)
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := yamlToJSON(w, c); err != nil {
				return err
			}
		}
		w.WriteByte(']')
		return nil
	case yaml.MappingNode:
		return mappingToJSON(w, n)
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		w.Write(b)
		return nil
	}
	return fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
}

// mappingToJSON writes the YAML mapping n as a JSON object; its keys must be scalars.
func mappingToJSON(w *bytes.Buffer, n *yaml.Node) error {
	w.WriteByte('{')
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode || k.Value == "<<" {
			return fmt.Errorf("line %d: a mapping key JSON cannot hold", k.Line)
		}
		if i > 0 {
			w.WriteByte(',')
		}
		key, _ := json.Marshal(k.Value) // a string always marshals
		w.Write(key)
		w.WriteByte(':')
		if err := yamlToJSON(w, n.Content[i+1]); err != nil {
			return err
		}
	}
	w.WriteByte('}')
	return nil
}

// openAPIJSON serves the OpenAPI document as JSON (GET /openapi.json). No credentials: it says
// what the API is, not what it holds.
func (h *Handler) openAPIJSON(w http.ResponseWriter, r *http.Request) {
	d, ok := h.docsOrError(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	serveDoc(w, r, d.json, d.jsonETag)
}

// apiPage serves the API reference page (GET /docs), rendered from the OpenAPI document.
func (h *Handler) apiPage(w http.ResponseWriter, r *http.Request) {
	d, ok := h.docsOrError(w, r)
	if !ok {
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	hd.Set("X-Frame-Options", "DENY")
	serveDoc(w, r, d.page, d.pageETag)
}

// docsOrError returns the API reference, made on the first request that needs it; if it cannot
// be made (a broken document, which the tests rule out), it answers 500.
func (h *Handler) docsOrError(w http.ResponseWriter, r *http.Request) (*apiDocs, bool) {
	d, err := h.apiDocs()
	if err != nil {
		h.writeError(w, r, err)
		return nil, false
	}
	return d, true
}

// serveDoc writes body with its ETag, answering If-None-Match with 304. Clients revalidate on
// each use (no-cache), so an upgraded server's document is seen at once.
func serveDoc(w http.ResponseWriter, r *http.Request, body []byte, etag string) {
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}
