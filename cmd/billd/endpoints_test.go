package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
)

// The endpoint tests walk every route of web/routes.go: the happy path with the exact response
// shape, and each error path with its status, gRPC code and message.

var (
	epProjectFields     = []string{"id", "name", "title", "org_id", "metadata", "created_at", "updated_at", "members_count"}
	epTransactionFields = []string{"id", "customer_id", "source", "amount", "type", "description", "user_id",
		"metadata", "created_at", "updated_at", "user", "customer"}
	epClientFields = []string{"id", "name", "role", "org_id", "created_at"}
)

// epList checks a list response (exactly the list field and next_page_token) and returns its items
// and its next page token.
func epList(t *testing.T, resp map[string]any, field string) ([]map[string]any, string) {
	t.Helper()
	keys(t, "list response", resp, field, "next_page_token")
	raw, ok := resp[field].([]any)
	if !ok {
		t.Fatalf("%s = %v, want a JSON array", field, resp[field])
	}
	token, ok := resp["next_page_token"].(string)
	if !ok {
		t.Fatalf("next_page_token = %v, want a string", resp["next_page_token"])
	}
	items := make([]map[string]any, len(raw))
	for i, v := range raw {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s[%d] = %v, want an object", field, i, v)
		}
		items[i] = m
	}
	return items, token
}

// epIDs returns the id field of each item.
func epIDs(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, m := range items {
		out[i], _ = m["id"].(string)
	}
	return out
}

// epPages lists path (whose query already holds page_size) page after page, following
// next_page_token, and returns every item and the number of pages.
func epPages(t *testing.T, s *server, as *creds, path, field string) ([]map[string]any, int) {
	t.Helper()
	var all []map[string]any
	token := ""
	for pages := 1; ; pages++ {
		p := path
		if token != "" {
			p += "&page_token=" + url.QueryEscape(token)
		}
		items, next := epList(t, s.ok(req{method: "GET", path: p, as: as}), field)
		all = append(all, items...)
		if next == "" {
			return all, pages
		}
		if pages > 50 {
			t.Fatalf("%s: pagination does not end", path)
		}
		token = next
	}
}

// epUsage is one usage of a usage request body.
func epUsage(id string, amount any) map[string]any {
	return map[string]any{"id": id, "amount": amount, "source": "gpu", "description": "a100"}
}

// epUsages is a usage request body.
func epUsages(usages ...map[string]any) map[string]any {
	return map[string]any{"usages": usages}
}

func TestEndpointsHealthAndRouting(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		health := s.ok(req{method: "GET", path: "/healthz", as: &creds{}})
		keys(t, "healthz", health, "status")
		if health["status"] != "ok" {
			t.Errorf("healthz = %v", health)
		}

		// The API reference is served without credentials.
		doc := s.ok(req{method: "GET", path: "/openapi.json", as: &creds{}})
		if paths, _ := doc["paths"].(map[string]any); paths["/docs"] == nil || doc["openapi"] == nil {
			t.Errorf("/openapi.json is not billd's OpenAPI document: %.200v", doc)
		}
		page, err := s.http.Get(s.url + "/docs")
		if err != nil {
			t.Fatal(err)
		}
		page.Body.Close()
		if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
			t.Errorf("GET /docs: %d %q", page.StatusCode, page.Header.Get("Content-Type"))
		}

		s.fails(req{method: "GET", path: "/v1beta1/nope"}, http.StatusNotFound, 5, "no such path")
		s.fails(req{method: "GET", path: "/v1beta1/nope", as: &creds{}}, http.StatusNotFound, 5, "no such path")
		s.fails(req{method: "GET", path: "/"}, http.StatusNotFound, 5, "no such path")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + billd.NewUUID() + "/nope"}, http.StatusNotFound, 5, "no such path")

		for _, c := range []struct {
			method, path string
			allow        []string
		}{
			{"PATCH", "/v1beta1/organizations", []string{"GET", "POST"}},
			{"POST", "/healthz", []string{"GET"}},
			{"GET", "/v1beta1/organizations/billing/usages", []string{"POST"}},
			{"DELETE", "/v1beta1/admin/billing/accounts", []string{"GET"}},
			{"GET", "/v1beta1/billing/check", []string{"POST"}},
			{"POST", "/v1beta1/organizations/" + billd.NewUUID(), []string{"GET", "PUT", "DELETE"}},
			{"PUT", "/v1beta1/admin/clients", []string{"GET", "POST"}},
		} {
			for _, as := range []*creds{nil, {}} {
				resp := s.fails(req{method: c.method, path: c.path, as: as}, http.StatusMethodNotAllowed, 12, "is not allowed")
				allow := resp.header.Get("Allow")
				for _, m := range c.allow {
					if !strings.Contains(allow, m) {
						t.Errorf("%s %s: Allow %q, want it to list %s", c.method, c.path, allow, m)
					}
				}
				if strings.Contains(allow, c.method) {
					t.Errorf("%s %s: Allow %q lists the refused method", c.method, c.path, allow)
				}
			}
		}
	})
}

func TestEndpointsOrganizations(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		resp := s.ok(req{method: "POST", path: "/v1beta1/organizations", body: map[string]any{
			"name": "Acme-Corp", "title": "Acme Corporation", "avatar": "data:image/png;base64,AAAA",
			"metadata": map[string]any{"tier": "gold", "seats": json.Number("1.50"), "tags": []any{"a", "b"}}}})
		keys(t, "create response", resp, "organization")
		org := keys(t, "organization", resp["organization"], organizationFields...)
		id := str(t, org, "id")
		if !billd.IsUUID(id) {
			t.Errorf("id %q is not a UUID", id)
		}
		if org["name"] != "acme-corp" || org["title"] != "Acme Corporation" || org["state"] != "enabled" ||
			org["avatar"] != "data:image/png;base64,AAAA" {
			t.Errorf("organization = %v", org)
		}
		meta := keys(t, "metadata", org["metadata"], "tier", "seats", "tags")
		if meta["tier"] != "gold" || meta["seats"] != json.Number("1.5") || !reflect.DeepEqual(meta["tags"], []any{"a", "b"}) {
			t.Errorf("metadata = %v, want it as written, 1.50 as the double 1.5", meta)
		}
		created := timestamp(t, "created_at", org["created_at"])
		if !timestamp(t, "updated_at", org["updated_at"]).Equal(created) {
			t.Errorf("a new organization's updated_at %v differs from created_at %v", org["updated_at"], org["created_at"])
		}

		// Get by id, by name and by name in another case: the same organization.
		for _, key := range []string{id, "acme-corp", "ACME-Corp", strings.ToUpper(id)} {
			got := s.ok(req{method: "GET", path: "/v1beta1/organizations/" + key})
			keys(t, "get response", got, "organization")
			if !reflect.DeepEqual(got["organization"], org) {
				t.Errorf("GET %s = %v, want %v", key, got["organization"], org)
			}
		}
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + billd.NewUUID()}, http.StatusNotFound, 5, "organization not found")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/no-such-org"}, http.StatusNotFound, 5, "organization not found")

		// Names are unique among open organizations, whatever their case.
		s.fails(req{method: "POST", path: "/v1beta1/organizations", body: map[string]any{"name": "acme-corp"}}, http.StatusConflict, 6, "already taken")
		s.fails(req{method: "POST", path: "/v1beta1/organizations", body: map[string]any{"name": "ACME-CORP"}}, http.StatusConflict, 6, "already taken")
		for _, c := range []struct {
			body map[string]any
			msg  string
		}{
			{map[string]any{}, "name is required"},
			{map[string]any{"name": "ab"}, "3 to 64 characters"},
			{map[string]any{"name": strings.Repeat("a", 65)}, "3 to 64 characters"},
			{map[string]any{"name": "-abc"}, "must start with a letter or digit"},
			{map[string]any{"name": "a b c"}, "only letters, digits"},
			{map[string]any{"name": billd.NewUUID()}, "must not be a UUID"},
			{map[string]any{"name": "long-title", "title": strings.Repeat("t", 257)}, "title must be at most 256"},
		} {
			s.fails(req{method: "POST", path: "/v1beta1/organizations", body: c.body}, http.StatusBadRequest, 3, c.msg)
		}

		owner := orgClient(t, s, id, "owner")
		orgAdmin := orgClient(t, s, id, "admin")
		member := orgClient(t, s, id, "member")
		meter, _ := clientCreds(t, s.ok(req{method: "POST", path: "/v1beta1/admin/clients", body: map[string]any{"role": "meter"}}))
		for _, as := range []creds{owner, meter} {
			s.fails(req{method: "POST", path: "/v1beta1/organizations", as: &as, body: map[string]any{"name": "by-client"}}, http.StatusForbidden, 7, "not authorized")
		}
		s.fails(req{method: "POST", path: "/v1beta1/organizations", as: &creds{}, body: map[string]any{"name": "anonymous"}}, http.StatusUnauthorized, 16, "credentials required")
		s.ok(req{method: "GET", path: "/v1beta1/organizations/" + id, as: &member})
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + id, as: &meter}, http.StatusForbidden, 7, "not authorized")

		// Update replaces name, title, metadata and avatar.
		upd := s.ok(req{method: "PUT", path: "/v1beta1/organizations/" + id, as: &orgAdmin,
			body: map[string]any{"name": "acme-two", "title": "Acme Two", "metadata": map[string]any{"k": "v"}}})
		keys(t, "update response", upd, "organization")
		u := keys(t, "organization", upd["organization"], organizationFields...)
		if u["id"] != id || u["name"] != "acme-two" || u["title"] != "Acme Two" || u["avatar"] != "" || u["state"] != "enabled" {
			t.Errorf("updated organization = %v", u)
		}
		keys(t, "metadata", u["metadata"], "k")
		if !timestamp(t, "created_at", u["created_at"]).Equal(created) {
			t.Errorf("update changed created_at: %v", u["created_at"])
		}
		if timestamp(t, "updated_at", u["updated_at"]).Before(created) {
			t.Errorf("updated_at %v is before created_at", u["updated_at"])
		}
		if got := obj(t, s.ok(req{method: "GET", path: "/v1beta1/organizations/acme-two"}), "organization"); !reflect.DeepEqual(got, u) {
			t.Errorf("GET after update = %v, want %v", got, u)
		}
		s.fails(req{method: "GET", path: "/v1beta1/organizations/acme-corp"}, http.StatusNotFound, 5, "organization not found")
		// The old name is free again.
		beta := createOrg(t, s, "acme-corp")
		s.fails(req{method: "PUT", path: "/v1beta1/organizations/" + id, body: map[string]any{"name": "acme-corp"}}, http.StatusConflict, 6, "already taken")
		s.fails(req{method: "PUT", path: "/v1beta1/organizations/" + id, body: map[string]any{"title": "no name"}}, http.StatusBadRequest, 3, "name is required")
		s.fails(req{method: "PUT", path: "/v1beta1/organizations/" + id, as: &member, body: map[string]any{"name": "by-member"}}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "PUT", path: "/v1beta1/organizations/" + str(t, beta, "id"), as: &owner, body: map[string]any{"name": "hijack"}}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "PUT", path: "/v1beta1/organizations/" + billd.NewUUID(), body: map[string]any{"name": "ghost"}}, http.StatusNotFound, 5, "organization not found")
		s.fails(req{method: "PUT", path: "/v1beta1/organizations/acme-two", body: map[string]any{"name": "by-name"}}, http.StatusBadRequest, 3, "must be a UUID")

		// Disable and enable: owner or platform admin; {} either way; idempotent.
		s.fails(req{method: "POST", path: "/v1beta1/organizations/" + id + "/disable", as: &orgAdmin}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "POST", path: "/v1beta1/organizations/" + id + "/disable", as: &owner,
			body: map[string]any{"id": str(t, beta, "id")}}, http.StatusBadRequest, 3, "does not match the path")
		keys(t, "disable response", s.ok(req{method: "POST", path: "/v1beta1/organizations/" + id + "/disable", as: &owner, body: map[string]any{"id": id}}))
		keys(t, "disable again", s.ok(req{method: "POST", path: "/v1beta1/organizations/" + id + "/disable"}))
		if st := obj(t, s.ok(req{method: "GET", path: "/v1beta1/organizations/" + id}), "organization")["state"]; st != "disabled" {
			t.Errorf("state after disable = %v", st)
		}
		// A disabled organization refuses org-scoped writes.
		s.fails(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "web", "org_id": id}}, http.StatusBadRequest, 9, "organization is disabled")
		s.fails(req{method: "POST", path: "/v1beta1/organizations/" + id + "/billing", body: map[string]any{"body": map[string]any{"name": "b"}}},
			http.StatusBadRequest, 9, "organization is disabled")
		keys(t, "enable response", s.ok(req{method: "POST", path: "/v1beta1/organizations/" + id + "/enable", as: &owner}))
		if st := obj(t, s.ok(req{method: "GET", path: "/v1beta1/organizations/" + id}), "organization")["state"]; st != "enabled" {
			t.Errorf("state after enable = %v", st)
		}
		s.ok(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "web", "org_id": id}})
		s.fails(req{method: "POST", path: "/v1beta1/organizations/" + billd.NewUUID() + "/enable"}, http.StatusNotFound, 5, "organization not found")
		s.fails(req{method: "POST", path: "/v1beta1/organizations/nope/enable"}, http.StatusBadRequest, 3, "must be a UUID")

		// Delete closes the organization: hidden, its clients revoked, its name free.
		s.fails(req{method: "DELETE", path: "/v1beta1/organizations/" + id, as: &orgAdmin}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "DELETE", path: "/v1beta1/organizations/" + id, as: &member}, http.StatusForbidden, 7, "not authorized")
		keys(t, "delete response", s.ok(req{method: "DELETE", path: "/v1beta1/organizations/" + id}))
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + id}, http.StatusNotFound, 5, "organization not found")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/acme-two"}, http.StatusNotFound, 5, "organization not found")
		s.fails(req{method: "DELETE", path: "/v1beta1/organizations/" + id}, http.StatusNotFound, 5, "organization not found")
		s.fails(req{method: "POST", path: "/v1beta1/organizations/" + id + "/enable"}, http.StatusNotFound, 5, "organization not found")
		s.fails(req{method: "PUT", path: "/v1beta1/organizations/" + id, body: map[string]any{"name": "zombie"}}, http.StatusNotFound, 5, "organization not found")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + id, as: &owner}, http.StatusUnauthorized, 16, "invalid credentials")
		orgs, _ := epList(t, s.ok(req{method: "GET", path: "/v1beta1/organizations"}), "organizations")
		if ids := epIDs(orgs); !slices.Equal(ids, []string{str(t, beta, "id")}) {
			t.Errorf("organizations after delete = %v, want only %s", ids, beta["id"])
		}
		again := createOrg(t, s, "acme-two")
		if again["id"] == id {
			t.Errorf("a new organization reused the deleted id")
		}
	})
}

