package main

import (
	"testing"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	bv1 "github.com/billd/billd/web/frontier/billdv1"
	bc "github.com/billd/billd/web/frontier/billdv1/billdv1connect"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
	"google.golang.org/protobuf/proto"
)

// Invoices and seats: their RPCs over every transport (as rpcCases), on the overdraft invoice of a
// postpaid account. The server runs with rpcOverdraftProduct as its overdraft product and no
// invoice day, so that invoices are made only when a case asks. The REST paths in detail are in
// rpc_invoice_rest_test.go.

// rpcOverdraftProduct is the credits product that prices overdrafts: 10 credits for 1.00 USD.
const rpcOverdraftProduct = "rpc-overdraft"

// rpcServeFlags are the flags of the RPC cases' server. Its clients are not rate limited: the
// cases call every RPC five times in a row with a few clients (ratelimit_test.go tests the limits).
var rpcServeFlags = []string{"--overdraft-product", rpcOverdraftProduct, "--invoice-day", "0", "--rate-limit", "owner=0,org-admin=0,member=0"}

// postpaidWorld is a postpaid organization (credit_min -1000) that used 100 credits beyond its
// balance, billed on one overdraft invoice.
type postpaidWorld struct {
	*world
	invoiceID string
}

// postpaidWorld returns the fixture's postpaid world, made on first use.
func (f *rpcFixture) postpaidWorld(t *testing.T) *postpaidWorld {
	t.Helper()
	if f.postpaid != nil {
		return f.postpaid
	}
	f.s.ok(req{method: "POST", path: "/v1beta1/billing/products", body: map[string]any{"body": map[string]any{
		"name": rpcOverdraftProduct, "behavior": "credits", "behavior_config": map[string]any{"credit_amount": 10},
		"prices": []any{map[string]any{"name": "unit", "currency": "usd", "amount": 100}}}}})
	w := newWorld(t, f.s, 0)
	f.s.ok(req{method: "PUT", path: w.billing("/details"), body: map[string]any{"credit_min": -1000, "due_in_days": 14}})
	w.use(t, f.s, billd.NewUUID(), 100)
	f.s.ok(req{method: "POST", path: "/v1beta1/admin/billing/invoices/generate", body: ""})
	invoices := f.s.ok(req{method: "GET", path: "/v1beta1/admin/billing/invoices?org_id=" + w.orgID})["invoices"].([]any)
	if len(invoices) != 1 {
		t.Fatalf("the postpaid world's invoices: %v, want one", invoices)
	}
	f.postpaid = &postpaidWorld{world: w, invoiceID: str(t, invoices[0].(map[string]any), "id")}
	return f.postpaid
}

// postpaid is a request about the fixture's postpaid world, the same for every call.
func postpaid(m func(w *postpaidWorld) proto.Message) func(*testing.T, *rpcFixture) (proto.Message, []string) {
	return func(t *testing.T, f *rpcFixture) (proto.Message, []string) { return m(f.postpaidWorld(t)), nil }
}

var rpcInvoiceCases = []rpcCase{
	{proc: fc.FrontierServiceListInvoicesProcedure, req: postpaid(func(w *postpaidWorld) proto.Message {
		return &fv1.ListInvoicesRequest{OrgId: w.orgID, BillingId: w.accountID, NonzeroAmountOnly: true, Expand: []string{"customer"}, PageSize: 10}
	})},
	{proc: fc.AdminServiceListAllInvoicesProcedure, req: postpaid(func(w *postpaidWorld) proto.Message {
		return &fv1.ListAllInvoicesRequest{OrgId: w.orgID, PageSize: 10, PageNum: 1}
	})},
	// The postpaid world's overdraft is billed already: no call makes another invoice.
	{proc: fc.AdminServiceGenerateInvoicesProcedure, req: postpaid(func(*postpaidWorld) proto.Message {
		return &fv1.GenerateInvoicesRequest{}
	})},
	// The first call marks the invoice paid, the others change nothing and answer the same.
	{proc: bc.BilldServiceMarkInvoicePaidProcedure, check: paidBack, req: postpaid(func(w *postpaidWorld) proto.Message {
		return &bv1.MarkInvoicePaidRequest{OrgId: w.orgID, BillingId: w.accountID, Id: w.invoiceID}
	})},
	{proc: bc.BilldServiceSetOrganizationSeatsProcedure, stamps: true, req: same(func(f *rpcFixture) proto.Message {
		return &bv1.SetOrganizationSeatsRequest{Id: f.toggle.orgID, Seats: 3}
	})},
	// Limits far above anything the cases spend; the monthly one is left as it is.
	{proc: bc.BilldServiceSetSpendLimitsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &bv1.SetSpendLimitsRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID, HourlySpendLimit: proto.Int64(1 << 40)}
	})},
	// A recharge armed far below anything the cases spend, and a threshold on an account that is
	// not invoiced (so never reached).
	{proc: bc.BilldServiceSetAccountControlsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &bv1.SetAccountControlsRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID, BillingThreshold: proto.Int64(1 << 40),
			Recharge: &bv1.AccountRecharge{AutoRecharge: true, Low: 1, High: 2}}
	})},
}

