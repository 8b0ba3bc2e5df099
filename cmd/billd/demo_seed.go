package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/examples"
	"github.com/billd/billd/sandbox"
)

// demoDays is the simulated month of billd demo.
const demoDays = 30

// demoPurchases are the credits the demo's customer buys through the sandbox, and on which day of
// the month.
var demoPurchases = []struct{ day, credits int }{{0, 25000}, {14, 25000}}

// demoReverts are the days whose noon H100 usage is reverted (a failed job, refunded).
var demoReverts = []int{4, 11, 19} // days the H100s run (not multiples of 3)

// demoSources are the usage sources, with their credits per 3-hour slot of a busy weekday.
var demoSources = []struct {
	name, description string
	base              int64
}{
	{"gpu-a100", "A100 GPU hours", 60},
	{"gpu-h100", "H100 GPU hours", 90},
	{"storage", "Block storage", 6},
}

// demoSeed is what seedDemo made: the organization, its account, and the credentials of its owner
// and of the platform admin.
type demoSeed struct {
	orgID, orgTitle, accountID string
	owner, admin               *billd.NewAPIClient
	purchased, used, reverted  int64 // credits
	usages                     int
}

// demoClock is the seeding's clock, which it moves through the simulated month.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *demoClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// seedDemo fills the empty store with a sample product: the catalog of examples/catalog.yaml, an
// organization with a project and a billing account, its owner and a platform admin, two purchases
// of credits paid on the sandbox's checkout page, and usage from several sources every 3 hours of
// the 30 days before now (busier on weekdays and in working hours, growing through the month), with
// a few usages reverted. It runs a service of its own whose clock walks the month, so that every
// entry has the date it would have had.
func seedDemo(ctx context.Context, store billd.Store, now time.Time, log *slog.Logger) (*demoSeed, error) {
	start := now.Add(-demoDays * 24 * time.Hour).Truncate(time.Hour)
	clock := &demoClock{t: start}
	var svc *billd.Service
	pay, err := sandbox.New(sandbox.Config{Secret: []byte(rand.Text()), Now: clock.now,
		Deliver: func(ctx context.Context, payload []byte, header map[string][]string) error {
			return svc.ReceiveEvent(ctx, sandbox.Name, payload, header)
		}})
	if err != nil {
		return nil, err
	}
	svc = billd.NewService(billd.Config{Store: store, Now: clock.now, Logger: log, Providers: []billd.Provider{pay}})
	defer svc.Close()
	d := &demoRun{svc: svc, pages: pay.Handler(svc), clock: clock, start: start, seed: &demoSeed{orgTitle: "Acme GPU Labs"}}
	for _, step := range []func(context.Context) error{d.catalog, d.organization, d.month} {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	return d.seed, nil
}

// demoRun is one seeding in progress.
type demoRun struct {
	svc   *billd.Service
	pages http.Handler // the sandbox's checkout pages
	clock *demoClock
	start time.Time
	seed  *demoSeed
}

func (d *demoRun) catalog(ctx context.Context) error {
	spec, err := parseCatalog("examples/catalog.yaml", examples.Catalog())
	if err == nil {
		_, err = d.svc.ApplyCatalog(ctx, billd.SystemPrincipal, spec, false)
	}
	return err
}

func (d *demoRun) organization(ctx context.Context) error {
	org, err := d.svc.CreateOrganization(ctx, billd.SystemPrincipal, billd.OrganizationInput{Name: "acme", Title: d.seed.orgTitle})
	if err != nil {
		return err
	}
	d.seed.orgID = org.ID
	if _, err := d.svc.CreateProject(ctx, billd.SystemPrincipal, billd.ProjectInput{Name: "inference", Title: "Inference", OrgID: org.ID}); err != nil {
		return err
	}
	account, err := d.svc.CreateBillingAccount(ctx, billd.SystemPrincipal, org.ID, billd.BillingAccountInput{Name: d.seed.orgTitle,
		Email: "billing@acme.example", Address: billd.Address{City: "Berlin", Country: "DE"}})
	if err != nil {
		return err
	}
	d.seed.accountID = account.ID
	if d.seed.owner, err = d.svc.CreateClient(ctx, billd.SystemPrincipal, billd.ClientInput{Name: "demo owner", Role: billd.RoleOwner, OrgID: org.ID}); err != nil {
		return err
	}
	d.seed.admin, err = d.svc.BootstrapAdmin(ctx, "", "", "")
	if err == nil && d.seed.admin == nil {
		err = fmt.Errorf("the store has a platform admin already: it is not empty")
	}
	return err
}

// month walks the clock through the month: purchases on their days, usage every 3 hours, and the
// reverts a day after the usage they revert.
func (d *demoRun) month(ctx context.Context) error {
	reverts := map[int]bool{}
	for _, day := range demoReverts {
		reverts[day] = true
	}
	pending := map[int]string{} // day of revert → usage id
	for day := range demoDays {
		for _, p := range demoPurchases {
			if p.day == day {
				d.clock.set(d.at(day, 0)) // before the day's first usage
				if err := d.buy(ctx, p.credits); err != nil {
					return err
				}
			}
		}
		if id, ok := pending[day]; ok {
			d.clock.set(d.at(day, 10))
			if err := d.revert(ctx, id); err != nil {
				return err
			}
		}
		for hour := 1; hour < 24; hour += 3 {
			d.clock.set(d.at(day, hour))
			id, err := d.use(ctx, day, hour)
			if err != nil {
				return err
			}
			if reverts[day] && hour == 13 && id != "" {
				pending[day+1] = id
			}
		}
	}
	return nil
}

// at is the time of the hour of the day of the month.
func (d *demoRun) at(day, hour int) time.Time {
	return d.start.Add(time.Duration(day*24+hour) * time.Hour)
}

// use reports one slot's usage of every source and returns the id of its H100 usage.
func (d *demoRun) use(ctx context.Context, day, hour int) (string, error) {
	var usages []billd.Usage
	h100 := ""
	for i, src := range demoSources {
		amount := demoAmount(src.base, d.at(day, hour), day, i)
		if amount == 0 {
			continue
		}
		u := billd.Usage{ID: billd.NewUUID(), Source: src.name, Description: src.description, Amount: amount}
		if src.name == "gpu-h100" {
			h100 = u.ID
		}
		usages = append(usages, u)
		d.seed.used += amount
	}
	d.seed.usages += len(usages)
	return h100, d.svc.ReportUsage(ctx, billd.SystemPrincipal, billd.UsageReport{OrgID: d.seed.orgID, BillingID: d.seed.accountID, Usages: usages})
}

// demoAmount is the credits a source uses in the slot at t of the month's day: a weekday's
// working hours are busiest, nights and weekends quieter, the GPUs' use grows through the month
// and the H100s idle one day in three; storage is steady.
func demoAmount(base int64, t time.Time, day, source int) int64 {
	if source == 2 {
		return base
	}
	if source == 1 && day%3 == 0 {
		return 0
	}
	pct := int64(100 + 100*day/demoDays) // growth
	if h := t.Hour(); h < 8 || h >= 20 {
		pct = pct * 40 / 100
	}
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		pct = pct * 30 / 100
	}
	pct += int64((day*7+t.Hour()+source*5)%11) * 3 // a little jitter, the same every run
	return max(1, base*pct/100)
}