func TestEndpointsOrganizationList(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		var want []string
		for _, name := range []string{"list-a", "list-b", "list-c", "list-d", "list-e"} {
			want = append(want, str(t, createOrg(t, s, name), "id"))
		}
		all, token := epList(t, s.ok(req{method: "GET", path: "/v1beta1/organizations"}), "organizations")
		if token != "" || !slices.Equal(epIDs(all), want) {
			t.Errorf("organizations = %v (token %q), want %v oldest first", epIDs(all), token, want)
		}
		for _, o := range all {
			keys(t, "organization", o, organizationFields...)
		}
		// page_num=1 is the first page; page_size equal to the count has no next page.
		if got, token := epList(t, s.ok(req{method: "GET", path: "/v1beta1/organizations?page_num=1&page_size=5"}), "organizations"); token != "" || len(got) != 5 {
			t.Errorf("page_size=5: %d items, token %q", len(got), token)
		}
		paged, pages := epPages(t, s, nil, "/v1beta1/organizations?page_size=2", "organizations")
		if pages != 3 || !slices.Equal(epIDs(paged), want) {
			t.Errorf("page_size=2: %v in %d pages, want %v in 3", epIDs(paged), pages, want)
		}

		// The state filter.
		for _, id := range []string{want[1], want[3]} {
			s.ok(req{method: "POST", path: "/v1beta1/organizations/" + id + "/disable"})
		}
		disabled, _ := epList(t, s.ok(req{method: "GET", path: "/v1beta1/organizations?state=disabled"}), "organizations")
		if !slices.Equal(epIDs(disabled), []string{want[1], want[3]}) {
			t.Errorf("state=disabled: %v", epIDs(disabled))
		}
		enabled, pages := epPages(t, s, nil, "/v1beta1/organizations?state=enabled&page_size=1", "organizations")
		if pages != 3 || !slices.Equal(epIDs(enabled), []string{want[0], want[2], want[4]}) {
			t.Errorf("state=enabled: %v in %d pages", epIDs(enabled), pages)
		}
		for _, o := range enabled {
			if o["state"] != "enabled" {
				t.Errorf("state=enabled listed %v", o)
			}
		}

		s.fails(req{method: "GET", path: "/v1beta1/organizations?page_num=2"}, http.StatusBadRequest, 3, "page_num is not supported")
		s.fails(req{method: "GET", path: "/v1beta1/organizations?page_num=x"}, http.StatusBadRequest, 3, "page_num")
		s.fails(req{method: "GET", path: "/v1beta1/organizations?user_id=" + billd.NewUUID()}, http.StatusBadRequest, 3, "user_id is not supported")
		s.fails(req{method: "GET", path: "/v1beta1/organizations?state=closed"}, http.StatusBadRequest, 3, "state must be")
		s.fails(req{method: "GET", path: "/v1beta1/organizations?page_size=-1"}, http.StatusBadRequest, 3, "page_size")
		s.fails(req{method: "GET", path: "/v1beta1/organizations?page_size=two"}, http.StatusBadRequest, 3, "page_size")
		s.fails(req{method: "GET", path: "/v1beta1/organizations?page_token=not-a-token"}, http.StatusBadRequest, 3, "page token")

		// Organization clients see only their organization.
		for _, role := range []string{"owner", "admin", "member"} {
			c := orgClient(t, s, want[2], role)
			mine, _ := epList(t, s.ok(req{method: "GET", path: "/v1beta1/organizations", as: &c}), "organizations")
			if !slices.Equal(epIDs(mine), []string{want[2]}) {
				t.Errorf("%s lists %v, want only its organization", role, epIDs(mine))
			}
			if got, _ := epList(t, s.ok(req{method: "GET", path: "/v1beta1/organizations?state=disabled", as: &c}), "organizations"); len(got) != 0 {
				t.Errorf("%s lists another organization's disabled organizations: %v", role, epIDs(got))
			}
			s.fails(req{method: "GET", path: "/v1beta1/organizations/" + want[0], as: &c}, http.StatusForbidden, 7, "not authorized")
			s.fails(req{method: "GET", path: "/v1beta1/organizations/list-a", as: &c}, http.StatusForbidden, 7, "not authorized")
		}
		meter, _ := clientCreds(t, s.ok(req{method: "POST", path: "/v1beta1/admin/clients", body: map[string]any{"role": "meter"}}))
		s.fails(req{method: "GET", path: "/v1beta1/organizations", as: &meter}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "GET", path: "/v1beta1/organizations", as: &creds{}}, http.StatusUnauthorized, 16, "credentials required")
	})
}