// paidBack checks that the postpaid world's overdraft was credited back once, whatever the calls.
func paidBack(t *testing.T, f *rpcFixture, _ proto.Message) {
	t.Helper()
	if got := f.postpaidWorld(t).balance(t, f.s); got != 0 {
		t.Errorf("balance %d after the overdraft invoice of 100 credits was paid, want 0", got)
	}
}

var rpcInvoiceErrorCases = []rpcCase{
	{name: "invoice of another organization", proc: bc.BilldServiceMarkInvoicePaidProcedure, code: connect.CodeNotFound,
		msg: "invoice not found", req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			return &bv1.MarkInvoicePaidRequest{OrgId: f.toggle.orgID, BillingId: f.toggle.accountID, Id: f.postpaidWorld(t).invoiceID}, nil
		}},
	{name: "owner marks an invoice paid", proc: bc.BilldServiceMarkInvoicePaidProcedure, as: asOutsider, code: connect.CodePermissionDenied,
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			return &bv1.MarkInvoicePaidRequest{OrgId: f.toggle.orgID, BillingId: f.toggle.accountID, Id: f.postpaidWorld(t).invoiceID}, nil
		}},
	{name: "member lists invoices", proc: fc.FrontierServiceListInvoicesProcedure, as: asMember, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.ListInvoicesRequest{OrgId: f.w.orgID, BillingId: f.w.accountID}
		})},
	{name: "owner generates invoices", proc: fc.AdminServiceGenerateInvoicesProcedure, as: asOutsider, code: connect.CodePermissionDenied,
		req: same(func(*rpcFixture) proto.Message { return &fv1.GenerateInvoicesRequest{} })},
	{name: "all invoices from page 2", proc: fc.AdminServiceListAllInvoicesProcedure, code: connect.CodeInvalidArgument, msg: "page_num",
		req: same(func(*rpcFixture) proto.Message { return &fv1.ListAllInvoicesRequest{PageNum: 2} })},
	{name: "negative spend limit", proc: bc.BilldServiceSetSpendLimitsProcedure, code: connect.CodeInvalidArgument,
		msg: "monthly_spend_limit must not be negative", req: same(func(f *rpcFixture) proto.Message {
			return &bv1.SetSpendLimitsRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID, MonthlySpendLimit: proto.Int64(-1)}
		})},
	{name: "recharge low above high", proc: bc.BilldServiceSetAccountControlsProcedure, code: connect.CodeInvalidArgument,
		msg: "recharge low (5) must be below high (2)", req: same(func(f *rpcFixture) proto.Message {
			return &bv1.SetAccountControlsRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID,
				Recharge: &bv1.AccountRecharge{AutoRecharge: true, Low: 5, High: 2}}
		})},
	{name: "outsider sets controls", proc: bc.BilldServiceSetAccountControlsProcedure, as: asOutsider, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message {
			return &bv1.SetAccountControlsRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID, BillingThreshold: proto.Int64(5)}
		})},
	{name: "owner sets spend limits", proc: bc.BilldServiceSetSpendLimitsProcedure, as: asOutsider, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message {
			return &bv1.SetSpendLimitsRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID, HourlySpendLimit: proto.Int64(5)}
		})},
	{name: "negative seats", proc: bc.BilldServiceSetOrganizationSeatsProcedure, code: connect.CodeInvalidArgument, msg: "seats must be between 0",
		req: same(func(f *rpcFixture) proto.Message {
			return &bv1.SetOrganizationSeatsRequest{Id: f.toggle.orgID, Seats: -1}
		})},
}

func init() {
	rpcCases = append(rpcCases, rpcInvoiceCases...)
	rpcErrorCases = append(rpcErrorCases, rpcInvoiceErrorCases...)
	for proc, route := range map[string]restRoute{
		fc.FrontierServiceListInvoicesProcedure:      {"GET /v1beta1/organizations/{org_id}/billing/{billing_id}/invoices", ""},
		fc.AdminServiceListAllInvoicesProcedure:      {"GET /v1beta1/admin/billing/invoices", ""},
		fc.AdminServiceGenerateInvoicesProcedure:     {"POST /v1beta1/admin/billing/invoices/generate", "*"},
		bc.BilldServiceMarkInvoicePaidProcedure:      {"POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/invoices/{id}/paid", "*"},
		bc.BilldServiceSetOrganizationSeatsProcedure: {"PUT /v1beta1/admin/organizations/{id}/seats", "*"},
		bc.BilldServiceSetSpendLimitsProcedure:       {"PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/spend-limits", "*"},
		bc.BilldServiceSetAccountControlsProcedure:   {"PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/controls", "*"},
	} {
		rpcRoutes[proc] = route
	}
}
