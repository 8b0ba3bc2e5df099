package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A command's flags take their values, first to last, from the command line, the environment
// (BILLD_<FLAG_IN_UPPER_SNAKE>: --max-inflight is BILLD_MAX_INFLIGHT), the configuration file of
// --config (YAML: one key per flag, named as the flag), and the flag's default. The mechanism
// walks the FlagSet, so every flag a command registers gets an environment variable and a key
// without more code. The file is YAML because its parser (go.yaml.in/yaml/v3) is already a vetted
// dependency of billd, for the catalog.

// maxConfigBytes bounds the configuration file: a few hundred flags fit in a few KiB.
const maxConfigBytes = 1 << 20

// configFlag is the value of --config: the file's path, with what the command's flags take their
// other values from.
type configFlag struct {
	path   string
	getenv func(string) string
	// strict refuses the file's keys that are no flag of the command. The server's commands (serve,
	// demo), which take every flag of the file, are strict; the tools, which take some of them
	// (--data, --db, …), skip the others, so that they can share the server's file.
	strict bool
}

func (c *configFlag) String() string {
	if c == nil {
		return ""
	}
	return c.path
}

func (c *configFlag) Set(path string) error {
	c.path = path
	return nil
}

// registerConfig adds --config to fs; its values, and the environment's, are applied by
// parseFlags once the command line is parsed.
func registerConfig(fs *flag.FlagSet, getenv func(string) string) *configFlag {
	c := &configFlag{getenv: getenv}
	fs.Var(c, "config", "a YAML `file` of flag values (.yaml or .yml), one key per flag named as the flag (addr: 127.0.0.1:7400); the command line and the environment override it (docs/operations.md)")
	return c
}

// envName returns the environment variable of the flag name: BILLD_ and the name in upper snake
// case.
func envName(flagName string) string {
	return "BILLD_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(flagName))
}

// configOf returns the --config of fs, if it has one.
func configOf(fs *flag.FlagSet) *configFlag {
	if f := fs.Lookup("config"); f != nil {
		c, _ := f.Value.(*configFlag)
		return c
	}
	return nil
}

// applyConfig gives the flags of fs that the command line left unset the value of their
// environment variable, else of the configuration file's key. A bad value or key is a usageError
// naming where it comes from.
func applyConfig(fs *flag.FlagSet, c *configFlag) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		v := c.getenv(name)
		if err != nil || set[f.Name] || v == "" {
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = usageError{fmt.Sprintf("%s: %s=%q: invalid value: %v", fs.Name(), name, v, e)}
		}
		set[f.Name] = true
	})
	if err != nil || c.path == "" {
		return err
	}
	entries, err := readConfigFile(c.path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := e.apply(fs, set, c.strict); err != nil {
			return err
		}
	}
	return nil
}

// configEntry is one key of the configuration file and its values (several for a list).
type configEntry struct {
	path, key string
	line      int
	values    []string
}

// apply sets the entry's flag unless the command line or the environment did.
func (e configEntry) apply(fs *flag.FlagSet, set map[string]bool, strict bool) error {
	switch {
	case e.key == "config":
		return e.errorf("a configuration file cannot name another")
	case fs.Lookup(e.key) == nil && strict:
		return e.errorf("unknown key (the keys are the flags of `billd %s --help`)", fs.Name())
	case fs.Lookup(e.key) == nil || set[e.key]:
		return nil
	}
	for _, v := range e.values {
		if err := fs.Set(e.key, v); err != nil {
			return e.errorf("invalid value %q: %v", v, err)
		}
	}
	return nil
}

func (e configEntry) errorf(format string, args ...any) error {
	return usageError{fmt.Sprintf("%s:%d: key %s: %s", e.path, e.line, e.key, fmt.Sprintf(format, args...))}
}

// readConfigFile reads a configuration file: one YAML mapping of flag names to a value, or to a
// list of values (as a flag repeated on the command line). Its size is bounded.
func readConfigFile(path string) ([]configEntry, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".yaml", ".yml":
	case ".toml":
		return nil, usageError{fmt.Sprintf("--config %s: billd reads its configuration from YAML (.yaml or .yml), not TOML; give the same keys in YAML (examples/billd.yaml)", path)}
	default:
		return nil, usageError{fmt.Sprintf("--config %s: the configuration file is YAML and its name ends in .yaml or .yml", path)}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{"--config: " + err.Error()}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, usageError{"--config: " + err.Error()}
	}
	if len(b) > maxConfigBytes {
		return nil, usageError{fmt.Sprintf("--config %s: the file is larger than %d bytes", path, maxConfigBytes)}
	}
	info, err := f.Stat()
	if err != nil {
		return nil, usageError{"--config: " + err.Error()}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, nil // an empty file sets nothing
	} else if err != nil {
		return nil, usageError{fmt.Sprintf("%s: %s", path, yamlMessage(err))}
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return nil, usageError{fmt.Sprintf("%s holds more than one YAML document", path)}
	}
	entries, err := configEntries(path, &doc)
	if err != nil {
		return nil, err
	}
	return entries, checkConfigSecrets(entries, info.Mode())
}

// checkConfigSecrets refuses a database URL with a password in a file that others than its owner
// may read: the password would be as readable as the file.
func checkConfigSecrets(entries []configEntry, mode iofs.FileMode) error {
	if mode.Perm()&0o077 == 0 {
		return nil
	}
	for _, e := range entries {
		if e.key != "db" {
			continue
		}
		for _, v := range e.values {
			if u, err := url.Parse(v); err == nil && u.User != nil {
				if _, ok := u.User.Password(); ok {
					return e.errorf("the database URL holds a password and the file is readable by others (mode %v): chmod 600 %s, or give the password in PGPASSWORD or ~/.pgpass instead", mode.Perm(), e.path)
				}
			}
		}
	}
	return nil
}

// configEntries returns the entries of the file's document, which must be one mapping of scalar
// keys to scalars or lists of scalars, each key once.
func configEntries(path string, doc *yaml.Node) ([]configEntry, error) {
	m := doc
	if m.Kind == yaml.DocumentNode && len(m.Content) == 1 {
		m = m.Content[0]
	}
	if m.Kind == yaml.ScalarNode && m.Tag == "!!null" {
		return nil, nil
	}
	if m.Kind != yaml.MappingNode {
		return nil, usageError{fmt.Sprintf("%s:%d: want a mapping of flag names to values (addr: 127.0.0.1:7400)", path, m.Line)}
	}
	var entries []configEntry
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		e := configEntry{path: path, key: k.Value, line: k.Line}
		if k.Kind != yaml.ScalarNode {
			return nil, usageError{fmt.Sprintf("%s:%d: a key must be a flag name", path, k.Line)}
		}
		if seen[e.key] {
			return nil, e.errorf("given twice")
		}
		seen[e.key] = true
		values, ok := scalarValues(v)
		if !ok {
			return nil, e.errorf("want a value or a list of values (no null, no nested section)")
		}
		e.values = values
		entries = append(entries, e)
	}
	return entries, nil
}

// scalarValues returns the values of a scalar or of a list of scalars.
func scalarValues(v *yaml.Node) ([]string, bool) {
	switch {
	case v.Kind == yaml.ScalarNode && v.Tag != "!!null":
		return []string{v.Value}, true
	case v.Kind == yaml.SequenceNode:
		var values []string
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
				return nil, false
			}
			values = append(values, item.Value)
		}
		return values, true
	}
	return nil, false
}
