package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	bc "github.com/billd/billd/web/frontier/billdv1/billdv1connect"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The RPC side of the end-to-end tests: billd's three services through the generated connect-go
// clients over each transport (Connect JSON and binary, gRPC, gRPC-Web), and the REST request of
// the same request message, so that one table can drive an RPC both ways and compare.

// rpcTransport is one way of calling an RPC: a protocol and the HTTP client that carries it.
type rpcTransport struct {
	name string
	http *http.Client
	opts []connect.ClientOption
}

// rpcTransports are the four transports: Connect JSON and gRPC-Web over HTTP/1.1, as browsers
// send them, Connect binary and gRPC over HTTP/2 without TLS (h2c). Their connections are closed
// when the test ends.
func rpcTransports(t testing.TB) []rpcTransport {
	h1 := &http.Transport{}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	h2c := &http.Transport{Protocols: &p}
	t.Cleanup(h1.CloseIdleConnections)
	t.Cleanup(h2c.CloseIdleConnections)
	http1, http2 := &http.Client{Transport: h1}, &http.Client{Transport: h2c}
	return []rpcTransport{
		{"connect-json", http1, []connect.ClientOption{connect.WithProtoJSON()}},
		{"connect-proto", http2, nil},
		{"grpc", http2, []connect.ClientOption{connect.WithGRPC()}},
		{"grpc-web", http1, []connect.ClientOption{connect.WithGRPCWeb()}},
	}
}

// h2cClient is an HTTP client that speaks HTTP/2 without TLS only, as gRPC needs.
func h2cClient(t testing.TB) *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// rpcFunc calls one RPC with a request message and request headers (Authorization among them).
type rpcFunc func(ctx context.Context, header http.Header, msg proto.Message) (proto.Message, error)

// invoke makes an rpcFunc of a generated client's method.
func invoke[Req, Res any, PReq interface {
	*Req
	proto.Message
}, PRes interface {
	*Res
	proto.Message
}](method func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) rpcFunc {
	return func(ctx context.Context, header http.Header, msg proto.Message) (proto.Message, error) {
		req := connect.NewRequest((*Req)(msg.(PReq))) // a message of another type is a bug of the table: panic
		for k, v := range header {
			req.Header()[k] = v
		}
		res, err := method(ctx, req)
		if err != nil {
			return nil, err
		}
		return PRes(res.Msg), nil
	}
}

// transportClient calls every RPC of billd over one transport, by procedure.
type transportClient struct {
	transport string
	procs     map[string]rpcFunc
}