func TestEndpointsProjects(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		orgID := str(t, createOrg(t, s, "proj-org"), "id")
		otherID := str(t, createOrg(t, s, "proj-other"), "id")
		owner := orgClient(t, s, orgID, "owner")
		orgAdmin := orgClient(t, s, orgID, "admin")
		member := orgClient(t, s, orgID, "member")
		outsider := orgClient(t, s, otherID, "owner")

		resp := s.ok(req{method: "POST", path: "/v1beta1/projects", as: &orgAdmin,
			body: map[string]any{"name": "Web", "title": "Web shop", "org_id": orgID, "metadata": map[string]any{"env": "prod"}}})
		keys(t, "create response", resp, "project")
		p := keys(t, "project", resp["project"], epProjectFields...)
		pid := str(t, p, "id")
		if !billd.IsUUID(pid) || p["name"] != "web" || p["title"] != "Web shop" || p["org_id"] != orgID {
			t.Errorf("project = %v", p)
		}
		if p["members_count"] != json.Number("0") {
			t.Errorf("members_count = %#v, want the JSON number 0", p["members_count"])
		}
		keys(t, "metadata", p["metadata"], "env")
		created := timestamp(t, "created_at", p["created_at"])
		timestamp(t, "updated_at", p["updated_at"])

		for _, as := range []*creds{nil, &member, &orgAdmin, &owner} {
			got := s.ok(req{method: "GET", path: "/v1beta1/projects/" + pid, as: as})
			keys(t, "get response", got, "project")
			if !reflect.DeepEqual(got["project"], p) {
				t.Errorf("GET project = %v, want %v", got["project"], p)
			}
		}

		s.fails(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "WEB", "org_id": orgID}}, http.StatusConflict, 6, "already taken")
		// The same name in another organization is fine.
		s.ok(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "web", "org_id": otherID}})
		api := obj(t, s.ok(req{method: "POST", path: "/v1beta1/projects", as: &owner, body: map[string]any{"name": "api", "org_id": orgID}}), "project")

		s.fails(req{method: "POST", path: "/v1beta1/projects", as: &member, body: map[string]any{"name": "nope", "org_id": orgID}}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "POST", path: "/v1beta1/projects", as: &outsider, body: map[string]any{"name": "nope", "org_id": orgID}}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "nope"}}, http.StatusBadRequest, 3, "organization id is required")
		s.fails(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "nope", "org_id": billd.NewUUID()}}, http.StatusNotFound, 5, "organization not found")
		s.fails(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "x", "org_id": orgID}}, http.StatusBadRequest, 3, "3 to 64")
		s.fails(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"org_id": orgID}}, http.StatusBadRequest, 3, "name is required")

		// Update.
		upd := s.ok(req{method: "PUT", path: "/v1beta1/projects/" + pid, as: &orgAdmin,
			body: map[string]any{"name": "shop", "title": "Shop", "org_id": orgID}})
		keys(t, "update response", upd, "project")
		u := keys(t, "project", upd["project"], epProjectFields...)
		if u["id"] != pid || u["name"] != "shop" || u["title"] != "Shop" || u["org_id"] != orgID {
			t.Errorf("updated project = %v", u)
		}
		keys(t, "metadata", u["metadata"])
		if !timestamp(t, "created_at", u["created_at"]).Equal(created) || timestamp(t, "updated_at", u["updated_at"]).Before(created) {
			t.Errorf("updated project timestamps = %v, %v", u["created_at"], u["updated_at"])
		}
		s.fails(req{method: "PUT", path: "/v1beta1/projects/" + pid, body: map[string]any{"name": "api"}}, http.StatusConflict, 6, "already taken")
		s.fails(req{method: "PUT", path: "/v1beta1/projects/" + pid, body: map[string]any{"name": "shop", "org_id": otherID}}, http.StatusBadRequest, 3, "cannot move")
		s.fails(req{method: "PUT", path: "/v1beta1/projects/" + pid, as: &member, body: map[string]any{"name": "shop"}}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "PUT", path: "/v1beta1/projects/" + pid, as: &outsider, body: map[string]any{"name": "shop"}}, http.StatusNotFound, 5, "project not found")
		s.fails(req{method: "PUT", path: "/v1beta1/projects/" + billd.NewUUID(), body: map[string]any{"name": "shop"}}, http.StatusNotFound, 5, "not found")
		s.fails(req{method: "GET", path: "/v1beta1/projects/" + pid, as: &outsider}, http.StatusNotFound, 5, "project not found")
		s.fails(req{method: "GET", path: "/v1beta1/projects/" + billd.NewUUID()}, http.StatusNotFound, 5, "not found")
		s.fails(req{method: "GET", path: "/v1beta1/projects/shop"}, http.StatusBadRequest, 3, "project id must be a UUID")

		// List: oldest first, paginated, filtered by state.
		listPath := "/v1beta1/organizations/" + orgID + "/projects"
		items, token := epList(t, s.ok(req{method: "GET", path: listPath, as: &member}), "projects")
		if token != "" || !slices.Equal(epIDs(items), []string{pid, str(t, api, "id")}) {
			t.Errorf("projects = %v (token %q)", epIDs(items), token)
		}
		for _, it := range items {
			keys(t, "project", it, epProjectFields...)
		}
		paged, pages := epPages(t, s, &member, listPath+"?page_size=1&with_member_count=true", "projects")
		if pages != 2 || !slices.Equal(epIDs(paged), epIDs(items)) {
			t.Errorf("page_size=1: %v in %d pages", epIDs(paged), pages)
		}
		if got, _ := epList(t, s.ok(req{method: "GET", path: listPath + "?state=enabled"}), "projects"); len(got) != 2 {
			t.Errorf("state=enabled: %v", epIDs(got))
		}
		if got, _ := epList(t, s.ok(req{method: "GET", path: listPath + "?state=disabled"}), "projects"); len(got) != 0 {
			t.Errorf("state=disabled: %v", epIDs(got))
		}
		s.fails(req{method: "GET", path: listPath + "?state=closed"}, http.StatusBadRequest, 3, "state must be")
		s.fails(req{method: "GET", path: listPath + "?with_member_count=maybe"}, http.StatusBadRequest, 3, "with_member_count")
		s.fails(req{method: "GET", path: listPath + "?page_token=zzz"}, http.StatusBadRequest, 3, "page token")
		s.fails(req{method: "GET", path: listPath, as: &outsider}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + billd.NewUUID() + "/projects"}, http.StatusNotFound, 5, "organization not found")

		// Delete: update permission; then hidden and its name free.
		s.fails(req{method: "DELETE", path: "/v1beta1/projects/" + pid, as: &member}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "DELETE", path: "/v1beta1/projects/" + pid, as: &outsider}, http.StatusNotFound, 5, "project not found")
		keys(t, "delete response", s.ok(req{method: "DELETE", path: "/v1beta1/projects/" + pid, as: &orgAdmin}))
		s.fails(req{method: "GET", path: "/v1beta1/projects/" + pid}, http.StatusNotFound, 5, "project not found")
		s.fails(req{method: "DELETE", path: "/v1beta1/projects/" + pid}, http.StatusNotFound, 5, "project not found")
		s.fails(req{method: "PUT", path: "/v1beta1/projects/" + pid, body: map[string]any{"name": "shop"}}, http.StatusNotFound, 5, "project not found")
		if got, _ := epList(t, s.ok(req{method: "GET", path: listPath}), "projects"); !slices.Equal(epIDs(got), []string{str(t, api, "id")}) {
			t.Errorf("projects after delete = %v", epIDs(got))
		}
		s.ok(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "shop", "org_id": orgID}})
	})
}

func TestEndpointsBillingAccounts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 100)
		owner := orgClient(t, s, w.orgID, "owner")
		orgAdmin := orgClient(t, s, w.orgID, "admin")
		member := orgClient(t, s, w.orgID, "member")
		other := newWorld(t, s, 0)
		createPath := "/v1beta1/organizations/" + w.orgID + "/billing"
		body := func(name string) map[string]any {
			return map[string]any{"body": map[string]any{"name": name, "email": "b@acme.test"}}
		}

		s.fails(req{method: "POST", path: createPath, as: &owner, body: body("second")}, http.StatusBadRequest, 9, "already has an active billing account")
		s.fails(req{method: "POST", path: createPath, as: &orgAdmin, body: body("second")}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "POST", path: createPath, body: map[string]any{"org_id": other.orgID, "body": map[string]any{"name": "x"}}},
			http.StatusBadRequest, 3, "does not match the path")
		s.fails(req{method: "POST", path: createPath, body: map[string]any{"body": map[string]any{"currency": "dollars"}}}, http.StatusBadRequest, 3, "currency")
		s.fails(req{method: "POST", path: createPath, body: map[string]any{"body": map[string]any{"email": "not an email"}}}, http.StatusBadRequest, 3, "email")
		s.fails(req{method: "POST", path: createPath, body: map[string]any{"body": map[string]any{"tax_data": []any{map[string]any{"type": "vat"}}}}},
			http.StatusBadRequest, 3, "tax id")
		s.fails(req{method: "POST", path: "/v1beta1/organizations/" + billd.NewUUID() + "/billing", body: body("x")}, http.StatusNotFound, 5, "organization not found")

		// Get (upper-case ids are the same ids).
		for _, path := range []string{w.account(""), "/v1beta1/organizations/" + strings.ToUpper(w.orgID) + "/billing/" + strings.ToUpper(w.accountID)} {
			got := s.ok(req{method: "GET", path: path, as: &member})
			keys(t, "get response", got, "billing_account", "payment_methods", "billing_details")
			a := keys(t, "billing_account", got["billing_account"], accountFields...)
			if a["id"] != w.accountID || a["organization"] != nil || got["billing_details"] != nil {
				t.Errorf("GET %s = %v", path, got)
			}
		}

		// Update: PUT {"body": {...}} replaces the profile; owner or platform admin.
		upd := s.ok(req{method: "PUT", path: w.account(""), as: &owner, body: map[string]any{"org_id": w.orgID, "id": w.accountID,
			"body": map[string]any{"name": "New name", "email": "new@acme.test", "phone": "+49 30 1234", "currency": "EUR",
				"address": map[string]any{"city": "Paris"}, "tax_data": []any{}, "metadata": map[string]any{"k": "v"}}}})
		keys(t, "update response", upd, "billing_account")
		u := keys(t, "billing_account", upd["billing_account"], accountFields...)
		if u["id"] != w.accountID || u["org_id"] != w.orgID || u["name"] != "New name" || u["email"] != "new@acme.test" ||
			u["phone"] != "+49 30 1234" || u["currency"] != "eur" || u["state"] != "active" || u["organization"] != nil {
			t.Errorf("updated account = %v", u)
		}
		addr := keys(t, "address", u["address"], "line1", "line2", "city", "state", "postal_code", "country")
		if addr["city"] != "Paris" || addr["country"] != "" {
			t.Errorf("address = %v, want it replaced", addr)
		}
		if tax, ok := u["tax_data"].([]any); !ok || len(tax) != 0 {
			t.Errorf("tax_data = %v, want []", u["tax_data"])
		}
		keys(t, "metadata", u["metadata"], "k")
		if got := obj(t, s.ok(req{method: "GET", path: w.account("")}), "billing_account"); !reflect.DeepEqual(got, u) {
			t.Errorf("GET after update = %v, want %v", got, u)
		}
		s.fails(req{method: "PUT", path: w.account(""), as: &orgAdmin, body: body("x")}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "PUT", path: w.account(""), as: &member, body: body("x")}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "PUT", path: w.account(""), body: map[string]any{"id": other.accountID, "body": map[string]any{}}}, http.StatusBadRequest, 3, "does not match the path")
		s.fails(req{method: "PUT", path: w.account(""), body: map[string]any{"body": map[string]any{"email": "nope"}}}, http.StatusBadRequest, 3, "email")
		s.fails(req{method: "PUT", path: createPath + "/" + billd.NewUUID(), body: body("x")}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "PUT", path: createPath + "/" + other.accountID, body: body("x")}, http.StatusNotFound, 5, "billing account not found")

		// Disable: usage is refused, credits are not.
		s.fails(req{method: "POST", path: w.account("/disable"), as: &orgAdmin}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "POST", path: w.account("/disable"), body: map[string]any{"id": other.accountID}}, http.StatusBadRequest, 3, "does not match the path")
		keys(t, "disable response", s.ok(req{method: "POST", path: w.account("/disable"), as: &owner, body: map[string]any{"org_id": w.orgID, "id": w.accountID}}))
		if st := obj(t, s.ok(req{method: "GET", path: w.account("")}), "billing_account")["state"]; st != "disabled" {
			t.Errorf("state after disable = %v", st)
		}
		s.fails(req{method: "POST", path: w.account("/usages"), as: &w.meter, body: epUsages(epUsage(billd.NewUUID(), 1))},
			http.StatusBadRequest, 9, "billing account is disabled")
		s.fails(req{method: "POST", path: "/v1beta1/organizations/billing/usages", as: &w.meter,
			body: map[string]any{"org_id": w.orgID, "usages": []any{epUsage(billd.NewUUID(), 1)}}}, http.StatusNotFound, 5, "no active billing account")
		s.ok(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": billd.NewUUID(), "amount": 5}})
		if got := w.balance(t, s); got != 105 {
			t.Errorf("balance = %d, want 105", got)
		}
		keys(t, "disable again", s.ok(req{method: "POST", path: w.account("/disable")}))

		// With no active account, the organization can create a new one.
		second := obj(t, s.ok(req{method: "POST", path: createPath, as: &owner, body: body("Second")}), "billing_account")
		keys(t, "billing_account", second, accountFields...)
		secondID := str(t, second, "id")
		if second["state"] != "active" || second["org_id"] != w.orgID || second["currency"] != "usd" || second["name"] != "Second" {
			t.Errorf("second account = %v", second)
		}
		// Newest first; expand=organization fills each organization.
		list, token := epList(t, s.ok(req{method: "GET", path: createPath, as: &member}), "billing_accounts")
		if token != "" || !slices.Equal(epIDs(list), []string{secondID, w.accountID}) {
			t.Errorf("billing accounts = %v, want newest first", epIDs(list))
		}
		for _, a := range list {
			keys(t, "billing_account", a, accountFields...)
			if a["organization"] != nil {
				t.Errorf("organization without expand: %v", a["organization"])
			}
		}
		for _, expand := range []string{"organization", "org"} {
			list, _ = epList(t, s.ok(req{method: "GET", path: createPath + "?expand=" + expand}), "billing_accounts")
			for _, a := range list {
				o := keys(t, "organization", a["organization"], organizationFields...)
				if o["id"] != w.orgID {
					t.Errorf("expanded organization = %v", o)
				}
			}
		}
		paged, pages := epPages(t, s, nil, createPath+"?page_size=1", "billing_accounts")
		if pages != 2 || !slices.Equal(epIDs(paged), []string{secondID, w.accountID}) {
			t.Errorf("page_size=1: %v in %d pages", epIDs(paged), pages)
		}
		s.fails(req{method: "GET", path: createPath, as: &other.meter}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "GET", path: createPath, as: ptr(orgClient(t, s, other.orgID, "owner"))}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "GET", path: createPath + "?page_size=-3"}, http.StatusBadRequest, 3, "page_size")

		// Enabling a second active account fails.
		s.fails(req{method: "POST", path: w.account("/enable"), as: &owner}, http.StatusBadRequest, 9, "already has an active billing account")
		if st := obj(t, s.ok(req{method: "GET", path: w.account("")}), "billing_account")["state"]; st != "disabled" {
			t.Errorf("state after a refused enable = %v", st)
		}

		// Delete: hidden afterwards.
		s.fails(req{method: "DELETE", path: w.account(""), as: &orgAdmin}, http.StatusForbidden, 7, "not authorized")
		keys(t, "delete response", s.ok(req{method: "DELETE", path: w.account(""), as: &owner}))
		s.fails(req{method: "GET", path: w.account("")}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "GET", path: w.account("/balance")}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "DELETE", path: w.account("")}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "POST", path: w.account("/enable")}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": billd.NewUUID(), "amount": 5}}, http.StatusNotFound, 5, "billing account not found")
		if list, _ := epList(t, s.ok(req{method: "GET", path: createPath}), "billing_accounts"); !slices.Equal(epIDs(list), []string{secondID}) {
			t.Errorf("accounts after delete = %v", epIDs(list))
		}
		// Delete the active one too: the organization can create a new one.
		keys(t, "delete response", s.ok(req{method: "DELETE", path: createPath + "/" + secondID}))
		if list, token := epList(t, s.ok(req{method: "GET", path: createPath}), "billing_accounts"); len(list) != 0 || token != "" {
			t.Errorf("accounts after deleting all = %v", epIDs(list))
		}
		third := obj(t, s.ok(req{method: "POST", path: createPath, body: body("Third")}), "billing_account")
		if third["state"] != "active" {
			t.Errorf("third account = %v", third)
		}
		s.fails(req{method: "POST", path: createPath + "/" + billd.NewUUID() + "/disable"}, http.StatusNotFound, 5, "billing account not found")
	})
}

