package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLogLine measures one access-log-sized line written to a file as `billd serve` writes
// its log: straight to the file (a write system call per line) and through bufferedLog.
func BenchmarkLogLine(b *testing.B) {
	for _, buffered := range []bool{false, true} {
		name := "direct"
		if buffered {
			name = "buffered"
		}
		b.Run(name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "billd.log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			var w io.Writer = f
			if buffered {
				bl := newBufferedLog(f)
				defer bl.Close()
				w = bl
			}
			log := newLogger(w, slog.LevelInfo)
			b.ReportAllocs()
			for b.Loop() {
				log.Info("request", "method", "POST", "route", "/v1beta1/organizations/{org_id}/billing/{billing_id}/usages",
					"status", 200, "duration", "1.9ms", "principal", "4f0c6f7e-36a4-4c55-9f0b-5b0e8b4c1a01", "request_id", "5c1e9a0b72d4-2s")
			}
		})
	}
}
