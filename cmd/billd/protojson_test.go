package main

import (
	"net/http"
	"testing"

	"github.com/billd/billd"
)

// TestProto3FieldNames checks that request fields are accepted by proto name and by lowerCamelCase
// name, as proto3's JSON mapping requires of parsers, that any other spelling is refused, and that
// metadata keys are the caller's own and never renamed.
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
			if n := meta["gpuHours"]; n == nil || n.(interface{ String() string }).String() != "1e2" {
				t.Errorf("metadata number = %v, want it exactly as sent (1e2)", n)
			}
		}
		if !found {
			t.Fatalf("usage %s not in the journal", usage)
		}
		for _, body := range []string{
			`{"AMOUNT": 1, "org_id": "` + w.orgID + `", "usage_id": "` + usage + `"}`,
			`{"Amount": 1, "org_id": "` + w.orgID + `", "usage_id": "` + usage + `"}`,
			`{"amount": 1, "org_Id": "` + w.orgID + `", "usage_id": "` + usage + `"}`,
		} {
			s.fails(req{method: "POST", path: "/v1beta1/organizations/billing/usages/revert", as: &w.meter, body: body},
				http.StatusBadRequest, 3, "unknown field")
		}
	})
}
