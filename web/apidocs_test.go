package web

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/billd/billd/docs"
)

// get serves GET target on h, with the request's headers, and returns the response and its body.
func get(t *testing.T, h http.Handler, target string, header map[string]string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	body, _ := io.ReadAll(w.Result().Body)
	return w.Result(), string(body)
}

// TestOpenAPIJSONIsTheDocument checks that GET /openapi.json answers, without credentials, JSON
// whose content is the YAML document's, with an ETag that a revalidation gets 304 with.
func TestOpenAPIJSONIsTheDocument(t *testing.T) {
	h := newRouteHandler(t)
	resp, body := get(t, h, "/openapi.json", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %q: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var served any
	if err := json.Unmarshal([]byte(body), &served); err != nil {
		t.Fatalf("GET /openapi.json is not JSON: %v", err)
	}
	var doc any // the YAML's content, as JSON values
	if err := yaml.Unmarshal(docs.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(served, doc) {
		t.Error("GET /openapi.json differs from docs/openapi.yaml")
	}
	if !strings.HasPrefix(body, `{"openapi":`) {
		t.Errorf("GET /openapi.json does not keep the document's order: %.40s", body)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, resp.Header.Get("Cache-Control"))
	}
	if resp, body := get(t, h, "/openapi.json", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation with the ETag: %d, %d bytes; want 304 without a body", resp.StatusCode, len(body))
	}
	if resp, _ := get(t, h, "/openapi.json", map[string]string{"If-None-Match": `"other"`}); resp.StatusCode != http.StatusOK {
		t.Errorf("revalidation with another ETag: %d, want 200", resp.StatusCode)
	}
}

// TestAPIPageRendersEveryOperation checks that GET /docs answers, without credentials, a page
// with a strict CSP that shows every operation of the document, every tag and every schema, links
// to /openapi.json, and points at the proto files and the gRPC reflection the server serves.
func TestAPIPageRendersEveryOperation(t *testing.T) {
	h := newRouteHandler(t)
	resp, body := get(t, h, "/docs", nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %d %q: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	if resp.Header.Get("ETag") == "" {
		t.Error("GET /docs has no ETag")
	}
	var doc struct {
		Tags       []struct{ Name string }
		Paths      map[string]map[string]any
		Components struct{ Schemas map[string]any }
	}
	if err := yaml.Unmarshal(docs.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	want := []string{`href="/openapi.json"`, "proto/raystack/frontier/v1beta1/frontier.proto", "proto/billd/v1/admin.proto",
		"grpc.reflection.v1", "grpcurl -plaintext 127.0.0.1:7400 list"}
	ops := 0
	for path, item := range doc.Paths {
		for method, op := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			ops++
			id, _ := op.(map[string]any)["operationId"].(string)
			if id == "" {
				t.Errorf("%s %s has no operationId", method, path)
			}
			want = append(want, `id="op-`+id+`"`)
		}
	}
	for _, tag := range doc.Tags {
		want = append(want, `id="tag-`+anchor(tag.Name)+`"`)
	}
	for name := range doc.Components.Schemas {
		want = append(want, `id="schema-`+name+`"`)
	}
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("GET /docs does not show %s", s)
		}
	}
	if got := strings.Count(body, `<article class="op" id="op-`); got != ops {
		t.Errorf("GET /docs shows %d operations, the document has %d", got, ops)
	}
	// The page says gRPC reflection is served: it must be.
	for _, route := range []string{"POST /grpc.reflection.v1.ServerReflection/", "POST /grpc.reflection.v1alpha.ServerReflection/"} {
		if got := probe(h, route+"ServerReflectionInfo"); got != route {
			t.Errorf("%s is not served (the mux gives %q)", route, got)
		}
	}
	if strings.Contains(html.UnescapeString(body), "<script") {
		t.Error("GET /docs has a script")
	}
}