// newTransportClient returns the generated clients of the three services on s over tr.
func newTransportClient(s *server, tr rpcTransport) *transportClient {
	f := fc.NewFrontierServiceClient(tr.http, s.url, tr.opts...)
	a := fc.NewAdminServiceClient(tr.http, s.url, tr.opts...)
	b := bc.NewBilldServiceClient(tr.http, s.url, tr.opts...)
	return &transportClient{transport: tr.name, procs: map[string]rpcFunc{
		fc.FrontierServiceListOrganizationsProcedure:        invoke(f.ListOrganizations),
		fc.FrontierServiceCreateOrganizationProcedure:       invoke(f.CreateOrganization),
		fc.FrontierServiceGetOrganizationProcedure:          invoke(f.GetOrganization),
		fc.FrontierServiceUpdateOrganizationProcedure:       invoke(f.UpdateOrganization),
		fc.FrontierServiceListOrganizationProjectsProcedure: invoke(f.ListOrganizationProjects),
		fc.FrontierServiceEnableOrganizationProcedure:       invoke(f.EnableOrganization),
		fc.FrontierServiceDisableOrganizationProcedure:      invoke(f.DisableOrganization),
		fc.FrontierServiceDeleteOrganizationProcedure:       invoke(f.DeleteOrganization),
		fc.FrontierServiceCreateProjectProcedure:            invoke(f.CreateProject),
		fc.FrontierServiceGetProjectProcedure:               invoke(f.GetProject),
		fc.FrontierServiceUpdateProjectProcedure:            invoke(f.UpdateProject),
		fc.FrontierServiceDeleteProjectProcedure:            invoke(f.DeleteProject),
		fc.FrontierServiceCreateBillingAccountProcedure:     invoke(f.CreateBillingAccount),
		fc.FrontierServiceGetBillingAccountProcedure:        invoke(f.GetBillingAccount),
		fc.FrontierServiceUpdateBillingAccountProcedure:     invoke(f.UpdateBillingAccount),
		fc.FrontierServiceListBillingAccountsProcedure:      invoke(f.ListBillingAccounts),
		fc.FrontierServiceDeleteBillingAccountProcedure:     invoke(f.DeleteBillingAccount),
		fc.FrontierServiceEnableBillingAccountProcedure:     invoke(f.EnableBillingAccount),
		fc.FrontierServiceDisableBillingAccountProcedure:    invoke(f.DisableBillingAccount),
		fc.FrontierServiceGetBillingBalanceProcedure:        invoke(f.GetBillingBalance),
		fc.FrontierServiceCheckCreditEntitlementProcedure:   invoke(f.CheckCreditEntitlement),
		fc.FrontierServiceCreateBillingUsageProcedure:       invoke(f.CreateBillingUsage),
		fc.FrontierServiceListBillingTransactionsProcedure:  invoke(f.ListBillingTransactions),
		fc.FrontierServiceTotalDebitedTransactionsProcedure: invoke(f.TotalDebitedTransactions),
		fc.FrontierServiceCreateFeatureProcedure:            invoke(f.CreateFeature),
		fc.FrontierServiceUpdateFeatureProcedure:            invoke(f.UpdateFeature),
		fc.FrontierServiceGetFeatureProcedure:               invoke(f.GetFeature),
		fc.FrontierServiceListFeaturesProcedure:             invoke(f.ListFeatures),
		fc.FrontierServiceCreateProductProcedure:            invoke(f.CreateProduct),
		fc.FrontierServiceUpdateProductProcedure:            invoke(f.UpdateProduct),
		fc.FrontierServiceGetProductProcedure:               invoke(f.GetProduct),
		fc.FrontierServiceListProductsProcedure:             invoke(f.ListProducts),
		fc.FrontierServiceCreatePlanProcedure:               invoke(f.CreatePlan),
		fc.FrontierServiceUpdatePlanProcedure:               invoke(f.UpdatePlan),
		fc.FrontierServiceGetPlanProcedure:                  invoke(f.GetPlan),
		fc.FrontierServiceListPlansProcedure:                invoke(f.ListPlans),
		fc.FrontierServiceCreateCheckoutProcedure:           invoke(f.CreateCheckout),
		fc.FrontierServiceListCheckoutsProcedure:            invoke(f.ListCheckouts),
		fc.FrontierServiceGetCheckoutProcedure:              invoke(f.GetCheckout),
		fc.FrontierServiceBillingWebhookCallbackProcedure:   invoke(f.BillingWebhookCallback),
		fc.FrontierServiceListSubscriptionsProcedure:        invoke(f.ListSubscriptions),
		fc.FrontierServiceGetSubscriptionProcedure:          invoke(f.GetSubscription),
		fc.FrontierServiceUpdateSubscriptionProcedure:       invoke(f.UpdateSubscription),
		fc.FrontierServiceCancelSubscriptionProcedure:       invoke(f.CancelSubscription),
		fc.FrontierServiceChangeSubscriptionProcedure:       invoke(f.ChangeSubscription),
		fc.FrontierServiceCheckFeatureEntitlementProcedure:  invoke(f.CheckFeatureEntitlement),
		fc.FrontierServiceHasTrialedProcedure:               invoke(f.HasTrialed),
		fc.FrontierServiceListInvoicesProcedure:             invoke(f.ListInvoices),
		fc.FrontierServiceGetUpcomingInvoiceProcedure:       invoke(f.GetUpcomingInvoice),

		fc.AdminServiceListAllBillingAccountsProcedure:      invoke(a.ListAllBillingAccounts),
		fc.AdminServiceRevertBillingUsageProcedure:          invoke(a.RevertBillingUsage),
		fc.AdminServiceUpdateBillingAccountLimitsProcedure:  invoke(a.UpdateBillingAccountLimits),
		fc.AdminServiceGetBillingAccountDetailsProcedure:    invoke(a.GetBillingAccountDetails),
		fc.AdminServiceUpdateBillingAccountDetailsProcedure: invoke(a.UpdateBillingAccountDetails),
		fc.AdminServiceCreatePlanProcedure:                  invoke(a.CreatePlan),
		fc.AdminServiceUpdatePlanProcedure:                  invoke(a.UpdatePlan),
		fc.AdminServiceListAllPlansProcedure:                invoke(a.ListAllPlans),
		fc.AdminServiceDelegatedCheckoutProcedure:           invoke(a.DelegatedCheckout),
		fc.AdminServiceListAllInvoicesProcedure:             invoke(a.ListAllInvoices),
		fc.AdminServiceGenerateInvoicesProcedure:            invoke(a.GenerateInvoices),

		bc.BilldServiceGrantCreditsProcedure: invoke(b.GrantCredits),
		bc.BilldServiceVerifyLedgerProcedure: invoke(b.VerifyLedger),
		bc.BilldServiceCreateClientProcedure: invoke(b.CreateClient),
		bc.BilldServiceListClientsProcedure:  invoke(b.ListClients),
		bc.BilldServiceRevokeClientProcedure: invoke(b.RevokeClient),

		bc.BilldServiceMarkInvoicePaidProcedure:      invoke(b.MarkInvoicePaid),
		bc.BilldServiceSetOrganizationSeatsProcedure: invoke(b.SetOrganizationSeats),
		bc.BilldServiceSetSpendLimitsProcedure:       invoke(b.SetSpendLimits),

		bc.BilldServiceCreateWebhookProcedure:         invoke(b.CreateWebhook),
		bc.BilldServiceListWebhooksProcedure:          invoke(b.ListWebhooks),
		bc.BilldServiceUpdateWebhookProcedure:         invoke(b.UpdateWebhook),
		bc.BilldServiceDeleteWebhookProcedure:         invoke(b.DeleteWebhook),
		bc.BilldServiceListWebhookDeliveriesProcedure: invoke(b.ListWebhookDeliveries),
		bc.BilldServiceRedeliverWebhookProcedure:      invoke(b.RedeliverWebhook),
		bc.BilldServiceSetAccountControlsProcedure:    invoke(b.SetAccountControls),
	}}
}

