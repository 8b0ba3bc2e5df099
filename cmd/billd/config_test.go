package main

import (
	"context"
	"flag"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd/sqlstore/sqltest"
)

// configServeFlags registers the store and service flags of serve on a fresh FlagSet, as serve
// does, and returns them with the flag set.
func configServeFlags(env map[string]string) (*flag.FlagSet, *storeFlags) {
	fs := newFlags("serve", "serve [flags]", "")
	var sf storeFlags
	sf.register(fs, func(k string) string { return env[k] })
	sf.registerLimits(fs)
	sf.registerService(fs)
	return fs, &sf
}

// configParse parses args on serve's store flags with the environment env.
func configParse(env map[string]string, args ...string) (*storeFlags, error) {
	fs, sf := configServeFlags(env)
	return sf, parseFlags(fs, args, io.Discard, io.Discard)
}

// TestConfigPrecedence checks that a flag takes its value from the command line, else the
// environment, else the file, else its default.
func TestConfigPrecedence(t *testing.T) {
	file := catalogWrite(t, "billd.yaml", "log-level: warn\ndb-conns: 7\nauth-cache-ttl: 5s\ngroup-commit: false\nmax-projects-per-org: 11\n")
	env := map[string]string{"BILLD_CONFIG": file, "BILLD_DB_CONNS": "9", "BILLD_AUTH_CACHE_TTL": "3s", "BILLD_DB": "sqlite:/tmp/env.db"}
	sf, err := configParse(env, "--auth-cache-ttl", "2s")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"auth-cache-ttl (flag > env > file)", sf.authTTL, 2 * time.Second},
		{"db-conns (env > file)", sf.conns, 9},
		{"db (env; BILLD_DB as before)", sf.db, "sqlite:/tmp/env.db"},
		{"log-level (file)", sf.logLevel, "warn"},
		{"group-commit (file, a bool)", sf.group, false},
		{"max-projects-per-org (file)", sf.limits.MaxProjectsPerOrg, 11},
		{"account-cache-ttl (default)", sf.accountTTL, 10 * time.Second},
		{"data (default)", sf.data, "./billd-data"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// --config on the command line beats BILLD_CONFIG.
	other := catalogWrite(t, "other.yml", "log-level: error\n")
	if sf, err := configParse(env, "--config", other); err != nil || sf.logLevel != "error" || sf.conns != 9 {
		t.Errorf("--config %s: log-level %q, db-conns %d, %v; want error, 9 (env), nil", other, sf.logLevel, sf.conns, err)
	}
}

// TestConfigErrors checks that a bad file, key or value is a usage error that names the file,
// the key and its line (or the environment variable).
func TestConfigErrors(t *testing.T) {
	big := "# " + strings.Repeat("x", maxConfigBytes) + "\n"
	for _, c := range []struct {
		name, file, text string
		env              map[string]string
		want             string
	}{
		{"unknown key", "billd.yaml", "log-level: info\n\nno-such-flag: 1\n", nil, "billd.yaml:3: key no-such-flag: unknown key"},
		{"bad value", "billd.yaml", "db-conns: 1\nauth-cache-ttl: soon\n", nil, `billd.yaml:2: key auth-cache-ttl: invalid value "soon"`},
		{"bad bool", "billd.yml", "group-commit: maybe\n", nil, `billd.yml:1: key group-commit: invalid`},
		{"key twice", "billd.yaml", "db-conns: 1\ndb-conns: 2\n", nil, "billd.yaml:2: key db-conns: given twice"},
		{"nested", "billd.yaml", "db-conns:\n  a: 1\n", nil, "billd.yaml:1: key db-conns: want a value or a list"},
		{"null", "billd.yaml", "db-conns:\n", nil, "billd.yaml:1: key db-conns: want a value"},
		{"not a mapping", "billd.yaml", "- db-conns\n", nil, "billd.yaml:1: want a mapping"},
		{"config in config", "billd.yaml", "config: other.yaml\n", nil, "key config: a configuration file cannot name another"},
		{"syntax", "billd.yaml", "db-conns: [1\n", nil, "billd.yaml: "},
		{"toml", "billd.toml", "db-conns = 1\n", nil, "billd reads its configuration from YAML (.yaml or .yml), not TOML"},
		{"other extension", "billd.json", "{}", nil, "ends in .yaml or .yml"},
		{"too large", "billd.yaml", big, nil, "larger than 1048576 bytes"},
		{"bad env", "", "", map[string]string{"BILLD_DB_CONNS": "many"}, `serve: BILLD_DB_CONNS="many": invalid value`},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{}
			if c.file != "" {
				args = append(args, "--config", catalogWrite(t, c.file, c.text))
			}
			_, err := configParse(c.env, args...)
			if !cliIsUsage(err) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want a usage error holding %q", err, c.want)
			}
		})
	}
	// The tools share serve's file: they take the keys they know and skip the others.
	file := catalogWrite(t, "billd.yaml", "addr: 127.0.0.1:1\ndata: "+filepath.Join(t.TempDir(), "none")+"\n")
	if _, _, err := cliRun(t, "verify", "--config", file); err == nil || cliIsUsage(err) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("verify --config with serve's keys: %v, want the error of a missing store under the file's data", err)
	}
}

