package web

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/billd/billd/docs"
)

var (
	// routeLine is a route registration with a literal pattern in routes.go: a REST route of an
	// RPC, rest(h, "METHOD /path", ...), or a plain handler, h.mux.HandleFunc("METHOD /path", ...).
	routeLine = regexp.MustCompile(`(?m)^\s*(?:rest\(\s*h\s*,|h\.(?:handle|mux\.Handle(?:Func)?)\()\s*"([A-Z]+) (/[^"]*)"`)
	// routeCall is any route registration, literal pattern or not.
	routeCall = regexp.MustCompile(`(?m)^\s*(?:rest\(|h\.(?:handle|mux\.Handle(?:Func)?)\()`)
	// wildcard is a path wildcard such as {org_id}.
	wildcard = regexp.MustCompile(`\{([^{}]+)\}`)
)

// documentedRoutes returns "METHOD /path" for every operation of the OpenAPI document the binary
// embeds and serves (docs/openapi.yaml), in the document's order.
func documentedRoutes(t *testing.T) []string {
	t.Helper()
	var doc struct{ Paths yaml.Node }
	if err := yaml.Unmarshal(docs.OpenAPI(), &doc); err != nil { // refuses a path given twice
		t.Fatalf("the OpenAPI document: %v", err)
	}
	var routes []string
	err := eachPair(&doc.Paths, func(path string, item *yaml.Node) error {
		return eachPair(item, func(key string, _ *yaml.Node) error {
			if slices.Contains(httpMethods, key) {
				routes = append(routes, strings.ToUpper(key)+" "+path)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) == 0 {
		t.Fatal("the OpenAPI document documents no operations")
	}
	return routes
}

// sourceRoutes returns the route patterns that routes.go registers, from its source text.
func sourceRoutes(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(".", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	calls := routeCall.FindAllIndex(src, -1)
	matches := routeLine.FindAllSubmatch(src, -1)
	if len(matches) != len(calls) {
		t.Fatalf("routes.go has %d route registrations but only %d with a literal \"METHOD /path\" pattern; "+
			"this test reads the literal patterns", len(calls), len(matches))
	}
	if len(matches) == 0 {
		t.Fatal("found no route registrations in routes.go")
	}
	routes := make([]string, len(matches))
	for i, m := range matches {
		routes[i] = string(m[1]) + " " + string(m[2])
	}
	return routes
}

// probe returns the pattern the handler's mux picks for a request to route, whose wildcards are
// filled with sample segments.
func probe(h *Handler, route string) string {
	method, path, _ := strings.Cut(route, " ")
	target := wildcard.ReplaceAllStringFunc(path, func(w string) string {
		return "sample-" + strings.Trim(w, "{}")
	})
	_, pattern := h.route(httptest.NewRequest(method, target, nil))
	return pattern
}

// routeMismatches compares the documented routes with those routes.go registers and the
// handler's mux serves: every documented operation must be a registered pattern (same method,
// path and wildcard names), and every registered route must be documented. It returns one line
// per mismatch.
func routeMismatches(h *Handler, documented, registered []string) []string {
	var out []string
	for _, route := range documented {
		switch got := probe(h, route); {
		case got == "":
			out = append(out, fmt.Sprintf("documented %s does not exist: no registered route matches it", route))
		case got != route:
			out = append(out, fmt.Sprintf("documented %s does not exist: the request goes to %q", route, got))
		case !slices.Contains(registered, route):
			out = append(out, fmt.Sprintf("documented %s is not among the routes.go registrations", route))
		}
	}
	for _, route := range registered {
		if got := probe(h, route); got != route {
			out = append(out, fmt.Sprintf("routes.go registers %s, but the mux sends its request to %q", route, got))
		}
		if !slices.Contains(documented, route) {
			out = append(out, fmt.Sprintf("%s is registered in routes.go but not documented in docs/openapi.yaml", route))
		}
	}
	return out
}

// newRouteHandler returns a handler to probe routes with: NewHandler only registers routes; the
// service is used when a request is served.
func newRouteHandler(t *testing.T) *Handler {
	t.Helper()
	h, err := NewHandler(nil, slog.New(slog.DiscardHandler), Config{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestOpenAPIDocumentsEveryRoute checks the OpenAPI document the binary serves against the routes
// the handler serves, both ways.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	documented, registered := documentedRoutes(t), sourceRoutes(t)
	for _, m := range routeMismatches(newRouteHandler(t), documented, registered) {
		t.Error(m)
	}
	t.Logf("%d documented operations, %d registered routes", len(documented), len(registered))
}

// TestRouteMismatchesBothWays checks that the route check fails on a document that names a route
// the server does not have, and on one that leaves out a route it has.
func TestRouteMismatchesBothWays(t *testing.T) {
	h := newRouteHandler(t)
	documented, registered := documentedRoutes(t), sourceRoutes(t)
	cases := map[string]struct {
		documented []string
		want       string
	}{
		"unknown path": {append(slices.Clone(documented), "GET /v1beta1/nowhere"),
			"documented GET /v1beta1/nowhere does not exist: no registered route matches it"},
		"wrong method": {append(slices.Clone(documented), "PATCH /healthz"),
			"documented PATCH /healthz does not exist"},
		"wrong wildcard": {append(slices.Clone(documented), "GET /v1beta1/organizations/{org}"),
			`documented GET /v1beta1/organizations/{org} does not exist: the request goes to "GET /v1beta1/organizations/{id}"`},
		"missing route": {slices.DeleteFunc(slices.Clone(documented), func(r string) bool { return r == "GET /docs" }),
			"GET /docs is registered in routes.go but not documented in docs/openapi.yaml"},
	}
	for name, c := range cases {
		got := routeMismatches(h, c.documented, registered)
		if len(got) != 1 || !strings.HasPrefix(got[0], c.want) {
			t.Errorf("%s: mismatches %q, want one starting %q", name, got, c.want)
		}
	}
}