// call calls the RPC of procedure with msg as as, within waitTimeout.
func (r *transportClient) call(t testing.TB, procedure string, as creds, msg proto.Message) (proto.Message, error) {
	t.Helper()
	return r.callWith(t, procedure, as, nil, msg)
}

// callWith calls the RPC of procedure with msg and the request headers header as as, within
// waitTimeout.
func (r *transportClient) callWith(t testing.TB, procedure string, as creds, header map[string]string, msg proto.Message) (proto.Message, error) {
	t.Helper()
	fn, ok := r.procs[procedure]
	if !ok {
		t.Fatalf("no client method for %s", procedure)
	}
	h := http.Header{}
	if auth := as.authorization(); auth != "" {
		h.Set("Authorization", auth)
	}
	for k, v := range header {
		h.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	return fn(ctx, h, msg)
}

// responseOf returns a new response message of procedure, from the generated descriptors.
func responseOf(t testing.TB, procedure string) proto.Message {
	t.Helper()
	name := protoreflect.FullName(strings.ReplaceAll(strings.TrimPrefix(procedure, "/"), "/", "."))
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
	if err != nil {
		t.Fatalf("procedure %s: %v", procedure, err)
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(d.(protoreflect.MethodDescriptor).Output().FullName())
	if err != nil {
		t.Fatal(err)
	}
	return mt.New().Interface()
}

// restRoute is the REST binding of an RPC, as web/routes.go declares it: "METHOD /path/{field}"
// and the body, "*" (the whole message), "body" (its field body), "raw" (the bytes of its field
// body, as sent: a webhook's) or "" (none: the query).
type restRoute struct{ pattern, body string }

// restWildcard finds the {field} wildcards of a route.
var restWildcard = regexp.MustCompile(`\{([a-z_]+)\}`)

// restJSON writes REST request bodies as a Frontier REST client does: proto names.
var restJSON = protojson.MarshalOptions{UseProtoNames: true}

// restRequest is the REST request of msg on route, as grpc-gateway maps it: path wildcards from
// the fields of their names, then the body, or the query from the other populated fields.
func restRequest(t testing.TB, route restRoute, msg proto.Message, as creds) req {
	t.Helper()
	method, pattern, _ := strings.Cut(route.pattern, " ")
	m := msg.ProtoReflect()
	fields := m.Descriptor().Fields()
	inPath := map[string]bool{}
	path := restWildcard.ReplaceAllStringFunc(pattern, func(w string) string {
		name := w[1 : len(w)-1]
		inPath[name] = true
		return m.Get(fields.ByName(protoreflect.Name(name))).String()
	})
	r := req{method: method, path: path, as: &as}
	switch route.body {
	case "*":
		r.body = marshalREST(t, msg)
	case "body":
		r.body = marshalREST(t, m.Get(fields.ByName("body")).Message().Interface())
	case "raw":
		r.body = string(m.Get(fields.ByName("body")).Bytes())
	default:
		if q := restQuery(m, inPath); q != "" {
			r.path += "?" + q
		}
	}
	return r
}

func marshalREST(t testing.TB, msg proto.Message) string {
	t.Helper()
	b, err := restJSON.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// restQuery is the query of the populated fields of m but those in the path: scalars, repeated
// strings and timestamps, the kinds billd's requests have.
func restQuery(m protoreflect.Message, inPath map[string]bool) string {
	var q []string
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := string(fd.Name())
		switch {
		case inPath[name]:
		case fd.IsList():
			for i := range v.List().Len() {
				q = append(q, name+"="+v.List().Get(i).String())
			}
		case fd.Message() != nil:
			ts := v.Message().Interface().(*timestamppb.Timestamp)
			q = append(q, name+"="+ts.AsTime().Format(time.RFC3339Nano))
		default:
			q = append(q, fmt.Sprintf("%s=%v", name, v.Interface()))
		}
		return true
	})
	return strings.Join(q, "&")
}

// restAnswer is what the REST path answered: the response message, or the error's gRPC code and
// message.
type restAnswer struct {
	msg     proto.Message
	code    connect.Code
	message string
}

// callREST sends the REST request of msg on route as as, with the request headers header, and
// decodes the answer: a success into procedure's response message (strictly: a field the message
// lacks fails the test), an error from Frontier's error body.
func callREST(t testing.TB, s *server, procedure string, route restRoute, msg proto.Message, as creds, header map[string]string) restAnswer {
	t.Helper()
	r := restRequest(t, route, msg, as)
	if len(header) > 0 {
		r.header = maps.Clone(header)
	}
	resp := s.do(r)
	if resp.status == http.StatusOK {
		out := responseOf(t, procedure)
		if err := protojson.Unmarshal(resp.raw, out); err != nil {
			t.Fatalf("%s %s: the answer is not a %s: %v: %s", r.method, r.path, out.ProtoReflect().Descriptor().Name(), err, resp.raw)
		}
		return restAnswer{msg: out}
	}
	code, err := resp.json["code"].(json.Number).Int64()
	if err != nil {
		t.Fatalf("%s %s: status %d without a gRPC code: %s", r.method, r.path, resp.status, resp.raw)
	}
	message, _ := resp.json["message"].(string)
	return restAnswer{code: connect.Code(code), message: message}
}

// scrub makes the answers of separate calls comparable: every string equal to one of volatile
// (values made for one call alone) becomes "<volatile>", the fields named in clear (values the
// server makes anew for each call) are cleared and, if stamps, so is every timestamp. Metadata is
// left as it is.
func scrub(msg proto.Message, volatile []string, clear []string, stamps bool) {
	if msg == nil {
		return
	}
	m := msg.ProtoReflect()
	if strings.HasPrefix(string(m.Descriptor().FullName()), "google.protobuf.") {
		return
	}
	type field struct {
		fd protoreflect.FieldDescriptor
		v  protoreflect.Value
	}
	var fields []field
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		fields = append(fields, field{fd, v})
		return true
	})
	for _, f := range fields {
		switch {
		case slices.Contains(clear, string(f.fd.Name())):
			m.Clear(f.fd)
		case f.fd.Message() != nil && f.fd.Message().FullName() == "google.protobuf.Timestamp":
			if stamps {
				m.Clear(f.fd)
			}
		case f.fd.IsList() && f.fd.Message() != nil:
			for i := range f.v.List().Len() {
				scrub(f.v.List().Get(i).Message().Interface(), volatile, clear, stamps)
			}
		case f.fd.Message() != nil:
			scrub(f.v.Message().Interface(), volatile, clear, stamps)
		case f.fd.Kind() == protoreflect.StringKind && !f.fd.IsList() && slices.Contains(volatile, f.v.String()):
			m.Set(f.fd, protoreflect.ValueOfString("<volatile>"))
		}
	}
}

