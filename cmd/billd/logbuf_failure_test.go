package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// failingWriter refuses every write while failing is set.
type failingWriter struct {
	mu      sync.Mutex
	failing bool
	buf     bytes.Buffer
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failing {
		return 0, errors.New("no space left on device")
	}
	return w.buf.Write(p)
}

func (w *failingWriter) fail(on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failing = on
}

func (w *failingWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestBufferedLogWritesAgainAfterAFailure checks that a failed write of the server's log loses
// only what it held: the lines after it are written once the output takes them again. The flusher
// never runs in the test, so info lines stay held until a warning writes them.
func TestBufferedLogWritesAgainAfterAFailure(t *testing.T) {
	var out failingWriter
	b := newBufferedLogEvery(&out, time.Hour)
	defer b.Close()
	log := newLogger(b, slog.LevelInfo)
	out.fail(true)
	log.Warn("lost")
	out.fail(false)
	log.Info("held")
	if got := out.String(); got != "" {
		t.Fatalf("before any warning the log holds %q; want the info line held", got)
	}
	log.Warn("after")
	if got := out.String(); !strings.Contains(got, "msg=held") || !strings.Contains(got, "msg=after") || strings.Contains(got, "msg=lost") {
		t.Fatalf("after the output recovered the log holds %q; want the lines after the failure only", got)
	}
}
