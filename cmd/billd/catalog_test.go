package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// catalogExampleCreates is what applying examples/catalog.yaml to an empty catalog prints before
// its summary.
const catalogExampleCreates = `create feature gpu-a100
create feature gpu-h100
create feature priority-support
create product credits
create price credits/usd
create product starter
create price starter/usd-monthly
create product pro
create price pro/usd-monthly
create price pro/usd-yearly
create product team-seat
create price team-seat/usd-monthly
create price team-seat/usd-yearly
create plan starter-monthly
create plan pro-monthly
create plan pro-yearly
`

// catalogWrite writes text to a file of the test and returns its path.
func catalogWrite(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// catalogRun runs billd catalog with args and --db dsn, and fails the test unless it prints want.
func catalogRun(t *testing.T, dsn, want string, args ...string) string {
	t.Helper()
	out, _, err := cliRun(t, append(append([]string{"catalog"}, args...), "--db", dsn)...)
	if err != nil {
		t.Fatalf("billd catalog %v: %v\n%s", args, err, out)
	}
	if want != "" && out != want {
		t.Fatalf("billd catalog %v printed\n%s\nwant\n%s", args, out, want)
	}
	return out
}

func TestCLICatalog(t *testing.T) {
	dsn := sqltest.Open(t, "sqlite").DSN
	const example = "../../examples/catalog.yaml"
	const empty = "features: []\nproducts: []\nplans: []\n"
	catalogRun(t, dsn, empty, "show")
	catalogRun(t, dsn, catalogExampleCreates+"dry run, nothing written: 16 to create, 0 to update, 0 to deactivate, 0 unchanged, 0 kept\n",
		"apply", "--dry-run", "-f", example)
	catalogRun(t, dsn, empty, "show")
	catalogRun(t, dsn, catalogExampleCreates+"applied: 16 created, 0 updated, 0 deactivated, 0 unchanged, 0 kept\n", "apply", "-f", example)
	const noop = "applied: 0 created, 0 updated, 0 deactivated, 16 unchanged, 0 kept\n"
	catalogRun(t, dsn, noop, "apply", "-f", example)
	show := catalogRun(t, dsn, "", "show")
	for _, want := range []string{"memory_gb: 80\n", "features: [gpu-a100, gpu-h100, priority-support]\n", "products: [pro, team-seat, credits]\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("catalog show printed no %q:\n%s", want, show)
		}
	}
	catalogRun(t, dsn, noop, "apply", "-f", catalogWrite(t, "show.yaml", show))
	catalogRun(t, dsn, show, "show")

	text, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(text), "pro-monthly\n    title: Pro\n", "pro-monthly\n    title: Pro plan\n", 1)
	starter := strings.Index(changed, "  - name: starter-monthly")
	changed = changed[:starter] + changed[strings.Index(changed, "  - name: pro-monthly"):]
	catalogRun(t, dsn, `update plan pro-monthly: title "Pro" -> "Pro plan"`+"\n"+
		`deactivate plan starter-monthly: state "active" -> "inactive"`+"\n"+
		"applied: 0 created, 1 updated, 1 deactivated, 14 unchanged, 0 kept\n", "apply", "-f", catalogWrite(t, "changed.yaml", changed))
	show = catalogRun(t, dsn, "", "show")
	if !strings.Contains(show, "  - name: starter-monthly\n    title: Starter\n    interval: month\n    trial_days: 14\n    on_start_credits: 1000\n    state: inactive\n") {
		t.Errorf("catalog show after the deactivation:\n%s", show)
	}
	catalogRun(t, dsn, "applied: 0 created, 0 updated, 0 deactivated, 16 unchanged, 0 kept\n", "apply", "-f", catalogWrite(t, "show.yaml", show))

	// An amount of an existing price: refused, naming the price.
	repriced := strings.Replace(string(text), "amount: 1           #", "amount: 2           #", 1)
	_, _, err = cliRun(t, "catalog", "apply", "--db", dsn, "-f", catalogWrite(t, "repriced.yaml", repriced))
	if billd.ErrorCode(err) != billd.EINVALID || !strings.Contains(err.Error(), "product credits: price usd cannot change its terms (amount 1 -> 2)") {
		t.Errorf("a changed price amount: %v, want EINVALID naming the price", err)
	}
}

func TestCLICatalogRefuses(t *testing.T) {
	dsn := sqltest.Open(t, "sqlite").DSN
	for _, tc := range []struct{ name, text, msg string }{
		{"unknown-key", "features:\n  - name: gpu-a100\n    titel: A100\n", "line 3: field titel not found in a feature"},
		{"unknown-price-key", "products:\n  - name: credits\n    prices:\n      - name: usd\n        amount: 1\n        cost: 2\n",
			"line 6: field cost not found in a price"},
		{"not-a-number", "plans:\n  - name: pro\n    interval: month\n    trial_days: two\n", "line 4: cannot unmarshal !!str `two` into int64"},
		{"empty", "# nothing\n", "holds no catalog"},
		{"two-documents", "features: []\n---\nfeatures: []\n", "holds more than one YAML document"},
		{"invalid", "plans:\n  - name: pro\n", "plan pro: interval is required"},
	} {
		path := catalogWrite(t, tc.name+".yaml", tc.text)
		_, _, err := cliRun(t, "catalog", "apply", "--db", dsn, "-f", path)
		if err == nil || cliIsUsage(err) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.msg)
		}
	}
	if out, _, err := cliRun(t, "catalog", "show", "--db", dsn); err != nil || out != "features: []\nproducts: []\nplans: []\n" {
		t.Errorf("the refused files wrote to the catalog: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"catalog"}, {"catalog", "frob"}, {"catalog", "apply", "--db", dsn},
		{"catalog", "show", "--db", dsn, "extra"}, {"catalog", "apply", "--dry-run=maybe", "-f", "x.yaml"}} {
		if _, _, err := cliRun(t, args...); !cliIsUsage(err) {
			t.Errorf("billd %v: %v, want a usage error", args, err)
		}
	}
	missing := filepath.Join(t.TempDir(), "none")
	for _, args := range [][]string{{"catalog", "show", "--data", missing}, {"catalog", "apply", "-f", "../../examples/catalog.yaml", "--data", missing}} {
		if out, _, err := cliRun(t, args...); !errors.Is(err, sqlstore.ErrNoStore) || out != "" {
			t.Errorf("billd %v on no store: %v, %q", args, err, out)
		}
	}
	if out, _, err := cliRun(t, "help", "catalog"); err != nil || !strings.Contains(out, "billd catalog apply -f FILE [--dry-run]") {
		t.Errorf("billd help catalog: %v\n%s", err, out)
	}
}
