package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/billd/billd"
)

// The bad-input test sends one request per class of bad input and checks the status, the gRPC code
// and the message, and that the request changed nothing.

// biCase is one bad request and what it must answer.
type biCase struct {
	name   string
	r      req
	status int
	code   int
	msg    string
	header string // a response header that must be present
}

// biAccepted is an odd request the server must apply: it answers 200, moves the balance of the
// world it is sent to by delta, and check checks what else it did.
type biAccepted struct {
	name  string
	r     req
	delta int64
	check func(t *testing.T, s *server, resp map[string]any)
}

// biSnapshot returns what the API shows of the state the bad requests could touch.
func biSnapshot(s *server, worlds ...*world) string {
	var b strings.Builder
	get := func(path string) {
		resp := s.do(req{method: "GET", path: path})
		fmt.Fprintf(&b, "GET %s %d %s", path, resp.status, resp.raw)
	}
	get("/v1beta1/organizations?page_size=1000")
	get("/v1beta1/admin/billing/accounts?page_size=1000")
	get("/v1beta1/admin/clients?page_size=1000")
	for _, w := range worlds {
		get("/v1beta1/organizations/" + w.orgID + "/projects?page_size=1000")
		get(w.account("/balance"))
		get(w.account("/transactions?page_size=1000"))
		get(w.account("/debited_transactions_total"))
		get(w.billing("/details"))
	}
	return b.String()
}

