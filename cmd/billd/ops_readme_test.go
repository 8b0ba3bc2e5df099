package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpsReadmeWalkthrough runs the README's walkthrough block as a reader would paste it, with bash
// against a live server: the built binary for `go run ./cmd/billd` and a free port for 7400. It
// runs it twice on one store (the server stopped in between, as a reader would), and checks each
// run exits 0 with the walkthrough's answers.
func TestOpsReadmeWalkthrough(t *testing.T) {
	bin := procBuild(t)
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README walkthrough needs %s: %v", tool, err)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := opsWalkthrough(t, string(readme))
	for _, want := range []string{"127.0.0.1:7400", "go run ./cmd/billd"} {
		if !strings.Contains(block, want) {
			t.Fatalf("the walkthrough no longer holds %q, which this test replaces:\n%s", want, block)
		}
	}
	// The address first, then the binary: the path of the binary is random and may hold "7400".
	block = strings.ReplaceAll(block, "127.0.0.1:7400", "127.0.0.1:"+strconv.Itoa(opsFreePort(t)))
	block = strings.ReplaceAll(block, "go run ./cmd/billd", bin)

	dir := t.TempDir()
	for run := 1; run <= 2; run++ {
		out := opsRunWalkthrough(t, dir, block, run)
		for _, want := range []string{
			"billd listening on",
			`"source":"system.awarded","amount":"1000"`,
			"{}\n{}\n", // the usage and its revert
			`{"balance":{"amount":"800","currency":"VC"`,
			`"name":"Acme","email":"billing@acme.test"`,
			`"organization":{"id":`,
			`"billing_details":{"credit_min":"0","due_in_days":"30"}`,
			`"source":"system.revert.gpu","amount":"100","type":"credit"`,
			"303 https://app.example.com/paid/",
			`"state":"complete"`,
			`{"balance":{"amount":"1000","currency":"VC"`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("run %d printed no %q:\n%s", run, want, out)
			}
		}
	}
}

// opsWalkthrough returns the first sh block after the README's "## Walkthrough" heading.
func opsWalkthrough(t *testing.T, readme string) string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## Walkthrough")
	if !ok {
		t.Fatal("README.md has no ## Walkthrough section")
	}
	_, block, ok := strings.Cut(section, "\n```sh\n")
	if ok {
		block, _, ok = strings.Cut(block, "\n```\n")
	}
	if !ok {
		t.Fatal("the README walkthrough has no ```sh block")
	}
	return block + "\n"
}

// opsFreePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func opsFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// opsRunWalkthrough runs the block with bash in dir (its store is dir/billd-data), stopping at the
// first failed command, then stops the server it started and waits until the store is free. It
// returns what the block printed on stdout and fails t unless it exits 0.
func opsRunWalkthrough(t *testing.T, dir, block string, run int) string {
	t.Helper()
	// Files, not pipes: the server the block leaves running must not hold the test's reads open.
	stdout, err := os.Create(filepath.Join(dir, "stdout-"+strconv.Itoa(run)))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(dir, "stderr-"+strconv.Itoa(run)))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", block)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, stdout, stderr
	cmd.Env = childEnviron(nil)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the block and its server, to stop together
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
	runErr := cmd.Wait()
	_ = syscall.Kill(-pgid, syscall.SIGTERM) // the server, which the block leaves running
	opsWaitStoreFree(t, filepath.Join(dir, "billd-data", "billd.db"))
	out, _ := os.ReadFile(stdout.Name())
	if runErr != nil {
		errOut, _ := os.ReadFile(stderr.Name())
		t.Fatalf("run %d of the README walkthrough: %v\nstdout:\n%s\nstderr:\n%s", run, runErr, out, errOut)
	}
	return string(out)
}

// opsWaitStoreFree waits until no server holds the SQLite store's lock.
func opsWaitStoreFree(t *testing.T, file string) {
	t.Helper()
	eventually(t, "the walkthrough's server to free its store "+file, func() error {
		unlock, err := lockStore(file)
		if err == nil {
			unlock()
		}
		return err
	})
}
