package metrics

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reads the store's pool statistics (database/sql's DB.Stats) at each scrape.
type poolCollector struct {
	stats func() map[string]sql.DBStats
}

var (
	poolOpen     = poolDesc("billd_db_connections_open", "Connections open in the store's pool.")
	poolInUse    = poolDesc("billd_db_connections_in_use", "Connections of the store's pool in use.")
	poolIdle     = poolDesc("billd_db_connections_idle", "Idle connections of the store's pool.")
	poolMax      = poolDesc("billd_db_connections_max", "The most connections the store's pool opens (0: no bound).")
	poolWaits    = poolDesc("billd_db_wait_total", "Times a caller waited for a connection of the store's pool.")
	poolWaitTime = poolDesc("billd_db_wait_seconds_total", "Time callers spent waiting for a connection of the store's pool.")
)

func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, []string{"pool"}, nil)
}

// Describe sends the descriptions of the pool's metrics.
func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolIdle, poolMax, poolWaits, poolWaitTime} {
		ch <- d
	}
}

// Collect reads the pools' statistics.
func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for pool, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.OpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(s.InUse), pool)
		ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.Idle), pool)
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxOpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.WaitCount), pool)
		ch <- prometheus.MustNewConstMetric(poolWaitTime, prometheus.CounterValue, s.WaitDuration.Seconds(), pool)
	}
}