// ptr returns a pointer to a copy of c.
func ptr(c creds) *creds { return &c }

func TestEndpointsAccountDetailsAndLimits(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		owner := orgClient(t, s, w.orgID, "owner")
		details := func() (int64, int64) {
			t.Helper()
			d := s.ok(req{method: "GET", path: w.billing("/details")})
			keys(t, "details", d, "credit_min", "due_in_days")
			return int64String(t, "credit_min", d["credit_min"]), int64String(t, "due_in_days", d["due_in_days"])
		}
		if cm, due := details(); cm != 0 || due != 30 {
			t.Fatalf("details = %d, %d, want 0, 30", cm, due)
		}
		put := func(body map[string]any) req {
			return req{method: "PUT", path: w.billing("/details"), body: body}
		}
		// PUT .../details sets both fields, as Frontier does: proto3 clients never send a zero
		// value, so an absent field is 0.
		keys(t, "update response", s.ok(put(map[string]any{"due_in_days": 45})))
		if cm, due := details(); cm != 0 || due != 45 {
			t.Errorf("after due_in_days=45: %d, %d", cm, due)
		}
		s.ok(put(map[string]any{"credit_min": "-500", "due_in_days": 45}))
		if cm, due := details(); cm != -500 || due != 45 {
			t.Errorf("after credit_min=-500, due_in_days=45: %d, %d", cm, due)
		}
		s.ok(put(map[string]any{"credit_min": "-500"}))
		if cm, due := details(); cm != -500 || due != 0 {
			t.Errorf("after credit_min=-500 alone: %d, %d (an absent due_in_days is 0)", cm, due)
		}
		s.ok(req{method: "PUT", path: w.billing("/details"), body: `{"creditMin": "-7", "dueInDays": 9}`})
		if cm, due := details(); cm != -7 || due != 9 {
			t.Errorf("after creditMin=-7, dueInDays=9 (lowerCamelCase): %d, %d", cm, due)
		}
		s.ok(put(map[string]any{}))
		if cm, due := details(); cm != 0 || due != 0 {
			t.Errorf("after an empty object: %d, %d, want 0, 0", cm, due)
		}
		s.ok(put(map[string]any{"credit_min": -7, "due_in_days": 9}))
		s.ok(req{method: "PUT", path: w.billing("/details")})
		if cm, due := details(); cm != 0 || due != 0 {
			t.Errorf("after an empty body: %d, %d, want 0, 0", cm, due)
		}
		s.ok(put(map[string]any{"credit_min": -7, "due_in_days": 9}))
		s.ok(put(map[string]any{"org_id": w.orgID, "id": w.accountID, "credit_min": 0, "due_in_days": "0"}))
		if cm, due := details(); cm != 0 || due != 0 {
			t.Errorf("after 0, 0: %d, %d", cm, due)
		}
		s.ok(put(map[string]any{"due_in_days": 3650}))
		s.fails(put(map[string]any{"due_in_days": -1}), http.StatusBadRequest, 3, "the payment term must be between 0 and 3650 days")
		s.fails(put(map[string]any{"due_in_days": 3651}), http.StatusBadRequest, 3, "payment term")
		s.fails(put(map[string]any{"credit_min": -1, "due_in_days": -1}), http.StatusBadRequest, 3, "payment term")
		s.fails(put(map[string]any{"id": billd.NewUUID()}), http.StatusBadRequest, 3, "does not match the path")
		s.fails(put(map[string]any{"due_in_days": 1.5}), http.StatusBadRequest, 3, "invalid value for int64 field dueInDays: 1.5")
		s.fails(put(map[string]any{"credit_min": "lots", "due_in_days": 1}), http.StatusBadRequest, 3, `invalid value for int64 field creditMin: "lots"`)
		s.fails(req{method: "PUT", path: w.billing("/details"), body: `{"due_in_days": 1, "due_in_days": 2}`}, http.StatusBadRequest, 3, `duplicate field "due_in_days"`)
		s.fails(req{method: "PUT", path: w.billing("/details"), body: `{"due_in_days": 1, "dueInDays": 2}`}, http.StatusBadRequest, 3, `duplicate field "dueInDays"`)
		if cm, due := details(); cm != 0 || due != 3650 {
			t.Errorf("refused updates changed the details: %d, %d", cm, due)
		}
		for _, as := range []creds{owner, w.meter} {
			s.fails(req{method: "GET", path: w.billing("/details"), as: &as}, http.StatusForbidden, 7, "not authorized")
			s.fails(req{method: "PUT", path: w.billing("/details"), as: &as, body: map[string]any{"due_in_days": 1}}, http.StatusForbidden, 7, "not authorized")
			s.fails(req{method: "PUT", path: w.billing("/limits"), as: &as, body: map[string]any{"credit_min": -1}}, http.StatusForbidden, 7, "not authorized")
		}
		missing := "/v1beta1/admin/organizations/" + w.orgID + "/billing/" + billd.NewUUID()
		s.fails(req{method: "GET", path: missing + "/details"}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "PUT", path: missing + "/details", body: map[string]any{"due_in_days": 1}}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "PUT", path: missing + "/limits", body: map[string]any{"credit_min": 1}}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "GET", path: "/v1beta1/admin/organizations/" + w.orgID + "/billing/nope/details"}, http.StatusBadRequest, 3, "billing account id must be a UUID")

		// Limits set credit_min only; a negative credit_min is an overdraft line.
		keys(t, "limits response", s.ok(req{method: "PUT", path: w.billing("/limits"), body: map[string]any{"credit_min": -100}}))
		if cm, due := details(); cm != -100 || due != 3650 {
			t.Errorf("after limits: %d, %d", cm, due)
		}
		// due_in_days is no field of the limits request: it is ignored, as any unknown field.
		s.ok(req{method: "PUT", path: w.billing("/limits"), body: map[string]any{"credit_min": -1, "due_in_days": 1}})
		if cm, due := details(); cm != -1 || due != 3650 {
			t.Errorf("after limits with due_in_days: %d, %d, want -1, 3650", cm, due)
		}
		s.ok(req{method: "PUT", path: w.billing("/limits"), body: map[string]any{"creditMin": "-100"}})
		if cm, due := details(); cm != -100 || due != 3650 {
			t.Errorf("after limits creditMin=-100: %d, %d", cm, due)
		}
		s.fails(req{method: "PUT", path: w.billing("/limits"), body: `{"credit_min": -1, "creditMin": -2}`}, http.StatusBadRequest, 3, `duplicate field "creditMin"`)
		s.fails(req{method: "PUT", path: w.billing("/limits"), body: `{"credit_min": 0.5}`}, http.StatusBadRequest, 3, "invalid value for int64 field creditMin: 0.5")
		s.fails(req{method: "PUT", path: w.billing("/limits"), body: map[string]any{"id": billd.NewUUID(), "credit_min": -1}}, http.StatusBadRequest, 3, "does not match the path")
		d := obj(t, s.ok(req{method: "GET", path: w.account("?with_billing_details=1")}), "billing_details")
		if int64String(t, "credit_min", d["credit_min"]) != -100 || int64String(t, "due_in_days", d["due_in_days"]) != 3650 {
			t.Errorf("billing_details = %v", d)
		}
		check := func(amount int64) bool {
			t.Helper()
			resp := s.ok(req{method: "POST", path: "/v1beta1/billing/check", body: map[string]any{"org_id": w.orgID, "amount": amount}})
			return resp["status"] == true
		}
		if !check(100) || check(101) {
			t.Errorf("check with credit_min -100 and balance 0: 100 → %v, 101 → %v", check(100), check(101))
		}
		w.use(t, s, billd.NewUUID(), 100)
		if got := w.balance(t, s); got != -100 {
			t.Errorf("balance = %d, want -100", got)
		}
		s.fails(req{method: "POST", path: w.account("/usages"), as: &w.meter, body: epUsages(epUsage(billd.NewUUID(), 1))}, http.StatusBadRequest, 3, "insufficient credits")
	})
}

