package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
	bv1 "github.com/billd/billd/web/frontier/billdv1"
	bc "github.com/billd/billd/web/frontier/billdv1/billdv1connect"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Every RPC over every transport against the REST path of the same request: the same answers and
// the same errors (code and message), with Basic and Bearer credentials.

// rpcCase is one call of an RPC, made on the REST path and on every transport.
type rpcCase struct {
	name string // the case's name, when the procedure has several
	proc string
	as   func(f *rpcFixture) creds // the caller; the platform admin (Basic) when nil
	// req makes the request of one call and returns it with the values made for that call alone
	// (fresh ids and names), which differ between the calls' answers.
	req func(t *testing.T, f *rpcFixture) (proto.Message, []string)
	// clear names the answer's fields the server makes anew for each call; stamps says that its
	// timestamps change with each call.
	clear  []string
	stamps bool
	// check, if set, checks the effect of each call of msg.
	check func(t *testing.T, f *rpcFixture, msg proto.Message)
	// code and msg are the error every call must get (code 0: none) and a part of its message.
	code connect.Code
	msg  string
	// header, if set, returns the request headers of a call of msg (a webhook's signature).
	header func(t *testing.T, msg proto.Message) map[string]string
}

// headers returns the request headers of a call of msg.
func (c rpcCase) headers(t *testing.T, msg proto.Message) map[string]string {
	if c.header == nil {
		return nil
	}
	return c.header(t, msg)
}

// title returns the case's name: its procedure's method unless it has one.
func (c rpcCase) title() string {
	if c.name != "" {
		return c.name
	}
	return c.proc[strings.LastIndex(c.proc, "/")+1:]
}

// same is a request the same for every call.
func same(m func(f *rpcFixture) proto.Message) func(*testing.T, *rpcFixture) (proto.Message, []string) {
	return func(_ *testing.T, f *rpcFixture) (proto.Message, []string) { return m(f), nil }
}

// asMeter, asMember and asOutsider are callers of the cases.
func asMeter(f *rpcFixture) creds    { return f.w.meter }
func asMember(f *rpcFixture) creds   { return f.member }
func asOutsider(f *rpcFixture) creds { return f.outsider }

