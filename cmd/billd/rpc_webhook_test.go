package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	bv1 "github.com/billd/billd/web/frontier/billdv1"
	bc "github.com/billd/billd/web/frontier/billdv1/billdv1connect"
	"google.golang.org/protobuf/proto"
)

// Webhooks: their RPCs over every transport (as rpcCases). The RPC server may send webhooks to
// 127.0.0.1, and an attempt may take an hour: the hooked world's receiver holds its one delivery
// unanswered to the end of the test, so that the delivery log reads the same on every call.

// hookedWorld is a postpaid organization with a webhook, whose invoice.created event is on its
// way to a receiver that does not answer.
type hookedWorld struct {
	*world
	webhookID  string
	deliveryID string
	url        string // the receiver's
}

// hookedWorld returns the fixture's hooked world, made on first use.
func (f *rpcFixture) hookedWorld(t *testing.T) *hookedWorld {
	t.Helper()
	if f.hooked != nil {
		return f.hooked
	}
	f.postpaidWorld(t) // the overdraft product
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	f.s.t.Cleanup(srv.Close)              // at the end of the whole test, not of the case that made the world
	f.s.t.Cleanup(func() { close(stop) }) // before srv.Close, which waits for the held request
	h := &hookedWorld{world: newWorld(t, f.s, 0), url: srv.URL + "/billd"}
	f.s.ok(req{method: "PUT", path: h.billing("/details"), body: map[string]any{"credit_min": -1000, "due_in_days": 14}})
	hook := obj(t, f.s.ok(req{method: "POST", path: "/v1beta1/organizations/" + h.orgID + "/webhooks",
		body: map[string]any{"url": h.url, "types": []string{"invoice.created"}, "description": "ops"}}), "webhook")
	h.webhookID = str(t, hook, "id")
	h.use(t, f.s, billd.NewUUID(), 100)
	f.s.ok(req{method: "POST", path: "/v1beta1/admin/billing/invoices/generate", body: ""})
	deadline := time.Now().Add(waitTimeout)
	for h.deliveryID == "" {
		ds, _ := f.s.ok(req{method: "GET", path: "/v1beta1/organizations/" + h.orgID + "/webhooks/" + h.webhookID + "/deliveries"})["deliveries"].([]any)
		if len(ds) > 0 {
			h.deliveryID = str(t, ds[0].(map[string]any), "id")
		} else if time.Now().After(deadline) {
			t.Fatal("the invoice.created event was not queued for the webhook")
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.hooked = h
	return h
}

// hooked is a request about the hooked world.
func hooked(m func(h *hookedWorld) proto.Message) func(*testing.T, *rpcFixture) (proto.Message, []string) {
	return func(t *testing.T, f *rpcFixture) (proto.Message, []string) { return m(f.hookedWorld(t)), nil }
}

var rpcWebhookCases = []rpcCase{
	{proc: bc.BilldServiceCreateWebhookProcedure, clear: []string{"id", "secret"}, stamps: true,
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			org := f.freshOrg(t)
			return &bv1.CreateWebhookRequest{OrgId: org, Url: "http://127.0.0.1:9/hook", Types: []string{"invoice.paid", "account.suspended"},
				Description: "finance", Disabled: true}, []string{org}
		}},
	{proc: bc.BilldServiceListWebhooksProcedure, req: hooked(func(h *hookedWorld) proto.Message {
		return &bv1.ListWebhooksRequest{OrgId: h.orgID}
	})},
	{proc: bc.BilldServiceListWebhookDeliveriesProcedure, req: hooked(func(h *hookedWorld) proto.Message {
		return &bv1.ListWebhookDeliveriesRequest{OrgId: h.orgID, WebhookId: h.webhookID, PageSize: 10}
	})},
	// Queued again, now: its next attempt and update times move; the attempt in flight holds it.
	{proc: bc.BilldServiceRedeliverWebhookProcedure, stamps: true, req: hooked(func(h *hookedWorld) proto.Message {
		return &bv1.RedeliverWebhookRequest{OrgId: h.orgID, WebhookId: h.webhookID, Id: h.deliveryID}
	})},
	// The hooked world's webhook, as it was made: the same answer every time.
	{proc: bc.BilldServiceUpdateWebhookProcedure, req: hooked(func(h *hookedWorld) proto.Message {
		return &bv1.UpdateWebhookRequest{OrgId: h.orgID, Id: h.webhookID, Url: h.url, Types: []string{"invoice.created"}, Description: "ops"}
	})},
	{proc: bc.BilldServiceDeleteWebhookProcedure, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		h := f.hookedWorld(t)
		hook := obj(t, f.s.ok(req{method: "POST", path: "/v1beta1/organizations/" + h.orgID + "/webhooks",
			body: map[string]any{"url": "http://127.0.0.1:9/gone"}}), "webhook")
		return &bv1.DeleteWebhookRequest{OrgId: h.orgID, Id: str(t, hook, "id")}, nil
	}},
}