// revert gives back a usage in full.
func (d *demoRun) revert(ctx context.Context, usageID string) error {
	var amount int64
	page, _, err := d.svc.ListTransactions(ctx, billd.SystemPrincipal, billd.TransactionQuery{OrgID: d.seed.orgID, BillingID: d.seed.accountID,
		Start: d.clock.now().Add(-48 * time.Hour)})
	if err != nil {
		return err
	}
	for _, t := range page.Items {
		if t.ID == usageID {
			amount = t.Amount
		}
	}
	if amount == 0 {
		return fmt.Errorf("usage %s to revert not found", usageID)
	}
	d.seed.reverted += amount
	return d.svc.RevertUsage(ctx, billd.SystemPrincipal, billd.RevertRequest{OrgID: d.seed.orgID, BillingID: d.seed.accountID,
		UsageID: usageID, Amount: amount, IdempotencyKey: "demo-revert-" + usageID})
}

// buy buys credits as a customer does: a checkout of the credits product, paid with the sandbox's
// test card on its checkout page (the form a browser posts), whose event credits the account.
func (d *demoRun) buy(ctx context.Context, credits int) error {
	c, err := d.svc.CreateCheckout(ctx, billd.SystemPrincipal, billd.CheckoutRequest{OrgID: d.seed.orgID, BillingID: d.seed.accountID,
		SuccessURL: "http://billd-demo.invalid/paid", Product: &billd.ProductPurchase{Product: "credits", Quantity: int64(credits)}})
	if err != nil {
		return err
	}
	form := url.Values{"card_number": {"4242424242424242"}, "card_cvc": {"123"}, "card_name": {"Acme Billing"},
		"card_expiry": {fmt.Sprintf("12/%02d", (d.clock.now().Year()+5)%100)}}
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/checkout/"+url.PathEscape(c.ID)+"/pay", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	d.pages.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		return fmt.Errorf("the sandbox's checkout page answered the payment %d: %s", w.Code, w.Body.String())
	}
	d.seed.purchased += int64(credits)
	return nil
}