// TestConfigServe serves with examples/billd.yaml (the command line overrides its address and
// store), and checks a file's value, the environment's over it, and a flag's over both, on
// /metrics.
func TestConfigServe(t *testing.T) {
	example := serveWith(t, sqltest.MigratedDSN(t, "sqlite"), adminEnv, "--config", "../../examples/billd.yaml")
	if got := configMetricsStatus(t, example); got != http.StatusOK {
		t.Errorf("examples/billd.yaml (metrics: true): /metrics %d, want 200", got)
	}
	off := catalogWrite(t, "billd.yaml", "metrics: false\n")
	withEnv := maps.Clone(adminEnv)
	withEnv["BILLD_METRICS"] = "true"
	for _, c := range []struct {
		name  string
		env   map[string]string
		flags []string
		want  int
	}{
		{"file", adminEnv, nil, http.StatusNotFound},
		{"env over file", withEnv, nil, http.StatusOK},
		{"flag over env", withEnv, []string{"--metrics=false"}, http.StatusNotFound},
	} {
		s := serveWith(t, sqltest.MigratedDSN(t, "sqlite"), c.env, append([]string{"--config", off}, c.flags...)...)
		if got := configMetricsStatus(t, s); got != c.want {
			t.Errorf("%s: /metrics %d, want %d", c.name, got, c.want)
		}
	}
}

// configMetricsStatus returns the status of GET /metrics.
func configMetricsStatus(t *testing.T, s *server) int {
	t.Helper()
	resp, err := s.http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestConfigHelpAndDocs checks that `billd serve --help` gives every flag its environment variable,
// and that docs/operations.md lists every flag of serve.
func TestConfigHelpAndDocs(t *testing.T) {
	help, _, err := cliRun(t, "serve", "--help")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(doc), "\n## Flags of `billd serve`")
	table, _, _ = strings.Cut(table, "\n## ")
	names := regexp.MustCompile(`(?m)^  -([a-z0-9-]+) `).FindAllStringSubmatch(help, -1)
	if len(names) < 40 {
		t.Fatalf("found %d flags in billd serve --help:\n%s", len(names), help)
	}
	for _, m := range names {
		name := m[1]
		_, entry, _ := strings.Cut(help, "\n  -"+name+" ")
		entry, _, _ = strings.Cut(entry, "\n  -")
		if !strings.Contains(entry, "env: "+envName(name)+")") {
			t.Errorf("billd serve --help gives --%s no environment variable:\n%s", name, entry)
		}
		if !strings.Contains(table, "`--"+name+"`") {
			t.Errorf("docs/operations.md's \"Flags of `billd serve`\" lacks `--%s`", name)
		}
	}
}

// TestConfigEnvOfEveryCommand checks the environment beyond serve: the tools' flags and bench's.
func TestConfigEnvOfEveryCommand(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"verify"}, map[string]string{"BILLD_DATA": none}, none},
		{[]string{"clients", "list"}, map[string]string{"BILLD_DATA": none}, none},
		{[]string{"catalog", "apply"}, map[string]string{"BILLD_DATA": none, "BILLD_F": "../../examples/catalog.yaml"}, none},
		{[]string{"backup"}, map[string]string{"BILLD_DATA": none, "BILLD_TO": filepath.Join(t.TempDir(), "b.db")}, none},
		{[]string{"bench", "--client-id", "x", "--client-secret", "y"}, map[string]string{"BILLD_SCENARIO": "nope"}, `unknown scenario "nope"`},
	} {
		err := run(context.Background(), c.args, func(k string) string { return c.env[k] }, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("billd %v with %v: %v, want an error holding %q", c.args, c.env, err, c.want)
		}
	}
}

