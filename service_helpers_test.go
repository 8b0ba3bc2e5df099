package billd_test

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// This file holds the helpers of the service-level suite: ledger_rules_test.go,
// concurrency_test.go and authz_test.go drive billd.Service over real stores.

// testHashIterations is the PBKDF2 cost of chosen secrets in tests: the algorithm runs as in
// production, at a thousandth of the cost.
const testHashIterations = 600

// t0 is where every test clock starts.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Principals of the ledger tests. Authorization itself is tested in authz_test.go with
// authenticated clients; here a meter reports and reverts usage, as the metering service does.
var (
	sys   = billd.SystemPrincipal
	meter = billd.Principal{ClientID: "test-meter", Role: billd.RoleMeter}
)

// fixture is a Service over a fresh store whose clock starts at t0 and advances one millisecond
// at each reading, so that every write has its own time and runs are deterministic.
type fixture struct {
	svc   *billd.Service
	db    *sqlstore.DB
	store string // "sqlite" or "postgres"
	ticks atomic.Int64
	names atomic.Int64
}

// newFixture returns a fixture over s, with group commit on (the default).
func newFixture(t *testing.T, s sqltest.Store) *fixture {
	t.Helper()
	return newFixtureWith(t, s, billd.CommitConfig{})
}

// newFixtureWith returns a fixture over s whose service commits as commit says.
func newFixtureWith(t *testing.T, s sqltest.Store, commit billd.CommitConfig) *fixture {
	t.Helper()
	return newFixtureConfig(t, s, billd.Config{Commit: commit})
}

// newFixtureOver returns a fixture over s whose service runs on store, a wrapper of s.DB.
func newFixtureOver(t *testing.T, s sqltest.Store, store billd.Store, commit billd.CommitConfig) *fixture {
	t.Helper()
	return newFixtureConfig(t, s, billd.Config{Store: store, Commit: commit})
}

// newFixtureConfig returns a fixture over s whose service has cfg's settings; the fixture sets the
// clock and logger, and the store when cfg has none.
func newFixtureConfig(t *testing.T, s sqltest.Store, cfg billd.Config) *fixture {
	t.Helper()
	f := &fixture{db: s.DB, store: s.Name}
	if cfg.Store == nil {
		cfg.Store = s.DB
	}
	cfg.Now, cfg.Logger = f.now, slog.New(slog.DiscardHandler)
	if cfg.SecretHashIterations == 0 {
		cfg.SecretHashIterations = testHashIterations
	}
	f.svc = billd.NewService(cfg)
	t.Cleanup(func() { f.svc.Close() })
	return f
}

// commitModes are the ways a service can commit money-moving requests.
var commitModes = []struct {
	name   string
	config billd.CommitConfig
}{
	{"group-commit", billd.CommitConfig{}},
	{"group-commit-small-batches", billd.CommitConfig{MaxPostings: 3}},
	{"one-transaction-each", billd.CommitConfig{Disabled: true}},
}

// eachMode runs fn on both stores in every commit mode.
func eachMode(t *testing.T, fn func(t *testing.T, s sqltest.Store, commit billd.CommitConfig)) {
	t.Helper()
	for _, mode := range commitModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			sqltest.Each(t, func(t *testing.T, s sqltest.Store) { fn(t, s, mode.config) })
		})
	}
}

// now is the fixture's clock; it is safe for concurrent use.
func (f *fixture) now() time.Time {
	return t0.Add(time.Duration(f.ticks.Add(1)) * time.Millisecond)
}

// name returns a fresh name with the prefix, unique within the fixture.
func (f *fixture) name(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, f.names.Add(1))
}

// org is an organization made by newOrg and its active billing account.
type org struct {
	ID        string
	Name      string
	AccountID string
}