// rpcCases are the successful calls: every RPC at least once.
var rpcCases = []rpcCase{
	{proc: fc.FrontierServiceListOrganizationsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.ListOrganizationsRequest{PageSize: 2}
	})},
	{proc: fc.FrontierServiceCreateOrganizationProcedure, clear: []string{"id"}, stamps: true,
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			name := "rpc-" + billd.NewUUID()[:8]
			return &fv1.CreateOrganizationRequest{Body: &fv1.OrganizationRequestBody{Name: name, Title: "Acme", Metadata: metadata(t)}}, []string{name}
		}},
	{proc: fc.FrontierServiceGetOrganizationProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.GetOrganizationRequest{Id: f.w.orgID}
	})},
	{proc: fc.FrontierServiceUpdateOrganizationProcedure, stamps: true, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		f.s.ok(req{method: "PUT", path: "/v1beta1/organizations/" + f.toggle.orgID, body: map[string]any{"name": f.toggleName, "title": "Reset"}})
		return &fv1.UpdateOrganizationRequest{Id: f.toggle.orgID, Body: &fv1.OrganizationRequestBody{Name: f.toggleName, Title: "Toggled", Metadata: metadata(t)}}, nil
	}},
	{proc: fc.FrontierServiceListOrganizationProjectsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.ListOrganizationProjectsRequest{Id: f.w.orgID}
	})},
	{proc: fc.FrontierServiceDisableOrganizationProcedure, check: orgState("disabled"),
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			f.s.ok(req{method: "POST", path: "/v1beta1/organizations/" + f.toggle.orgID + "/enable", body: ""})
			return &fv1.DisableOrganizationRequest{Id: f.toggle.orgID}, nil
		}},
	{proc: fc.FrontierServiceEnableOrganizationProcedure, check: orgState("enabled"),
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			f.s.ok(req{method: "POST", path: "/v1beta1/organizations/" + f.toggle.orgID + "/disable", body: ""})
			return &fv1.EnableOrganizationRequest{Id: f.toggle.orgID}, nil
		}},
	{proc: fc.FrontierServiceDeleteOrganizationProcedure, check: gone("/v1beta1/organizations/{id}"),
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			id := f.freshOrg(t)
			return &fv1.DeleteOrganizationRequest{Id: id}, []string{id}
		}},
	{proc: fc.FrontierServiceCreateProjectProcedure, clear: []string{"id"}, stamps: true,
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			name := "p-" + billd.NewUUID()[:8]
			return &fv1.CreateProjectRequest{Body: &fv1.ProjectRequestBody{Name: name, Title: "Web", OrgId: f.w.orgID, Metadata: metadata(t)}}, []string{name}
		}},
	{proc: fc.FrontierServiceGetProjectProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.GetProjectRequest{Id: f.w.projectID}
	})},
	{proc: fc.FrontierServiceUpdateProjectProcedure, stamps: true, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		f.s.ok(req{method: "PUT", path: "/v1beta1/projects/" + f.w.projectID, body: map[string]any{"name": "web", "title": "Reset"}})
		return &fv1.UpdateProjectRequest{Id: f.w.projectID, Body: &fv1.ProjectRequestBody{Name: "web", Title: "Web app"}}, nil
	}},
	{proc: fc.FrontierServiceDeleteProjectProcedure, check: gone("/v1beta1/projects/{id}"), req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		p := obj(t, f.s.ok(req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "p-" + billd.NewUUID()[:8], "org_id": f.w.orgID}}), "project")
		return &fv1.DeleteProjectRequest{Id: str(t, p, "id")}, []string{str(t, p, "id")}
	}},
	{proc: fc.FrontierServiceCreateBillingAccountProcedure, clear: []string{"id"}, stamps: true,
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			org := f.freshOrg(t)
			return &fv1.CreateBillingAccountRequest{OrgId: org, Body: &fv1.BillingAccountRequestBody{Name: "Acme", Email: "billing@acme.test",
				Phone: "+49 30 1234", Currency: "usd", Address: &fv1.BillingAccount_Address{Line1: "Main St 1", City: "Berlin", Country: "DE"},
				TaxData: []*fv1.BillingAccount_Tax{{Type: "vat", Id: "DE1"}}, Metadata: metadata(t)}}, []string{org}
		}},
	{proc: fc.FrontierServiceGetBillingAccountProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.GetBillingAccountRequest{OrgId: f.w.orgID, Id: f.w.accountID, WithPaymentMethods: true, WithBillingDetails: true, Expand: []string{"organization"}}
	})},
	{proc: fc.FrontierServiceUpdateBillingAccountProcedure, stamps: true, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		f.s.ok(req{method: "PUT", path: f.toggle.account(""), body: map[string]any{"body": map[string]any{"name": "Reset"}}})
		return &fv1.UpdateBillingAccountRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID, Body: &fv1.BillingAccountRequestBody{
			Name: "Toggle billing", Email: "toggle@acme.test", Address: &fv1.BillingAccount_Address{City: "Paris", Country: "FR"}, Metadata: metadata(t)}}, nil
	}},
	{proc: fc.FrontierServiceListBillingAccountsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.ListBillingAccountsRequest{OrgId: f.w.orgID, Expand: []string{"organization"}}
	})},
	{proc: fc.FrontierServiceDeleteBillingAccountProcedure, check: gone("/v1beta1/organizations/{org_id}/billing/{id}"), req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		org, account := f.freshAccount(t)
		return &fv1.DeleteBillingAccountRequest{OrgId: org, Id: account}, []string{org, account}
	}},
	{proc: fc.FrontierServiceDisableBillingAccountProcedure, check: accountState("disabled"),
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			f.s.ok(req{method: "POST", path: f.toggle.account("/enable"), body: ""})
			return &fv1.DisableBillingAccountRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID}, nil
		}},
	{proc: fc.FrontierServiceEnableBillingAccountProcedure, check: accountState("active"),
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			f.s.ok(req{method: "POST", path: f.toggle.account("/disable"), body: ""})
			return &fv1.EnableBillingAccountRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID}, nil
		}},
	{proc: fc.FrontierServiceGetBillingBalanceProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.GetBillingBalanceRequest{OrgId: f.w.orgID, Id: f.w.accountID}
	})},
	{name: "GetBillingBalance as the admin with Bearer", proc: fc.FrontierServiceGetBillingBalanceProcedure,
		as: func(*rpcFixture) creds { return creds{key: adminKey} },
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.GetBillingBalanceRequest{OrgId: f.w.orgID, Id: f.w.accountID}
		})},
	{name: "GetBillingBalance as a member", proc: fc.FrontierServiceGetBillingBalanceProcedure, as: asMember,
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.GetBillingBalanceRequest{OrgId: f.w.orgID, Id: f.w.accountID}
		})},
	{proc: fc.FrontierServiceCheckCreditEntitlementProcedure, as: asMeter, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.CheckCreditEntitlementRequest{OrgId: f.w.orgID, Amount: 10}
	})},
	{proc: fc.FrontierServiceCreateBillingUsageProcedure, as: asMeter, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		id := billd.NewUUID()
		return f.usageRequest(&fv1.Usage{Id: id, Amount: 1, Source: "gpu", Description: "a100 minute", UserId: "alice", Metadata: metadata(t)}), []string{id}
	}},
	{proc: fc.FrontierServiceListBillingTransactionsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.ListBillingTransactionsRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, PageSize: 3, Expand: []string{"customer"}}
	})},
	{proc: fc.FrontierServiceTotalDebitedTransactionsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.TotalDebitedTransactionsRequest{OrgId: f.w.orgID, BillingId: f.w.accountID}
	})},
	{proc: fc.AdminServiceListAllBillingAccountsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.ListAllBillingAccountsRequest{OrgId: f.w.orgID}
	})},
	{proc: fc.AdminServiceRevertBillingUsageProcedure, as: asMeter, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.RevertBillingUsageRequest{OrgId: f.w.orgID, UsageId: f.usage.Id, Amount: 1}
	})},
	{proc: fc.AdminServiceUpdateBillingAccountLimitsProcedure, check: details(-50, 30),
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			f.s.ok(req{method: "PUT", path: f.toggle.billing("/details"), body: map[string]any{"credit_min": 0, "due_in_days": 30}})
			return &fv1.UpdateBillingAccountLimitsRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID, CreditMin: -50}, nil
		}},
	{proc: fc.AdminServiceGetBillingAccountDetailsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.GetBillingAccountDetailsRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID}
	})},
	{proc: fc.AdminServiceUpdateBillingAccountDetailsProcedure, check: details(-20, 14),
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			f.s.ok(req{method: "PUT", path: f.toggle.billing("/details"), body: map[string]any{"credit_min": 0, "due_in_days": 30}})
			return &fv1.UpdateBillingAccountDetailsRequest{OrgId: f.toggle.orgID, Id: f.toggle.accountID, CreditMin: -20, DueInDays: 14}, nil
		}},
	{proc: bc.BilldServiceGrantCreditsProcedure, stamps: true, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		id := billd.NewUUID()
		return &bv1.GrantCreditsRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, Id: id, Amount: 10, Description: "top-up", Metadata: metadata(t)}, []string{id}
	}},
	{proc: bc.BilldServiceVerifyLedgerProcedure, req: same(func(f *rpcFixture) proto.Message { return &bv1.VerifyLedgerRequest{} })},
	{proc: bc.BilldServiceCreateClientProcedure, clear: []string{"id", "client_secret", "api_key"}, stamps: true,
		req: same(func(f *rpcFixture) proto.Message {
			return &bv1.CreateClientRequest{Name: "ci", Role: "member", OrgId: f.w.orgID}
		})},
	{proc: bc.BilldServiceListClientsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &bv1.ListClientsRequest{OrgId: f.w.orgID}
	})},
	{proc: bc.BilldServiceRevokeClientProcedure, check: revoked, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		c := f.w.client(t, f.s, "member")
		return &bv1.RevokeClientRequest{Id: c.id}, []string{c.id}
	}},
}