var rpcWebhookErrorCases = []rpcCase{
	{name: "member creates a webhook", proc: bc.BilldServiceCreateWebhookProcedure, as: asMember, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message {
			return &bv1.CreateWebhookRequest{OrgId: f.w.orgID, Url: "https://hooks.example.com/"}
		})},
	{name: "outsider lists webhooks", proc: bc.BilldServiceListWebhooksProcedure, as: asOutsider, code: connect.CodePermissionDenied,
		req: hooked(func(h *hookedWorld) proto.Message { return &bv1.ListWebhooksRequest{OrgId: h.orgID} })},
	{name: "webhook of ftp", proc: bc.BilldServiceCreateWebhookProcedure, code: connect.CodeInvalidArgument, msg: "http or https",
		req: same(func(f *rpcFixture) proto.Message {
			return &bv1.CreateWebhookRequest{OrgId: f.w.orgID, Url: "ftp://hooks.example.com/"}
		})},
	{name: "unknown event type", proc: bc.BilldServiceCreateWebhookProcedure, code: connect.CodeInvalidArgument, msg: "unknown event type",
		req: same(func(f *rpcFixture) proto.Message {
			return &bv1.CreateWebhookRequest{OrgId: f.w.orgID, Url: "https://hooks.example.com/", Types: []string{"balance.high"}}
		})},
	{name: "another organization's webhook", proc: bc.BilldServiceListWebhookDeliveriesProcedure, as: asOutsider, code: connect.CodeNotFound,
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			return &bv1.ListWebhookDeliveriesRequest{OrgId: f.toggle.orgID, WebhookId: f.hookedWorld(t).webhookID}, nil
		}},
	{name: "outsider redelivers", proc: bc.BilldServiceRedeliverWebhookProcedure, as: asOutsider, code: connect.CodePermissionDenied,
		req: hooked(func(h *hookedWorld) proto.Message {
			return &bv1.RedeliverWebhookRequest{OrgId: h.orgID, WebhookId: h.webhookID, Id: h.deliveryID}
		})},
}

func init() {
	rpcCases = append(rpcCases, rpcWebhookCases...)
	rpcErrorCases = append(rpcErrorCases, rpcWebhookErrorCases...)
	rpcServeFlags = append(rpcServeFlags, "--webhooks-allow-private", "--webhook-timeout", "1h")
	for proc, route := range map[string]restRoute{
		bc.BilldServiceCreateWebhookProcedure:         {"POST /v1beta1/organizations/{org_id}/webhooks", "*"},
		bc.BilldServiceListWebhooksProcedure:          {"GET /v1beta1/organizations/{org_id}/webhooks", ""},
		bc.BilldServiceUpdateWebhookProcedure:         {"PUT /v1beta1/organizations/{org_id}/webhooks/{id}", "*"},
		bc.BilldServiceDeleteWebhookProcedure:         {"DELETE /v1beta1/organizations/{org_id}/webhooks/{id}", ""},
		bc.BilldServiceListWebhookDeliveriesProcedure: {"GET /v1beta1/organizations/{org_id}/webhooks/{webhook_id}/deliveries", ""},
		bc.BilldServiceRedeliverWebhookProcedure:      {"POST /v1beta1/organizations/{org_id}/webhooks/{webhook_id}/deliveries/{id}/redeliver", "*"},
	} {
		rpcRoutes[proc] = route
	}
}