func TestEndpointsAdminAccountList(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w1 := newWorld(t, s, 0)
		w2 := newWorld(t, s, 0)
		const path = "/v1beta1/admin/billing/accounts"
		all, token := epList(t, s.ok(req{method: "GET", path: path}), "billing_accounts")
		if token != "" || !slices.Equal(epIDs(all), []string{w2.accountID, w1.accountID}) {
			t.Errorf("all accounts = %v, want newest first", epIDs(all))
		}
		for _, a := range all {
			keys(t, "billing_account", a, accountFields...)
		}
		one, _ := epList(t, s.ok(req{method: "GET", path: path + "?org_id=" + w1.orgID}), "billing_accounts")
		if !slices.Equal(epIDs(one), []string{w1.accountID}) {
			t.Errorf("org_id=w1: %v", epIDs(one))
		}
		if none, _ := epList(t, s.ok(req{method: "GET", path: path + "?org_id=" + billd.NewUUID()}), "billing_accounts"); len(none) != 0 {
			t.Errorf("unknown org_id: %v", epIDs(none))
		}
		paged, pages := epPages(t, s, nil, path+"?page_size=1", "billing_accounts")
		if pages != 2 || !slices.Equal(epIDs(paged), []string{w2.accountID, w1.accountID}) {
			t.Errorf("page_size=1: %v in %d pages", epIDs(paged), pages)
		}
		s.fails(req{method: "GET", path: path + "?org_id=nope"}, http.StatusBadRequest, 3, "organization id must be a UUID")
		s.fails(req{method: "GET", path: path + "?page_token=nope"}, http.StatusBadRequest, 3, "page token")
		owner := orgClient(t, s, w1.orgID, "owner")
		s.fails(req{method: "GET", path: path, as: &owner}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "GET", path: path + "?org_id=" + w1.orgID, as: &owner}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "GET", path: path, as: &w1.meter}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "GET", path: path, as: &creds{}}, http.StatusUnauthorized, 16, "credentials required")
	})
}

func TestEndpointsUsage(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 1000)
		other := newWorld(t, s, 1000)
		const orgPath = "/v1beta1/organizations/billing/usages"
		meter := func(path string, body map[string]any) req {
			return req{method: "POST", path: path, as: &w.meter, body: body}
		}
		want := int64(1000)
		checkBalance := func(what string) {
			t.Helper()
			if got := w.balance(t, s); got != want {
				t.Errorf("%s: balance = %d, want %d", what, got, want)
			}
		}

		// The path that names the account, with and without the body repeating it.
		keys(t, "usage response", s.ok(meter(w.account("/usages"), epUsages(epUsage(billd.NewUUID(), 10)))))
		s.ok(meter(w.account("/usages"), map[string]any{"org_id": strings.ToUpper(w.orgID), "billing_id": w.accountID,
			"usages": []any{map[string]any{"id": billd.NewUUID(), "amount": "10", "customer_id": w.accountID, "type": "credit",
				"user_id": "u1", "metadata": map[string]any{"gpu": "a100"}, "created_at": "2020-01-01T00:00:00Z"}}}))
		// The path without ids: by org_id, by project_id, by both, with billing_id.
		keys(t, "usage response", s.ok(meter(orgPath, map[string]any{"org_id": w.orgID, "usages": []any{epUsage(billd.NewUUID(), 10)}})))
		s.ok(meter(orgPath, map[string]any{"project_id": w.projectID, "usages": []any{epUsage(billd.NewUUID(), 10)}}))
		s.ok(meter(orgPath, map[string]any{"org_id": w.orgID, "project_id": w.projectID, "usages": []any{epUsage(billd.NewUUID(), 10)}}))
		s.ok(meter(orgPath, map[string]any{"org_id": w.orgID, "billing_id": w.accountID, "usages": []any{epUsage(billd.NewUUID(), 10)}}))
		// A platform admin may report usage too.
		s.ok(req{method: "POST", path: orgPath, body: map[string]any{"org_id": w.orgID, "usages": []any{epUsage(billd.NewUUID(), 10)}}})
		want -= 70
		checkBalance("after seven usages")

		// All or nothing over HTTP.
		a, b, c := billd.NewUUID(), billd.NewUUID(), billd.NewUUID()
		s.fails(meter(w.account("/usages"), epUsages(epUsage(a, 100), epUsage(b, 5000))), http.StatusBadRequest, 3, "insufficient credits")
		checkBalance("after a refused multi-usage")
		s.ok(meter(w.account("/usages"), epUsages(epUsage(a, 100), epUsage(b, 200), epUsage(c, 300))))
		want -= 600
		checkBalance("after a multi-usage")
		txs, _ := epList(t, s.ok(req{method: "GET", path: w.account("/transactions")}), "transactions")
		if ids := epIDs(txs); len(ids) < 3 || !slices.Contains(ids, a) || !slices.Contains(ids, b) || !slices.Contains(ids, c) {
			t.Errorf("transactions after the multi-usage: %v", ids)
		}
		// The three transfers of one request share their created_at; within it the order is by id,
		// and pages still cut between them.
		sameTime := []string{a, b, c}
		slices.Sort(sameTime)
		slices.Reverse(sameTime)
		if !slices.Equal(epIDs(txs[:3]), sameTime) || txs[0]["created_at"] != txs[2]["created_at"] {
			t.Errorf("the multi-usage's transactions = %v", txs[:3])
		}
		if paged, _ := epPages(t, s, nil, w.account("/transactions?page_size=1"), "transactions"); !slices.Equal(epIDs(paged), epIDs(txs)) {
			t.Errorf("page_size=1 over equal timestamps: %v, want %v", epIDs(paged), epIDs(txs))
		}

		// Replays: the same usage again, alone or with a new one, through either path.
		s.fails(meter(w.account("/usages"), epUsages(epUsage(a, 100))), http.StatusConflict, 6, "credits already applied")
		d := billd.NewUUID()
		s.fails(meter(orgPath, map[string]any{"org_id": w.orgID, "usages": []any{epUsage(d, 1), epUsage(b, 200)}}), http.StatusConflict, 6, "credits already applied")
		s.fails(meter(w.account("/usages"), epUsages(map[string]any{"id": c, "amount": 300, "source": "cpu"})), http.StatusConflict, 6, "already used by a different request")
		checkBalance("after replays")
		s.ok(meter(w.account("/usages"), epUsages(epUsage(d, 1)))) // d was not applied by the refused request
		want--
		checkBalance("after d")

		// Insufficient credits and bad usages.
		s.fails(meter(w.account("/usages"), epUsages(epUsage(billd.NewUUID(), want+1))), http.StatusBadRequest, 3, "insufficient credits")
		feature := epUsage(billd.NewUUID(), 1)
		feature["type"] = "feature"
		s.fails(meter(w.account("/usages"), epUsages(feature)), http.StatusBadRequest, 3, "not supported yet")
		feature["type"] = "bogus"
		s.fails(meter(w.account("/usages"), epUsages(feature)), http.StatusBadRequest, 3, "type must be")
		dup := billd.NewUUID()
		s.fails(meter(w.account("/usages"), epUsages(epUsage(dup, 1), epUsage(dup, 1))), http.StatusBadRequest, 3, "appears twice")
		s.fails(meter(w.account("/usages"), epUsages()), http.StatusBadRequest, 3, "usages must not be empty")
		s.fails(req{method: "POST", path: w.account("/usages"), as: &w.meter}, http.StatusBadRequest, 3, "usages must not be empty")
		wrongCustomer := epUsage(billd.NewUUID(), 1)
		wrongCustomer["customer_id"] = other.accountID
		s.fails(meter(w.account("/usages"), epUsages(wrongCustomer)), http.StatusBadRequest, 3, "is not the billing account")
		long := epUsage(billd.NewUUID(), 1)
		long["source"] = strings.Repeat("s", 257)
		s.fails(meter(w.account("/usages"), epUsages(long)), http.StatusBadRequest, 3, "source must be at most 256")

		// Body ids that disagree with the path or with each other.
		s.fails(meter(w.account("/usages"), map[string]any{"org_id": other.orgID, "usages": []any{epUsage(billd.NewUUID(), 1)}}),
			http.StatusBadRequest, 3, "org_id in the body")
		s.fails(meter(w.account("/usages"), map[string]any{"billing_id": other.accountID, "usages": []any{epUsage(billd.NewUUID(), 1)}}),
			http.StatusBadRequest, 3, "billing_id in the body")
		s.fails(meter(orgPath, map[string]any{"org_id": w.orgID, "project_id": other.projectID, "usages": []any{epUsage(billd.NewUUID(), 1)}}),
			http.StatusBadRequest, 3, "the project does not belong to the organization")
		s.fails(meter(orgPath, map[string]any{"usages": []any{epUsage(billd.NewUUID(), 1)}}), http.StatusBadRequest, 3, "an organization or a project is required")
		s.fails(meter(orgPath, map[string]any{"org_id": billd.NewUUID(), "usages": []any{epUsage(billd.NewUUID(), 1)}}), http.StatusNotFound, 5, "organization not found")
		s.fails(meter(orgPath, map[string]any{"project_id": billd.NewUUID(), "usages": []any{epUsage(billd.NewUUID(), 1)}}), http.StatusNotFound, 5, "not found")
		s.fails(meter(orgPath, map[string]any{"org_id": w.orgID, "billing_id": billd.NewUUID(), "usages": []any{epUsage(billd.NewUUID(), 1)}}),
			http.StatusNotFound, 5, "billing account not found")
		checkBalance("after refused usages")

		// Permissions.
		for _, role := range []string{"owner", "admin", "member"} {
			c := orgClient(t, s, w.orgID, role)
			s.fails(req{method: "POST", path: w.account("/usages"), as: &c, body: epUsages(epUsage(billd.NewUUID(), 1))}, http.StatusForbidden, 7, "not authorized")
		}
		s.fails(req{method: "POST", path: orgPath, as: &creds{}, body: map[string]any{"org_id": w.orgID, "usages": []any{epUsage(billd.NewUUID(), 1)}}},
			http.StatusUnauthorized, 16, "credentials required")

		// A disabled organization refuses usage; enabled again, it accepts it.
		s.ok(req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/disable"})
		s.fails(meter(w.account("/usages"), epUsages(epUsage(billd.NewUUID(), 1))), http.StatusBadRequest, 9, "organization is disabled")
		s.fails(meter(orgPath, map[string]any{"project_id": w.projectID, "usages": []any{epUsage(billd.NewUUID(), 1)}}), http.StatusBadRequest, 9, "organization is disabled")
		checkBalance("in a disabled organization")
		s.ok(req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/enable"})
		s.ok(meter(w.account("/usages"), epUsages(epUsage(billd.NewUUID(), 1))))
		want--
		checkBalance("after enable")
		// A deleted project no longer names the organization.
		s.ok(req{method: "DELETE", path: "/v1beta1/projects/" + w.projectID})
		s.fails(meter(orgPath, map[string]any{"project_id": w.projectID, "usages": []any{epUsage(billd.NewUUID(), 1)}}), http.StatusNotFound, 5, "project not found")
		if got := other.balance(t, s); got != 1000 {
			t.Errorf("the other organization's balance = %d, want 1000", got)
		}
	})
}

