package main

import (
	"testing"

	"github.com/billd/billd"
)

// The fixtures of the end-to-end tests, built through the API as the platform admin, the same on
// a server in process and on a child process: organizations (createOrg), their clients
// (orgClient), and worlds, an organization ready to bill (newWorld).

// world is an organization with a project and an active billing account funded with credits, and a
// platform meter client.
type world struct {
	orgID, accountID, projectID string
	meter                       creds
}

// newWorld builds a world through the API.
func newWorld(t *testing.T, s *server, credits int64) *world {
	t.Helper()
	org := obj(t, s.ok(req{method: "POST", path: "/v1beta1/organizations",
		body: map[string]any{"name": "org-" + billd.NewUUID()[:8], "title": "Acme"}}), "organization")
	w := &world{orgID: str(t, org, "id")}
	project := obj(t, s.ok(req{method: "POST", path: "/v1beta1/projects",
		body: map[string]any{"name": "web", "org_id": w.orgID}}), "project")
	w.projectID = str(t, project, "id")
	account := obj(t, s.ok(req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/billing",
		body: map[string]any{"body": map[string]any{"name": "Acme billing", "email": "billing@acme.test",
			"address": map[string]any{"city": "Berlin", "country": "DE"}, "tax_data": []any{map[string]any{"type": "vat", "id": "DE1"}}}}}),
		"billing_account")
	w.accountID = str(t, account, "id")
	if credits > 0 {
		w.grant(t, s, credits)
	}
	w.meter, _ = clientCreds(t, s.ok(req{method: "POST", path: "/v1beta1/admin/clients",
		body: map[string]any{"name": "metering", "role": "meter"}}))
	return w
}

// newWorlds builds n worlds, each funded with credits.
func newWorlds(t *testing.T, s *server, n int, credits int64) []*world {
	t.Helper()
	worlds := make([]*world, n)
	for i := range worlds {
		worlds[i] = newWorld(t, s, credits)
	}
	return worlds
}

// billing returns the admin path of the world's account followed by suffix.
func (w *world) billing(suffix string) string {
	return "/v1beta1/admin/organizations/" + w.orgID + "/billing/" + w.accountID + suffix
}

// account returns the path of the world's account followed by suffix.
func (w *world) account(suffix string) string {
	return "/v1beta1/organizations/" + w.orgID + "/billing/" + w.accountID + suffix
}

// client creates a client of the world's organization with the role.
func (w *world) client(t *testing.T, s *server, role string) creds {
	t.Helper()
	return orgClient(t, s, w.orgID, role)
}

// grant grants credits to the world's account under a fresh grant id.
func (w *world) grant(t *testing.T, s *server, credits int64) {
	t.Helper()
	s.ok(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": billd.NewUUID(), "amount": credits}})
}

// use reports one usage through the path that names the account.
func (w *world) use(t *testing.T, s *server, id string, amount int64) {
	t.Helper()
	s.ok(req{method: "POST", path: w.account("/usages"), as: &w.meter,
		body: map[string]any{"usages": []any{map[string]any{"id": id, "amount": amount, "source": "gpu", "description": "a100"}}}})
}

// balance reads the world's balance (seed 000).
func (w *world) balance(t *testing.T, s *server) int64 {
	t.Helper()
	b := obj(t, s.ok(req{method: "GET", path: w.account("/balance")}), "balance")
	return int64String(t, "balance.amount", b["amount"])
}

// createOrg creates an organization named name and returns it.
func createOrg(t *testing.T, s *server, name string) map[string]any {
	t.Helper()
	return obj(t, s.ok(req{method: "POST", path: "/v1beta1/organizations", body: map[string]any{"name": name}}), "organization")
}

// orgClient creates a client of an organization with the role and returns its Basic credentials.
func orgClient(t *testing.T, s *server, orgID, role string) creds {
	t.Helper()
	basic, _ := clientCreds(t, s.ok(req{method: "POST", path: "/v1beta1/admin/clients",
		body: map[string]any{"role": role, "org_id": orgID}}))
	return basic
}

// clientCreds returns the Basic and the Bearer credentials of a create-client response.
func clientCreds(t *testing.T, resp map[string]any) (basic, bearer creds) {
	t.Helper()
	c := obj(t, resp, "client")
	return creds{id: str(t, c, "id"), secret: str(t, resp, "client_secret")}, creds{key: str(t, resp, "api_key")}
}
