package billd_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The webhook suite sends notices to a receiver on 127.0.0.1 (so the services allow private
// receivers, as the operator flag does) and drives retries with the fixture's clock: a delivery
// round is run directly, never waited for.

// receiver is a local webhook receiver that records what it gets and answers with the statuses
// of its script in turn (then 200).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	script []int
	hold   chan struct{} // when set, a request waits on it (or its context) before answering
	held   chan struct{} // a request arrived and holds
}

// received is one request the receiver got.
type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, script ...int) *receiver {
	t.Helper()
	r := &receiver{script: script}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, received{header: req.Header.Clone(), body: body})
	hold, held := r.hold, r.held
	status := http.StatusOK
	if len(r.script) > 0 {
		status, r.script = r.script[0], r.script[1:]
	}
	r.mu.Unlock()
	if hold != nil {
		held <- struct{}{}
		select {
		case <-hold:
		case <-req.Context().Done():
		}
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "answer "+strconv.Itoa(status))
}

// requests returns what the receiver got so far.
func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// hookFixture is a fixture whose service may send webhooks to private addresses.
func newHookFixture(t *testing.T, s sqltest.Store) *fixture {
	t.Helper()
	return newFixtureConfig(t, s, billd.Config{Webhooks: billd.WebhookConfig{AllowPrivate: true}})
}

// notify writes a notice of type typ about o's account to the outbox, as a change would.
func (f *fixture) notify(t *testing.T, o org, typ billd.NoticeType, cause string) billd.Notice {
	t.Helper()
	n := billd.Notice{ID: billd.DeriveUUID("test-notice:" + cause), Type: typ, OrgID: o.ID, AccountID: o.AccountID,
		Data: json.RawMessage(`{"cause":"` + cause + `"}`), CreatedAt: f.now()}
	must(t, f.db.Update(t.Context(), func(tx billd.Tx) error { return tx.AppendNotices(t.Context(), []billd.Notice{n}) }))
	return n
}

// sendWebhooks runs one delivery round and returns how many attempts it recorded.
func (f *fixture) sendWebhooks(t *testing.T) int {
	t.Helper()
	n, err := f.svc.DeliverWebhooks(t.Context(), 100)
	must(t, err)
	return n
}

// hook registers a webhook of org orgID ("" : platform-wide) at url for the types.
func (f *fixture) hook(t *testing.T, orgID, url string, types ...string) *billd.Webhook {
	t.Helper()
	w, err := f.svc.CreateWebhook(t.Context(), sys, orgID, billd.WebhookInput{URL: url, Types: types})
	must(t, err)
	return w
}

// deliveries returns the deliveries of a webhook, newest first.
func (f *fixture) deliveries(t *testing.T, orgID, webhookID string) []*billd.WebhookDelivery {
	t.Helper()
	page, err := f.svc.ListWebhookDeliveries(t.Context(), sys, orgID, webhookID, billd.PageRequest{})
	must(t, err)
	return page.Items
}

// wantSigned checks that r is a delivery of n signed with secret.
func wantSigned(t *testing.T, r received, n billd.Notice, secret string) {
	t.Helper()
	ts, err := strconv.ParseInt(r.header.Get(billd.WebhookTimestampHeader), 10, 64)
	if err != nil {
		t.Fatalf("timestamp header: %v", err)
	}
	if got, want := r.header.Get(billd.WebhookSignatureHeader), billd.SignWebhook(secret, ts, r.body); got != want {
		t.Errorf("signature %q, want %q", got, want)
	}
	if got := r.header.Get(billd.WebhookIDHeader); got != n.ID {
		t.Errorf("id header %q, want %q", got, n.ID)
	}
	var body struct {
		ID, Type, OrgID, AccountID string
		CreatedAt                  time.Time `json:"created_at"`
		Data                       map[string]string
	}
	must(t, json.Unmarshal(r.body, &body))
	var raw map[string]json.RawMessage
	must(t, json.Unmarshal(r.body, &raw))
	for _, k := range []string{"id", "type", "created_at", "org_id", "account_id", "data"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("body %s lacks %q", r.body, k)
		}
	}
	if body.ID != n.ID || body.Type != string(n.Type) || !body.CreatedAt.Equal(n.CreatedAt) {
		t.Errorf("body %s, want notice %s of type %s at %s", r.body, n.ID, n.Type, n.CreatedAt)
	}
}

