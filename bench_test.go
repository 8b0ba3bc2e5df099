package billd_test

import (
	"context"
	"math"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// BenchmarkReportUsage measures usage reporting through the Service (one usage per request) on one
// hot account, with 1 and 64 concurrent reporters, on SQLite and on PostgreSQL, with group commit
// (concurrent usages share durable transactions; the serve defaults: 300µs linger on SQLite, none
// on PostgreSQL) and without it (each usage in its own durable transaction). Run it with:
//
//	go test -run '^$' -bench BenchmarkReportUsage -benchtime 5s .
//
// The figures are in docs/benchmarks.md.
func BenchmarkReportUsage(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		for _, group := range []bool{true, false} {
			for _, reporters := range []int{1, 64} {
				name := store + "/group-commit=" + strconv.FormatBool(group) + "/reporters=" + strconv.Itoa(reporters)
				b.Run(name, func(b *testing.B) {
					benchReportUsage(b, store, group, reporters)
				})
			}
		}
	}
}

func benchReportUsage(b *testing.B, store string, group bool, reporters int) {
	ctx := context.Background()
	s := sqltest.Open(b, store)
	commit := billd.CommitConfig{Disabled: !group}
	if store == "postgres" {
		commit.MaxWait = -1 // as billd serve: a PostgreSQL round trip outlasts any useful linger
	}
	svc := billd.NewService(billd.Config{Store: s.DB, Commit: commit})
	defer svc.Close()
	p := billd.SystemPrincipal
	org, err := svc.CreateOrganization(ctx, p, billd.OrganizationInput{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	acct, err := svc.CreateBillingAccount(ctx, p, org.ID, billd.BillingAccountInput{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.GrantCredits(ctx, p, billd.GrantRequest{OrgID: org.ID, BillingID: acct.ID,
		ID: billd.NewUUID(), Amount: math.MaxInt64 / 2}); err != nil {
		b.Fatal(err)
	}
	report := func() {
		err := svc.ReportUsage(ctx, p, billd.UsageReport{OrgID: org.ID, BillingID: acct.ID,
			Usages: []billd.Usage{{ID: billd.NewUUID(), Amount: 1, Source: "bench"}}})
		if err != nil {
			b.Error(err)
		}
	}
	var done atomic.Int64
	b.ResetTimer()
	if reporters == 1 {
		for b.Loop() {
			report()
			done.Add(1)
		}
	} else {
		b.SetParallelism(max(1, reporters/runtime.GOMAXPROCS(0))) // RunParallel starts parallelism × GOMAXPROCS goroutines
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				report()
				done.Add(1)
			}
		})
	}
	b.StopTimer()
	b.ReportMetric(float64(done.Load())/b.Elapsed().Seconds(), "usages/s")
	bal, err := svc.Balance(ctx, p, org.ID, acct.ID)
	if err != nil {
		b.Fatal(err)
	}
	if want := int64(math.MaxInt64/2) - done.Load(); bal.Amount != want {
		b.Fatalf("balance %d, want %d", bal.Amount, want)
	}
}