// neverApplied is the id of the usages and grants of the failing calls: the same in every call, so
// that the error messages that name it compare equal, and never applied (a call that applied it
// would make the next one fail otherwise).
const neverApplied = "00000000-0000-4000-8000-0000000000aa"

// orgState checks that toggle's organization is in state after a call.
func orgState(state string) func(*testing.T, *rpcFixture, proto.Message) {
	return func(t *testing.T, f *rpcFixture, _ proto.Message) {
		t.Helper()
		if got := obj(t, f.s.ok(req{method: "GET", path: "/v1beta1/organizations/" + f.toggle.orgID}), "organization")["state"]; got != state {
			t.Errorf("the organization is %v, want %s", got, state)
		}
	}
}

// accountState checks that toggle's account is in state after a call.
func accountState(state string) func(*testing.T, *rpcFixture, proto.Message) {
	return func(t *testing.T, f *rpcFixture, _ proto.Message) {
		t.Helper()
		if got := obj(t, f.s.ok(req{method: "GET", path: f.toggle.account("")}), "billing_account")["state"]; got != state {
			t.Errorf("the account is %v, want %s", got, state)
		}
	}
}

// details checks toggle's account's details after a call.
func details(creditMin, dueInDays int64) func(*testing.T, *rpcFixture, proto.Message) {
	return func(t *testing.T, f *rpcFixture, _ proto.Message) {
		t.Helper()
		d := f.s.ok(req{method: "GET", path: f.toggle.billing("/details")})
		if got, due := int64String(t, "credit_min", d["credit_min"]), int64String(t, "due_in_days", d["due_in_days"]); got != creditMin || due != dueInDays {
			t.Errorf("details: credit_min %d, due_in_days %d; want %d, %d", got, due, creditMin, dueInDays)
		}
	}
}

// gone checks that what a call deleted is not found at pattern, whose wildcards are fields of the
// request.
func gone(pattern string) func(*testing.T, *rpcFixture, proto.Message) {
	return func(t *testing.T, f *rpcFixture, msg proto.Message) {
		t.Helper()
		r := restRequest(t, restRoute{"GET " + pattern, ""}, msg, admin)
		r.path, _, _ = strings.Cut(r.path, "?")
		f.s.fails(r, http.StatusNotFound, 5, "not found")
	}
}

// revoked checks that the client a call revoked is no longer listed.
func revoked(t *testing.T, f *rpcFixture, msg proto.Message) {
	t.Helper()
	id := msg.(*bv1.RevokeClientRequest).GetId()
	for _, c := range f.s.ok(req{method: "GET", path: "/v1beta1/admin/clients?org_id=" + f.w.orgID})["clients"].([]any) {
		if c.(map[string]any)["id"] == id {
			t.Errorf("client %s is listed after it was revoked", id)
		}
	}
}