func TestEndpointsRevertAdminPath(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 1000)
		other := newWorld(t, s, 1000)
		usage := billd.NewUUID()
		w.use(t, s, usage, 300)
		otherUsage := billd.NewUUID()
		other.use(t, s, otherUsage, 10)
		path := func(orgID, billingID, usageID string) string {
			return "/v1beta1/admin/organizations/" + orgID + "/billing/" + billingID + "/usage/" + usageID + "/revert"
		}
		p := path(w.orgID, w.accountID, usage)
		keys(t, "revert response", s.ok(req{method: "POST", path: p, body: map[string]any{"amount": 40}}))
		s.ok(req{method: "POST", path: p, as: &w.meter, body: map[string]any{"amount": "10", "org_id": w.orgID, "billing_id": w.accountID, "usage_id": usage}})
		if got := w.balance(t, s); got != 750 {
			t.Errorf("balance = %d, want 750", got)
		}
		s.fails(req{method: "POST", path: p, body: map[string]any{"amount": 251}}, http.StatusBadRequest, 3, "revert amount is greater than the usage amount")
		s.fails(req{method: "POST", path: p, body: map[string]any{"amount": 0}}, http.StatusBadRequest, 3, "amount must be greater than 0")
		s.fails(req{method: "POST", path: p}, http.StatusBadRequest, 3, "amount must be greater than 0")
		s.fails(req{method: "POST", path: p, body: map[string]any{"amount": 1, "usage_id": otherUsage}}, http.StatusBadRequest, 3, "usage_id in the body")
		s.fails(req{method: "POST", path: p, body: map[string]any{"amount": 1, "org_id": other.orgID}}, http.StatusBadRequest, 3, "org_id in the body")
		s.fails(req{method: "POST", path: p, body: map[string]any{"amount": 1, "billing_id": other.accountID}}, http.StatusBadRequest, 3, "billing_id in the body")
		s.fails(req{method: "POST", path: path(w.orgID, w.accountID, "nope"), body: map[string]any{"amount": 1}}, http.StatusBadRequest, 3, "usage id must be a UUID")
		s.fails(req{method: "POST", path: path(w.orgID, w.accountID, billd.NewUUID()), body: map[string]any{"amount": 1}}, http.StatusNotFound, 5, "not found")
		s.fails(req{method: "POST", path: path(w.orgID, w.accountID, otherUsage), body: map[string]any{"amount": 1}}, http.StatusNotFound, 5, "not found")
		s.fails(req{method: "POST", path: path(w.orgID, other.accountID, usage), body: map[string]any{"amount": 1}}, http.StatusNotFound, 5, "not found")
		s.fails(req{method: "POST", path: path(billd.NewUUID(), w.accountID, usage), body: map[string]any{"amount": 1}}, http.StatusNotFound, 5, "organization not found")
		owner := orgClient(t, s, w.orgID, "owner")
		s.fails(req{method: "POST", path: p, as: &owner, body: map[string]any{"amount": 1}}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "POST", path: p, as: &creds{}, body: map[string]any{"amount": 1}}, http.StatusUnauthorized, 16, "credentials required")

		keyed := req{method: "POST", path: p, body: map[string]any{"amount": 5}, header: map[string]string{"Idempotency-Key": "admin-retry"}}
		s.ok(keyed)
		s.fails(keyed, http.StatusConflict, 6, "revert already applied")
		if got := w.balance(t, s); got != 755 {
			t.Errorf("balance = %d, want 755", got)
		}
		if got := other.balance(t, s); got != 990 {
			t.Errorf("the other organization's balance = %d, want 990", got)
		}
	})
}

func TestEndpointsTransactions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 1000)
		u1, u2, g2 := billd.NewUUID(), billd.NewUUID(), billd.NewUUID()
		w.use(t, s, u1, 300)
		w.use(t, s, u2, 200)
		s.ok(req{method: "POST", path: "/v1beta1/organizations/billing/usages/revert", as: &w.meter,
			body: map[string]any{"org_id": w.orgID, "usage_id": u1, "amount": 100}})
		s.ok(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": g2, "amount": 50,
			"description": "bonus", "metadata": map[string]any{"campaign": "spring"}}})

		all, token := epList(t, s.ok(req{method: "GET", path: w.account("/transactions")}), "transactions")
		if token != "" || len(all) != 5 {
			t.Fatalf("transactions = %v (token %q), want 5", epIDs(all), token)
		}
		wantSource := []string{"system.awarded", "system.revert.gpu", "gpu", "gpu", "system.awarded"}
		wantType := []string{"credit", "credit", "debit", "debit", "credit"}
		wantAmount := []int64{50, 100, 200, 300, 1000}
		times := make([]time.Time, len(all))
		for i, tx := range all {
			keys(t, "transaction", tx, epTransactionFields...)
			if tx["source"] != wantSource[i] || tx["type"] != wantType[i] || tx["customer_id"] != w.accountID ||
				tx["user"] != nil || tx["customer"] != nil || tx["user_id"] != "" {
				t.Errorf("transaction %d = %v", i, tx)
			}
			if got := int64String(t, "amount", tx["amount"]); got != wantAmount[i] {
				t.Errorf("transaction %d amount = %d, want %d", i, got, wantAmount[i])
			}
			times[i] = timestamp(t, "created_at", tx["created_at"])
			if tx["updated_at"] != tx["created_at"] {
				t.Errorf("transaction %d: updated_at %v, created_at %v", i, tx["updated_at"], tx["created_at"])
			}
			if i > 0 && times[i].After(times[i-1]) {
				t.Errorf("transactions are not newest first: %v after %v", times[i], times[i-1])
			}
		}
		if all[0]["id"] != g2 || all[2]["id"] != u2 || all[3]["id"] != u1 {
			t.Errorf("transaction ids = %v", epIDs(all))
		}
		if all[0]["description"] != "bonus" || all[1]["description"] != "Revert: a100" || all[2]["description"] != "a100" {
			t.Errorf("descriptions = %v, %v, %v", all[0]["description"], all[1]["description"], all[2]["description"])
		}
		if m := keys(t, "grant metadata", all[0]["metadata"], "campaign"); m["campaign"] != "spring" {
			t.Errorf("grant metadata = %v", m)
		}
		if m := keys(t, "revert metadata", all[1]["metadata"], "revert_request_using"); m["revert_request_using"] != u1 {
			t.Errorf("revert metadata = %v", m)
		}
		ids := epIDs(all)

		// The path without the account: the active account, or billing_id.
		orgPath := "/v1beta1/organizations/" + w.orgID + "/billing/transactions"
		for _, p := range []string{orgPath, orgPath + "?billing_id=" + w.accountID} {
			got, _ := epList(t, s.ok(req{method: "GET", path: p}), "transactions")
			if !slices.Equal(epIDs(got), ids) {
				t.Errorf("GET %s = %v, want %v", p, epIDs(got), ids)
			}
		}
		// expand=customer.
		for _, p := range []string{w.account("/transactions?expand=customer"), orgPath + "?expand=customer"} {
			got, _ := epList(t, s.ok(req{method: "GET", path: p}), "transactions")
			for _, tx := range got {
				c := keys(t, "customer", tx["customer"], accountFields...)
				if c["id"] != w.accountID || c["organization"] != nil {
					t.Errorf("customer = %v", c)
				}
			}
		}
		// Pagination.
		for _, p := range []string{w.account("/transactions?page_size=2"), orgPath + "?page_size=2"} {
			paged, pages := epPages(t, s, nil, p, "transactions")
			if pages != 3 || !slices.Equal(epIDs(paged), ids) {
				t.Errorf("%s: %v in %d pages, want %v in 3", p, epIDs(paged), pages, ids)
			}
		}

		// Time ranges, inclusive.
		query := func(v url.Values) []string {
			t.Helper()
			got, _ := epList(t, s.ok(req{method: "GET", path: w.account("/transactions?" + v.Encode())}), "transactions")
			return epIDs(got)
		}
		filter := func(keep func(time.Time) bool) []string {
			var out []string
			for i, id := range ids {
				if keep(times[i]) {
					out = append(out, id)
				}
			}
			return out
		}
		mid := times[2]
		rfc := func(tm time.Time) string { return tm.Format(time.RFC3339Nano) }
		afterMid := filter(func(tm time.Time) bool { return !tm.Before(mid) })
		beforeMid := filter(func(tm time.Time) bool { return !tm.After(mid) })
		atMid := filter(func(tm time.Time) bool { return tm.Equal(mid) })
		for _, c := range []struct {
			v    url.Values
			want []string
		}{
			{url.Values{"start_range": {rfc(mid)}}, afterMid},
			{url.Values{"start_range": {rfc(mid.In(time.FixedZone("CEST", 2*3600)))}}, afterMid},
			{url.Values{"since": {rfc(mid)}}, afterMid},
			{url.Values{"end_range": {rfc(mid)}}, beforeMid},
			{url.Values{"start_range": {rfc(mid)}, "end_range": {rfc(mid)}}, atMid},
			{url.Values{"start_range": {rfc(times[4])}, "end_range": {rfc(times[0])}}, ids},
			{url.Values{"start_range": {rfc(time.Now().Add(time.Hour))}}, nil},
			{url.Values{"end_range": {rfc(times[4].Add(-time.Second))}}, nil},
		} {
			if got := query(c.v); !slices.Equal(got, c.want) {
				t.Errorf("transactions?%s = %v, want %v", c.v.Encode(), got, c.want)
			}
		}
		if !slices.Contains(atMid, u2) {
			t.Errorf("start_range = end_range = the created_at of %s does not list it: %v", u2, atMid)
		}
		// A range and pagination together.
		paged, _ := epPages(t, s, nil, w.account("/transactions?page_size=1&start_range="+url.QueryEscape(rfc(times[3]))), "transactions")
		if want := filter(func(tm time.Time) bool { return !tm.Before(times[3]) }); !slices.Equal(epIDs(paged), want) {
			t.Errorf("start_range with page_size=1: %v, want %v", epIDs(paged), want)
		}
		empty := s.ok(req{method: "GET", path: w.account("/transactions?start_range=" + url.QueryEscape(rfc(time.Now().Add(time.Hour))))})
		if items, token := epList(t, empty, "transactions"); len(items) != 0 || token != "" {
			t.Errorf("a range in the future = %v", empty)
		}

		bad := func(query, msg string) {
			t.Helper()
			s.fails(req{method: "GET", path: w.account("/transactions?" + query)}, http.StatusBadRequest, 3, msg)
			s.fails(req{method: "GET", path: orgPath + "?" + query}, http.StatusBadRequest, 3, msg)
		}
		bad("start_range="+url.QueryEscape(rfc(mid))+"&end_range="+url.QueryEscape(rfc(mid.Add(-time.Microsecond))), "the end of the time range must not be before its start")
		bad("start_range=yesterday", "start_range must be an RFC 3339 timestamp")
		bad("end_range=2024-13-01T00:00:00Z", "end_range must be an RFC 3339 timestamp")
		bad("start_range=2024-01-01", "start_range must be an RFC 3339 timestamp")
		bad("since=garbage", "since must be an RFC 3339 timestamp")
		bad("page_token=garbage", "page token")
		bad("page_size=-1", "page_size")
		s.fails(req{method: "GET", path: orgPath + "?billing_id=nope"}, http.StatusBadRequest, 3, "billing account id must be a UUID")

		// Who may read them.
		member := orgClient(t, s, w.orgID, "member")
		s.ok(req{method: "GET", path: w.account("/transactions"), as: &member})
		s.ok(req{method: "GET", path: orgPath, as: &member})
		other := newWorld(t, s, 0)
		outsider := orgClient(t, s, other.orgID, "owner")
		for _, p := range []string{w.account("/transactions"), orgPath} {
			s.fails(req{method: "GET", path: p, as: &w.meter}, http.StatusForbidden, 7, "not authorized")
			s.fails(req{method: "GET", path: p, as: &outsider}, http.StatusForbidden, 7, "not authorized")
			s.fails(req{method: "GET", path: p, as: &creds{}}, http.StatusUnauthorized, 16, "credentials required")
		}
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/" + billd.NewUUID() + "/transactions"}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/" + other.accountID + "/transactions"}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "GET", path: orgPath + "?billing_id=" + other.accountID}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + billd.NewUUID() + "/billing/transactions"}, http.StatusNotFound, 5, "organization not found")

		// An organization without an active account has an empty list on the path without the account.
		bare := str(t, createOrg(t, s, "no-account-org"), "id")
		resp := s.ok(req{method: "GET", path: "/v1beta1/organizations/" + bare + "/billing/transactions?expand=customer"})
		if items, token := epList(t, resp, "transactions"); len(items) != 0 || token != "" {
			t.Errorf("transactions of an organization without an account = %v", resp)
		}
	})
}