func TestBadInput(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 1000)
		used := billd.NewUUID()
		w.use(t, s, used, 100)
		o := newWorld(t, s, 500)
		oUsed := billd.NewUUID()
		o.use(t, s, oUsed, 10)
		owner := orgClient(t, s, w.orgID, "owner")
		oOwner := orgClient(t, s, o.orgID, "owner")
		oName := str(t, obj(t, s.ok(req{method: "GET", path: "/v1beta1/organizations/" + o.orgID}), "organization"), "name")

		usagePath := w.account("/usages")
		const orgUsagePath = "/v1beta1/organizations/billing/usages"
		const revertPath = "/v1beta1/organizations/billing/usages/revert"
		revertAt := func(orgID, billingID, usageID string) string {
			return "/v1beta1/admin/organizations/" + orgID + "/billing/" + billingID + "/usage/" + usageID + "/revert"
		}
		// usage is a usage request body as text, with a fresh id and the amount written as given.
		usage := func(amount string) string {
			return `{"usages": [{"id": "` + billd.NewUUID() + `", "amount": ` + amount + `, "source": "gpu"}]}`
		}
		meter := func(body any) req { return req{method: "POST", path: usagePath, as: &w.meter, body: body} }
		one := func() []any { return []any{epUsage(billd.NewUUID(), 1)} }
		grant := func(body any) req { return req{method: "POST", path: w.billing("/credits"), body: body} }
		check := func(body any) req { return req{method: "POST", path: "/v1beta1/billing/check", body: body} }
		asOwner := func(method, path string, body any) req {
			return req{method: method, path: path, as: &owner, body: body}
		}
		auth := func(r req, header string) req {
			r.as = &creds{}
			r.header = map[string]string{"Authorization": header}
			return r
		}
		withType := func(r req, contentType string) req {
			r.header = map[string]string{"Content-Type": contentType}
			return r
		}
		basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
		big := `{"usages": [{"id": "` + billd.NewUUID() + `", "amount": 1, "description": "` + strings.Repeat("x", 1<<20) + `"}]}`
		const maxInt = "9223372036854775807"
		const overflow = "9223372036854775808"
		half := fmt.Sprint(math.MaxInt64/2 + 1)
		notUUID := w.accountID[:35] + "g"

		cases := []biCase{
			// Ids that are not UUIDs, in the path.
			{name: "path/billing_id/read", r: req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/not-a-uuid"}, status: 400, code: 3, msg: "billing account id must be a UUID"},
			{name: "path/billing_id/almost", r: req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/" + notUUID + "/balance"}, status: 400, code: 3, msg: "billing account id must be a UUID"},
			{name: "path/billing_id/no-dashes", r: req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/" + strings.ReplaceAll(w.accountID, "-", "")}, status: 400, code: 3, msg: "billing account id must be a UUID"},
			{name: "path/org_id/usage", r: req{method: "POST", path: "/v1beta1/organizations/not-a-uuid/billing/" + w.accountID + "/usages", as: &w.meter, body: epUsages(epUsage(billd.NewUUID(), 1))}, status: 400, code: 3, msg: "organization id must be a UUID"},
			{name: "path/billing_id/usage", r: req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/billing/123/usages", as: &w.meter, body: epUsages(epUsage(billd.NewUUID(), 1))}, status: 400, code: 3, msg: "billing account id must be a UUID"},
			{name: "path/org_id/update", r: req{method: "PUT", path: "/v1beta1/organizations/not-a-uuid", body: map[string]any{"name": "renamed"}}, status: 400, code: 3, msg: "organization id must be a UUID"},
			{name: "path/org_id/delete", r: req{method: "DELETE", path: "/v1beta1/organizations/not-a-uuid"}, status: 400, code: 3, msg: "organization id must be a UUID"},
			{name: "path/project_id/delete", r: req{method: "DELETE", path: "/v1beta1/projects/not-a-uuid"}, status: 400, code: 3, msg: "project id must be a UUID"},
			{name: "path/billing_id/grant", r: req{method: "POST", path: "/v1beta1/admin/organizations/" + w.orgID + "/billing/xyz/credits", body: map[string]any{"id": billd.NewUUID(), "amount": 1}}, status: 400, code: 3, msg: "billing account id must be a UUID"},
			{name: "path/usage_id/revert", r: req{method: "POST", path: revertAt(w.orgID, w.accountID, "xyz"), body: map[string]any{"amount": 1}}, status: 400, code: 3, msg: "usage id must be a UUID"},
			{name: "path/billing_id/delete-account", r: req{method: "DELETE", path: "/v1beta1/organizations/" + w.orgID + "/billing/xyz"}, status: 400, code: 3, msg: "billing account id must be a UUID"},
			{name: "path/billing_id/details", r: req{method: "PUT", path: "/v1beta1/admin/organizations/" + w.orgID + "/billing/xyz/details", body: map[string]any{"due_in_days": 1}}, status: 400, code: 3, msg: "billing account id must be a UUID"},
			{name: "query/billing_id/transactions", r: req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/transactions?billing_id=xyz"}, status: 400, code: 3, msg: "billing account id must be a UUID"},

			// Ids that are not UUIDs, in the body.
			{name: "body/usage-id", r: meter(epUsages(epUsage("not-a-uuid", 1))), status: 400, code: 3, msg: "usage id must be a UUID"},
			{name: "body/usage-id-missing", r: meter(epUsages(map[string]any{"amount": 1})), status: 400, code: 3, msg: "usage id is required"},
			{name: "body/usage-org_id", r: req{method: "POST", path: orgUsagePath, as: &w.meter, body: map[string]any{"org_id": "nope", "usages": one()}}, status: 400, code: 3, msg: "organization id must be a UUID"},
			{name: "body/usage-project_id", r: req{method: "POST", path: orgUsagePath, as: &w.meter, body: map[string]any{"project_id": "nope", "usages": one()}}, status: 400, code: 3, msg: "project id must be a UUID"},
			{name: "body/usage-billing_id", r: req{method: "POST", path: orgUsagePath, as: &w.meter, body: map[string]any{"org_id": w.orgID, "billing_id": "nope", "usages": one()}}, status: 400, code: 3, msg: "billing account id must be a UUID"},
			{name: "body/usage-customer_id", r: meter(epUsages(map[string]any{"id": billd.NewUUID(), "amount": 1, "customer_id": "nope"})), status: 400, code: 3, msg: "customer"},
			{name: "body/grant-id", r: grant(map[string]any{"id": "nope", "amount": 1}), status: 400, code: 3, msg: "id must be a UUID"},
			{name: "body/check-org_id", r: check(map[string]any{"org_id": "nope", "amount": 1}), status: 400, code: 3, msg: "organization id must be a UUID"},
			{name: "body/project-org_id", r: req{method: "POST", path: "/v1beta1/projects", body: map[string]any{"name": "proj", "org_id": "nope"}}, status: 400, code: 3, msg: "organization id must be a UUID"},
			{name: "body/revert-billing_id", r: req{method: "POST", path: revertPath, as: &w.meter, body: map[string]any{"org_id": w.orgID, "billing_id": "nope", "usage_id": used, "amount": 1}}, status: 400, code: 3, msg: "billing account id must be a UUID"},
			{name: "body/revert-usage_id", r: req{method: "POST", path: revertPath, as: &w.meter, body: map[string]any{"org_id": w.orgID, "usage_id": "nope", "amount": 1}}, status: 400, code: 3, msg: "usage id must be a UUID"},
			{name: "body/client-org_id", r: req{method: "POST", path: "/v1beta1/admin/clients", body: map[string]any{"role": "member", "org_id": "nope"}}, status: 400, code: 3, msg: "organization id must be a UUID"},
			{name: "body/account-org_id", r: req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/billing", body: map[string]any{"org_id": "nope", "body": map[string]any{}}}, status: 400, code: 3, msg: "does not match the path"},

			// Zero, negative and non-integer amounts.
			{name: "amount/usage-zero", r: meter(usage("0")), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/usage-zero-string", r: meter(usage(`"0"`)), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/usage-negative", r: meter(usage("-5")), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/usage-negative-string", r: meter(usage(`"-5"`)), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/usage-null", r: meter(usage("null")), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/usage-missing", r: meter(epUsages(map[string]any{"id": billd.NewUUID()})), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/usage-one-of-two-negative", r: meter(epUsages(epUsage(billd.NewUUID(), 5), epUsage(billd.NewUUID(), -5))), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/usage-fraction", r: meter(usage("1.5")), status: 400, code: 3, msg: "invalid value for int64 field amount: 1.5"},
			{name: "amount/usage-exponent", r: meter(usage("15e-1")), status: 400, code: 3, msg: "invalid value for int64 field amount: 15e-1"},
			{name: "amount/usage-word", r: meter(usage(`"ten"`)), status: 400, code: 3, msg: `invalid value for int64 field amount: "ten"`},
			{name: "amount/usage-string-trailing", r: meter(usage(`"5 x"`)), status: 400, code: 3, msg: `invalid value for int64 field amount: "5 x"`},
			{name: "amount/usage-string-spaced", r: meter(usage(`"1 000"`)), status: 400, code: 3, msg: `invalid value for int64 field amount: "1 000"`},
			{name: "amount/usage-string-padded", r: meter(usage(`" 5"`)), status: 400, code: 3, msg: `invalid value for int64 field amount: " 5"`},
			{name: "amount/usage-nan", r: meter(usage(`"NaN"`)), status: 400, code: 3, msg: `invalid value for int64 field amount: "NaN"`},
			{name: "amount/usage-infinity", r: meter(usage(`"Infinity"`)), status: 400, code: 3, msg: `invalid value for int64 field amount: "Infinity"`},
			{name: "amount/usage-bool", r: meter(usage("true")), status: 400, code: 3, msg: "invalid value for int64 field amount: true"},
			{name: "amount/usage-object", r: meter(usage(`{"units": 1}`)), status: 400, code: 3, msg: "invalid value for int64 field amount: {"},
			{name: "amount/grant-zero", r: grant(map[string]any{"id": billd.NewUUID(), "amount": 0}), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/grant-negative", r: grant(map[string]any{"id": billd.NewUUID(), "amount": "-1"}), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/check-zero", r: check(map[string]any{"org_id": w.orgID, "amount": 0}), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/check-negative", r: check(map[string]any{"org_id": w.orgID, "amount": -1}), status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/revert-negative", r: req{method: "POST", path: revertPath, as: &w.meter, body: map[string]any{"org_id": w.orgID, "usage_id": used, "amount": -1}}, status: 400, code: 3, msg: "amount must be greater than 0"},
			{name: "amount/revert-admin-zero", r: req{method: "POST", path: revertAt(w.orgID, w.accountID, used), body: map[string]any{"amount": "0"}}, status: 400, code: 3, msg: "amount must be greater than 0"},

			// int64 overflow.
			{name: "overflow/usage-string", r: meter(usage(`"` + overflow + `"`)), status: 400, code: 3, msg: `invalid value for int64 field amount: "` + overflow + `"`},
			{name: "overflow/usage-number", r: meter(usage(overflow)), status: 400, code: 3, msg: "invalid value for int64 field amount: " + overflow},
			{name: "overflow/usage-negative", r: meter(usage("-9223372036854775809")), status: 400, code: 3, msg: "invalid value for int64 field amount: -9223372036854775809"},
			{name: "overflow/usage-huge", r: meter(usage(strings.Repeat("9", 40))), status: 400, code: 3, msg: "invalid value for int64 field amount: " + strings.Repeat("9", 40)},
			{name: "overflow/grant-string", r: grant(`{"id": "` + billd.NewUUID() + `", "amount": "` + overflow + `"}`), status: 400, code: 3, msg: `invalid value for int64 field amount: "` + overflow + `"`},
			{name: "overflow/grant-number", r: grant(`{"id": "` + billd.NewUUID() + `", "amount": ` + overflow + `}`), status: 400, code: 3, msg: "invalid value for int64 field amount: " + overflow},
			{name: "overflow/check", r: check(`{"org_id": "` + w.orgID + `", "amount": ` + overflow + `}`), status: 400, code: 3, msg: "invalid value for int64 field amount: " + overflow},
			{name: "overflow/revert", r: req{method: "POST", path: revertAt(w.orgID, w.accountID, used), body: `{"amount": "` + overflow + `"}`}, status: 400, code: 3, msg: `invalid value for int64 field amount: "` + overflow + `"`},
			{name: "overflow/credit_min", r: req{method: "PUT", path: w.billing("/limits"), body: `{"credit_min": -9223372036854775809}`}, status: 400, code: 3, msg: "invalid value for int64 field creditMin: -9223372036854775809"},
			{name: "overflow/due_in_days", r: req{method: "PUT", path: w.billing("/details"), body: `{"due_in_days": ` + overflow + `}`}, status: 400, code: 3, msg: "invalid value for int64 field dueInDays: " + overflow},
			{name: "overflow/usages-sum", r: meter(`{"usages": [{"id": "` + billd.NewUUID() + `", "amount": "` + maxInt + `"}, {"id": "` + billd.NewUUID() + `", "amount": 1}]}`), status: 400, code: 3, msg: "must not sum to more than 9223372036854775807"},
			{name: "overflow/usages-sum-halves", r: meter(`{"usages": [{"id": "` + billd.NewUUID() + `", "amount": ` + half + `}, {"id": "` + billd.NewUUID() + `", "amount": ` + half + `}]}`), status: 400, code: 3, msg: "must not sum to more than"},
			{name: "overflow/usage-max", r: meter(usage(maxInt)), status: 400, code: 3, msg: "insufficient credits"},
			{name: "overflow/usage-max-minus-debits", r: meter(usage(fmt.Sprint(math.MaxInt64 - 100))), status: 400, code: 3, msg: "insufficient credits"},
			{name: "overflow/grant-max", r: grant(`{"id": "` + billd.NewUUID() + `", "amount": ` + maxInt + `}`), status: 400, code: 3, msg: "overflows the account's credit total"},

			// Malformed JSON.
			{name: "json/truncated", r: meter(`{"usages": [{"id": "` + billd.NewUUID() + `", "amount": 1`), status: 400, code: 3, msg: "invalid JSON body: unexpected EOF"},
			{name: "json/truncated-string", r: meter(`{"usages": [{"id": "abc`), status: 400, code: 3, msg: "invalid JSON body: unexpected EOF"},
			{name: "json/syntax", r: meter(`{"usages": [,]}`), status: 400, code: 3, msg: "invalid JSON body: syntax error (line 1:13): unexpected token ,"},
			{name: "json/single-quotes", r: meter(`{'usages': []}`), status: 400, code: 3, msg: "invalid JSON body: syntax error (line 1:2): invalid value '"},
			{name: "json/array", r: meter(`[{"usages": []}]`), status: 400, code: 3, msg: "the body must be a JSON object"},
			{name: "json/string", r: meter(`"usages"`), status: 400, code: 3, msg: "the body must be a JSON object"},
			{name: "json/number", r: meter(`42`), status: 400, code: 3, msg: "the body must be a JSON object"},
			{name: "json/null", r: req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/enable", body: `null`}, status: 400, code: 3, msg: "the body must be a JSON object"},
			{name: "json/trailing-garbage", r: meter(usage("1") + ` x`), status: 400, code: 3, msg: "syntax error (line 1:92): invalid value x"},
			{name: "json/trailing-object", r: meter(usage("1") + `{}`), status: 400, code: 3, msg: "syntax error (line 1:91): unexpected token {"},
			{name: "json/trailing-brace", r: meter(usage("1") + `}`), status: 400, code: 3, msg: "syntax error (line 1:91): unexpected token }"},
			{name: "json/trailing-bracket", r: meter(usage("1") + `]`), status: 400, code: 3, msg: "syntax error (line 1:91): unexpected token ]"},
			{name: "json/trailing-nbsp", r: meter(usage("1") + "\u00a0"), status: 400, code: 3, msg: "syntax error (line 1:91): invalid value \u00a0"},
			{name: "json/wrong-type-list", r: meter(`{"usages": {}}`), status: 400, code: 3, msg: "syntax error (line 1:12): unexpected token {"},
			{name: "json/wrong-type-id", r: meter(`{"usages": [{"id": 5, "amount": 1}]}`), status: 400, code: 3, msg: "invalid value for string field id: 5"},
			{name: "json/invalid-utf8", r: meter("{\"usages\": [{\"id\": \"" + billd.NewUUID() + "\", \"amount\": 1, \"source\": \"\xff\"}]}"), status: 400, code: 3, msg: "invalid UTF-8"},
			{name: "json/unknown-malformed", r: meter(`{"usages": [{"id": "` + billd.NewUUID() + `", "amount": 1}], "extra": tru}`), status: 400, code: 3, msg: "invalid value tru"},
			{name: "json/metadata-number-too-large", r: meter(epUsages(map[string]any{"id": billd.NewUUID(), "amount": 1, "metadata": map[string]any{"n": json.Number("1e400")}})), status: 400, code: 3, msg: "invalid google.protobuf.Value: 1e400"},
			{name: "json/metadata-not-object", r: req{method: "PUT", path: "/v1beta1/organizations/" + w.orgID, body: `{"name": "renamed", "metadata": [1]}`}, status: 400, code: 3, msg: "syntax error (line 1:33): unexpected token ["},

			// Known fields given twice, by one name or by both (proto name and lowerCamelCase), even
			// as null; and keys given twice in metadata. (Unknown fields are ignored: see accepted.)
			{name: "duplicate/top-level", r: grant(`{"id": "` + billd.NewUUID() + `", "amount": 1, "amount": 2}`), status: 400, code: 3, msg: `duplicate field "amount"`},
			{name: "duplicate/both-names", r: meter(`{"org_id": "` + w.orgID + `", "orgId": "` + w.orgID + `", "usages": [{"id": "` + billd.NewUUID() + `", "amount": 1}]}`), status: 400, code: 3, msg: `duplicate field "orgId"`},
			{name: "duplicate/null", r: meter(`{"usages": [{"id": "` + billd.NewUUID() + `", "amount": 1}], "usages": null}`), status: 400, code: 3, msg: `duplicate field "usages"`},
			{name: "duplicate/in-usage", r: meter(`{"usages": [{"id": "` + billd.NewUUID() + `", "amount": 1, "amount": 1}]}`), status: 400, code: 3, msg: `duplicate field "amount"`},
			{name: "duplicate/in-usage-both-names", r: meter(`{"usages": [{"id": "` + billd.NewUUID() + `", "amount": 1, "user_id": "a", "userId": "b"}]}`), status: 400, code: 3, msg: `duplicate field "userId"`},
			{name: "duplicate/body-field", r: req{method: "POST", path: "/v1beta1/organizations", body: `{"name": "dup-a", "name": "dup-b"}`}, status: 400, code: 3, msg: `duplicate field "name"`},
			{name: "duplicate/limits", r: req{method: "PUT", path: w.billing("/limits"), body: `{"credit_min": -5, "creditMin": -6}`}, status: 400, code: 3, msg: `duplicate field "creditMin"`},
			{name: "duplicate/metadata-key", r: meter(`{"usages": [{"id": "` + billd.NewUUID() + `", "amount": 1, "metadata": {"k": 1, "k": 2}}]}`), status: 400, code: 3, msg: `duplicate map key "k"`},
			{name: "duplicate/nested-metadata-key", r: req{method: "PUT", path: "/v1beta1/organizations/" + w.orgID, body: `{"name": "renamed", "metadata": {"a": {"k": 1, "k": 1}}}`}, status: 400, code: 3, msg: `duplicate map key "k"`},

			// Bodies over 1 MiB.
			{name: "size/content-length", r: meter(big), status: 413, code: 8, msg: "larger than 1048576 bytes"},
			{name: "size/chunked", r: req{method: "POST", path: usagePath, as: &w.meter, body: strings.NewReader(big)}, status: 413, code: 8, msg: "larger than 1048576 bytes"},

			// Content-Type: the body is read as JSON whatever it says (see accepted), so a body that
			// is not JSON is refused as such under any of them.
			{name: "content-type/none/invalid", r: withType(meter(usage("1")+`,`), ""), status: 400, code: 3, msg: "invalid JSON body: syntax error"},
			{name: "content-type/text-plain/invalid", r: withType(meter(`{"usages": [{"id": "`+billd.NewUUID()+`", "amount": one}]}`), "text/plain;charset=UTF-8"), status: 400, code: 3, msg: "invalid JSON body: syntax error"},
			{name: "content-type/json-charset/invalid", r: withType(meter(`{"usages": [{"id": "`+billd.NewUUID()+`", "amount": 1.5}]}`), "application/json; charset=utf-8"), status: 400, code: 3, msg: "invalid value for int64 field amount: 1.5"},
			{name: "content-type/form/invalid", r: withType(meter("usages=1&amount=1"), "application/x-www-form-urlencoded"), status: 400, code: 3, msg: "the body must be a JSON object"},
			{name: "content-type/multipart/invalid", r: withType(meter("--x\r\nContent-Disposition: form-data; name=\"usages\"\r\n\r\n1\r\n--x--\r\n"), "multipart/form-data; boundary=x"), status: 400, code: 3, msg: "the body must be a JSON object"},
			// A browser's cross-site form post may send JSON as text/plain: now that such a body is
			// read, the cross-origin check is what refuses it.
			{name: "content-type/text-plain/cross-site", r: req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": billd.NewUUID(), "amount": 1},
				header: map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}}, status: 403, code: 7, msg: "cross-origin request refused"},
			{name: "content-type/none/invalid-grant", r: withType(grant(`{"id": "`+billd.NewUUID()+`", "amount": 1, "amount": 1}`), ""), status: 400, code: 3, msg: `duplicate field "amount"`},

			// Credentials: missing, malformed, wrong.
			{name: "auth/missing-write", r: req{method: "POST", path: usagePath, as: &creds{}, body: epUsages(epUsage(billd.NewUUID(), 1))}, status: 401, code: 16, msg: "credentials required", header: "WWW-Authenticate"},
			{name: "auth/missing-read", r: req{method: "GET", path: w.account("/balance"), as: &creds{}}, status: 401, code: 16, msg: "credentials required", header: "WWW-Authenticate"},
			{name: "auth/basic-bad-base64", r: auth(meter(usage("1")), "Basic !!!not-base64!!!"), status: 401, code: 16, msg: "malformed Basic credentials", header: "WWW-Authenticate"},
			{name: "auth/basic-no-colon", r: auth(meter(usage("1")), basic(w.meter.id)), status: 401, code: 16, msg: "malformed Basic credentials", header: "WWW-Authenticate"},
			{name: "auth/basic-empty", r: auth(meter(usage("1")), "Basic"), status: 401, code: 16, msg: "malformed Basic credentials", header: "WWW-Authenticate"},
			{name: "auth/unknown-scheme", r: auth(meter(usage("1")), "Digest username=\""+w.meter.id+"\""), status: 401, code: 16, msg: "unsupported authorization scheme", header: "WWW-Authenticate"},
			{name: "auth/token-scheme", r: auth(req{method: "GET", path: w.account("/balance")}, "Token "+adminKey), status: 401, code: 16, msg: "unsupported authorization scheme", header: "WWW-Authenticate"},
			{name: "auth/wrong-secret", r: auth(meter(usage("1")), basic(w.meter.id+":wrong")), status: 401, code: 16, msg: "invalid credentials", header: "WWW-Authenticate"},
			{name: "auth/empty-secret", r: auth(meter(usage("1")), basic(w.meter.id+":")), status: 401, code: 16, msg: "invalid credentials", header: "WWW-Authenticate"},
			{name: "auth/unknown-client", r: auth(meter(usage("1")), basic("nobody:"+w.meter.secret)), status: 401, code: 16, msg: "invalid credentials", header: "WWW-Authenticate"},
			{name: "auth/bad-client-id", r: auth(meter(usage("1")), basic("bad id!:secret")), status: 401, code: 16, msg: "invalid credentials", header: "WWW-Authenticate"},
			{name: "auth/unknown-api-key", r: auth(meter(usage("1")), "Bearer billd_not-a-key-0123456789"), status: 401, code: 16, msg: "invalid credentials", header: "WWW-Authenticate"},
			{name: "auth/empty-bearer", r: auth(meter(usage("1")), "Bearer "), status: 401, code: 16, msg: "invalid credentials", header: "WWW-Authenticate"},
			{name: "auth/secret-as-api-key", r: auth(meter(usage("1")), "Bearer "+w.meter.secret), status: 401, code: 16, msg: "invalid credentials", header: "WWW-Authenticate"},
			{name: "auth/admin-key-as-secret", r: auth(req{method: "GET", path: "/v1beta1/organizations"}, basic(adminID+":"+adminKey)), status: 401, code: 16, msg: "invalid credentials", header: "WWW-Authenticate"},

			// Paging parameters.
			{name: "page/size-negative", r: req{method: "GET", path: w.account("/transactions?page_size=-1")}, status: 400, code: 3, msg: "page_size"},
			{name: "page/size-word", r: req{method: "GET", path: "/v1beta1/admin/clients?page_size=ten"}, status: 400, code: 3, msg: "page_size"},
			{name: "page/token-garbage", r: req{method: "GET", path: "/v1beta1/admin/billing/accounts?page_token=%21%21"}, status: 400, code: 3, msg: "page token"},
			{name: "page/token-not-a-cursor", r: req{method: "GET", path: "/v1beta1/organizations?page_token=" + base64.RawURLEncoding.EncodeToString([]byte(`{"x":1}`))}, status: 400, code: 3, msg: "page token"},

			// Another organization's ids: 403 where the organization is named and not the caller's,
			// 404 where an object is looked up inside the caller's organization.
			{name: "other-org/get-org", r: asOwner("GET", "/v1beta1/organizations/"+o.orgID, nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/get-org-by-name", r: asOwner("GET", "/v1beta1/organizations/"+oName, nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/update-org", r: asOwner("PUT", "/v1beta1/organizations/"+o.orgID, map[string]any{"name": "hijacked"}), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/delete-org", r: asOwner("DELETE", "/v1beta1/organizations/"+o.orgID, nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/disable-org", r: asOwner("POST", "/v1beta1/organizations/"+o.orgID+"/disable", nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/list-projects", r: asOwner("GET", "/v1beta1/organizations/"+o.orgID+"/projects", nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/create-project", r: asOwner("POST", "/v1beta1/projects", map[string]any{"name": "intruder", "org_id": o.orgID}), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/get-project", r: asOwner("GET", "/v1beta1/projects/"+o.projectID, nil), status: 404, code: 5, msg: "project not found"},
			{name: "other-org/update-project", r: asOwner("PUT", "/v1beta1/projects/"+o.projectID, map[string]any{"name": "hijacked"}), status: 404, code: 5, msg: "project not found"},
			{name: "other-org/delete-project", r: asOwner("DELETE", "/v1beta1/projects/"+o.projectID, nil), status: 404, code: 5, msg: "project not found"},
			{name: "other-org/list-accounts", r: asOwner("GET", "/v1beta1/organizations/"+o.orgID+"/billing", nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/create-account", r: asOwner("POST", "/v1beta1/organizations/"+o.orgID+"/billing", map[string]any{"body": map[string]any{}}), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/get-account", r: asOwner("GET", o.account(""), nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/balance", r: asOwner("GET", o.account("/balance"), nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/disable-account", r: asOwner("POST", o.account("/disable"), nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/account-via-own-org", r: asOwner("GET", "/v1beta1/organizations/"+w.orgID+"/billing/"+o.accountID, nil), status: 404, code: 5, msg: "billing account not found"},
			{name: "other-org/update-account-via-own-org", r: asOwner("PUT", "/v1beta1/organizations/"+w.orgID+"/billing/"+o.accountID, map[string]any{"body": map[string]any{"name": "x"}}), status: 404, code: 5, msg: "billing account not found"},
			{name: "other-org/delete-account-via-own-org", r: asOwner("DELETE", "/v1beta1/organizations/"+w.orgID+"/billing/"+o.accountID, nil), status: 404, code: 5, msg: "billing account not found"},
			{name: "other-org/transactions", r: asOwner("GET", o.account("/transactions"), nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/transactions-via-own-org", r: asOwner("GET", "/v1beta1/organizations/"+w.orgID+"/billing/"+o.accountID+"/transactions", nil), status: 404, code: 5, msg: "billing account not found"},
			{name: "other-org/debited-via-own-org", r: asOwner("GET", "/v1beta1/organizations/"+w.orgID+"/billing/"+o.accountID+"/debited_transactions_total", nil), status: 404, code: 5, msg: "billing account not found"},
			{name: "other-org/check", r: asOwner("POST", "/v1beta1/billing/check", map[string]any{"org_id": o.orgID, "amount": 1}), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/usage-account-via-own-org", r: req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/billing/" + o.accountID + "/usages", as: &w.meter, body: epUsages(epUsage(billd.NewUUID(), 1))}, status: 404, code: 5, msg: "billing account not found"},
			{name: "other-org/usage-billing_id", r: req{method: "POST", path: orgUsagePath, as: &w.meter, body: map[string]any{"org_id": w.orgID, "billing_id": o.accountID, "usages": one()}}, status: 404, code: 5, msg: "billing account not found"},
			{name: "other-org/usage-project", r: req{method: "POST", path: orgUsagePath, as: &w.meter, body: map[string]any{"org_id": w.orgID, "project_id": o.projectID, "usages": one()}}, status: 400, code: 3, msg: "the project does not belong to the organization"},
			{name: "other-org/usage-customer_id", r: meter(epUsages(map[string]any{"id": billd.NewUUID(), "amount": 1, "customer_id": o.accountID})), status: 400, code: 3, msg: "customer"},
			{name: "other-org/revert-usage", r: req{method: "POST", path: revertPath, as: &w.meter, body: map[string]any{"org_id": w.orgID, "usage_id": oUsed, "amount": 1}}, status: 404, code: 5, msg: "not found"},
			{name: "other-org/revert-admin-path", r: req{method: "POST", path: revertAt(w.orgID, w.accountID, oUsed), body: map[string]any{"amount": 1}}, status: 404, code: 5, msg: "not found"},
			{name: "other-org/revert-with-own-billing_id", r: req{method: "POST", path: revertAt(w.orgID, o.accountID, used), body: map[string]any{"amount": 1}}, status: 404, code: 5, msg: "not found"},
			{name: "other-org/grant-via-own-org", r: req{method: "POST", path: "/v1beta1/admin/organizations/" + w.orgID + "/billing/" + o.accountID + "/credits", body: map[string]any{"id": billd.NewUUID(), "amount": 1}}, status: 404, code: 5, msg: "billing account not found"},
			{name: "other-org/details-via-own-org", r: req{method: "GET", path: "/v1beta1/admin/organizations/" + w.orgID + "/billing/" + o.accountID + "/details"}, status: 404, code: 5, msg: "billing account not found"},
			{name: "other-org/create-client", r: asOwner("POST", "/v1beta1/admin/clients", map[string]any{"role": "owner", "org_id": o.orgID}), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/list-clients", r: asOwner("GET", "/v1beta1/admin/clients?org_id="+o.orgID, nil), status: 403, code: 7, msg: "not authorized"},
			{name: "other-org/revoke-client", r: asOwner("DELETE", "/v1beta1/admin/clients/"+oOwner.id, nil), status: 404, code: 5, msg: "client not found"},
		}

		seen := map[string]bool{}
		// Each case's state after is the next one's before: no case may change it.
		before := biSnapshot(s, w, o)
		for _, c := range cases {
			if seen[c.name] {
				t.Fatalf("duplicate case %s", c.name)
			}
			seen[c.name] = true
			t.Run(c.name, func(t *testing.T) {
				sc := s.forTest(t)
				resp := sc.do(c.r)
				if resp.status != c.status {
					t.Errorf("status %d, want %d: %s", resp.status, c.status, resp.raw)
				} else {
					checkErrorBody(t, resp, c.code, c.msg)
				}
				if c.header != "" && resp.header.Get(c.header) == "" {
					t.Errorf("response lacks the %s header", c.header)
				}
				after := biSnapshot(sc, w, o)
				if after != before {
					t.Errorf("the refused request changed the state:\nbefore: %s\nafter:  %s", before, after)
				}
				before = after
			})
		}

		// Accepted: requests the server must apply despite their oddity, each with its effect on a
		// world of their own (the balance moves by delta) and a check of what it did.
		a := newWorld(t, s, 1000)
		aMeter := func(body string) req {
			return req{method: "POST", path: a.account("/usages"), as: &a.meter, body: body}
		}
		// aUsage is a usage of amount (as written) under a fresh id, with extra fields.
		aUsage := func(id, amount, extra string) string {
			return `{"usages": [{"id": "` + id + `", "amount": ` + amount + `, "source": "gpu"` + extra + `}]}`
		}
		// journaled checks that transaction id is in a's journal with the amount, source and
		// metadata.
		journaled := func(id, amount, source string) func(*testing.T, *server, map[string]any) {
			return func(t *testing.T, s *server, _ map[string]any) {
				t.Helper()
				txs, _ := epList(t, s.ok(req{method: "GET", path: a.account("/transactions?page_size=1000")}), "transactions")
				for _, tx := range txs {
					if tx["id"] == id {
						if tx["amount"] != amount || tx["source"] != source || len(obj(t, tx, "metadata")) != 0 {
							t.Errorf("transaction %v, want amount %s, source %s and no metadata", tx, amount, source)
						}
						return
					}
				}
				t.Errorf("transaction %s is not in the journal", id)
			}
		}
		accepted := []biAccepted{
			// Unknown fields are ignored, wherever they are, whatever their value, even twice.
			func() biAccepted {
				id := billd.NewUUID()
				return biAccepted{name: "unknown/top-level", r: aMeter(`{"extra": 1, "usages": [{"id": "` + id + `", "amount": 1, "source": "gpu"}]}`), delta: -1, check: journaled(id, "1", "gpu")}
			}(),
			func() biAccepted {
				id := billd.NewUUID()
				return biAccepted{name: "unknown/in-usage", r: aMeter(aUsage(id, "1", `, "colour": "red"`)), delta: -1, check: journaled(id, "1", "gpu")}
			}(),
			func() biAccepted {
				id := billd.NewUUID()
				return biAccepted{name: "unknown/twice", r: aMeter(aUsage(id, "1", `, "extra": 1, "extra": 2`)), delta: -1, check: journaled(id, "1", "gpu")}
			}(),
			func() biAccepted {
				id := billd.NewUUID()
				return biAccepted{name: "unknown/nested-known-names", r: aMeter(aUsage(id, "1", `, "extra": {"amount": 50, "usages": [{"amount": 50}], "metadata": {"k": 1, "k": 2}}`)), delta: -1, check: journaled(id, "1", "gpu")}
			}(),
			func() biAccepted {
				id := billd.NewUUID()
				return biAccepted{name: "unknown/misspelled-amount", r: aMeter(aUsage(id, "1", `, "Amount": 50, "AMOUNT": 50`)), delta: -1, check: journaled(id, "1", "gpu")}
			}(),
			func() biAccepted {
				id := billd.NewUUID()
				return biAccepted{name: "unknown/grant-source", r: req{method: "POST", path: a.billing("/credits"), body: map[string]any{"id": id, "amount": 1, "source": "bonus"}}, delta: 1, check: journaled(id, "1", "system.awarded")}
			}(),
			{name: "unknown/limits-due_in_days", r: req{method: "PUT", path: a.billing("/limits"), body: map[string]any{"credit_min": -5, "due_in_days": 1}},
				check: func(t *testing.T, s *server, _ map[string]any) {
					d := s.ok(req{method: "GET", path: a.billing("/details")})
					if cm, due := int64String(t, "credit_min", d["credit_min"]), int64String(t, "due_in_days", d["due_in_days"]); cm != -5 || due != 30 {
						t.Errorf("details = %d, %d; want credit_min -5 and due_in_days still 30", cm, due)
					}
				}},
			{name: "unknown/org-state", r: req{method: "POST", path: "/v1beta1/organizations", body: map[string]any{"name": "sneaky-" + billd.NewUUID()[:8], "state": "disabled"}},
				check: func(t *testing.T, s *server, resp map[string]any) {
					org := obj(t, resp, "organization")
					stored := obj(t, s.ok(req{method: "GET", path: "/v1beta1/organizations/" + str(t, org, "id")}), "organization")
					if org["state"] != "enabled" || stored["state"] != "enabled" {
						t.Errorf("organization created with state %v, stored %v; want enabled", org["state"], stored["state"])
					}
				}},
			{name: "unknown/client-secret", r: req{method: "POST", path: "/v1beta1/admin/clients", body: map[string]any{"role": "meter", "client_secret": "chosen-secret-0123456789"}},
				check: func(t *testing.T, s *server, resp map[string]any) {
					c, _ := clientCreds(t, resp)
					if c.secret == "chosen-secret-0123456789" {
						t.Fatalf("the client got the secret its creator chose")
					}
					chosen := creds{id: c.id, secret: "chosen-secret-0123456789"}
					s.fails(req{method: "GET", path: a.account("/balance"), as: &chosen}, 401, 16, "invalid credentials")
					s.ok(req{method: "GET", path: a.account("/balance"), as: &c})
				}},
			{name: "unknown/account-flat", r: req{method: "PUT", path: a.account(""), body: map[string]any{"name": "flat"}},
				check: func(t *testing.T, s *server, resp map[string]any) {
					// The body's fields are in "body": a flat name is unknown, and the update is
					// that of an empty body.
					acct := obj(t, s.ok(req{method: "GET", path: a.account("")}), "billing_account")
					if obj(t, resp, "billing_account")["name"] != "" || acct["name"] != "" {
						t.Errorf("account after a flat update: %v", acct)
					}
				}},

			// int64 numbers with an exponent or a fraction are read when their value is integral.
			func() biAccepted {
				id := billd.NewUUID()
				return biAccepted{name: "amount/usage-exponent-integral", r: aMeter(aUsage(id, "2e0", "")), delta: -2, check: journaled(id, "2", "gpu")}
			}(),
			func() biAccepted {
				id := billd.NewUUID()
				return biAccepted{name: "amount/usage-string-exponent-integral", r: aMeter(aUsage(id, `"20e-1"`, "")), delta: -2, check: journaled(id, "2", "gpu")}
			}(),
		}
		// The body is read as JSON whatever the Content-Type says, or if there is none.
		for _, ct := range []string{"", "text/plain;charset=UTF-8", "application/json; charset=utf-8", "application/x-www-form-urlencoded",
			"multipart/form-data; boundary=x", "text/plain", "application/merge-patch+json", "application/json; charset", "Application/JSON"} {
			id := billd.NewUUID()
			r := aMeter(aUsage(id, "1", ""))
			r.header = map[string]string{"Content-Type": ct}
			label := ct
			if ct == "" {
				label = "none"
			}
			accepted = append(accepted, biAccepted{name: "content-type/" + label + "/valid", r: r, delta: -1, check: journaled(id, "1", "gpu")})
		}
		grantID := billd.NewUUID()
		accepted = append(accepted, biAccepted{name: "content-type/none/valid-grant", delta: 1, check: journaled(grantID, "1", "system.awarded"),
			r: req{method: "POST", path: a.billing("/credits"), body: map[string]any{"id": grantID, "amount": 1}, header: map[string]string{"Content-Type": ""}}})

		for _, c := range accepted {
			if seen[c.name] {
				t.Fatalf("duplicate case %s", c.name)
			}
			seen[c.name] = true
			t.Run(c.name, func(t *testing.T) {
				sc := s.forTest(t)
				before := a.balance(t, sc)
				resp := sc.ok(c.r)
				c.check(t, sc, resp)
				if got := a.balance(t, sc); got != before+c.delta {
					t.Errorf("balance %d → %d, want a change of %d", before, got, c.delta)
				}
			})
		}

		// Controls: the limits are limits, not off by one. A body of exactly 1 MiB is read, and
		// application/json with parameters is JSON.
		start := w.balance(t, s)
		exact := usage("1")
		exact += strings.Repeat(" ", 1<<20-len(exact))
		s.ok(req{method: "POST", path: usagePath, as: &w.meter, body: exact})
		s.ok(req{method: "POST", path: usagePath, as: &w.meter, body: usage("1"), header: map[string]string{"Content-Type": "application/json; charset=utf-8"}})
		s.ok(req{method: "POST", path: usagePath, as: &w.meter, body: usage("1"), header: map[string]string{"Content-Type": "Application/JSON"}})
		s.ok(req{method: "GET", path: w.account("/balance"), as: &creds{}, header: map[string]string{"Authorization": "bearer " + adminKey}})
		s.ok(req{method: "GET", path: w.account("/balance"), as: &creds{}, header: map[string]string{"Authorization": strings.Replace(basic(adminID+":"+adminSecret), "Basic", "BASIC", 1)}})
		if got := w.balance(t, s); got != start-3 {
			t.Errorf("balance = %d after three accepted usages of 1 from %d", got, start)
		}
	})
}
