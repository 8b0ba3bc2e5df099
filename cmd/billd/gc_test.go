package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestGCSettings checks that serve's collector flags reach the runtime and that GOGC and
// GOMEMLIMIT, when set, win over them.
func TestGCSettings(t *testing.T) {
	prevPercent := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(prevPercent)
		debug.SetMemoryLimit(prevLimit)
	})
	noEnv := func(string) string { return "" }

	gcSettings{memoryLimit: 64 << 20, percent: 250}.apply(noEnv)
	if got := debug.SetGCPercent(100); got != 250 {
		t.Errorf("GC percent %d, want 250", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != 64<<20 {
		t.Errorf("memory limit %d, want %d", got, 64<<20)
	}

	env := map[string]string{"GOGC": "150", "GOMEMLIMIT": "1GiB"}
	gcSettings{memoryLimit: 64 << 20, percent: 250}.apply(func(k string) string { return env[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, GC percent %d, want it left at 100", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set, memory limit %d, want it left alone", got)
	}

	gcSettings{percent: 300}.apply(noEnv)
	if got := debug.SetMemoryLimit(math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("memory limit 0 set the limit to %d, want none", got)
	}
}
