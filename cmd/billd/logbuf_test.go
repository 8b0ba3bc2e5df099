package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestBufferedLogWritesWarningsAtOnce checks the server's log buffer: info lines wait for a flush,
// a warning writes everything buffered before it at once, and Close writes the rest.
func TestBufferedLogWritesWarningsAtOnce(t *testing.T) {
	var out syncBuffer
	b := newBufferedLogEvery(&out, time.Hour) // the flusher never runs in the test
	log := newLogger(b, slog.LevelInfo).With("node", "a")
	log.Info("first")
	if got := out.String(); got != "" {
		t.Fatalf("an info line was written at once: %q; want it held until a flush", got)
	}
	log.Warn("trouble")
	if got := out.String(); !strings.Contains(got, "msg=first node=a") || !strings.Contains(got, "level=WARN msg=trouble node=a") {
		t.Fatalf("after a warning the log holds %q; want the info line before it and the warning", got)
	}
	log.Info("last")
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "msg=last") {
		t.Fatalf("after Close the log holds %q; want the last info line", got)
	}
}
