package main

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestBenchMeasureCPUStopsWithTheContext checks that the server's CPU time of an interrupted run is
// at hand at once, not when the warmup would have ended.
func TestBenchMeasureCPUStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cpu := measureCPU(ctx, os.Getpid(), time.Now().Add(time.Hour))
	cancel()
	got := make(chan time.Duration, 1)
	go func() { got <- cpu() }()
	select {
	case d := <-got:
		if d != 0 {
			t.Errorf("CPU time of a run interrupted before it measured: %s, want 0", d)
		}
	case <-time.After(time.Minute):
		t.Fatal("measureCPU still waits for the warmup's end after the context ended")
	}
}
