package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/billd/billd/client"
)

// TestBenchCleanupRevokesWhateverBecameOfTheOrganizations checks that bench's cleanup revokes its
// meter client even when closing an organization failed, and returns both errors.
func TestBenchCleanupRevokesWhateverBecameOfTheOrganizations(t *testing.T) {
	var mu sync.Mutex
	var revoked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch id, ok := strings.CutPrefix(r.URL.Path, "/v1beta1/admin/clients/"); {
		case r.Method == "DELETE" && ok:
			mu.Lock()
			revoked = append(revoked, id)
			mu.Unlock()
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"code":14,"message":"revoke refused","details":[]}`)
		case r.Method == "DELETE" && strings.HasPrefix(r.URL.Path, "/v1beta1/organizations/"):
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"code":13,"message":"close refused","details":[]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	admin := client.New(srv.URL, "admin", "secret", 2)
	w := &benchWorld{orgIDs: []string{"org-1", "", "org-2"}, meterID: "meter-1"}
	err := w.cleanup(context.Background(), admin, io.Discard)
	mu.Lock()
	defer mu.Unlock()
	if len(revoked) != 1 || revoked[0] != "meter-1" {
		t.Errorf("revoked %q, want the meter client meter-1 once", revoked)
	}
	if err == nil || !strings.Contains(err.Error(), "close refused") || !strings.Contains(err.Error(), "revoke refused") {
		t.Errorf("cleanup: %v, want the errors of closing and of revoking", err)
	}
}