func TestWebhookDeliveredOnceSigned(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newHookFixture(t, s)
		a, b := f.newOrg(t), f.newOrg(t)
		own, platform, other := newReceiver(t), newReceiver(t), newReceiver(t)
		hookA := f.hook(t, a.ID, own.srv.URL+"/hook")
		hookP := f.hook(t, "", platform.srv.URL, string(billd.NoticeInvoicePaid))
		f.hook(t, b.ID, other.srv.URL, string(billd.NoticeInvoicePaid))

		suspended := f.notify(t, a, billd.NoticeAccountSuspended, "a-suspended")
		paid := f.notify(t, a, billd.NoticeInvoicePaid, "a-paid")
		if got := f.sendWebhooks(t); got != 3 {
			t.Fatalf("first round recorded %d attempts, want 3 (two to a's hook, one platform-wide)", got)
		}
		if got := f.sendWebhooks(t); got != 0 {
			t.Errorf("second round recorded %d attempts, want none: all were delivered", got)
		}
		gotOwn := own.requests()
		if len(gotOwn) != 2 {
			t.Fatalf("a's receiver got %d requests, want 2", len(gotOwn))
		}
		wantSigned(t, byID(t, gotOwn, suspended.ID), suspended, hookA.Secret)
		wantSigned(t, byID(t, gotOwn, paid.ID), paid, hookA.Secret)
		if got := platform.requests(); len(got) != 1 {
			t.Fatalf("the platform receiver got %d requests, want the invoice.paid one", len(got))
		} else {
			wantSigned(t, got[0], paid, hookP.Secret)
		}
		if got := other.requests(); len(got) != 0 {
			t.Errorf("b's receiver got %d requests of a's events", len(got))
		}
		for _, d := range f.deliveries(t, a.ID, hookA.ID) {
			if d.State != billd.DeliveryDelivered || d.Attempts != 1 || len(d.Log) != 1 || d.Log[0].StatusCode != 200 {
				t.Errorf("delivery %+v, want delivered at the first attempt, logged", d)
			}
		}
	})
}

func TestWebhookRetriedWithBackoffUntilDelivered(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newHookFixture(t, s)
		o := f.newOrg(t)
		r := newReceiver(t, 500, 503, 404)
		w := f.hook(t, o.ID, r.srv.URL)
		n := f.notify(t, o, billd.NoticeCheckoutCompleted, "retried")
		waits := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute}
		f.sendWebhooks(t)
		for i, wait := range waits {
			f.advance(wait - time.Second)
			if got := f.sendWebhooks(t); got != 0 {
				t.Fatalf("retry %d came before its backoff of %s", i+1, wait)
			}
			f.advance(time.Second)
			if got := f.sendWebhooks(t); got != 1 {
				t.Fatalf("retry %d did not come after its backoff of %s", i+1, wait)
			}
		}
		got := r.requests()
		if len(got) != 4 {
			t.Fatalf("the receiver got %d requests, want 4", len(got))
		}
		for _, req := range got {
			wantSigned(t, req, n, w.Secret)
		}
		ds := f.deliveries(t, o.ID, w.ID)
		if len(ds) != 1 || ds[0].State != billd.DeliveryDelivered || ds[0].Attempts != 4 {
			t.Fatalf("deliveries %+v, want one delivered after 4 attempts", ds)
		}
		var codes []int
		for _, a := range ds[0].Log {
			codes = append(codes, a.StatusCode)
		}
		if want := []int{200, 404, 503, 500}; !equalInts(codes, want) {
			t.Errorf("log statuses %v, want %v (newest first)", codes, want)
		}
		if ds[0].Log[1].Response != "answer 404" || ds[0].Log[1].Error == "" {
			t.Errorf("log entry %+v lacks the response excerpt or the error", ds[0].Log[1])
		}
	})
}