// rpcError returns the code and message of an RPC's error; 0 and "" for none.
func rpcError(err error) (connect.Code, string) {
	if err == nil {
		return 0, ""
	}
	if ce, ok := err.(*connect.Error); ok {
		return ce.Code(), ce.Message()
	}
	return connect.CodeOf(err), err.Error()
}

// text is msg in protojson's text, for messages.
func text(msg proto.Message) string {
	if msg == nil {
		return "<nil>"
	}
	b, _ := protojson.MarshalOptions{UseProtoNames: true}.Marshal(msg)
	return string(b)
}

// rpcRoutes is the REST binding of each RPC, as web/routes.go declares it (CreateBillingUsage and
// RevertBillingUsage have other paths too; one each is enough here).
var rpcRoutes = map[string]restRoute{
	fc.FrontierServiceListOrganizationsProcedure:        {"GET /v1beta1/organizations", ""},
	fc.FrontierServiceCreateOrganizationProcedure:       {"POST /v1beta1/organizations", "body"},
	fc.FrontierServiceGetOrganizationProcedure:          {"GET /v1beta1/organizations/{id}", ""},
	fc.FrontierServiceUpdateOrganizationProcedure:       {"PUT /v1beta1/organizations/{id}", "body"},
	fc.FrontierServiceListOrganizationProjectsProcedure: {"GET /v1beta1/organizations/{id}/projects", ""},
	fc.FrontierServiceEnableOrganizationProcedure:       {"POST /v1beta1/organizations/{id}/enable", "*"},
	fc.FrontierServiceDisableOrganizationProcedure:      {"POST /v1beta1/organizations/{id}/disable", "*"},
	fc.FrontierServiceDeleteOrganizationProcedure:       {"DELETE /v1beta1/organizations/{id}", ""},
	fc.FrontierServiceCreateProjectProcedure:            {"POST /v1beta1/projects", "body"},
	fc.FrontierServiceGetProjectProcedure:               {"GET /v1beta1/projects/{id}", ""},
	fc.FrontierServiceUpdateProjectProcedure:            {"PUT /v1beta1/projects/{id}", "body"},
	fc.FrontierServiceDeleteProjectProcedure:            {"DELETE /v1beta1/projects/{id}", ""},
	fc.FrontierServiceCreateBillingAccountProcedure:     {"POST /v1beta1/organizations/{org_id}/billing", "*"},
	fc.FrontierServiceGetBillingAccountProcedure:        {"GET /v1beta1/organizations/{org_id}/billing/{id}", ""},
	fc.FrontierServiceUpdateBillingAccountProcedure:     {"PUT /v1beta1/organizations/{org_id}/billing/{id}", "*"},
	fc.FrontierServiceListBillingAccountsProcedure:      {"GET /v1beta1/organizations/{org_id}/billing", ""},
	fc.FrontierServiceDeleteBillingAccountProcedure:     {"DELETE /v1beta1/organizations/{org_id}/billing/{id}", ""},
	fc.FrontierServiceEnableBillingAccountProcedure:     {"POST /v1beta1/organizations/{org_id}/billing/{id}/enable", "*"},
	fc.FrontierServiceDisableBillingAccountProcedure:    {"POST /v1beta1/organizations/{org_id}/billing/{id}/disable", "*"},
	fc.FrontierServiceGetBillingBalanceProcedure:        {"GET /v1beta1/organizations/{org_id}/billing/{id}/balance", ""},
	fc.FrontierServiceCheckCreditEntitlementProcedure:   {"POST /v1beta1/billing/check", "*"},
	fc.FrontierServiceCreateBillingUsageProcedure:       {"POST /v1beta1/organizations/{org_id}/billing/{billing_id}/usages", "*"},
	fc.FrontierServiceListBillingTransactionsProcedure:  {"GET /v1beta1/organizations/{org_id}/billing/{billing_id}/transactions", ""},
	fc.FrontierServiceTotalDebitedTransactionsProcedure: {"GET /v1beta1/organizations/{org_id}/billing/{billing_id}/debited_transactions_total", ""},

	fc.AdminServiceListAllBillingAccountsProcedure:      {"GET /v1beta1/admin/billing/accounts", ""},
	fc.AdminServiceRevertBillingUsageProcedure:          {"POST /v1beta1/organizations/billing/usages/revert", "*"},
	fc.AdminServiceUpdateBillingAccountLimitsProcedure:  {"PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/limits", "*"},
	fc.AdminServiceGetBillingAccountDetailsProcedure:    {"GET /v1beta1/admin/organizations/{org_id}/billing/{id}/details", ""},
	fc.AdminServiceUpdateBillingAccountDetailsProcedure: {"PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/details", "*"},

	bc.BilldServiceGrantCreditsProcedure: {"POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/credits", "*"},
	bc.BilldServiceVerifyLedgerProcedure: {"GET /v1beta1/admin/billing/verify", ""},
	bc.BilldServiceCreateClientProcedure: {"POST /v1beta1/admin/clients", "*"},
	bc.BilldServiceListClientsProcedure:  {"GET /v1beta1/admin/clients", ""},
	bc.BilldServiceRevokeClientProcedure: {"DELETE /v1beta1/admin/clients/{id}", ""},
}

