package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/billd/billd"
)

// TestProto3FieldNames checks that request fields are accepted by proto name and by lowerCamelCase
// name, as proto3's JSON mapping requires of parsers, that any other spelling is not the field
// (an unknown field, ignored: it neither sets the field nor fails the request), and that metadata
// keys are the caller's own and never renamed.
func TestProto3FieldNames(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 1000)
		usage := billd.NewUUID()
		s.ok(req{method: "POST", path: "/v1beta1/organizations/billing/usages", as: &w.meter,
			body: `{"orgId": "` + w.orgID + `", "billingId": "` + w.accountID + `", "usages": [{"id": "` + usage +
				`", "amount": "300", "userId": "Alice", "metadata": {"jobId": "J-1", "gpuHours": 1e2}}]}`})
		s.ok(req{method: "POST", path: "/v1beta1/organizations/billing/usages/revert", as: &w.meter,
			body: `{"projectId": "` + w.projectID + `", "usageId": "` + usage + `", "amount": 100}`})
		if got := w.balance(t, s); got != 800 {
			t.Errorf("balance = %d, want 800", got)
		}
		txs := s.ok(req{method: "GET", path: w.account("/transactions")})["transactions"].([]any)
		var found bool
		for _, tx := range txs {
			m := tx.(map[string]any)
			if m["id"] != usage {
				continue
			}
			found = true
			meta := obj(t, m, "metadata")
			if m["user_id"] != "Alice" || meta["jobId"] != "J-1" || meta["gpuHours"] == nil || meta["gpu_hours"] != nil {
				t.Errorf("usage as stored: %v", m)
			}
			// Metadata numbers are google.protobuf.Struct doubles: 1e2 is 100.
			if n := meta["gpuHours"]; n != json.Number("100") {
				t.Errorf("metadata number = %v, want 1e2 as the double 100", n)
			}
		}
		if !found {
			t.Fatalf("usage %s not in the journal", usage)
		}

		// Other spellings are unknown fields: alone, they leave the field unset...
		other := newWorld(t, s, 1000)
		revert := func(body string) req {
			return req{method: "POST", path: "/v1beta1/organizations/billing/usages/revert", as: &w.meter, body: body}
		}
		s.fails(revert(`{"AMOUNT": 1, "org_id": "`+w.orgID+`", "usage_id": "`+usage+`"}`), http.StatusBadRequest, 3, "amount must be greater than 0")
		s.fails(revert(`{"Amount": 1, "org_id": "`+w.orgID+`", "usage_id": "`+usage+`"}`), http.StatusBadRequest, 3, "amount must be greater than 0")
		s.fails(revert(`{"amount": 1, "org_Id": "`+w.orgID+`", "usage_id": "`+usage+`"}`), http.StatusBadRequest, 3, "an organization or a project is required")
		if got := w.balance(t, s); got != 800 {
			t.Errorf("balance = %d after refused reverts, want 800", got)
		}
		// ...and next to the field, they are ignored: the request succeeds with the field's value.
		for _, body := range []string{
			`{"AMOUNT": 50, "amount": 1, "org_id": "` + w.orgID + `", "usage_id": "` + usage + `"}`,
			`{"amount": 1, "Amount": 50, "org_id": "` + w.orgID + `", "usage_id": "` + usage + `"}`,
			`{"amount": 1, "org_id": "` + w.orgID + `", "org_Id": "` + other.orgID + `", "usage_id": "` + usage + `"}`,
			`{"amount": 1, "orgId": "` + w.orgID + `", "ORG_ID": "` + other.orgID + `", "usageId": "` + usage + `", "usage": {"amount": 50}}`,
		} {
			s.ok(revert(body))
		}
		if got := w.balance(t, s); got != 804 {
			t.Errorf("balance = %d after four reverts of 1, want 804 (an unknown field was read)", got)
		}
		if got := other.balance(t, s); got != 1000 {
			t.Errorf("the other organization's balance = %d, want 1000", got)
		}
	})
}