// byID returns the request of the notice id among got; deliveries are made a few at once, in no
// set order.
func byID(t *testing.T, got []received, id string) received {
	t.Helper()
	for _, r := range got {
		if r.header.Get(billd.WebhookIDHeader) == id {
			return r
		}
	}
	t.Fatalf("no request of notice %s", id)
	return received{}
}

// wantInvalid checks that err is EINVALID with a message that says about.
func wantInvalid(t *testing.T, err error, input, about string) {
	t.Helper()
	if billd.ErrorCode(err) != billd.EINVALID || !strings.Contains(billd.ErrorMessage(err), about) {
		t.Errorf("%s: error %v, want EINVALID about %s", input, err, about)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWebhookFailsAfterADayAndIsRedelivered(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newHookFixture(t, s)
		o := f.newOrg(t)
		script := make([]int, 100)
		for i := range script {
			script[i] = 500
		}
		r := newReceiver(t, script...)
		w := f.hook(t, o.ID, r.srv.URL)
		f.notify(t, o, billd.NoticeInvoiceCreated, "never-answered")
		start := f.now()
		var d *billd.WebhookDelivery
		for range 60 {
			f.sendWebhooks(t)
			d = f.deliveries(t, o.ID, w.ID)[0]
			if d.State != billd.DeliveryPending {
				break
			}
			f.advance(time.Hour)
		}
		if d.State != billd.DeliveryFailed {
			t.Fatalf("delivery %+v, want failed", d)
		}
		if span := d.UpdatedAt.Sub(start); span < billd.DeliveryRetryWindow {
			t.Errorf("failed after %s of retries, want at least %s", span, billd.DeliveryRetryWindow)
		}
		if len(d.Log) != billd.MaxDeliveryLog || d.Log[0].N != d.Attempts {
			t.Errorf("log of %d attempts (newest %d) for %d attempts, want the newest %d", len(d.Log), d.Log[0].N, d.Attempts, billd.MaxDeliveryLog)
		}
		if got := f.sendWebhooks(t); got != 0 {
			t.Errorf("a failed delivery was attempted again")
		}
		r.mu.Lock()
		r.script = nil
		r.mu.Unlock()
		re, err := f.svc.RedeliverWebhook(t.Context(), sys, o.ID, w.ID, d.ID)
		must(t, err)
		if re.State != billd.DeliveryPending {
			t.Errorf("redelivered delivery is %s, want pending", re.State)
		}
		if got := f.sendWebhooks(t); got != 1 {
			t.Fatalf("the redelivery round recorded %d attempts, want 1", got)
		}
		if d = f.deliveries(t, o.ID, w.ID)[0]; d.State != billd.DeliveryDelivered {
			t.Errorf("after redelivery the delivery is %s, want delivered", d.State)
		}
	})
}

func TestWebhookPrivateReceiversRefused(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		strict := newFixture(t, s) // no --webhooks-allow-private
		o := strict.newOrg(t)
		for _, url := range []string{"http://127.0.0.1:8080/", "https://10.1.2.3/x", "http://[::1]/", "http://169.254.169.254/latest",
			"http://localhost:9/", "http://192.168.0.1", "http://[::ffff:127.0.0.1]/"} {
			_, err := strict.svc.CreateWebhook(t.Context(), sys, o.ID, billd.WebhookInput{URL: url})
			wantInvalid(t, err, url, "private")
		}
		for _, url := range []string{"ftp://example.com/", "/relative", "https://user:pw@example.com/", "https://"} {
			_, err := strict.svc.CreateWebhook(t.Context(), sys, o.ID, billd.WebhookInput{URL: url})
			wantInvalid(t, err, url, "url")
		}
		// Registered while allowed, sent while refused: the dialer's check stops it at connect.
		r := newReceiver(t)
		lax := newHookFixture(t, s)
		w := lax.hook(t, o.ID, r.srv.URL)
		lax.svc.Close()
		strict.notify(t, o, billd.NoticeInvoicePaid, "private")
		strict.sendWebhooks(t)
		if got := r.requests(); len(got) != 0 {
			t.Fatalf("a private receiver got %d requests", len(got))
		}
		d := strict.deliveries(t, o.ID, w.ID)[0]
		if d.State != billd.DeliveryPending || len(d.Log) != 1 || d.Log[0].StatusCode != 0 {
			t.Fatalf("delivery %+v, want pending after a refused connect", d)
		}
		if !strings.Contains(d.Log[0].Error, "private") {
			t.Errorf("logged error %q, want the private address named", d.Log[0].Error)
		}
	})
}

