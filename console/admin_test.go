package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestAdminPages creates an organization and an API client through the console's forms, shows
// the client's secret once (and it signs in), revokes the client, and shows the catalog.
func TestAdminPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		b := f.signedIn(f.admin)
		csrf := csrfOf(t, b.get("/console/orgs").body)
		res := b.post("/console/orgs", url.Values{"csrf": {csrf}, "name": {"globex"}, "title": {"Globex"}})
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/console/orgs/") {
			t.Fatalf("creating an organization: %d %s\n%s", res.status, res.header.Get("Location"), res.body)
		}
		wantStatus(t, "the new organization", b.get(res.header.Get("Location")), http.StatusOK, "Globex", "Created.", "no billing account yet")
		wantStatus(t, "a second organization with the name", b.post("/console/orgs", url.Values{"csrf": {csrf}, "name": {"globex"}}),
			http.StatusConflict)

		proposed := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(b.get("/console/clients").body)
		if proposed == nil {
			t.Fatal("the client form proposes no id")
		}
		form := url.Values{"csrf": {csrf}, "id": {proposed[1]}, "name": {"ops"}, "role": {"owner"}, "org": {f.orgID}}
		page := b.post("/console/clients", form)
		wantStatus(t, "creating a client", page, http.StatusOK, "copy its secret now")
		id, secret := field(t, page.body, "new-id"), field(t, page.body, "new-secret")
		if id != proposed[1] {
			t.Errorf("client %s made, want the form's id %s", id, proposed[1])
		}
		wantStatus(t, "the form posted again (a reload)", b.post("/console/clients", form), http.StatusConflict, "exists already")
		clients, err := f.svc.ListClients(context.Background(), billd.SystemPrincipal, f.orgID, billd.PageRequest{})
		f.must(err)
		if n := len(clients.Items); n != 3 { // owner, member, ops
			t.Errorf("%d clients of the organization after the reload, want 3", n)
		}
		if page.header.Get("Cache-Control") != "no-store" {
			t.Errorf("the page with a secret may be cached: Cache-Control %q", page.header.Get("Cache-Control"))
		}
		if strings.Contains(b.get("/console/clients").body, secret) {
			t.Error("the clients page shows the secret again")
		}
		f.signedIn(&billd.NewAPIClient{Client: &billd.APIClient{ID: id}, Secret: secret})
		wantStatus(t, "revoking it", b.post("/console/clients/"+id+"/revoke", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		wantStatus(t, "signing in as the revoked client", f.newBrowser().signIn(id, secret), http.StatusUnauthorized)
		wantStatus(t, "an owner revoking the platform admin", f.signedIn(f.owner).post("/console/clients/"+f.admin.Client.ID+"/revoke",
			url.Values{"csrf": {csrfOf(t, f.signedIn(f.owner).get("/console/catalog").body)}}), http.StatusForbidden)

		_, _, err = f.svc.PutProduct(context.Background(), billd.SystemPrincipal, billd.ProductInput{Name: "credits-100", Title: "100 credits",
			Behavior: billd.BehaviorCredits, CreditAmount: 100, Prices: []billd.PriceInput{{Name: "unit", Currency: "usd", Amount: 500}}})
		f.must(err)
		wantStatus(t, "the catalog", b.get("/console/catalog"), http.StatusOK, "100 credits", "credits-100")
		wantStatus(t, "Buy credits", b.get(f.accountPath("")), http.StatusOK, "100 credits · 100 credits for")
	})
}

