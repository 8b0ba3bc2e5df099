package metrics

import (
	"database/sql"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestExposition: what the observers are told comes out of Handler under the documented names
// and labels, a request no route matched as route "unmatched", and the collectors are read at
// the scrape.
func TestExposition(t *testing.T) {
	m := New()
	m.QueueDepth(func() int64 { return 7 })
	m.DBPools(func() map[string]sql.DBStats { return map[string]sql.DBStats{"write": {OpenConnections: 1, InUse: 1}} })
	m.Request("POST /v1beta1/billing/check", "rest", 200, time.Millisecond)
	m.Request("POST /v1beta1/billing/check", "rest", 200, time.Millisecond)
	m.Request("", "rest", 404, time.Millisecond)
	m.Shed("admission")
	m.Transfers("usage", 3)
	m.Refused("credit")
	m.Batch(2, 3, 100*time.Microsecond)
	m.Job("billd.purge", nil)
	m.Job("billd.purge", errors.New("down"))
	m.WebhookDelivery("failed")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`billd_http_request_duration_seconds_count{code="200",route="POST /v1beta1/billing/check",transport="rest"} 2`,
		`billd_http_request_duration_seconds_count{code="404",route="unmatched",transport="rest"} 1`,
		`billd_shed_requests_total{where="admission"} 1`,
		`billd_ledger_transfers_total{kind="usage"} 3`,
		`billd_ledger_refused_total{reason="credit"} 1`,
		`billd_commit_batch_postings_count 1`,
		`billd_commit_batch_transfers_sum 3`,
		`billd_commit_queue_transfers 7`,
		`billd_job_runs_total{job="billd.purge",result="ok"} 1`,
		`billd_job_runs_total{job="billd.purge",result="error"} 1`,
		`billd_webhook_deliveries_total{outcome="failed"} 1`,
		`billd_db_connections_in_use{pool="write"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(string(body), want+"\n") && !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// BenchmarkRequest is the cost of observing one request, on the request path.
func BenchmarkRequest(b *testing.B) {
	m := New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Request("POST /v1beta1/organizations/{org_id}/billing/{billing_id}/usages", "rest", 200, time.Millisecond)
		}
	})
}