// newOrg creates an enabled organization with an active billing account (credit_min 0, no
// credits) through the Service, as a platform admin.
func (f *fixture) newOrg(t *testing.T) org {
	t.Helper()
	name := f.name("org")
	o, err := f.svc.CreateOrganization(t.Context(), sys, billd.OrganizationInput{Name: name, Title: "Org " + name})
	if err != nil {
		t.Fatalf("create organization %s: %v", name, err)
	}
	a, err := f.svc.CreateBillingAccount(t.Context(), sys, o.ID,
		billd.BillingAccountInput{Name: name, Email: name + "@example.com"})
	if err != nil {
		t.Fatalf("create billing account of %s: %v", name, err)
	}
	return org{ID: o.ID, Name: name, AccountID: a.ID}
}

// grant grants amount credits to o's account under a fresh grant id and returns the journal entry.
func (f *fixture) grant(t *testing.T, o org, amount int64) *billd.Transaction {
	t.Helper()
	tr, err := f.svc.GrantCredits(t.Context(), sys, billd.GrantRequest{OrgID: o.ID, BillingID: o.AccountID,
		ID: billd.NewUUID(), Amount: amount})
	if err != nil {
		t.Fatalf("grant %d to %s: %v", amount, o.Name, err)
	}
	return tr
}

// usage returns a credit usage of amount under a fresh id.
func usage(amount int64) billd.Usage {
	return billd.Usage{ID: billd.NewUUID(), Amount: amount}
}

// report reports usages against o's active account as the meter and returns the Service's answer.
// It passes a copy of usages, so the caller's slice is left as it was.
func (f *fixture) report(t *testing.T, o org, usages ...billd.Usage) error {
	t.Helper()
	return f.svc.ReportUsage(t.Context(), meter, billd.UsageReport{OrgID: o.ID, Usages: slices.Clone(usages)})
}

// use debits amount from o's account as one usage under a fresh id, which it returns.
func (f *fixture) use(t *testing.T, o org, amount int64) string {
	t.Helper()
	u := usage(amount)
	if err := f.report(t, o, u); err != nil {
		t.Fatalf("report usage of %d by %s: %v", amount, o.Name, err)
	}
	return u.ID
}

// revert reverts amount of the usage of o as the meter and returns the Service's answer.
func (f *fixture) revert(t *testing.T, o org, usageID string, amount int64) error {
	t.Helper()
	return f.svc.RevertUsage(t.Context(), meter, billd.RevertRequest{OrgID: o.ID, UsageID: usageID, Amount: amount})
}

// balance returns the balance of o's account.
func (f *fixture) balance(t *testing.T, o org) int64 {
	t.Helper()
	b, err := f.svc.Balance(t.Context(), sys, o.ID, o.AccountID)
	if err != nil {
		t.Fatalf("balance of %s: %v", o.Name, err)
	}
	if b.Currency != billd.CreditCurrency {
		t.Fatalf("balance of %s is in %q, want %q", o.Name, b.Currency, billd.CreditCurrency)
	}
	return b.Amount
}

// wantBalance fails the test unless o's balance is want.
func (f *fixture) wantBalance(t *testing.T, o org, want int64) {
	t.Helper()
	if got := f.balance(t, o); got != want {
		t.Fatalf("balance of %s = %d, want %d", o.Name, got, want)
	}
}

// setCreditMin sets o's credit_min as a platform admin.
func (f *fixture) setCreditMin(t *testing.T, o org, creditMin int64) {
	t.Helper()
	err := f.svc.UpdateAccountDetails(t.Context(), sys, o.ID, o.AccountID, billd.AccountDetailsUpdate{CreditMin: &creditMin})
	if err != nil {
		t.Fatalf("set credit_min of %s to %d: %v", o.Name, creditMin, err)
	}
}

