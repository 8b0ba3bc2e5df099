package billd_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/billd/billd"

// adapters are the packages that talk to one outside thing each; they depend on the domain and
// never on each other.
var adapters = []string{"sqlstore", "web", "client", "stripe", "sandbox", "metrics", "console"}

// imports returns the imports of the non-test Go files in dir.
func imports(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			out = append(out, path)
		}
	}
	return out
}

func TestDomainImportsOnlyTheStandardLibrary(t *testing.T) {
	for _, imp := range imports(t, ".") {
		if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
			t.Errorf("package billd imports %s; the domain may import only the standard library", imp)
		}
	}
}

func TestAdaptersDoNotImportEachOther(t *testing.T) {
	for _, adapter := range adapters {
		err := filepath.WalkDir(adapter, func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			for _, imp := range imports(t, path) {
				for _, other := range adapters {
					if other != adapter && (imp == module+"/"+other || strings.HasPrefix(imp, module+"/"+other+"/")) {
						t.Errorf("%s imports %s: adapters must not import each other; cmd/ wires them", path, imp)
					}
				}
				if strings.HasPrefix(imp, module+"/cmd") {
					t.Errorf("%s imports %s", path, imp)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// testSupport are the packages that help tests (they start servers, hand out databases): only
// test files may import them, so that no binary carries them.
var testSupport = []string{"sqlstore/sqltest", "stripe/stripetest"}

func TestOnlyTestsImportTestSupport(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && path != "." {
			return filepath.SkipDir
		}
		for _, imp := range imports(t, path) {
			for _, pkg := range testSupport {
				if imp == module+"/"+pkg && path != pkg {
					t.Errorf("%s imports %s outside its tests: only _test.go files may", path, imp)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