func TestEndpointsDebitedTotal(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 1000)
		debited := func(as *creds) int64 {
			t.Helper()
			resp := s.ok(req{method: "GET", path: w.account("/debited_transactions_total"), as: as})
			keys(t, "response", resp, "debited")
			d := keys(t, "debited", resp["debited"], "amount", "currency", "updated_at")
			if d["currency"] != "VC" {
				t.Errorf("currency = %v", d["currency"])
			}
			timestamp(t, "updated_at", d["updated_at"])
			return int64String(t, "amount", d["amount"])
		}
		if got := debited(nil); got != 0 {
			t.Errorf("debited before usage = %d", got)
		}
		u1 := billd.NewUUID()
		w.use(t, s, u1, 300)
		w.use(t, s, billd.NewUUID(), 200)
		s.ok(req{method: "POST", path: "/v1beta1/organizations/billing/usages/revert", as: &w.meter,
			body: map[string]any{"org_id": w.orgID, "usage_id": u1, "amount": 100}})
		s.ok(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": billd.NewUUID(), "amount": 77}})
		member := orgClient(t, s, w.orgID, "member")
		for _, as := range []*creds{nil, &w.meter, &member} {
			if got := debited(as); got != 400 {
				t.Errorf("debited = %d, want 300+200-100", got)
			}
		}
		other := newWorld(t, s, 0)
		outsider := orgClient(t, s, other.orgID, "owner")
		s.fails(req{method: "GET", path: w.account("/debited_transactions_total"), as: &outsider}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "GET", path: w.account("/debited_transactions_total"), as: &creds{}}, http.StatusUnauthorized, 16, "credentials required")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/" + billd.NewUUID() + "/debited_transactions_total"}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/" + other.accountID + "/debited_transactions_total"}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/nope/debited_transactions_total"}, http.StatusBadRequest, 3, "billing account id must be a UUID")
	})
}

func TestEndpointsCheckCredit(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 1000)
		member := orgClient(t, s, w.orgID, "member")
		check := func(as *creds, orgID string, amount any) bool {
			t.Helper()
			resp := s.ok(req{method: "POST", path: "/v1beta1/billing/check", as: as, body: map[string]any{"org_id": orgID, "amount": amount}})
			keys(t, "check response", resp, "status")
			status, ok := resp["status"].(bool)
			if !ok {
				t.Fatalf("status = %#v, want a JSON bool", resp["status"])
			}
			return status
		}
		for _, as := range []*creds{nil, &w.meter, &member} {
			if !check(as, w.orgID, 1000) || !check(as, w.orgID, "1") || check(as, w.orgID, 1001) {
				t.Errorf("check with balance 1000: 1000 and 1 must pass, 1001 must not")
			}
		}
		w.use(t, s, billd.NewUUID(), 600)
		if !check(nil, w.orgID, 400) || check(nil, w.orgID, 401) {
			t.Errorf("check after usage: 400 must pass, 401 must not")
		}
		for _, amount := range []any{0, -1, "0", "-5"} {
			s.fails(req{method: "POST", path: "/v1beta1/billing/check", body: map[string]any{"org_id": w.orgID, "amount": amount}}, http.StatusBadRequest, 3, "amount must be greater than 0")
		}
		s.fails(req{method: "POST", path: "/v1beta1/billing/check", body: map[string]any{"org_id": w.orgID}}, http.StatusBadRequest, 3, "amount must be greater than 0")
		s.fails(req{method: "POST", path: "/v1beta1/billing/check", body: map[string]any{"amount": 1}}, http.StatusBadRequest, 3, "organization id is required")
		s.fails(req{method: "POST", path: "/v1beta1/billing/check", body: map[string]any{"org_id": "nope", "amount": 1}}, http.StatusBadRequest, 3, "organization id must be a UUID")
		s.fails(req{method: "POST", path: "/v1beta1/billing/check", body: map[string]any{"org_id": billd.NewUUID(), "amount": 1}}, http.StatusNotFound, 5, "organization not found")
		other := newWorld(t, s, 0)
		outsider := orgClient(t, s, other.orgID, "owner")
		s.fails(req{method: "POST", path: "/v1beta1/billing/check", as: &outsider, body: map[string]any{"org_id": w.orgID, "amount": 1}}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "POST", path: "/v1beta1/billing/check", as: &creds{}, body: map[string]any{"org_id": w.orgID, "amount": 1}}, http.StatusUnauthorized, 16, "credentials required")

		// A disabled organization or account cannot be debited, so the check says no.
		s.ok(req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/disable"})
		if check(nil, w.orgID, 1) {
			t.Errorf("check passes in a disabled organization")
		}
		s.ok(req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/enable"})
		s.ok(req{method: "POST", path: w.account("/disable")})
		if check(nil, w.orgID, 1) {
			t.Errorf("check passes without an active account")
		}
		s.ok(req{method: "POST", path: w.account("/enable")})
		if !check(nil, w.orgID, 1) {
			t.Errorf("check fails after enabling the account again")
		}
	})
}

