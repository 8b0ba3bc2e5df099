package web

import (
	"bufio"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// openAPIPath is the project's OpenAPI document, relative to this package's directory.
const openAPIPath = "../docs/openapi.yaml"

var (
	// specPathLine is a path item key of the paths: section: "  /v1beta1/...:" at two spaces.
	specPathLine = regexp.MustCompile(`^  ['"]?(/[^'":]*)['"]?:\s*(?:#.*)?$`)
	// specMethodLine is an operation key of a path item: "    get:" at four spaces.
	specMethodLine = regexp.MustCompile(`^    (get|put|post|delete|patch|head|options|trace):\s*(?:#.*)?$`)
	// routeLine is a route registration with a literal pattern in routes.go: a REST route of an
	// RPC, rest(h, "METHOD /path", ...), or a plain handler, h.mux.HandleFunc("METHOD /path", ...).
	routeLine = regexp.MustCompile(`(?m)^\s*(?:rest\(\s*h\s*,|h\.(?:handle|mux\.Handle(?:Func)?)\()\s*"([A-Z]+) (/[^"]*)"`)
	// routeCall is any route registration, literal pattern or not.
	routeCall = regexp.MustCompile(`(?m)^\s*(?:rest\(|h\.(?:handle|mux\.Handle(?:Func)?)\()`)
	// wildcard is a path wildcard such as {org_id}.
	wildcard = regexp.MustCompile(`\{([^{}]+)\}`)
)

// documentedRoutes returns "METHOD /path" for every operation in the paths: section of the OpenAPI
// document, read line by line without a YAML library.
func documentedRoutes(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(openAPIPath)
	if err != nil {
		t.Fatalf("the OpenAPI document: %v", err)
	}
	defer f.Close()
	var routes []string
	inPaths, path := false, ""
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if line[0] != ' ' { // a top-level key
			if inPaths {
				break
			}
			inPaths = line == "paths:"
			continue
		}
		if !inPaths {
			continue
		}
		if m := specPathLine.FindStringSubmatch(line); m != nil {
			path = m[1]
			continue
		}
		if m := specMethodLine.FindStringSubmatch(line); m != nil {
			if path == "" {
				t.Fatalf("%s:%d: operation %s outside a path item", openAPIPath, n, m[1])
			}
			route := strings.ToUpper(m[1]) + " " + path
			if seen[route] {
				t.Errorf("%s:%d: %s is documented twice", openAPIPath, n, route)
			}
			seen[route] = true
			routes = append(routes, route)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !inPaths {
		t.Fatalf("%s has no top-level paths: section", openAPIPath)
	}
	if len(routes) == 0 {
		t.Fatalf("%s documents no operations", openAPIPath)
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

// TestOpenAPIDocumentsEveryRoute checks docs/openapi.yaml against the routes the handler serves:
// every documented operation must be a registered pattern (same method, path and wildcard names),
// and every route that routes.go registers must be documented.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	// NewHandler only registers routes; the service is used when a request is served.
	h, err := NewHandler(nil, slog.New(slog.DiscardHandler), Config{})
	if err != nil {
		t.Fatal(err)
	}
	documented := documentedRoutes(t)
	registered := sourceRoutes(t)

	for _, route := range documented {
		if got := probe(h, route); got != route {
			if got == "" {
				t.Errorf("documented %s does not exist: no registered route matches it", route)
			} else {
				t.Errorf("documented %s does not exist: the request goes to %q", route, got)
			}
		}
	}
	for _, route := range registered {
		if got := probe(h, route); got != route {
			t.Errorf("routes.go registers %s, but the mux sends its request to %q", route, got)
		}
		if !slices.Contains(documented, route) {
			t.Errorf("%s is registered in routes.go but not documented in %s", route, openAPIPath)
		}
	}
	for _, route := range documented {
		if !slices.Contains(registered, route) {
			t.Errorf("documented %s is not among the routes.go registrations", route)
		}
	}
	t.Logf("%d documented operations, %d registered routes", len(documented), len(registered))
}
