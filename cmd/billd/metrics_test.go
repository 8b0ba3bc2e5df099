package main

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
)

// TestMetricsScrape makes a few requests of each kind and reads them back from /metrics, which
// answers without credentials: requests by route pattern, transport and status (an unknown path
// under one "unmatched" route), transfers by kind, refused usages by reason, group-commit
// batches, the committer's queue, the store's pools and the job rounds.
func TestMetricsScrape(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 100) // one grant
		w.use(t, s, billd.NewUUID(), 60)
		s.fails(req{method: "POST", path: w.account("/usages"), as: &w.meter, body: epUsages(epUsage(billd.NewUUID(), 50))}, http.StatusBadRequest, 3, "insufficient credits")
		s.fails(req{method: "GET", path: "/no/such/" + billd.NewUUID()}, http.StatusNotFound, 5, "no such path")
		s.ok(req{method: "POST", path: fc.FrontierServiceGetBillingBalanceProcedure, body: map[string]any{"org_id": w.orgID, "id": w.accountID}})
		s.ok(req{method: "GET", path: "/v1/billing-accounts/" + w.accountID})

		m := scrape(t, s)
		const usages = `route="POST /v1beta1/organizations/{org_id}/billing/{billing_id}/usages"`
		m.atLeast(t, 1, "billd_http_request_duration_seconds_count", `code="200"`, usages, `transport="rest"`)
		m.atLeast(t, 1, "billd_http_request_duration_seconds_count", `code="400"`, usages, `transport="rest"`)
		m.atLeast(t, 1, "billd_http_request_duration_seconds_count", `code="404"`, `route="unmatched"`)
		m.atLeast(t, 1, "billd_http_request_duration_seconds_count", `code="200"`, `route="POST `+fc.FrontierServiceGetBillingBalanceProcedure+`"`, `transport="connect"`)
		m.atLeast(t, 1, "billd_http_request_duration_seconds_count", `code="200"`, `route="GET /v1/billing-accounts/{id}"`, `transport="cudo"`)
		m.exactly(t, 0, "billd_http_request_duration_seconds_count", `route="/no/such`) // never the raw path
		m.exactly(t, 1, "billd_ledger_transfers_total", `kind="usage"`)
		m.exactly(t, 1, "billd_ledger_transfers_total", `kind="grant"`)
		m.exactly(t, 1, "billd_ledger_refused_total", `reason="credit"`)
		m.atLeast(t, 3, "billd_commit_batch_postings_count")
		m.atLeast(t, 0, "billd_commit_queue_transfers")
		m.atLeast(t, 1, "billd_db_connections_open")
		eventually(t, "a job round in /metrics", func() error { // the first round starts with the server
			return scrape(t, s).has("billd_job_runs_total", `job="billd.checkouts"`, `result="ok"`)
		})
	})
}

// TestMetricsOff: with --metrics=false, /metrics is an unknown path, as any other.
func TestMetricsOff(t *testing.T) {
	s := serveWith(t, sqltest.MigratedDSN(t, "sqlite"), adminEnv, "--metrics=false")
	s.fails(req{method: "GET", path: "/metrics", as: &creds{}}, http.StatusNotFound, 5, "no such path")
}

// scraped are the samples of a scrape: each series (name and labels, as exposed) and its value.
type scraped map[string]float64

// scrape reads s's /metrics without credentials.
func scrape(t testing.TB, s *server) scraped {
	t.Helper()
	resp, err := s.http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	m := scraped{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics: %q: %v", line, err)
		}
		m[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// sum adds up the series named name that hold every one of labels, and counts them.
func (m scraped) sum(name string, labels ...string) (total float64, n int) {
	for series, v := range m {
		if series != name && !strings.HasPrefix(series, name+"{") {
			continue
		}
		if all(labels, func(l string) bool { return strings.Contains(series, l) }) {
			total, n = total+v, n+1
		}
	}
	return total, n
}

// has returns an error unless some series named name holds labels.
func (m scraped) has(name string, labels ...string) error {
	if _, n := m.sum(name, labels...); n == 0 {
		return billd.Errorf(billd.ENOTFOUND, "no series %s with %v", name, labels)
	}
	return nil
}

// atLeast checks that the series named name with labels exist and add up to min or more.
func (m scraped) atLeast(t testing.TB, min float64, name string, labels ...string) {
	t.Helper()
	if total, n := m.sum(name, labels...); n == 0 || total < min {
		t.Errorf("%s %v: %d series adding up to %v, want ≥ %v", name, labels, n, total, min)
	}
}

// exactly checks that the series named name with labels add up to want (none, for 0).
func (m scraped) exactly(t testing.TB, want float64, name string, labels ...string) {
	t.Helper()
	if total, n := m.sum(name, labels...); total != want || (want != 0 && n == 0) {
		t.Errorf("%s %v: %d series adding up to %v, want %v", name, labels, n, total, want)
	}
}

// all reports whether f holds for every element of s.
func all[T any](s []T, f func(T) bool) bool {
	for _, x := range s {
		if !f(x) {
			return false
		}
	}
	return true
}