func TestWebhookPermissions(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newHookFixture(t, s)
		a, b := f.newOrg(t), f.newOrg(t)
		r := newReceiver(t)
		ctx := t.Context()
		in := billd.WebhookInput{URL: r.srv.URL, Types: []string{"invoice.paid", "invoice.paid"}, Description: "ours"}
		admin := billd.Principal{ClientID: "a-admin", Role: billd.RoleAdmin, OrgID: a.ID}
		member := billd.Principal{ClientID: "a-member", Role: billd.RoleMember, OrgID: a.ID}
		outsider := billd.Principal{ClientID: "b-owner", Role: billd.RoleOwner, OrgID: b.ID}

		w, err := f.svc.CreateWebhook(ctx, admin, a.ID, in)
		must(t, err)
		if len(w.Types) != 1 || w.Secret == "" || !w.Enabled {
			t.Errorf("created %+v, want one type, a secret and enabled", w)
		}
		platform := f.hook(t, "", r.srv.URL)
		for _, p := range []billd.Principal{member, outsider, meter} {
			_, err := f.svc.CreateWebhook(ctx, p, a.ID, in)
			wantCode(t, err, billd.EFORBIDDEN)
			_, err = f.svc.ListWebhooks(ctx, p, a.ID)
			wantCode(t, err, billd.EFORBIDDEN)
			wantCode(t, f.svc.DeleteWebhook(ctx, p, a.ID, w.ID), billd.EFORBIDDEN)
		}
		for _, p := range []billd.Principal{admin, outsider} { // platform-wide webhooks: platform admins only
			_, err := f.svc.CreateWebhook(ctx, p, "", in)
			wantCode(t, err, billd.EFORBIDDEN)
			_, err = f.svc.ListWebhookDeliveries(ctx, p, "", platform.ID, billd.PageRequest{})
			wantCode(t, err, billd.EFORBIDDEN)
		}
		// Another organization's webhook, or the platform's, is not found through a.
		_, err = f.svc.ListWebhookDeliveries(ctx, admin, a.ID, platform.ID, billd.PageRequest{})
		wantCode(t, err, billd.ENOTFOUND)
		wantCode(t, f.svc.DeleteWebhook(ctx, sys, b.ID, w.ID), billd.ENOTFOUND)
		_, err = f.svc.RedeliverWebhook(ctx, admin, a.ID, w.ID, billd.NewUUID())
		wantCode(t, err, billd.ENOTFOUND)

		hooks, err := f.svc.ListWebhooks(ctx, admin, a.ID)
		must(t, err)
		if len(hooks) != 1 || hooks[0].ID != w.ID || hooks[0].Secret != "" || hooks[0].Description != "ours" {
			t.Errorf("listed %+v, want a's webhook without its secret", hooks)
		}
		_, err = f.svc.CreateWebhook(ctx, admin, a.ID, billd.WebhookInput{URL: r.srv.URL, Types: []string{"balance.high"}})
		wantInvalid(t, err, "balance.high", "event type")
		_, err = f.svc.CreateWebhook(ctx, admin, a.ID, billd.WebhookInput{URL: r.srv.URL, Description: "a\x00b"})
		wantInvalid(t, err, "NUL", "NUL")
		_, err = f.svc.CreateWebhook(ctx, admin, a.ID, billd.WebhookInput{URL: r.srv.URL, Description: strings.Repeat("d", 1001)})
		wantInvalid(t, err, "long description", "longer")
		_, err = f.svc.CreateWebhook(ctx, admin, a.ID, billd.WebhookInput{URL: r.srv.URL + "/" + strings.Repeat("u", 2048)})
		wantInvalid(t, err, "long url", "longer")
		for range billd.DefaultMaxWebhooksPerOrg - 1 {
			_, err := f.svc.CreateWebhook(ctx, admin, a.ID, in)
			must(t, err)
		}
		_, err = f.svc.CreateWebhook(ctx, admin, a.ID, in)
		wantCode(t, err, billd.EQUOTA)

		f.notify(t, a, billd.NoticeInvoicePaid, "before-delete")
		f.sendWebhooks(t)
		must(t, f.svc.DeleteWebhook(ctx, admin, a.ID, w.ID))
		_, err = f.svc.ListWebhookDeliveries(ctx, admin, a.ID, w.ID, billd.PageRequest{})
		wantCode(t, err, billd.ENOTFOUND)
	})
}

