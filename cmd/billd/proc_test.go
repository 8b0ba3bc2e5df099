package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd/client"
)

// The process-level tests run the real billd binary as child processes (spawn in harness_test.go),
// so that they can kill it with SIGKILL, run several nodes on one database or load it for
// seconds. Their helpers are prefixed with proc.

// processTestsEnv switches the process-level tests on: they build the binary, run servers as child
// processes and load them for seconds, so they run in .ci/run, not in every `go test ./...`.
const processTestsEnv = "BILLD_PROCESS_TESTS"

// procRequired skips t unless the process-level tests are switched on.
func procRequired(t *testing.T) {
	t.Helper()
	if os.Getenv(processTestsEnv) != "1" {
		t.Skipf("a process-level test: set %s=1 to run it (.ci/run does)", processTestsEnv)
	}
}

// procBinary is the billd binary the process tests run, built once per test process.
var procBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// procBuild builds this command once (into a temporary directory that TestMain removes) and
// returns the binary's path; it skips t unless the process-level tests are switched on.
func procBuild(t *testing.T) string {
	t.Helper()
	procRequired(t)
	procBinary.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			procBinary.err = fmt.Errorf("the go tool is needed to build billd: %w", err)
			return
		}
		if procBinary.dir, err = os.MkdirTemp("", "billd-proc-"); err != nil {
			procBinary.err = err
			return
		}
		bin := filepath.Join(procBinary.dir, "billd")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			procBinary.err = fmt.Errorf("go build -o %s .: %w\n%s", bin, err, out)
			return
		}
		procBinary.path = bin
	})
	if procBinary.err != nil {
		t.Fatal(procBinary.err)
	}
	return procBinary.path
}

// procCleanup removes the binary procBuild built.
func procCleanup() {
	if procBinary.dir != "" {
		os.RemoveAll(procBinary.dir)
	}
}

// procStatus returns the HTTP status of a client error, 0 for a transport error.
func procStatus(err error) int {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// procIsError reports whether err is the server's answer with this status and a message
// containing msg.
func procIsError(err error, status int, msg string) bool {
	var e *client.Error
	return errors.As(err, &e) && e.Status == status && strings.Contains(e.Message, msg)
}

// procEach runs fn(0..n-1) on up to workers goroutines.
func procEach(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// procRetry503 calls send until it answers something else than 503 (a refusal before anything
// is queued), for at most waitTimeout, and returns its last answer.
func procRetry503(send func() error) error {
	var last error
	retry(waitTimeout, func() error {
		if last = send(); procStatus(last) == 503 {
			return last
		}
		return nil
	})
	return last
}
