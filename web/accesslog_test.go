package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkAccessLog measures what the access log adds to a request, written to a file as
// `billd serve` writes its log: compare the level info (logged) with warn (not logged). The
// request is refused before the service is called, so little else is measured.
func BenchmarkAccessLog(b *testing.B) {
	for _, level := range []slog.Level{slog.LevelWarn, slog.LevelInfo} {
		b.Run(level.String(), func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "billd.log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			h, err := NewHandler(nil, slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: level})), Config{})
			if err != nil {
				b.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "/v1beta1/organizations", nil)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}