// rpcFixture is what the RPC cases work on, built through the REST API.
type rpcFixture struct {
	s          *server
	w          *world     // funded, with a project and a meter
	toggle     *world     // switched on and off, updated and limited by the cases, never debited
	disabled   *world     // a disabled organization with an active account
	member     creds      // a member of w's organization
	outsider   creds      // the owner of another organization
	usage      *fv1.Usage // applied to w's account: replayed and partly reverted by the cases
	toggleName string     // the name of toggle's organization

	subscribed *subscribedWorld // made by the first case that needs it
	postpaid   *postpaidWorld   // made by the first case that needs it
	hooked     *hookedWorld     // made by the first case that needs it
}

// newRPCFixture builds the fixture on s.
func newRPCFixture(t *testing.T, s *server) *rpcFixture {
	t.Helper()
	f := &rpcFixture{s: s, w: newWorld(t, s, 1_000_000), toggle: newWorld(t, s, 0), disabled: newWorld(t, s, 0)}
	f.toggleName = str(t, obj(t, s.ok(req{method: "GET", path: "/v1beta1/organizations/" + f.toggle.orgID}), "organization"), "name")
	s.ok(req{method: "POST", path: "/v1beta1/organizations/" + f.disabled.orgID + "/disable", body: ""})
	f.member = f.w.client(t, s, "member")
	f.outsider = f.toggle.client(t, s, "owner")
	f.usage = &fv1.Usage{Id: billd.NewUUID(), Amount: 100, Source: "gpu", Description: "a100 hour", Metadata: metadata(t)}
	f.use(t, f.usage)
	return f
}

