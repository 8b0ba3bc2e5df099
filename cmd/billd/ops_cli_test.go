package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestOpsHelp checks that every command shows its own flags on request, on stdout, with success.
func TestOpsHelp(t *testing.T) {
	for _, tc := range []struct {
		args        []string
		want, wantN []string // in stdout; not in stdout
	}{
		{[]string{"help", "serve"}, []string{"usage: billd serve", "-addr", "-max-connections", "-group-commit", "-db"}, nil},
		{[]string{"serve", "--help"}, []string{"usage: billd serve", "-addr", "-max-connections"}, nil},
		{[]string{"verify", "-h"}, []string{"usage: billd verify", "-db", "-data"}, []string{"-group-commit", "-addr"}},
		{[]string{"help", "verify"}, []string{"usage: billd verify", "-db"}, []string{"-max-connections"}},
		{[]string{"clients", "--help"}, []string{"billd clients create --role", "billd clients list", "billd clients revoke", "-role", "-org", "-db"}, []string{"-group-commit"}},
		{[]string{"help", "clients"}, []string{"billd clients create --role", "billd clients revoke"}, nil},
		{[]string{"clients", "create", "--help"}, []string{"usage: billd clients create", "-role", "-name", "-db"}, []string{"-addr"}},
		{[]string{"clients", "revoke", "-h"}, []string{"usage: billd clients revoke", "CLIENT_ID", "-db"}, []string{"-role"}},
		{[]string{"help", "version"}, []string{"usage: billd version"}, nil},
		{[]string{"help"}, []string{"usage: billd <command>", "serve", "clients", "billd help COMMAND"}, nil},
	} {
		out, errOut, err := cliRun(t, tc.args...)
		if err != nil || errOut != "" {
			t.Errorf("billd %v: %v, stderr %q", tc.args, err, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("billd %v: no %q in:\n%s", tc.args, w, out)
			}
		}
		for _, w := range tc.wantN {
			if strings.Contains(out, w) {
				t.Errorf("billd %v: %q is not a flag of this command:\n%s", tc.args, w, out)
			}
		}
	}
	if _, _, err := cliRun(t, "help", "bench"); err != nil {
		t.Errorf("billd help bench: %v", err)
	}
	for _, args := range [][]string{{"help", "frobnicate"}, {"clients", "frob"}, {"verify", "extra"}, {"version", "extra"}} {
		if _, errOut, err := cliRun(t, args...); !cliIsUsage(err) || !strings.Contains(errOut, "usage: billd") {
			t.Errorf("billd %v: %v, stderr %q; want a usage error and the usage", args, err, errOut)
		}
	}
}

// TestOpsVersion checks billd --version and the build information it prints.
func TestOpsVersion(t *testing.T) {
	long, _, err := cliRun(t, "--version")
	short, _, err2 := cliRun(t, "version")
	if err != nil || err2 != nil || long != short || !strings.HasPrefix(long, "billd ") || !strings.Contains(long, "go:       "+runtime.Version()) {
		t.Errorf("--version: %v %q; version: %v %q", err, long, err2, short)
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path != "" && !strings.Contains(long, bi.Main.Path) {
		t.Errorf("--version does not name the module %s: %q", bi.Main.Path, long)
	}

	bi := &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Path: "github.com/billd/billd", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		set  string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"dev", bi, true, "billd v1.2.3\nmodule:   github.com/billd/billd v1.2.3\nrevision: 0123abcd (2026-01-02T03:04:05Z), modified\ngo:       go1.99\n"},
		{"1.3.0-rc1", bi, true, "billd 1.3.0-rc1\nmodule:   github.com/billd/billd v1.2.3\nrevision: 0123abcd (2026-01-02T03:04:05Z), modified\ngo:       go1.99\n"},
		{"dev", &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Path: "github.com/billd/billd", Version: "(devel)"}}, true,
			"billd dev\nmodule:   github.com/billd/billd (devel)\ngo:       go1.99\n"},
		{"dev", nil, false, "billd dev\n"},
	} {
		if got := versionText(tc.set, tc.bi, tc.ok); got != tc.want {
			t.Errorf("versionText(%q) = %q, want %q", tc.set, got, tc.want)
		}
	}
}

// TestOpsErrorsPrintedOnce checks what billd prints for a failed command and its exit status.
func TestOpsErrorsPrintedOnce(t *testing.T) {
	dsn := sqltest.Open(t, "sqlite").DSN
	_, _, domainErr := cliRun(t, "clients", "create", "--role", "owner", "--db", dsn)
	_, flagOut, flagErr := cliRun(t, "serve", "--no-such-flag")
	for _, tc := range []struct {
		err  error
		code int
		msg  string
	}{
		{domainErr, 1, "org"},
		{billd.Errorf(billd.ENOTFOUND, "client not found"), 1, "client not found"},
		{flagErr, 2, "serve: flag provided but not defined: -no-such-flag"},
		{nil, 0, ""},
	} {
		var stderr bytes.Buffer
		code := exitCode(tc.err, &stderr)
		out := stderr.String()
		if code != tc.code || (tc.err == nil) != (out == "") {
			t.Errorf("exitCode(%v) = %d, printed %q; want %d", tc.err, code, out, tc.code)
		}
		if tc.err != nil && (strings.Count(out, "billd:") != 1 || !strings.HasPrefix(out, "billd: ") ||
			!strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 || !strings.Contains(out, tc.msg)) {
			t.Errorf("exitCode(%v) printed %q; want one line with one \"billd: \" prefix and %q", tc.err, out, tc.msg)
		}
	}
	if !strings.Contains(flagOut, "usage: billd serve") || strings.Count(flagOut, "no-such-flag") != 0 {
		t.Errorf("a flag mistake printed %q; want the usage of serve (the error is printed once, by main)", flagOut)
	}
}