// rpcErrorCases are failing calls: each error code billd answers, and credentials.
var rpcErrorCases = []rpcCase{
	{name: "not found", proc: fc.FrontierServiceGetBillingBalanceProcedure, code: connect.CodeNotFound, msg: "billing account not found",
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.GetBillingBalanceRequest{OrgId: f.w.orgID, Id: "00000000-0000-4000-8000-000000000001"}
		})},
	{name: "an account of another organization", proc: fc.FrontierServiceGetBillingAccountProcedure, code: connect.CodeNotFound, msg: "not found",
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.GetBillingAccountRequest{OrgId: f.w.orgID, Id: f.toggle.accountID}
		})},
	{name: "invalid id", proc: fc.FrontierServiceGetBillingAccountProcedure, code: connect.CodeInvalidArgument, msg: "must be a UUID",
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.GetBillingAccountRequest{OrgId: f.w.orgID, Id: "not-a-uuid"}
		})},
	{name: "invalid amount", proc: fc.FrontierServiceCreateBillingUsageProcedure, as: asMeter, code: connect.CodeInvalidArgument, msg: "amount",
		req: same(func(f *rpcFixture) proto.Message {
			return f.usageRequest(&fv1.Usage{Id: neverApplied, Amount: -5})
		})},
	{name: "insufficient credits", proc: fc.FrontierServiceCreateBillingUsageProcedure, as: asMeter, code: connect.CodeInvalidArgument, msg: "insufficient credits",
		req: same(func(f *rpcFixture) proto.Message {
			return f.usageRequest(&fv1.Usage{Id: neverApplied, Amount: 1 << 50})
		})},
	{name: "replayed usage", proc: fc.FrontierServiceCreateBillingUsageProcedure, as: asMeter, code: connect.CodeAlreadyExists, msg: "credits already applied",
		req: same(func(f *rpcFixture) proto.Message { return f.usageRequest(f.usage) })},
	{name: "disabled organization", proc: fc.FrontierServiceCreateBillingUsageProcedure, as: asMeter, code: connect.CodeFailedPrecondition, msg: "organization is disabled",
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.CreateBillingUsageRequest{OrgId: f.disabled.orgID, BillingId: f.disabled.accountID, Usages: []*fv1.Usage{{Id: neverApplied, Amount: 1}}}
		})},
	{name: "second active account", proc: fc.FrontierServiceCreateBillingAccountProcedure, code: connect.CodeFailedPrecondition, msg: "already has an active billing account",
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.CreateBillingAccountRequest{OrgId: f.w.orgID, Body: &fv1.BillingAccountRequestBody{Name: "Second"}}
		})},
	{name: "no credentials", proc: fc.FrontierServiceGetBillingBalanceProcedure, as: func(*rpcFixture) creds { return creds{} },
		code: connect.CodeUnauthenticated, msg: "credentials required", req: same(balanceRequest)},
	{name: "wrong Basic secret", proc: fc.FrontierServiceGetBillingBalanceProcedure, as: func(*rpcFixture) creds { return creds{id: adminID, secret: "wrong-secret-0123456789"} },
		code: connect.CodeUnauthenticated, req: same(balanceRequest)},
	{name: "unknown Bearer key", proc: fc.FrontierServiceGetBillingBalanceProcedure, as: func(*rpcFixture) creds { return creds{key: "billd_unknown-key-0123456789"} },
		code: connect.CodeUnauthenticated, req: same(balanceRequest)},
	{name: "member calls AdminService", proc: fc.AdminServiceGetBillingAccountDetailsProcedure, as: asMember, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.GetBillingAccountDetailsRequest{OrgId: f.w.orgID, Id: f.w.accountID}
		})},
	{name: "member grants credits", proc: bc.BilldServiceGrantCreditsProcedure, as: asMember, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message {
			return &bv1.GrantCreditsRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, Id: neverApplied, Amount: 1}
		})},
	{name: "member disables the organization", proc: fc.FrontierServiceDisableOrganizationProcedure, as: asMember, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message { return &fv1.DisableOrganizationRequest{Id: f.w.orgID} })},
	{name: "outsider reads the balance", proc: fc.FrontierServiceGetBillingBalanceProcedure, as: asOutsider, code: connect.CodePermissionDenied,
		req: same(balanceRequest)},
	{name: "outsider disables the organization", proc: fc.FrontierServiceDisableOrganizationProcedure, as: asOutsider, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message { return &fv1.DisableOrganizationRequest{Id: f.w.orgID} })},
	{name: "body too large", proc: fc.FrontierServiceCreateBillingUsageProcedure, as: asMeter, code: connect.CodeResourceExhausted,
		req: same(func(f *rpcFixture) proto.Message {
			return f.usageRequest(&fv1.Usage{Id: neverApplied, Amount: 1, Description: strings.Repeat("x", 1<<20)})
		})},
}

// balanceRequest asks for w's balance.
func balanceRequest(f *rpcFixture) proto.Message {
	return &fv1.GetBillingBalanceRequest{OrgId: f.w.orgID, Id: f.w.accountID}
}

// TestRPCTransports calls every RPC on the REST path and over Connect JSON, Connect binary, gRPC
// and gRPC-Web, one after the other, and checks that each transport answers what REST answers:
// the same response message (but for what each call makes anew) or the same error code and
// message. The cases run in order on one fixture per store.
func TestRPCTransports(t *testing.T) {
	eachStoreWith(t, adminEnv, rpcServeFlags, func(t *testing.T, s *server) {
		f := newRPCFixture(t, s)
		var clients []*transportClient
		for _, tr := range rpcTransports(t) {
			clients = append(clients, newTransportClient(s, tr))
		}
		for _, c := range rpcCases {
			t.Run(c.title(), func(t *testing.T) { c.run(t, f, clients) })
		}
		for _, c := range rpcErrorCases {
			t.Run(c.title(), func(t *testing.T) { c.run(t, f, clients) })
		}
		if got, want := f.w.balance(t, s), int64(1_000_000-100-5*1+5*1+5*10); got != want {
			t.Errorf("balance %d after the cases, want %d: a failed call changed it", got, want)
		}
	})
}