// use applies usage to w's account as the meter.
func (f *rpcFixture) use(t *testing.T, u *fv1.Usage) {
	t.Helper()
	f.s.ok(restRequest(t, rpcRoutes[fc.FrontierServiceCreateBillingUsageProcedure], f.usageRequest(u), f.w.meter))
}

// usageRequest reports u to w's account.
func (f *rpcFixture) usageRequest(u *fv1.Usage) *fv1.CreateBillingUsageRequest {
	return &fv1.CreateBillingUsageRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, Usages: []*fv1.Usage{u}}
}

// freshOrg creates an organization for one call and returns its id.
func (f *rpcFixture) freshOrg(t *testing.T) string {
	t.Helper()
	return str(t, createOrg(t, f.s, "rpc-"+billd.NewUUID()[:8]), "id")
}

// freshAccount creates an organization with an account for one call and returns their ids.
func (f *rpcFixture) freshAccount(t *testing.T) (orgID, accountID string) {
	t.Helper()
	orgID = f.freshOrg(t)
	a := obj(t, f.s.ok(req{method: "POST", path: "/v1beta1/organizations/" + orgID + "/billing",
		body: map[string]any{"body": map[string]any{"name": "Fresh", "email": "fresh@acme.test"}}}), "billing_account")
	return orgID, str(t, a, "id")
}

// metadata is the metadata the cases send: a string, a number, a list and an object.
func metadata(t testing.TB) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(map[string]any{"tier": "gold", "seats": 3, "tags": []any{"a", "b"}, "nested": map[string]any{"ok": true}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Raw RPC requests, for what the generated clients cannot do: hold a body back, send JSON as is.

// startRPC starts a POST to the RPC path as startPost does, with a body of contentType whose
// first byte is 0 (a Connect or gRPC envelope's flags).
func startRPC(t testing.TB, s *server, path, contentType string, header map[string]string, size int) net.Conn {
	t.Helper()
	h := map[string]string{"Content-Type": contentType}
	for k, v := range header {
		h[k] = v
	}
	return startPost(t, s, path, h, size, []byte{0})
}

// readAnswer reads the response on c, waiting for it at most 20 s (the server gives up on a body
// after its 30 s read timeout), and returns it with its body.
func readAnswer(t testing.TB, c net.Conn) (*http.Response, []byte) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a request whose body was not sent: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp, body
}

// connectJSON is the header of a Connect unary call with a JSON body, as c.
func connectJSON(c creds) map[string]string {
	h := map[string]string{"Connect-Protocol-Version": "1"}
	if auth := c.authorization(); auth != "" {
		h["Authorization"] = auth
	}
	return h
}