// transactions returns the whole journal of o's account, newest first.
func (f *fixture) transactions(t *testing.T, o org) []billd.Transaction {
	t.Helper()
	page, _, err := f.svc.ListTransactions(t.Context(), sys, billd.TransactionQuery{OrgID: o.ID, BillingID: o.AccountID,
		Page: billd.PageRequest{PageSize: billd.MaxPageSize}})
	if err != nil {
		t.Fatalf("list transactions of %s: %v", o.Name, err)
	}
	if page.NextPageToken != "" {
		t.Fatalf("journal of %s has more than %d entries", o.Name, billd.MaxPageSize)
	}
	return page.Items
}

// ledgerState is what a rejected request must leave as it was: the balance of an account and
// the ids of its journal entries.
type ledgerState struct {
	Balance int64
	Journal []string
}

func (s ledgerState) String() string {
	return fmt.Sprintf("balance %d, journal %d entries [%s]", s.Balance, len(s.Journal), strings.Join(s.Journal, " "))
}

// state returns the balance and journal of o's account.
func (f *fixture) state(t *testing.T, o org) ledgerState {
	t.Helper()
	s := ledgerState{Balance: f.balance(t, o)}
	for _, tr := range f.transactions(t, o) {
		s.Journal = append(s.Journal, tr.ID)
	}
	return s
}

// wantUnchanged fails the test unless o's balance and journal are as in before.
func (f *fixture) wantUnchanged(t *testing.T, o org, before ledgerState) {
	t.Helper()
	after := f.state(t, o)
	if after.Balance != before.Balance || !slices.Equal(after.Journal, before.Journal) {
		t.Fatalf("ledger of %s changed:\nbefore: %v\nafter:  %v", o.Name, before, after)
	}
}

// verify runs VerifyLedger as a platform admin.
func (f *fixture) verify(t *testing.T) billd.LedgerReport {
	t.Helper()
	r, err := f.svc.VerifyLedger(t.Context(), sys)
	if err != nil {
		t.Fatalf("verify ledger: %v", err)
	}
	return r
}

// wantClean fails the test unless VerifyLedger finds no problem and the journal holds transfers
// entries.
func (f *fixture) wantClean(t *testing.T, transfers int64) {
	t.Helper()
	r := f.verify(t)
	if len(r.Problems) != 0 {
		t.Fatalf("verify ledger found %d problems: %+v", len(r.Problems), r.Problems)
	}
	if r.Transfers != transfers {
		t.Fatalf("verify ledger counted %d transfers, want %d", r.Transfers, transfers)
	}
}

// wantNoProblems fails the test unless VerifyLedger finds no problem.
func (f *fixture) wantNoProblems(t *testing.T) {
	t.Helper()
	if r := f.verify(t); len(r.Problems) != 0 {
		t.Fatalf("verify ledger found %d problems: %+v", len(r.Problems), r.Problems)
	}
}

// journalSum returns what the journal of o implies for its balance: credits minus debits.
func (f *fixture) journalSum(t *testing.T, o org) int64 {
	t.Helper()
	var sum int64
	for _, tr := range f.transactions(t, o) {
		switch tr.Direction() {
		case "credit":
			sum += tr.Amount
		case "debit":
			sum -= tr.Amount
		}
	}
	return sum
}

// wantCode fails the test unless err carries code and, when msg is given, the message msg[0].
func wantCode(t *testing.T, err error, code string, msg ...string) {
	t.Helper()
	if got := billd.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	if len(msg) > 0 && billd.ErrorMessage(err) != msg[0] {
		t.Fatalf("error message = %q, want %q", billd.ErrorMessage(err), msg[0])
	}
}

// must fails the test if err is not nil.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// race runs fn(0), ..., fn(n-1) on n goroutines released together and returns their errors by
// index.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// outcomes counts errors by "code: message", with "ok" for nil.
func outcomes(errs []error) map[string]int {
	out := map[string]int{}
	for _, err := range errs {
		if err == nil {
			out["ok"]++
			continue
		}
		out[billd.ErrorCode(err)+": "+billd.ErrorMessage(err)]++
	}
	return out
}