// run makes the case's call on REST, then on each transport, and compares.
func (c rpcCase) run(t *testing.T, f *rpcFixture, clients []*transportClient) {
	as := admin
	if c.as != nil {
		as = c.as(f)
	}
	route, ok := rpcRoutes[c.proc]
	if !ok {
		t.Fatalf("no REST route for %s", c.proc)
	}
	msg, volatile := c.req(t, f)
	want := callREST(t, f.s, c.proc, route, msg, as, c.headers(t, msg))
	if c.check != nil {
		c.check(t, f, msg)
	}
	if c.code != 0 {
		if want.code != c.code || !strings.Contains(want.message, c.msg) {
			t.Fatalf("REST: %v %q, want %v and a message containing %q", want.code, want.message, c.code, c.msg)
		}
	} else if want.msg == nil {
		t.Fatalf("REST: %v %q, want success", want.code, want.message)
	}
	scrub(want.msg, volatile, c.clear, c.stamps)
	for _, cl := range clients {
		msg, volatile := c.req(t, f)
		got, err := cl.callWith(t, c.proc, as, c.headers(t, msg), msg)
		if c.check != nil && err == nil {
			c.check(t, f, msg)
		}
		if c.code != 0 {
			if code, message := rpcError(err); err == nil || code != want.code || message != want.message {
				t.Errorf("%s: error %v %q (%v), want REST's: %v %q", cl.transport, code, message, err, want.code, want.message)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", cl.transport, err)
			continue
		}
		scrub(got, volatile, c.clear, c.stamps)
		if !proto.Equal(got, want.msg) {
			t.Errorf("%s answered\n%s\nREST answered\n%s", cl.transport, text(got), text(want.msg))
		}
	}
}

// TestRPCCasesCoverEveryProcedure checks that the tables above call every procedure of billd's
// services at least once successfully and that every one has a REST route and a client method:
// a new RPC without a case fails here.
func TestRPCCasesCoverEveryProcedure(t *testing.T) {
	client := newTransportClient(&server{serving: &serving{url: "http://127.0.0.1:0"}}, rpcTransports(t)[0])
	var procedures []string
	for _, file := range []protoreflect.FileDescriptor{fv1.File_raystack_frontier_v1beta1_frontier_proto,
		fv1.File_raystack_frontier_v1beta1_admin_proto, bv1.File_billd_v1_admin_proto} {
		services := file.Services()
		for i := range services.Len() {
			methods := services.Get(i).Methods()
			for j := range methods.Len() {
				m := methods.Get(j)
				procedures = append(procedures, "/"+string(m.Parent().FullName())+"/"+string(m.Name()))
			}
		}
	}
	if len(procedures) != len(rpcRoutes) || len(procedures) != len(client.procs) {
		t.Errorf("%d procedures, %d REST routes, %d client methods", len(procedures), len(rpcRoutes), len(client.procs))
	}
	for _, p := range procedures {
		if _, ok := rpcRoutes[p]; !ok {
			t.Errorf("%s: no REST route", p)
		}
		if _, ok := client.procs[p]; !ok {
			t.Errorf("%s: no client method", p)
		}
		if !slices.ContainsFunc(rpcCases, func(c rpcCase) bool { return c.proc == p && c.code == 0 }) {
			t.Errorf("%s: no successful case", p)
		}
	}
}

// TestRPCCurrentClientShapes checks the requests of current Frontier clients, which dropped org_id
// and billing_id from many requests, on every transport: an account named by id alone is read,
// changed, switched and deleted; usage, transactions and the debited total named by org_id alone
// go to the organization's active account; an org_id that disagrees with the account is not
// found, whatever the call.
func TestRPCCurrentClientShapes(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		f := newRPCFixture(t, s)
		for _, tr := range rpcTransports(t) {
			t.Run(tr.name, func(t *testing.T) { checkClientShapes(t, f, newTransportClient(s, tr)) })
		}
	})
}

