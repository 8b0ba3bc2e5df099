package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// pageLimit is the --max-response-bytes of TestListsAreBoundedInBytes: small, so that a few
// objects with some metadata fill a page.
const pageLimit = 1500

// TestListsAreBoundedInBytes checks that every list stops a page before the item that would take
// the response past --max-response-bytes (but always sends one item), and that its
// next_page_token goes on from there: walking the pages returns every object exactly once.
func TestListsAreBoundedInBytes(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			listsAreBounded(t, serveWith(t, sqltest.DSN(t, store), adminEnv, "--max-response-bytes", fmt.Sprint(pageLimit)))
		})
	}
}

// listsAreBounded fills each list of s with objects of some metadata and walks its pages.
func listsAreBounded(t *testing.T, s *server) {
	w := newWorld(t, s, 1000)
	// One account larger than a page: with expand=customer every transaction is.
	s.ok(req{method: "PUT", path: w.account(""), body: map[string]any{"body": map[string]any{"name": "Acme billing",
		"email": "billing@acme.test", "metadata": map[string]any{"blob": strings.Repeat("a", 2*pageLimit)}}}})
	blob := map[string]any{"blob": strings.Repeat("b", 300)}
	for range 6 {
		s.ok(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": billd.NewUUID(), "amount": 1, "metadata": blob}})
		s.ok(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "p-" + billd.NewUUID()[:8], "org_id": w.orgID, "metadata": blob}})
		org := obj(t, s.ok(req{method: "POST", path: "/v1beta1/organizations",
			body: map[string]any{"name": "org-" + billd.NewUUID()[:8], "metadata": blob}}), "organization")
		s.ok(req{method: "POST", path: "/v1beta1/organizations/" + str(t, org, "id") + "/billing",
			body: map[string]any{"body": map[string]any{"name": "n", "metadata": blob}}})
		s.ok(req{method: "POST", path: "/v1beta1/admin/clients", body: map[string]any{"role": "member", "org_id": w.orgID, "name": strings.Repeat("c", 250)}})
	}
	for _, l := range []struct {
		path, field string
		items       int
	}{
		{w.account("/transactions?expand=customer"), "transactions", 7},
		{w.account("/transactions"), "transactions", 7},
		{"/v1beta1/organizations/" + w.orgID + "/projects", "projects", 7},
		{"/v1beta1/organizations", "organizations", 7},
		{"/v1beta1/admin/billing/accounts", "billing_accounts", 7},
		{"/v1beta1/admin/clients", "clients", 8},
	} {
		walkPages(t, s, l.path, l.field, l.items)
	}
}

// walkPages reads every page of a list with page_size=1000 and checks that each page with more
// than one item is within pageLimit (give or take its next_page_token), that the list took
// several pages, and that it held want distinct items.
func walkPages(t *testing.T, s *server, path, field string, want int) {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	seen := map[string]bool{}
	token, pages := "", 0
	for ; pages == 0 || token != ""; pages++ {
		p := path + sep + "page_size=1000"
		if token != "" {
			p += "&page_token=" + url.QueryEscape(token)
		}
		resp := s.do(req{method: "GET", path: p})
		if resp.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", p, resp.status, resp.raw)
		}
		items, _ := resp.json[field].([]any)
		if len(items) == 0 {
			t.Fatalf("GET %s: an empty page: %s", p, resp.raw)
		}
		if len(items) > 1 && len(resp.raw) > pageLimit+200 {
			t.Errorf("GET %s: %d items in %d bytes, over the limit of %d", p, len(items), len(resp.raw), pageLimit)
		}
		for _, it := range items {
			id := str(t, it.(map[string]any), "id")
			if seen[id] {
				t.Errorf("%s: %s is on two pages", path, id)
			}
			seen[id] = true
		}
		token, _ = resp.json["next_page_token"].(string)
	}
	if len(seen) != want || pages < 2 {
		t.Errorf("%s: %d items on %d pages, want %d items on several pages", path, len(seen), pages, want)
	}
}
