package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// docs/api.md's guide is executable: its ```sh blocks run in order, in one bash, against a live
// billd, and a ```text block after one holds what that block must print. The guide's own values
// for the server, the admin and the webhook receiver are replaced by the test's.
const (
	guideServer   = "http://127.0.0.1:7400"
	guideAdmin    = "admin:change-me-0123456789"
	guideReceiver = "http://127.0.0.1:9000/billd-webhooks"
)

// guideBlock is one ```sh block of the guide and the ```text block that follows it, if any.
type guideBlock struct {
	line  int    // of the opening fence, for messages
	code  string // the commands
	want  string // what the commands print, "…" standing for anything; "" checks nothing
	norun bool   // a ```sh norun block: shown, not run
}

// guideFence matches a fence line and its info string.
var guideFence = regexp.MustCompile("^```(.*)$")

// guideShells are the info strings of shell blocks other than sh: the guide must say of each
// shell block whether it runs.
var guideShells = map[string]bool{"bash": true, "shell": true, "console": true, "zsh": true, "sh-session": true}

// guideBlocks returns the shell blocks of doc: ```sh blocks, which run, and ```sh norun blocks. A
// ```text block is the expected output of the running block just before it. Other shell blocks
// (```bash, ...) fail t: each shell block is sh or sh norun.
func guideBlocks(t *testing.T, doc string) []guideBlock {
	t.Helper()
	var blocks []guideBlock
	lines := strings.Split(doc, "\n")
	lastRan := false // whether the previous fenced block was a running sh block
	for i := 0; i < len(lines); i++ {
		m := guideFence.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		info, start := strings.TrimSpace(m[1]), i
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("docs/api.md:%d: the block does not end", start+1)
		}
		text := strings.Join(body, "\n") + "\n"
		switch {
		case info == "sh" || info == "sh norun":
			blocks = append(blocks, guideBlock{line: start + 1, code: text, norun: info != "sh"})
		case info == "text" && lastRan:
			blocks[len(blocks)-1].want = text
		case guideShells[info]:
			t.Errorf("docs/api.md:%d: a ```%s block: write ```sh to run it in the guide's test, ```sh norun if it must not run", start+1, info)
		}
		lastRan = info == "sh"
	}
	return blocks
}

// guideCurlChecked matches what makes a curl command of the guide fail on an error status, or
// print the status for its expected output to check.
var guideCurlChecked = regexp.MustCompile(`(^|\s)(-f\w*|--fail\S*)\s|%\{http_code\}`)

// TestAPIGuide runs the guide's blocks against billd on SQLite and on PostgreSQL, each with a
// webhook receiver that saves each delivery's body (body.json) and headers (headers.txt) in the
// blocks' directory, as the guide says a receiver of yours might. It fails when a block fails (a curl given an error status among
// them: every curl of the guide fails on one or prints its status) or does not print what its
// ```text block shows.
func TestAPIGuide(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			missingTool(t, fmt.Sprintf("the guide of docs/api.md needs %s: %v", tool, err))
		}
	}
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := slices.DeleteFunc(guideBlocks(t, string(doc)), func(b guideBlock) bool { return b.norun })
	if len(blocks) < 8 {
		t.Fatalf("docs/api.md has %d blocks to run; the guide has more", len(blocks))
	}
	for _, b := range blocks {
		for _, line := range strings.Split(b.code, "\n") {
			if strings.Contains(line, "curl ") && !guideCurlChecked.MatchString(line) {
				t.Errorf("docs/api.md:%d: a curl that neither fails on an error status (-fsS) nor prints it: %s", b.line, line)
			}
		}
	}
	var script strings.Builder
	for i, b := range blocks {
		fmt.Fprintf(&script, "printf '\\n@@block %d@@\\n'\n%s", i, b.code)
	}
	fmt.Fprintf(&script, "printf '\\n@@block %d@@\\n'\n", len(blocks))
	for _, want := range []string{guideServer, guideAdmin, guideReceiver} {
		if !strings.Contains(script.String(), want) {
			t.Fatalf("the guide no longer holds %q, which this test replaces", want)
		}
	}
	eachStoreWith(t, adminEnv, []string{"--webhooks-allow-private"}, func(t *testing.T, s *server) {
		dir := t.TempDir()
		receiver := savingReceiver(t, dir)
		code := strings.NewReplacer(guideServer, s.url, guideAdmin, adminID+":"+adminSecret,
			guideReceiver, receiver+"/billd-webhooks").Replace(script.String())
		out := runGuide(t, dir, code)
		for i, b := range blocks {
			_, got, _ := strings.Cut(out, fmt.Sprintf("\n@@block %d@@\n", i))
			got, _, _ = strings.Cut(got, fmt.Sprintf("\n@@block %d@@\n", i+1))
			if missing := guideMissing(got, b.want); missing != "" {
				t.Errorf("docs/api.md:%d: the block printed no %q (after the earlier parts of its ```text block):\n%s", b.line, missing, got)
			}
		}
	})
}