func checkClientShapes(t *testing.T, f *rpcFixture, c *transportClient) {
	w, other := f.w, f.toggle
	call := func(proc string, as creds, msg proto.Message) proto.Message {
		t.Helper()
		res, err := c.call(t, proc, as, msg)
		if err != nil {
			t.Fatalf("%s %s: %v", proc, text(msg), err)
		}
		return res
	}
	state := func(id string) string {
		t.Helper()
		return call(fc.FrontierServiceGetBillingAccountProcedure, admin, &fv1.GetBillingAccountRequest{Id: id}).(*fv1.GetBillingAccountResponse).GetBillingAccount().GetState()
	}

	// An account by id alone.
	if got, want := call(fc.FrontierServiceGetBillingBalanceProcedure, admin, &fv1.GetBillingBalanceRequest{Id: w.accountID}).(*fv1.GetBillingBalanceResponse).GetBalance().GetAmount(), w.balance(t, f.s); got != want {
		t.Errorf("GetBillingBalance by id: %d, want %d", got, want)
	}
	if a := call(fc.FrontierServiceGetBillingAccountProcedure, admin, &fv1.GetBillingAccountRequest{Id: w.accountID}).(*fv1.GetBillingAccountResponse).GetBillingAccount(); a.GetId() != w.accountID || a.GetOrgId() != w.orgID {
		t.Errorf("GetBillingAccount by id: %s", text(a))
	}
	name := "Shape " + c.transport
	updated := call(fc.FrontierServiceUpdateBillingAccountProcedure, admin, &fv1.UpdateBillingAccountRequest{Id: other.accountID,
		Body: &fv1.BillingAccountRequestBody{Name: name, Email: "shape@acme.test"}}).(*fv1.UpdateBillingAccountResponse).GetBillingAccount()
	if updated.GetName() != name || updated.GetOrgId() != other.orgID {
		t.Errorf("UpdateBillingAccount by id: %s", text(updated))
	}
	call(fc.FrontierServiceDisableBillingAccountProcedure, admin, &fv1.DisableBillingAccountRequest{Id: other.accountID})
	if got := state(other.accountID); got != "disabled" {
		t.Errorf("DisableBillingAccount by id: the account is %q", got)
	}
	call(fc.FrontierServiceEnableBillingAccountProcedure, admin, &fv1.EnableBillingAccountRequest{Id: other.accountID})
	if got := state(other.accountID); got != "active" {
		t.Errorf("EnableBillingAccount by id: the account is %q", got)
	}
	_, doomed := f.freshAccount(t)
	call(fc.FrontierServiceDeleteBillingAccountProcedure, admin, &fv1.DeleteBillingAccountRequest{Id: doomed})
	if _, err := c.call(t, fc.FrontierServiceGetBillingAccountProcedure, admin, &fv1.GetBillingAccountRequest{Id: doomed}); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("GetBillingAccount of a deleted account: %v, want not found", err)
	}

	// The ledger by org_id alone: the organization's active account.
	before, usage := w.balance(t, f.s), billd.NewUUID()
	call(fc.FrontierServiceCreateBillingUsageProcedure, w.meter, &fv1.CreateBillingUsageRequest{OrgId: w.orgID,
		Usages: []*fv1.Usage{{Id: usage, Amount: 7, Source: "gpu"}}})
	if got := w.balance(t, f.s); got != before-7 {
		t.Errorf("after a usage of 7 by org_id: balance %d, want %d", got, before-7)
	}
	txs := call(fc.FrontierServiceListBillingTransactionsProcedure, admin, &fv1.ListBillingTransactionsRequest{OrgId: w.orgID, PageSize: 1}).(*fv1.ListBillingTransactionsResponse).GetTransactions()
	if len(txs) != 1 || txs[0].GetId() != usage || txs[0].GetCustomerId() != w.accountID || txs[0].GetAmount() != 7 {
		t.Errorf("ListBillingTransactions by org_id: %v, want the usage %s of account %s first", txs, usage, w.accountID)
	}
	total := call(fc.FrontierServiceTotalDebitedTransactionsProcedure, admin, &fv1.TotalDebitedTransactionsRequest{OrgId: w.orgID}).(*fv1.TotalDebitedTransactionsResponse).GetDebited().GetAmount()
	rest := obj(t, f.s.ok(req{method: "GET", path: w.account("/debited_transactions_total")}), "debited")
	if want := int64String(t, "debited.amount", rest["amount"]); total != want || total == 0 {
		t.Errorf("TotalDebitedTransactions by org_id: %d, want %d", total, want)
	}

	// An org_id that is not the account's.
	for _, msg := range []proto.Message{
		&fv1.GetBillingBalanceRequest{OrgId: other.orgID, Id: w.accountID},
		&fv1.GetBillingAccountRequest{OrgId: other.orgID, Id: w.accountID},
		&fv1.UpdateBillingAccountRequest{OrgId: other.orgID, Id: w.accountID, Body: &fv1.BillingAccountRequestBody{Name: "Hijacked"}},
		&fv1.DisableBillingAccountRequest{OrgId: other.orgID, Id: w.accountID},
		&fv1.EnableBillingAccountRequest{OrgId: other.orgID, Id: w.accountID},
		&fv1.DeleteBillingAccountRequest{OrgId: other.orgID, Id: w.accountID},
		&fv1.CreateBillingUsageRequest{OrgId: other.orgID, BillingId: w.accountID, Usages: []*fv1.Usage{{Id: neverApplied, Amount: 1}}},
		&fv1.ListBillingTransactionsRequest{OrgId: other.orgID, BillingId: w.accountID},
		&fv1.TotalDebitedTransactionsRequest{OrgId: other.orgID, BillingId: w.accountID},
	} {
		proc := procedureOf(msg)
		as := admin
		if proc == fc.FrontierServiceCreateBillingUsageProcedure {
			as = w.meter
		}
		if _, err := c.call(t, proc, as, msg); connect.CodeOf(err) != connect.CodeNotFound {
			t.Errorf("%s with the org_id of another organization: %v, want not found", proc, err)
		}
	}
	if a := call(fc.FrontierServiceGetBillingAccountProcedure, admin, &fv1.GetBillingAccountRequest{Id: w.accountID}).(*fv1.GetBillingAccountResponse).GetBillingAccount(); a.GetState() != "active" || a.GetName() == "Hijacked" {
		t.Errorf("after calls with a wrong org_id the account is %s", text(a))
	}
}

