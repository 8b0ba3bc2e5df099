package main

import (
	"github.com/billd/billd"
	"github.com/billd/billd/metrics"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/web"
)

// observability wires serve's Prometheus metrics (--metrics): the service's observer, the web
// handler's, and the collectors of the committer's queue and the store's pools.
type observability struct {
	m *metrics.Metrics // nil: --metrics=false
}

func newObservability(on bool) observability {
	if !on {
		return observability{}
	}
	return observability{metrics.New()}
}

// service returns the service's observer: nil without metrics.
func (o observability) service() billd.Observer {
	if o.m == nil {
		return nil
	}
	return o.m
}

// web returns cfg with the metrics' observer and /metrics, and starts collecting svc's queue
// depth and db's pools.
func (o observability) web(cfg web.Config, svc *billd.Service, db *sqlstore.DB) web.Config {
	if o.m == nil {
		return cfg
	}
	o.m.QueueDepth(svc.CommitQueueDepth)
	o.m.DBPools(db.PoolStats)
	cfg.Observer, cfg.Metrics = o.m, o.m.Handler()
	return cfg
}