// runGuide runs the guide's script with bash in dir and returns what it printed; it fails t with
// the output if a command fails.
func runGuide(t *testing.T, dir, code string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-u", "-o", "pipefail", "-c", code)
	cmd.Dir = dir
	cmd.Env = childEnviron(nil)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the guide of docs/api.md failed: %v\n%s", err, out)
	}
	return string(out)
}

// guideMissing returns the first part of want that got does not hold, in order, or "". The parts
// are want's lines split at "…", trimmed.
func guideMissing(got, want string) string {
	for _, line := range strings.Split(want, "\n") {
		for _, part := range strings.Split(line, "…") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			i := strings.Index(got, part)
			if i < 0 {
				return part
			}
			got = got[i+len(part):]
		}
	}
	return ""
}

// savingReceiver serves a webhook receiver that keeps the last delivery's raw body in
// dir/body.json and its headers in dir/headers.txt ("Name: value" lines), and answers 204.
func savingReceiver(t *testing.T, dir string) string {
	t.Helper()
	var mu sync.Mutex // a body and its headers are saved together
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, err := readAllBounded(r, 1<<20)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var headers strings.Builder
		for name := range r.Header {
			fmt.Fprintf(&headers, "%s: %s\n", name, r.Header.Get(name))
		}
		if os.WriteFile(filepath.Join(dir, "headers.txt"), []byte(headers.String()), 0o600) != nil ||
			os.WriteFile(filepath.Join(dir, "body.json"), body, 0o600) != nil {
			http.Error(w, "cannot save", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// readAllBounded reads a request's body, at most limit bytes.
func readAllBounded(r *http.Request, limit int64) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
}

// guideVariable matches a shell variable's use ($NAME, ${NAME}) and, in guideAssigned, its
// assignment (NAME=, read NAME).
var (
	guideVariable = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
	guideAssigned = regexp.MustCompile(`(?:^|[\s;(])(?:export\s+|local\s+)?([A-Za-z_][A-Za-z0-9_]*)=|\bread\s+(?:-r\s+)?([A-Za-z_][A-Za-z0-9_]*)`)
)

// TestAPIGuideVariables checks that every variable a shell block of docs/api.md uses, those that
// do not run included (bash -u checks the others), is set by that block or an earlier one: each
// command can be pasted after the blocks above it.
func TestAPIGuideVariables(t *testing.T) {
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{"HOME": true, "PATH": true}
	for _, b := range guideBlocks(t, string(doc)) {
		for i, line := range strings.Split(b.code, "\n") {
			code, _, _ := strings.Cut(line, " #") // a comment may name a variable
			for _, m := range guideAssigned.FindAllStringSubmatch(code, -1) {
				set[m[1]+m[2]] = true
			}
			for _, m := range guideVariable.FindAllStringSubmatch(code, -1) {
				if !set[m[1]] && !strings.Contains(code, m[1]+"=") {
					t.Errorf("docs/api.md:%d: $%s is used before any block sets it: %s", b.line+1+i, m[1], line)
				}
			}
		}
	}
}
