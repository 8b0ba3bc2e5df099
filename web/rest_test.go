package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/billd/billd"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
)

// TestBindQuery checks how query parameters set the fields of a request without a body: by proto
// or lowerCamelCase name, the last of repeated values for a single field, each for a repeated one;
// a field named twice by its two spellings is refused, as a JSON body naming it twice is.
func TestBindQuery(t *testing.T) {
	bind := func(query string) (*fv1.ListBillingTransactionsRequest, error) {
		r := httptest.NewRequest("GET", "/v1beta1/organizations/o/billing/transactions?"+query, nil)
		r.SetPathValue("org_id", "o")
		m := &fv1.ListBillingTransactionsRequest{}
		return m, bindRequest(r, m, bodyNone, []string{"org_id"})
	}
	m, err := bind("page_size=5&pageToken=t&expand=customer&expand=user&billing_id=b&start_range=2026-01-02T03:04:05Z&unknown=1")
	if err != nil {
		t.Fatal(err)
	}
	if m.PageSize != 5 || m.PageToken != "t" || len(m.Expand) != 2 || m.BillingId != "b" || m.OrgId != "o" ||
		m.StartRange.AsTime().Format("2006-01-02T15:04:05Z") != "2026-01-02T03:04:05Z" {
		t.Errorf("bound %v", m)
	}
	if m, err := bind("page_size=1&page_size=7"); err != nil || m.PageSize != 7 {
		t.Errorf("repeated page_size: %v, %v; want the last value", m.GetPageSize(), err)
	}
	if _, err := bind("org_id=other"); err != nil {
		t.Errorf("a query naming a path field: %v; want it ignored (the path wins)", err)
	}
	for _, q := range []string{"page_size=1&pageSize=1000", "page_size=x", "start_range=yesterday", "billing_id=a&billingId=b"} {
		if _, err := bind(q); billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("%s: %v, want %s", q, err, billd.EINVALID)
		}
	}
}

// A value of an unknown field is skipped, but the body must still be JSON, on REST and Connect.
func TestUnknownFieldsMustStillBeJSON(t *testing.T) {
	for _, body := range []string{`{"org_id":"o","usagns":[{"amount":15e-}]}`, `{"x":tru}`, `{"x":"a}`} {
		if err := (rpcJSON{"json"}).Unmarshal([]byte(body), new(fv1.CreateBillingUsageRequest)); err == nil {
			t.Errorf("Connect JSON accepts %s", body)
		}
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		if err := decodeBody(r, new(fv1.CreateBillingUsageRequest).ProtoReflect()); billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("REST answers %v to %s, want EINVALID", err, body)
		}
	}
	if err := (rpcJSON{"json"}).Unmarshal([]byte(`{"org_id":"o","unknown":{"a":[1e5]}}`), new(fv1.CreateBillingUsageRequest)); err != nil {
		t.Errorf("an unknown field of valid JSON is refused: %v", err)
	}
}