// The signature is the documented one: HMAC-SHA256 of "timestamp.body" keyed with the secret as
// text (the value openssl prints in docs/api.md's example).
func TestSignWebhook(t *testing.T) {
	got := billd.SignWebhook("whsec_abc", 1700000000, []byte(`{"id":"x","data":{}}`))
	if want := "v1=551c05d47ff38f1a2b05a4de85aa9c91e5e0fe850ac464b82004b3fd6624038f"; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
}

// Settled deliveries, their logs and their notices are pruned once they last changed longer ago
// than the retention; a delivery that failed for a day and settled more recently is kept, with its
// log and its notice (it may still be redelivered by hand).
func TestWebhookHistoryIsPrunedAfterItsRetention(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixtureConfig(t, s, billd.Config{Webhooks: billd.WebhookConfig{AllowPrivate: true, Retention: 48 * time.Hour}})
		o := f.newOrg(t)
		ok, failing := newReceiver(t), newReceiver(t, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
		good := f.hook(t, o.ID, ok.srv.URL, string(billd.NoticeInvoicePaid))
		bad := f.hook(t, o.ID, failing.srv.URL, string(billd.NoticeAccountSuspended))
		f.notify(t, o, billd.NoticeInvoicePaid, "paid")
		f.notify(t, o, billd.NoticeAccountSuspended, "suspended")
		f.sendWebhooks(t)
		count := func(query string) int64 {
			n, err := f.db.CountRaw(t.Context(), query)
			must(t, err)
			return n
		}
		f.advance(47 * time.Hour)
		f.sendWebhooks(t)
		if n := count(`SELECT COUNT(*) FROM notices`); n != 2 {
			t.Fatalf("%d notices before the retention has passed, want 2", n)
		}
		f.advance(2 * time.Hour) // the delivered one is 49 hours old; the failing one settled (failed) recently
		f.sendWebhooks(t)
		if got := f.deliveries(t, o.ID, good.ID); len(got) != 0 {
			t.Errorf("the delivered delivery was kept past the retention: %+v", got[0])
		}
		if got := f.deliveries(t, o.ID, bad.ID); len(got) != 1 || got[0].State != billd.DeliveryFailed || len(got[0].Log) == 0 {
			t.Errorf("the delivery that failed recently: %d kept, want 1, failed, with its log", len(got))
		}
		if n := count(`SELECT COUNT(*) FROM notices`); n != 1 {
			t.Errorf("%d notices after the prune, want 1 (the failed delivery's)", n)
		}
	})
}

// Platform admins creating platform-wide webhooks at the same moment cannot pass the quota
// together: the count runs under the platform's webhooks lock. The race is narrow, so it is run
// for several rounds.
func TestConcurrentPlatformWebhooksKeepTheQuota(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		const quota, tries, rounds = 3, 12, 20
		f := newFixtureConfig(t, s, billd.Config{Webhooks: billd.WebhookConfig{AllowPrivate: true},
			Limits: billd.Limits{MaxWebhooksPerOrg: quota}})
		r := newReceiver(t)
		for round := range rounds {
			errs := race(tries, func(int) error {
				_, err := f.svc.CreateWebhook(t.Context(), sys, "", billd.WebhookInput{URL: r.srv.URL})
				return err
			})
			created := 0
			for _, err := range errs {
				switch {
				case err == nil:
					created++
				case billd.ErrorCode(err) != billd.EQUOTA:
					t.Fatalf("a create failed otherwise than on the quota: %v", err)
				}
			}
			hooks, err := f.svc.ListWebhooks(t.Context(), sys, "")
			must(t, err)
			if created != quota || len(hooks) != quota {
				t.Fatalf("round %d: %d creates succeeded and %d webhooks exist; the quota is %d", round, created, len(hooks), quota)
			}
			for _, w := range hooks {
				must(t, f.svc.DeleteWebhook(t.Context(), sys, "", w.ID))
			}
		}
	})
}

