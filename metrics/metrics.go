// Package metrics exposes billd's metrics in the Prometheus text format, with client_golang. It
// implements billd.Observer (the ledger, the group committer, jobs, webhooks) and web.Observer
// (HTTP requests and shed requests), and collects the store's pool statistics and the
// committer's queue depth when they are scraped. cmd/billd wires it.
//
// Every label value comes from a small fixed set (route patterns, transports, status codes,
// transfer kinds, refusal reasons, job names), never from what a client sends, so the number of
// series is bounded.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/billd/billd"
)

// Metrics holds billd's metrics in their own registry.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.HistogramVec
	shed      *children
	transfers *children
	refused   *children
	webhooks  *children
	jobs      *prometheus.CounterVec

	batchPostings  prometheus.Histogram
	batchTransfers prometheus.Histogram
	batchWait      prometheus.Histogram

	routes sync.Map // requestKey → prometheus.Observer: the request path resolves no labels
}

// New returns the metrics of one billd process, with the Go runtime's and the process's own.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "billd_http_request_duration_seconds",
		Help: "HTTP requests answered, by route pattern, transport and status code, and how long they took.",
		// From a cached balance read (about 100 µs) to a request that waited on a slow store.
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "transport", "code"})
	m.shed = newChildren("billd_shed_requests_total", "Requests refused for overload (EOVERLOADED), by where they were refused.", "where")
	m.transfers = newChildren("billd_ledger_transfers_total", "Transfers committed to the journal, by kind.", "kind")
	m.refused = newChildren("billd_ledger_refused_total", "Postings the ledger's rules refused, by reason.", "reason")
	m.webhooks = newChildren("billd_webhook_deliveries_total", "Webhook attempts recorded, by outcome (delivered, retry, failed).", "outcome")
	m.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "billd_job_runs_total",
		Help: "Rounds of background jobs, by job name and result (ok, error).",
	}, []string{"job", "result"})
	m.batchPostings = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "billd_commit_batch_postings", Help: "Postings per group-commit transaction.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 8), // 1 … 16384
	})
	m.batchTransfers = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "billd_commit_batch_transfers", Help: "Transfers per group-commit transaction.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 9), // 1 … 65536
	})
	m.batchWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "billd_commit_batch_wait_seconds", Help: "How long a group-commit batch gathered postings before its transaction.",
		Buckets: []float64{.00001, .00005, .0001, .0002, .0003, .0005, .001, .005},
	})
	m.reg.MustRegister(m.requests, m.shed.vec, m.transfers.vec, m.refused.vec, m.webhooks.vec, m.jobs,
		m.batchPostings, m.batchTransfers, m.batchWait,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, MaxRequestsInFlight: 4})
}

// QueueDepth exports depth, read at each scrape, as the group committer's queue depth.
func (m *Metrics) QueueDepth(depth func() int64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "billd_commit_queue_transfers",
		Help: "Transfers waiting in the group committer for a transaction.",
	}, func() float64 { return float64(depth()) }))
}

// DBPools exports the statistics of the store's connection pools, read at each scrape from
// stats (by pool role).
func (m *Metrics) DBPools(stats func() map[string]sql.DBStats) {
	m.reg.MustRegister(poolCollector{stats})
}

// requestKey is the labels of a request's series.
type requestKey struct {
	route, transport string
	status           int
}

// Request records an answered HTTP request: its route pattern ("" for none), transport, status
// and duration. The series of a label set is resolved once, then found in a map.
func (m *Metrics) Request(route, transport string, status int, took time.Duration) {
	key := requestKey{route, transport, status}
	o, ok := m.routes.Load(key)
	if !ok {
		if route == "" {
			route = "unmatched"
		}
		o, _ = m.routes.LoadOrStore(key, m.requests.WithLabelValues(route, transport, strconv.Itoa(status)))
	}
	o.(prometheus.Observer).Observe(took.Seconds())
}

// Shed counts a request refused for overload.
func (m *Metrics) Shed(where string) { m.shed.get(where).Inc() }

// Transfers counts committed transfers of a kind.
func (m *Metrics) Transfers(kind billd.TransferKind, n int) {
	m.transfers.get(string(kind)).Add(float64(n))
}

// Refused counts a refused posting.
func (m *Metrics) Refused(reason string) { m.refused.get(reason).Inc() }

// Batch records a group-commit transaction.
func (m *Metrics) Batch(postings, transfers int, wait time.Duration) {
	m.batchPostings.Observe(float64(postings))
	m.batchTransfers.Observe(float64(transfers))
	m.batchWait.Observe(wait.Seconds())
}

// Job counts a round of a background job.
func (m *Metrics) Job(name string, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.jobs.WithLabelValues(name, result).Inc()
}

// WebhookDelivery counts a recorded webhook attempt.
func (m *Metrics) WebhookDelivery(outcome string) { m.webhooks.get(outcome).Inc() }

// children is a counter vector of one label whose counters are resolved once per value.
type children struct {
	vec *prometheus.CounterVec
	m   sync.Map // label value → prometheus.Counter
}

func newChildren(name, help, label string) *children {
	return &children{vec: prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{label})}
}

// get returns the counter of the label value v.
func (c *children) get(v string) prometheus.Counter {
	if x, ok := c.m.Load(v); ok {
		return x.(prometheus.Counter)
	}
	x, _ := c.m.LoadOrStore(v, c.vec.WithLabelValues(v))
	return x.(prometheus.Counter)
}