// field returns the text of the element with the id.
func field(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `">([^<]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no #%s on the page:\n%s", id, page)
	}
	return m[1]
}

// TestWebhookPages lists an organization's webhooks and a delivery, and redelivers it with the
// form; a member may see neither the log nor redeliver, as in the API.
func TestWebhookPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		t.Cleanup(receiver.Close)
		hooks := "/console/orgs/" + f.orgID + "/webhooks"
		o := f.signedIn(f.owner)
		wantStatus(t, "no webhooks", o.get(hooks), http.StatusOK, "No webhook endpoints")
		w, err := f.svc.CreateWebhook(ctx, billd.SystemPrincipal, f.orgID, billd.WebhookInput{URL: receiver.URL, Description: "ops"})
		f.must(err)
		suspended := billd.SuspendedForAbuse
		_, err = f.svc.UpdateAccountControls(ctx, billd.SystemPrincipal, f.orgID, f.account, billd.ControlsUpdate{State: &suspended})
		f.must(err)
		if _, err := f.svc.DeliverWebhooks(ctx, 10); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "the webhooks", o.get(hooks), http.StatusOK, receiver.URL, "every event")
		log := o.get(hooks + "/" + w.ID)
		wantStatus(t, "the delivery log", log, http.StatusOK, "account.suspended", "delivered", "HTTP 200", "Redeliver")
		d, err := f.svc.ListWebhookDeliveries(ctx, billd.SystemPrincipal, f.orgID, w.ID, billd.PageRequest{})
		f.must(err)
		redeliver := hooks + "/" + w.ID + "/deliveries/" + d.Items[0].ID + "/redeliver"
		m := f.signedIn(f.member)
		wantStatus(t, "a member opening the delivery log", m.get(hooks+"/"+w.ID), http.StatusForbidden, "not authorized")
		wantStatus(t, "a member redelivering", m.post(redeliver, url.Values{"csrf": {csrfOf(t, m.get(hooks).body)}}), http.StatusForbidden)
		wantStatus(t, "redelivering", o.post(redeliver, url.Values{"csrf": {csrfOf(t, log.body)}}), http.StatusSeeOther)
		wantStatus(t, "the log after redelivery", o.get(hooks+"/"+w.ID+"?done=redelivered"), http.StatusOK, "queued again", "pending")
	})
}

// TestWebhookManagement adds an endpoint through the webhooks page's form (its secret shown once;
// the form posted again makes no second one), shows a bad URL's refusal on the page, disables,
// enables and deletes it after the confirmation page; a member may do none of it, as in the API.
func TestWebhookManagement(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		hooks := "/console/orgs/" + f.orgID + "/webhooks"
		o := f.signedIn(f.owner)
		empty := o.get(hooks)
		wantStatus(t, "no webhooks", empty, http.StatusOK, "Add one below", `id="add-webhook"`, `value="invoice.paid"`)
		proposed := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(empty.body)
		if proposed == nil {
			t.Fatal("the webhook form proposes no id")
		}
		csrf := csrfOf(t, empty.body)
		form := url.Values{"csrf": {csrf}, "id": {proposed[1]}, "url": {"http://127.0.0.1:9/events"}, "description": {"ops"},
			"types": {"balance.low", "invoice.paid"}}
		page := o.post(hooks, form)
		wantStatus(t, "adding an endpoint", page, http.StatusOK, "copy its signing secret now", "http://127.0.0.1:9/events")
		if id := field(t, page.body, "new-id"); id != proposed[1] {
			t.Errorf("endpoint %s made, want the form's id %s", id, proposed[1])
		}
		secret := field(t, page.body, "new-secret")
		if !strings.HasPrefix(secret, "whsec_") {
			t.Errorf("secret %q shown, want a whsec_ one", secret)
		}
		wantStatus(t, "the form posted again (a reload)", o.post(hooks, form), http.StatusConflict, "exists already")
		list, err := f.svc.ListWebhooks(ctx, billd.SystemPrincipal, f.orgID)
		f.must(err)
		if len(list) != 1 || !list[0].Enabled || len(list[0].Types) != 2 || list[0].Description != "ops" {
			t.Fatalf("webhooks after the form and its reload: %+v, want the one endpoint, enabled, with 2 types", list)
		}
		if strings.Contains(o.get(hooks).body, secret) {
			t.Error("the webhooks page shows the secret again")
		}
		bad := url.Values{"csrf": {csrf}, "id": {billd.NewUUID()}, "url": {"ftp://example.com/x"}}
		wantStatus(t, "a bad URL", o.post(hooks, bad), http.StatusBadRequest, `id="problem"`, "url", `value="ftp://example.com/x"`)

		hook := hooks + "/" + list[0].ID
		m := f.signedIn(f.member)
		mcsrf := csrfOf(t, m.get("/console/catalog").body)
		wantStatus(t, "a member opening the webhooks", m.get(hooks), http.StatusForbidden)
		wantStatus(t, "a member adding one", m.post(hooks, url.Values{"csrf": {mcsrf}, "url": {"http://127.0.0.1:9/m"}}), http.StatusForbidden)
		wantStatus(t, "a member disabling one", m.post(hook+"/enabled", url.Values{"csrf": {mcsrf}, "enabled": {"false"}}), http.StatusForbidden)
		wantStatus(t, "a member deleting one", m.post(hook+"/delete", url.Values{"csrf": {mcsrf}}), http.StatusForbidden)

		for _, enabled := range []bool{false, true} {
			res := o.post(hook+"/enabled", url.Values{"csrf": {csrf}, "enabled": {strconv.FormatBool(enabled)}})
			wantStatus(t, "enabling or disabling", res, http.StatusSeeOther)
			wantStatus(t, "the page after", o.get(res.header.Get("Location")), http.StatusOK, "The endpoint is")
			list, err := f.svc.ListWebhooks(ctx, billd.SystemPrincipal, f.orgID)
			f.must(err)
			if list[0].Enabled != enabled || len(list[0].Types) != 2 || list[0].URL != "http://127.0.0.1:9/events" {
				t.Errorf("webhook %+v, want enabled %v and its settings kept", list[0], enabled)
			}
		}
		wantStatus(t, "the confirmation page", o.get(hook+"/delete"), http.StatusOK, "Delete this endpoint?", `id="delete-webhook"`)
		res := o.post(hook+"/delete", url.Values{"csrf": {csrf}})
		wantStatus(t, "deleting", res, http.StatusSeeOther)
		wantStatus(t, "the page after deleting", o.get(res.header.Get("Location")), http.StatusOK, "is deleted", "No webhook endpoints yet")
		wantStatus(t, "deleting it again", o.post(hook+"/delete", url.Values{"csrf": {csrf}}), http.StatusNotFound)
	})
}