// procedureOf is the procedure of FrontierService whose request msg is.
func procedureOf(msg proto.Message) string {
	name := strings.TrimSuffix(string(msg.ProtoReflect().Descriptor().Name()), "Request")
	return "/" + fc.FrontierServiceName + "/" + name
}

// TestConnectJSONWire checks Connect's JSON as a browser client sends and reads it, on raw POSTs:
// answers with proto field names and no zero values; requests in either name form, unknown
// fields ignored, a field given twice refused; a body over 1 MiB refused without being applied,
// whether its length is announced or not.
func TestConnectJSONWire(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	w := newWorld(t, s, 0)
	post := func(procedure string, as creds, body any) response {
		t.Helper()
		return s.do(req{method: "POST", path: procedure, body: body, as: &as, header: connectJSON(as)})
	}
	balance := fc.FrontierServiceGetBillingBalanceProcedure

	resp := post(balance, admin, `{"id":"`+w.accountID+`"}`)
	if resp.status != http.StatusOK {
		t.Fatalf("GetBillingBalance: %d %s", resp.status, resp.raw)
	}
	b := keys(t, "GetBillingBalance", resp.json, "balance")["balance"].(map[string]any)
	if _, ok := b["amount"]; ok || b["currency"] == nil || len(b) > 2 || len(b) == 2 && b["updated_at"] == nil {
		t.Errorf("a zero balance: %s; want currency and, maybe, updated_at, no amount", resp.raw)
	}
	resp = post(fc.FrontierServiceGetBillingAccountProcedure, admin, `{"id":"`+w.accountID+`"}`)
	account := obj(t, keys(t, "GetBillingAccount", resp.json, "billing_account"), "billing_account")
	for _, k := range []string{"org_id", "tax_data", "created_at", "updated_at"} {
		if account[k] == nil {
			t.Errorf("GetBillingAccount: no %q in %s", k, resp.raw)
		}
	}
	for _, k := range []string{"orgId", "phone", "provider_id", "provider", "organization"} {
		if _, ok := account[k]; ok {
			t.Errorf("GetBillingAccount: %q in %s; want proto names and no zero values", k, resp.raw)
		}
	}

	for _, body := range []string{
		`{"org_id":"` + w.orgID + `","id":"` + w.accountID + `"}`,
		`{"orgId":"` + w.orgID + `","id":"` + w.accountID + `"}`,
		`{"id":"` + w.accountID + `","noSuchField":{"x":[1,2]},"no_such_field":1}`,
	} {
		if resp := post(balance, admin, body); resp.status != http.StatusOK {
			t.Errorf("GetBillingBalance %s: %d %s", body, resp.status, resp.raw)
		}
	}
	for _, body := range []string{
		`{"id":"` + w.accountID + `","id":"` + w.accountID + `"}`,
		`{"org_id":"` + w.orgID + `","orgId":"` + w.orgID + `","id":"` + w.accountID + `"}`,
	} {
		resp := post(balance, admin, body)
		if resp.status != http.StatusBadRequest || resp.json["code"] != "invalid_argument" {
			t.Errorf("GetBillingBalance %s: %d %s, want 400 invalid_argument", body, resp.status, resp.raw)
		}
	}

	w.grant(t, s, 100)
	usage := func(description string) string {
		return `{"org_id":"` + w.orgID + `","billing_id":"` + w.accountID + `","usages":[{"id":"` + neverApplied +
			`","amount":"5","description":"` + description + `"}]}`
	}
	large := usage(strings.Repeat("x", 1<<20))
	for _, body := range []any{large, strings.NewReader(large)} {
		resp := post(fc.FrontierServiceCreateBillingUsageProcedure, w.meter, body)
		if resp.status != http.StatusTooManyRequests || resp.json["code"] != "resource_exhausted" {
			t.Errorf("a usage of %d bytes (%T): %d %.200s, want 429 resource_exhausted", len(large), body, resp.status, resp.raw)
		}
	}
	if got := w.balance(t, s); got != 100 {
		t.Fatalf("balance %d after refused usages, want 100", got)
	}
	if resp := post(fc.FrontierServiceCreateBillingUsageProcedure, w.meter, usage("small")); resp.status != http.StatusOK || w.balance(t, s) != 95 {
		t.Errorf("the usage again, small: %d %s; balance %d, want 95: the refused ones were not applied", resp.status, resp.raw, w.balance(t, s))
	}
}