func TestEndpointsGrants(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		other := newWorld(t, s, 0)
		gid := billd.NewUUID()
		grant := req{method: "POST", path: w.billing("/credits"),
			body: map[string]any{"id": gid, "amount": 500, "description": "welcome", "metadata": map[string]any{"k": "v"}}}
		resp := s.ok(grant)
		keys(t, "grant response", resp, "transaction")
		tx := keys(t, "transaction", resp["transaction"], epTransactionFields...)
		if tx["id"] != gid || tx["customer_id"] != w.accountID || tx["source"] != "system.awarded" || tx["type"] != "credit" ||
			tx["description"] != "welcome" || tx["user"] != nil || tx["customer"] != nil || tx["user_id"] != "" {
			t.Errorf("transaction = %v", tx)
		}
		if int64String(t, "amount", tx["amount"]) != 500 {
			t.Errorf("amount = %v", tx["amount"])
		}
		keys(t, "metadata", tx["metadata"], "k")
		if !timestamp(t, "created_at", tx["created_at"]).Equal(timestamp(t, "updated_at", tx["updated_at"])) {
			t.Errorf("created_at %v, updated_at %v", tx["created_at"], tx["updated_at"])
		}
		balance := int64(500)
		checkBalance := func(what string) {
			t.Helper()
			if got := w.balance(t, s); got != balance {
				t.Errorf("%s: balance = %d, want %d", what, got, balance)
			}
		}
		checkBalance("after a grant")

		s.fails(grant, http.StatusConflict, 6, "credits already applied")
		s.fails(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": gid, "amount": 501}}, http.StatusConflict, 6, "already used by a different request")
		checkBalance("after replays")

		keyed := req{method: "POST", path: w.billing("/credits"), body: map[string]any{"amount": "250"}, header: map[string]string{"Idempotency-Key": "grant-1"}}
		k := obj(t, s.ok(keyed), "transaction")
		if !billd.IsUUID(str(t, k, "id")) || int64String(t, "amount", k["amount"]) != 250 {
			t.Errorf("keyed grant = %v", k)
		}
		balance += 250
		s.fails(keyed, http.StatusConflict, 6, "credits already applied")
		checkBalance("after a keyed grant and its replay")
		// The key is the account's: another account may use the same key.
		s.ok(req{method: "POST", path: other.billing("/credits"), body: map[string]any{"amount": 1}, header: map[string]string{"Idempotency-Key": "grant-1"}})
		if got := other.balance(t, s); got != 1 {
			t.Errorf("other balance = %d, want 1", got)
		}

		s.fails(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"amount": 1}}, http.StatusBadRequest, 3, "needs an id or an idempotency key")
		s.fails(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"amount": 1}, header: map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}},
			http.StatusBadRequest, 3, "the idempotency key must be at most 255 bytes")
		s.fails(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": billd.NewUUID()}}, http.StatusBadRequest, 3, "amount must be greater than 0")
		s.fails(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": billd.NewUUID(), "amount": -3}}, http.StatusBadRequest, 3, "amount must be greater than 0")
		s.fails(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": "nope", "amount": 1}}, http.StatusBadRequest, 3, "id must be a UUID")
		owner := orgClient(t, s, w.orgID, "owner")
		for _, as := range []creds{owner, w.meter} {
			s.fails(req{method: "POST", path: w.billing("/credits"), as: &as, body: map[string]any{"id": billd.NewUUID(), "amount": 1}}, http.StatusForbidden, 7, "not authorized")
		}
		s.fails(req{method: "POST", path: w.billing("/credits"), as: &creds{}, body: map[string]any{"id": billd.NewUUID(), "amount": 1}}, http.StatusUnauthorized, 16, "credentials required")
		s.fails(req{method: "POST", path: "/v1beta1/admin/organizations/" + w.orgID + "/billing/" + billd.NewUUID() + "/credits",
			body: map[string]any{"id": billd.NewUUID(), "amount": 1}}, http.StatusNotFound, 5, "billing account not found")
		s.fails(req{method: "POST", path: "/v1beta1/admin/organizations/" + billd.NewUUID() + "/billing/" + w.accountID + "/credits",
			body: map[string]any{"id": billd.NewUUID(), "amount": 1}}, http.StatusNotFound, 5, "organization not found")
		checkBalance("after refused grants")

		// A disabled account can be credited.
		s.ok(req{method: "POST", path: w.account("/disable")})
		s.ok(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": billd.NewUUID(), "amount": 5}})
		balance += 5
		checkBalance("after a grant to a disabled account")
	})
}

func TestEndpointsClients(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 10)
		other := newWorld(t, s, 0)
		const path = "/v1beta1/admin/clients"

		resp := s.ok(req{method: "POST", path: path, body: map[string]any{"name": "metering-2", "role": "meter"}})
		keys(t, "create response", resp, "client", "client_secret", "api_key")
		c := keys(t, "client", resp["client"], epClientFields...)
		if c["name"] != "metering-2" || c["role"] != "meter" || c["org_id"] != "" {
			t.Errorf("client = %v", c)
		}
		timestamp(t, "created_at", c["created_at"])
		basic, bearer := clientCreds(t, resp)
		if !strings.HasPrefix(bearer.key, "billd_") || basic.secret == "" || basic.secret == bearer.key {
			t.Errorf("secret %q, api_key %q", basic.secret, bearer.key)
		}
		// The secret works via Basic and the API key via Bearer.
		for _, as := range []creds{basic, bearer} {
			s.ok(req{method: "GET", path: w.account("/balance"), as: &as})
			s.ok(req{method: "POST", path: w.account("/usages"), as: &as, body: epUsages(epUsage(billd.NewUUID(), 1))})
		}
		s.fails(req{method: "GET", path: w.account("/balance"), as: &creds{id: basic.id, secret: bearer.key}}, http.StatusUnauthorized, 16, "invalid credentials")
		// The default name is the role.
		if c := obj(t, s.ok(req{method: "POST", path: path, body: map[string]any{"role": "meter"}}), "client"); c["name"] != "meter" {
			t.Errorf("default name = %v", c["name"])
		}

		list, token := epList(t, s.ok(req{method: "GET", path: path}), "clients")
		if token != "" || !slices.Contains(epIDs(list), adminID) || !slices.Contains(epIDs(list), basic.id) || !slices.Contains(epIDs(list), w.meter.id) {
			t.Errorf("clients = %v", epIDs(list))
		}
		for _, c := range list {
			keys(t, "client", c, epClientFields...)
		}
		paged, pages := epPages(t, s, nil, path+"?page_size=2", "clients")
		if pages < 2 || !slices.Equal(epIDs(paged), epIDs(list)) {
			t.Errorf("page_size=2: %v in %d pages, want %v", epIDs(paged), pages, epIDs(list))
		}

		// Revoke: {}; then both credentials are refused and it is gone.
		keys(t, "revoke response", s.ok(req{method: "DELETE", path: path + "/" + basic.id}))
		for _, as := range []creds{basic, bearer} {
			r := s.fails(req{method: "GET", path: w.account("/balance"), as: &as}, http.StatusUnauthorized, 16, "invalid credentials")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		}
		s.fails(req{method: "DELETE", path: path + "/" + basic.id}, http.StatusNotFound, 5, "client not found")
		s.fails(req{method: "DELETE", path: path + "/no-such-client"}, http.StatusNotFound, 5, "client not found")
		if list, _ := epList(t, s.ok(req{method: "GET", path: path}), "clients"); slices.Contains(epIDs(list), basic.id) {
			t.Errorf("a revoked client is listed")
		}

		// An organization owner manages its organization's clients only.
		owner := orgClient(t, s, w.orgID, "owner")
		mresp := s.ok(req{method: "POST", path: path, as: &owner, body: map[string]any{"name": "dashboard", "role": "member", "org_id": w.orgID}})
		mc := keys(t, "client", mresp["client"], epClientFields...)
		if mc["org_id"] != w.orgID || mc["role"] != "member" {
			t.Errorf("member client = %v", mc)
		}
		member, memberKey := clientCreds(t, mresp)
		s.ok(req{method: "GET", path: w.account("/balance"), as: &memberKey})
		s.fails(req{method: "POST", path: path, as: &owner, body: map[string]any{"role": "meter"}}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "POST", path: path, as: &owner, body: map[string]any{"role": "admin"}}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "POST", path: path, as: &owner, body: map[string]any{"role": "member", "org_id": other.orgID}}, http.StatusForbidden, 7, "not authorized")
		for _, as := range []creds{member, w.meter, orgClient(t, s, w.orgID, "admin")} {
			s.fails(req{method: "POST", path: path, as: &as, body: map[string]any{"role": "member", "org_id": w.orgID}}, http.StatusForbidden, 7, "not authorized")
			s.fails(req{method: "GET", path: path, as: &as}, http.StatusForbidden, 7, "not authorized")
		}
		mine, _ := epList(t, s.ok(req{method: "GET", path: path, as: &owner}), "clients")
		for _, c := range mine {
			if c["org_id"] != w.orgID {
				t.Errorf("the owner lists another organization's client %v", c)
			}
		}
		if !slices.Contains(epIDs(mine), member.id) || !slices.Contains(epIDs(mine), owner.id) {
			t.Errorf("the owner's list %v lacks its clients", epIDs(mine))
		}
		byOrg, _ := epList(t, s.ok(req{method: "GET", path: path + "?org_id=" + w.orgID}), "clients")
		if !slices.Equal(epIDs(byOrg), epIDs(mine)) {
			t.Errorf("admin list with org_id = %v, owner list = %v", epIDs(byOrg), epIDs(mine))
		}
		s.fails(req{method: "GET", path: path + "?org_id=" + other.orgID, as: &owner}, http.StatusForbidden, 7, "not authorized")
		otherOwner := orgClient(t, s, other.orgID, "owner")
		s.fails(req{method: "DELETE", path: path + "/" + otherOwner.id, as: &owner}, http.StatusNotFound, 5, "client not found")
		s.fails(req{method: "DELETE", path: path + "/" + w.meter.id, as: &owner}, http.StatusNotFound, 5, "client not found")
		s.fails(req{method: "DELETE", path: path + "/" + adminID, as: &owner}, http.StatusNotFound, 5, "client not found")
		s.fails(req{method: "DELETE", path: path + "/" + owner.id, as: &member}, http.StatusForbidden, 7, "not authorized")
		keys(t, "revoke response", s.ok(req{method: "DELETE", path: path + "/" + member.id, as: &owner}))
		s.fails(req{method: "GET", path: w.account("/balance"), as: &member}, http.StatusUnauthorized, 16, "invalid credentials")
		s.ok(req{method: "GET", path: other.account("/balance"), as: &otherOwner})

		// Bad input.
		for _, c := range []struct {
			body map[string]any
			msg  string
		}{
			{map[string]any{}, "platform client's role"},
			{map[string]any{"role": "owner"}, "platform client's role"},
			{map[string]any{"role": "meter", "org_id": w.orgID}, "organization client's role"},
			{map[string]any{"role": "superuser", "org_id": w.orgID}, "organization client's role"},
			{map[string]any{"role": "meter", "name": strings.Repeat("n", 257)}, "name must be at most 256"},
			{map[string]any{"role": "member", "org_id": "nope"}, "organization id must be a UUID"},
		} {
			s.fails(req{method: "POST", path: path, body: c.body}, http.StatusBadRequest, 3, c.msg)
		}
		s.fails(req{method: "POST", path: path, body: map[string]any{"role": "member", "org_id": billd.NewUUID()}}, http.StatusNotFound, 5, "organization not found")
		s.fails(req{method: "GET", path: path + "?page_size=x"}, http.StatusBadRequest, 3, "page_size")
		s.fails(req{method: "POST", path: path, as: &creds{}, body: map[string]any{"role": "meter"}}, http.StatusUnauthorized, 16, "credentials required")

		// The last platform admin cannot be revoked; another admin can be.
		s.fails(req{method: "DELETE", path: path + "/" + adminID}, http.StatusBadRequest, 9, "last platform admin")
		second, secondKey := clientCreds(t, s.ok(req{method: "POST", path: path, body: map[string]any{"role": "admin"}}))
		s.ok(req{method: "POST", path: "/v1beta1/organizations", as: &secondKey, body: map[string]any{"name": "by-second-admin"}})
		keys(t, "revoke response", s.ok(req{method: "DELETE", path: path + "/" + second.id}))
		s.fails(req{method: "GET", path: "/v1beta1/organizations", as: &secondKey}, http.StatusUnauthorized, 16, "invalid credentials")
		s.fails(req{method: "DELETE", path: path + "/" + adminID}, http.StatusBadRequest, 9, "last platform admin")
		s.ok(req{method: "GET", path: "/v1beta1/organizations"})
	})
}

// TestEndpointsMetadataNumbers checks the rule for metadata numbers: metadata is a
// google.protobuf.Struct, whose numbers are doubles, so a number is kept as the nearest double and
// shown as protojson prints it (1e2 is 100, 1.50 is 1.5, an integer beyond 2^53 loses its last
// digits), the same on the write's answer, on read back and in the journal; nested objects and
// arrays round-trip; and a retry of a usage or a grant with that metadata, written as first sent
// or as shown, is still recognised as the same request.
func TestEndpointsMetadataNumbers(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		const meta = `{"a": 1e2, "b": 1.50, "c": 12345678901234567890123, "d": -0, "i": 9007199254740993,
			"e": {"f": [2E-3, {"g": 1.0}], "h": []}, "n": null, "t": true, "s": "1e2"}`
		// shown is meta as billd shows it, and as a client that read it back would send it again.
		const shown = `{"a": 100, "b": 1.5, "c": 1.2345678901234568e+22, "d": -0, "i": 9007199254740992,
			"e": {"f": [0.002, {"g": 1}], "h": []}, "n": null, "t": true, "s": "1e2"}`
		wantMeta := map[string]any{
			"a": json.Number("100"), "b": json.Number("1.5"), "c": json.Number("1.2345678901234568e+22"),
			"d": json.Number("-0"), "i": json.Number("9007199254740992"),
			"e": map[string]any{"f": []any{json.Number("0.002"), map[string]any{"g": json.Number("1")}}, "h": []any{}},
			"n": nil, "t": true, "s": "1e2",
		}
		want := func(what string, m map[string]any) {
			t.Helper()
			if got := obj(t, m, "metadata"); !reflect.DeepEqual(got, wantMeta) {
				t.Errorf("%s: metadata = %v, want %v", what, got, wantMeta)
			}
		}
		created := obj(t, s.ok(req{method: "POST", path: "/v1beta1/organizations", body: `{"name": "exact-org", "metadata": ` + meta + `}`}), "organization")
		want("created organization", created)
		want("stored organization", obj(t, s.ok(req{method: "GET", path: "/v1beta1/organizations/exact-org"}), "organization"))

		w := newWorld(t, s, 100)
		journal := func(id string) map[string]any {
			t.Helper()
			txs, _ := epList(t, s.ok(req{method: "GET", path: w.account("/transactions?page_size=1000")}), "transactions")
			for _, tx := range txs {
				if tx["id"] == id {
					return tx
				}
			}
			t.Fatalf("transaction %s is not in the journal", id)
			return nil
		}
		usageID := billd.NewUUID()
		usage := func(meta string) req {
			return req{method: "POST", path: w.account("/usages"), as: &w.meter,
				body: `{"usages": [{"id": "` + usageID + `", "amount": 1, "source": "gpu", "metadata": ` + meta + `}]}`}
		}
		s.ok(usage(meta))
		want("usage transaction", journal(usageID))
		s.fails(usage(meta), http.StatusConflict, 6, "credits already applied")
		s.fails(usage(shown), http.StatusConflict, 6, "credits already applied")
		s.fails(usage(`{"a": 101}`), http.StatusConflict, 6, "already used by a different request")

		grantID := billd.NewUUID()
		grant := func(meta string) req {
			return req{method: "POST", path: w.billing("/credits"), body: `{"id": "` + grantID + `", "amount": 1, "metadata": ` + meta + `}`}
		}
		want("grant answer", obj(t, s.ok(grant(meta)), "transaction"))
		want("grant transaction", journal(grantID))
		s.fails(grant(meta), http.StatusConflict, 6, "credits already applied")
		s.fails(grant(shown), http.StatusConflict, 6, "credits already applied")
		s.fails(grant(`{"a": 1e2, "b": 1.51}`), http.StatusConflict, 6, "already used by a different request")
		if got := w.balance(t, s); got != 100 {
			t.Errorf("balance = %d, want 100-1+1", got)
		}
	})
}
