package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/billd/billd/sqlstore/sqltest"
)

// TestStoredDataIsBounded checks the limits on what a client can make billd store, through the
// API and their flags: metadata per object (400) and objects per organization (429
// RESOURCE_EXHAUSTED).
func TestStoredDataIsBounded(t *testing.T) {
	s := serveWith(t, sqltest.DSN(t, "sqlite"), adminEnv,
		"--max-metadata-bytes", "1024", "--max-projects-per-org", "2", "--max-clients-per-org", "1")
	w := newWorld(t, s, 0) // one project
	put := func(size int) req {
		meta := map[string]any{"k": strings.Repeat("x", size-len(`{"k":""}`))}
		return req{method: "PUT", path: "/v1beta1/organizations/" + w.orgID + "/billing/" + w.accountID,
			body: map[string]any{"body": map[string]any{"name": "Acme", "metadata": meta}}}
	}
	s.ok(put(1024))
	s.fails(put(1025), http.StatusBadRequest, 3, "metadata is 1025 bytes of JSON; at most 1024 are allowed")

	project := func(name string) req {
		return req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": name, "org_id": w.orgID}}
	}
	s.ok(project("second"))
	s.fails(project("third"), http.StatusTooManyRequests, 8, "the organization already has the most projects it may have (2)")

	w.client(t, s, "member")
	s.fails(req{method: "POST", path: "/v1beta1/admin/clients", body: map[string]any{"role": "member", "org_id": w.orgID}},
		http.StatusTooManyRequests, 8, "the organization already has the most clients it may have (1)")
}