// TestConfigOriginLists checks that the repeatable origin flags take several origins from one
// environment variable (comma-separated, as their one value), and from a file's list, and that
// the command line's replace both.
func TestConfigOriginLists(t *testing.T) {
	env := maps.Clone(adminEnv)
	env["BILLD_CORS_ORIGIN"] = "https://a.example, https://b.example"
	s := serveWith(t, sqltest.MigratedDSN(t, "sqlite"), env)
	for origin, want := range map[string]string{"https://a.example": "https://a.example", "https://b.example": "https://b.example", "https://c.example": ""} {
		if got := configCORSOrigin(t, s, origin); got != want {
			t.Errorf("BILLD_CORS_ORIGIN of two origins: preflight from %s allowed %q, want %q", origin, got, want)
		}
	}
	file := catalogWrite(t, "billd.yaml", "cors-origin:\n  - https://c.example\n  - https://d.example\n")
	s = serveWith(t, sqltest.MigratedDSN(t, "sqlite"), adminEnv, "--config", file, "--cors-origin", "https://e.example")
	for origin, want := range map[string]string{"https://c.example": "", "https://e.example": "https://e.example"} {
		if got := configCORSOrigin(t, s, origin); got != want {
			t.Errorf("file's list under --cors-origin: preflight from %s allowed %q, want %q", origin, got, want)
		}
	}
}

// configCORSOrigin returns the Access-Control-Allow-Origin of a CORS preflight from origin.
func configCORSOrigin(t *testing.T, s *server, origin string) string {
	t.Helper()
	r, err := http.NewRequest(http.MethodOptions, s.url+"/v1beta1/organizations", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Origin", origin)
	r.Header.Set("Access-Control-Request-Method", http.MethodPost)
	resp, err := s.http.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Access-Control-Allow-Origin")
}

// TestConfigHelpFormat checks that every command's help gives each flag its default and its
// environment variable in one format, (default: X; env: BILLD_Y), that no usage says "(default …)"
// or "default $VAR" on its own, and that the help prints no value of the environment (a secret
// such as bench's admin secret would show as the flag's default).
func TestConfigHelpFormat(t *testing.T) {
	env := map[string]string{"BILLD_ADMIN_CLIENT_SECRET": "secret-in-env", "BILLD_SELLER_NAME": "seller-in-env", "BILLD_DB": "sqlite:/tmp/db-in-env.db"}
	last := regexp.MustCompile(`^    \t\(default: [^;()]+; env: BILLD_[A-Z0-9_]+\)$`)
	for _, cmd := range []string{"serve", "demo", "verify", "clients create", "clients list", "clients revoke", "catalog apply", "catalog show", "backup", "restore", "bench"} {
		var out strings.Builder
		if err := run(context.Background(), append(strings.Fields(cmd), "--help"), func(k string) string { return env[k] }, strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatalf("billd %s --help: %v", cmd, err)
		}
		help := out.String()
		for _, v := range env {
			if strings.Contains(help, v) {
				t.Errorf("billd %s --help prints the environment's %q", cmd, v)
			}
		}
		for _, entry := range strings.Split(help, "\n  -")[1:] {
			lines := strings.Split(strings.TrimRight(entry, "\n"), "\n")
			if !last.MatchString(lines[len(lines)-1]) || strings.Contains(entry, "(default ") || strings.Contains(entry, "default $") {
				t.Errorf("billd %s --help: flag -%s is not in the one format:\n%s", cmd, lines[0], entry)
			}
		}
	}
}

// TestConfigSecretNeedsAPrivateFile checks that a database URL with a password is refused in a
// configuration file that others may read, and taken from one that only its owner reads.
func TestConfigSecretNeedsAPrivateFile(t *testing.T) {
	const db = "postgres://billd:s3cret@db.example:5432/billd"
	file := catalogWrite(t, "billd.yaml", "log-level: warn\ndb: "+db+"\n")
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := configParse(nil, "--config", file); !cliIsUsage(err) || !strings.Contains(err.Error(), "billd.yaml:2: key db: the database URL holds a password") {
		t.Errorf("a password in a file of mode 0644: %v, want a usage error naming billd.yaml:2 and key db", err)
	}
	if err := os.Chmod(file, 0o600); err != nil {
		t.Fatal(err)
	}
	if sf, err := configParse(nil, "--config", file); err != nil || sf.db != db {
		t.Errorf("a password in a file of mode 0600: db %q, %v; want %q", sf.db, err, db)
	}
	noPassword := catalogWrite(t, "other.yaml", "db: postgres://billd@db.example:5432/billd\n")
	if err := os.Chmod(noPassword, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := configParse(nil, "--config", noPassword); err != nil {
		t.Errorf("a database URL without a password in a file of mode 0644: %v", err)
	}
}