// TestRPCAuthBeforeBody checks that an RPC is authenticated and its permission checked before its
// body is read, as on the REST paths: calls whose 1 MiB bodies never come are answered at once, in
// their protocol, with unauthenticated or permission denied, and an authorized call is served
// meanwhile.
func TestRPCAuthBeforeBody(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	w := newWorld(t, s, 0)
	member := w.client(t, s, "member")
	balance, details := fc.FrontierServiceGetBillingBalanceProcedure, fc.AdminServiceGetBillingAccountDetailsProcedure
	wrong := creds{id: adminID, secret: "wrong-secret-0123456789"}
	cases := []struct {
		name, path string
		header     map[string]string
		status     int
		code       string
	}{
		{"wrong secret", balance, connectJSON(wrong), http.StatusUnauthorized, "unauthenticated"},
		{"unknown API key", balance, connectJSON(creds{key: "billd_unknown-key-0123456789"}), http.StatusUnauthorized, "unauthenticated"},
		{"no credentials", balance, connectJSON(creds{}), http.StatusUnauthorized, "unauthenticated"},
		{"member calls AdminService", details, connectJSON(member), http.StatusForbidden, "permission_denied"},
	}
	conns := make([]net.Conn, len(cases))
	for i, c := range cases {
		conns[i] = startRPC(t, s, c.path, "application/json", c.header, 1<<20)
	}
	grpcWeb := startRPC(t, s, balance, "application/grpc-web+proto", map[string]string{"X-Grpc-Web": "1", "Authorization": wrong.authorization()}, 1<<20)
	w.grant(t, s, 5)

	for i, c := range cases {
		resp, body := readAnswer(t, conns[i])
		var e struct{ Code, Message string }
		if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != c.status || e.Code != c.code || e.Message == "" ||
			resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s, its body held back: %d %s %s, want %d {\"code\":%q,...}", c.name, resp.StatusCode, resp.Header.Get("Content-Type"), body, c.status, c.code)
		}
		if c.status == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.name)
		}
	}
	resp, body := readAnswer(t, grpcWeb)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Grpc-Status") != "16" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/grpc-web") {
		t.Errorf("gRPC-Web with a wrong secret, its body held back: %d %v %q, want grpc-status 16", resp.StatusCode, resp.Header, body)
	}
	if got := w.balance(t, s); got != 5 {
		t.Errorf("balance %d, want 5", got)
	}
}

// TestGRPCReflectionAndHealth checks the gRPC services beside billd's, without credentials:
// reflection lists the three services and serves their descriptors; health answers serving for
// the server and each service, and not found for an unknown one, over gRPC and Connect.
func TestGRPCReflectionAndHealth(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	h2c := h2cClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	stream := grpcreflect.NewClient(h2c, s.url, connect.WithGRPC()).NewStream(ctx)
	defer stream.Close()
	names, err := stream.ListServices()
	if err != nil {
		t.Fatalf("reflection: list services: %v", err)
	}
	want := []string{fc.FrontierServiceName, fc.AdminServiceName, bc.BilldServiceName}
	for _, name := range want {
		if !slices.Contains(names, protoreflect.FullName(name)) {
			t.Errorf("reflection lists %v, without %s", names, name)
		}
	}
	files, err := stream.FileContainingSymbol(fc.FrontierServiceName + ".GetBillingBalance")
	if err != nil || len(files) == 0 || files[0].GetName() != "raystack/frontier/v1beta1/frontier.proto" || files[0].GetPackage() != "raystack.frontier.v1beta1" {
		t.Errorf("reflection: the file of GetBillingBalance: %v %v", len(files), err)
	}

	for _, opts := range [][]connect.ClientOption{{connect.WithGRPC()}, nil} {
		health := grpchealth.NewClient(h2c, s.url, opts...)
		for _, service := range append([]string{""}, want...) {
			res, err := health.Check(ctx, &grpchealth.CheckRequest{Service: service})
			if err != nil || res.Status != grpchealth.StatusServing {
				t.Errorf("health of %q (%d options): %v %v, want serving", service, len(opts), res, err)
			}
		}
		if _, err := health.Check(ctx, &grpchealth.CheckRequest{Service: "no.such.Service"}); connect.CodeOf(err) != connect.CodeNotFound {
			t.Errorf("health of an unknown service: %v, want not found", err)
		}
	}
}

// TestRPCCompression checks that the server gzips an RPC's answer only when it is worth it: never
// the small answers of the money path (gzip of an empty usage answer cost more CPU than serving
// it), but a long list, for clients that accept gzip.
func TestRPCCompression(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	w := newWorld(t, s, 0)
	w.grant(t, s, 1000)
	// post sends a Connect JSON call that accepts gzip and returns its answer's Content-Encoding.
	post := func(procedure string, as creds, body string) string {
		t.Helper()
		hr, err := http.NewRequest("POST", s.url+procedure, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range connectJSON(as) {
			hr.Header.Set(k, v)
		}
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("Authorization", as.authorization())
		hr.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport then leaves the answer as sent
		resp, err := s.http.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", procedure, resp.StatusCode)
		}
		return resp.Header.Get("Content-Encoding")
	}
	for i := range 20 {
		if enc := post(fc.FrontierServiceCreateBillingUsageProcedure, w.meter, `{"org_id":"`+w.orgID+`","usages":[{"id":"`+
			billd.NewUUID()+`","amount":"1","description":"usage `+strconv.Itoa(i)+`"}]}`); enc != "" {
			t.Fatalf("a usage's answer is sent with Content-Encoding %q; want it plain", enc)
		}
	}
	if enc := post(fc.FrontierServiceGetBillingBalanceProcedure, admin, `{"id":"`+w.accountID+`"}`); enc != "" {
		t.Errorf("a balance is sent with Content-Encoding %q; want it plain", enc)
	}
	if enc := post(fc.FrontierServiceListBillingTransactionsProcedure, admin, `{"org_id":"`+w.orgID+`"}`); enc != "gzip" {
		t.Errorf("a list of 21 transactions is sent with Content-Encoding %q; want gzip", enc)
	}
}
