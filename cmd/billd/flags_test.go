package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestFlagsLimitsOnlyWhereObjectsAreCreated checks that the limit flags belong to serve and
// clients create only, and that --db-conns belongs to every command that opens the store.
func TestFlagsLimitsOnlyWhereObjectsAreCreated(t *testing.T) {
	limits := []string{"max-metadata-bytes", "max-projects-per-org", "max-accounts-per-org", "max-clients-per-org"}
	for _, cmd := range [][]string{{"serve"}, {"verify"}, {"clients", "create"}, {"clients", "list"}, {"clients", "revoke"}} {
		help, _, err := cliRun(t, append(cmd, "--help")...)
		if err != nil {
			t.Fatalf("billd %v --help: %v", cmd, err)
		}
		wantLimits := cmd[0] == "serve" || len(cmd) > 1 && cmd[1] == "create"
		for _, name := range limits {
			if got := strings.Contains(help, "-"+name+" "); got != wantLimits {
				t.Errorf("billd %v --help lists --%s: %v, want %v", cmd, name, got, wantLimits)
			}
		}
		if !strings.Contains(help, "-db-conns ") {
			t.Errorf("billd %v --help lacks --db-conns:\n%s", cmd, help)
		}
	}
	// The tools take --db-conns (and get as far as finding no store); they refuse the limits.
	data := filepath.Join(t.TempDir(), "none")
	for _, cmd := range [][]string{{"verify"}, {"clients", "list"}} {
		if _, _, err := cliRun(t, append(cmd, "--data", data, "--db-conns", "1")...); err == nil || cliIsUsage(err) {
			t.Errorf("billd %v --db-conns 1 on no store: %v, want the error of a missing store", cmd, err)
		}
		if _, _, err := cliRun(t, append(cmd, "--data", data, "--max-metadata-bytes", "5")...); !cliIsUsage(err) {
			t.Errorf("billd %v --max-metadata-bytes 5: %v, want a usage error", cmd, err)
		}
	}
}

// TestFlagsErrorsNameTheCommand checks that a mistake in the flags is reported under the command's
// name, not under a piece of its synopsis.
func TestFlagsErrorsNameTheCommand(t *testing.T) {
	for _, cmd := range [][]string{{"serve"}, {"verify"}, {"version"}, {"clients", "create"}, {"clients", "list"}, {"clients", "revoke"}} {
		_, _, err := cliRun(t, append(cmd, "--no-such-flag")...)
		if want := strings.Join(cmd, " ") + ": flag provided but not defined"; !cliIsUsage(err) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("billd %v --no-such-flag: %v, want a usage error starting %q", cmd, err, want)
		}
	}
}