// TestWebhookCallerChosenID makes a webhook under the id its caller picked; the same request sent
// again (a form posted twice) is refused with ECONFLICT instead of making a second endpoint, and
// an id that is not a UUID is refused.
func TestWebhookCallerChosenID(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newHookFixture(t, s)
		o := f.newOrg(t)
		in := billd.WebhookInput{ID: billd.NewUUID(), URL: "http://127.0.0.1:9/hook"}
		w, err := f.svc.CreateWebhook(t.Context(), sys, o.ID, in)
		must(t, err)
		if w.ID != in.ID || w.Secret == "" {
			t.Fatalf("webhook %s made with secret %q, want the caller's id %s and a secret", w.ID, w.Secret, in.ID)
		}
		_, err = f.svc.CreateWebhook(t.Context(), sys, o.ID, in)
		if billd.ErrorCode(err) != billd.ECONFLICT || !strings.Contains(billd.ErrorMessage(err), "exists already") {
			t.Errorf("the same id again: %v, want ECONFLICT", err)
		}
		_, err = f.svc.CreateWebhook(t.Context(), sys, o.ID, billd.WebhookInput{ID: "hook-1", URL: in.URL})
		wantInvalid(t, err, "hook-1", "UUID")
		hooks, err := f.svc.ListWebhooks(t.Context(), sys, o.ID)
		must(t, err)
		if len(hooks) != 1 {
			t.Errorf("%d webhooks, want 1", len(hooks))
		}
	})
}

// SetWebhookEnabled changes only whether a webhook is enabled: the URL, types and description
// another caller set stand (the console's Enable and Disable buttons use it). A member and another
// organization may not use it.
func TestWebhookEnabledAlone(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newHookFixture(t, s)
		a, b := f.newOrg(t), f.newOrg(t)
		ctx := t.Context()
		w := f.hook(t, a.ID, "http://127.0.0.1:9/hook", "invoice.paid")
		changed := billd.WebhookInput{URL: "http://127.0.0.1:9/other", Types: []string{"balance.low"}, Description: "moved"}
		_, err := f.svc.UpdateWebhook(ctx, sys, a.ID, w.ID, changed)
		must(t, err)
		got, err := f.svc.SetWebhookEnabled(ctx, sys, a.ID, w.ID, false)
		must(t, err)
		if got.Enabled || got.URL != changed.URL || got.Description != changed.Description ||
			len(got.Types) != 1 || got.Types[0] != billd.NoticeBalanceLow || got.Secret != "" {
			t.Errorf("after disabling: %+v, want disabled with the changed settings and no secret", got)
		}
		got, err = f.svc.SetWebhookEnabled(ctx, sys, a.ID, w.ID, true)
		must(t, err)
		if !got.Enabled || got.URL != changed.URL {
			t.Errorf("after enabling: %+v", got)
		}
		member := billd.Principal{ClientID: "a-member", Role: billd.RoleMember, OrgID: a.ID}
		if _, err := f.svc.SetWebhookEnabled(ctx, member, a.ID, w.ID, false); billd.ErrorCode(err) != billd.EFORBIDDEN {
			t.Errorf("a member disabling: %v, want EFORBIDDEN", err)
		}
		if _, err := f.svc.SetWebhookEnabled(ctx, sys, b.ID, w.ID, false); billd.ErrorCode(err) != billd.ENOTFOUND {
			t.Errorf("through another organization: %v, want ENOTFOUND", err)
		}
	})
}
