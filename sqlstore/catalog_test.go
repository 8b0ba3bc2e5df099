package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// catalogFixture is a small catalog: three features, two products, two plans.
type catalogFixture struct {
	f1, f2, f3 *billd.Feature
	p1, p2     *billd.Product
	a, b       *billd.Plan
}

func newFeature(name string, at time.Time) *billd.Feature {
	return &billd.Feature{ID: billd.NewUUID(), Name: name, Title: "Feature " + name,
		Metadata: billd.Metadata{"k": name, "n": json.Number("12")}, CreatedAt: at, UpdatedAt: at.Add(time.Second)}
}

func newPrice(name string, amount int64, at time.Time) billd.Price {
	return billd.Price{ID: billd.NewUUID(), ProviderID: "price_" + name, Name: name, Interval: "month",
		UsageType: "metered", BillingScheme: "tiered", State: billd.CatalogActive, Currency: "eur", Amount: amount,
		MeteredAggregate: "max", TierMode: "volume", Metadata: billd.Metadata{"p": name},
		CreatedAt: at, UpdatedAt: at.Add(2 * time.Second)}
}

func newProduct(name string, at time.Time, prices []billd.Price, features ...string) *billd.Product {
	return &billd.Product{ID: billd.NewUUID(), Name: name, Title: "Product " + name, Description: "about " + name,
		State: billd.CatalogActive, Behavior: billd.BehaviorCredits, CreditAmount: 100, SeatLimit: 5, MinQuantity: 2,
		MaxQuantity: 9, Prices: prices, FeatureIDs: features, Metadata: billd.Metadata{"product": name},
		CreatedAt: at, UpdatedAt: at.Add(3 * time.Second)}
}

func newPlan(name string, at time.Time, products ...string) *billd.Plan {
	return &billd.Plan{ID: billd.NewUUID(), Name: name, Title: "Plan " + name, Description: "the " + name + " plan",
		Interval: "year", OnStartCredits: 50, TrialDays: 14, State: billd.CatalogInactive, ProductIDs: products,
		Metadata: billd.Metadata{"plan": name}, CreatedAt: at, UpdatedAt: at.Add(4 * time.Second)}
}

// putCatalog stores the fixture: features first, then products, then plans, as the links need.
func putCatalog(t *testing.T, db *sqlstore.DB) catalogFixture {
	t.Helper()
	var c catalogFixture
	c.f1, c.f2, c.f3 = newFeature("storage", t0), newFeature("api", t0), newFeature("unused", t0)
	// Prices and feature links out of name order: prices come back by name, links as given.
	c.p1 = newProduct("pro", t0, []billd.Price{newPrice("yearly", 1000, t0), newPrice("monthly", 100, t0)},
		c.f1.ID, c.f2.ID)
	c.p2 = newProduct("basic", t0.Add(time.Minute), []billd.Price{newPrice("default", 0, t0)}, c.f2.ID)
	c.p2.Behavior, c.p2.CreditAmount = billd.BehaviorPerSeat, 0
	c.a = newPlan("team", t0, c.p1.ID, c.p2.ID)
	c.b = newPlan("solo", t0, c.p2.ID)
	ctx := context.Background()
	mustUpdate(t, db, func(tx billd.Tx) error {
		if err := tx.LockCatalog(ctx); err != nil {
			return err
		}
		for _, f := range []*billd.Feature{c.f1, c.f2, c.f3} {
			if err := tx.PutFeature(ctx, f); err != nil {
				return err
			}
		}
		for _, p := range []*billd.Product{c.p1, c.p2} {
			if err := tx.PutProduct(ctx, p); err != nil {
				return err
			}
		}
		if err := tx.PutPlan(ctx, c.a); err != nil {
			return err
		}
		return tx.PutPlan(ctx, c.b)
	})
	return c
}

func readCatalog(t *testing.T, db *sqlstore.DB) *billd.Catalog {
	t.Helper()
	var c *billd.Catalog
	view(t, db, func(tx billd.Tx) error {
		var err error
		c, err = tx.Catalog(context.Background())
		return err
	})
	return c
}

// clone returns a copy of v through its fields (slices and maps shared until reassigned).
func clone[T any](v *T) *T {
	c := *v
	return &c
}

// withProductID returns prices with ProductID set, as the store returns them.
func withProductID(id string, prices ...billd.Price) []billd.Price {
	out := make([]billd.Price, len(prices))
	for i, p := range prices {
		p.ProductID = id
		out[i] = p
	}
	return out
}

func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func TestCatalogOfAnEmptyStoreHasEmptyLists(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		c := readCatalog(t, s.DB)
		if c.Features == nil || c.Products == nil || c.Plans == nil ||
			len(c.Features)+len(c.Products)+len(c.Plans) != 0 {
			t.Errorf("empty catalog: %+v, want empty non-nil lists", c)
		}
	})
}

func TestCatalogRoundTrip(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		c := putCatalog(t, s.DB)
		got := readCatalog(t, s.DB)

		f1, f2, f3 := clone(c.f1), clone(c.f2), clone(c.f3)
		f1.ProductIDs, f2.ProductIDs, f3.ProductIDs = []string{c.p1.ID}, []string{c.p2.ID, c.p1.ID}, []string{}
		wantEqual(t, "features (by name; product ids by product name)", got.Features, []*billd.Feature{f2, f1, f3})

		p1, p2 := clone(c.p1), clone(c.p2)
		p1.Prices = withProductID(p1.ID, c.p1.Prices[1], c.p1.Prices[0])
		p2.Prices = withProductID(p2.ID, c.p2.Prices...)
		p1.PlanIDs, p2.PlanIDs = []string{c.a.ID}, []string{c.b.ID, c.a.ID}
		wantEqual(t, "products (by name; prices by name; plan ids by plan name)", got.Products, []*billd.Product{p2, p1})

		wantEqual(t, "plans (by name)", got.Plans, []*billd.Plan{c.b, c.a})
		if loc := got.Products[0].Prices[0].CreatedAt.Location(); loc != time.UTC {
			t.Errorf("price created_at location %v, want UTC", loc)
		}
	})
}

func TestCatalogLinksKeepTheirOrder(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		c := putCatalog(t, s.DB)
		p1, a := clone(c.p1), clone(c.a)
		p1.FeatureIDs = []string{c.f3.ID, c.f2.ID, c.f1.ID, c.f3.ID} // a repeated id is stored once
		a.ProductIDs = []string{c.p2.ID, c.p1.ID}
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			if err := tx.PutProduct(ctx, p1); err != nil {
				return err
			}
			return tx.PutPlan(ctx, a)
		})
		got := readCatalog(t, s.DB)
		wantEqual(t, "feature ids", got.Product("pro").FeatureIDs, []string{c.f3.ID, c.f2.ID, c.f1.ID})
		wantEqual(t, "product ids", got.Plan("team").ProductIDs, []string{c.p2.ID, c.p1.ID})
		wantEqual(t, "unused now used", got.Feature("unused").ProductIDs, []string{c.p1.ID})
	})
}

func TestPutProductKeepsOldPricesAndReplacesFeatures(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		c := putCatalog(t, s.DB)
		later := t0.Add(time.Hour)
		p1 := clone(c.p1)
		monthly := c.p1.Prices[1]
		monthly.State, monthly.ProviderID, monthly.UpdatedAt = billd.CatalogInactive, "price_new", later
		monthly.CreatedAt = later // an update keeps the stored created_at
		weekly := newPrice("weekly", 30, later)
		p1.Prices = []billd.Price{monthly, weekly} // "yearly" is not named: it stays as it is
		p1.FeatureIDs = []string{c.f3.ID}
		p1.Title, p1.State, p1.Behavior, p1.Metadata = "Pro 2", billd.CatalogInactive, billd.BehaviorBasic, billd.Metadata{}
		p1.CreatedAt, p1.UpdatedAt = later, later
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			if err := tx.LockCatalog(ctx); err != nil {
				return err
			}
			return tx.PutProduct(ctx, p1)
		})
		got := readCatalog(t, s.DB).Product("pro")
		monthly.CreatedAt = c.p1.Prices[1].CreatedAt
		want := clone(p1)
		want.CreatedAt = c.p1.CreatedAt
		want.Prices = withProductID(p1.ID, monthly, weekly, c.p1.Prices[0])
		want.FeatureIDs, want.PlanIDs = []string{c.f3.ID}, []string{c.a.ID}
		wantEqual(t, "updated product", got, want)
		cat := readCatalog(t, s.DB)
		wantEqual(t, "storage's products", cat.Feature("storage").ProductIDs, []string{})
		wantEqual(t, "unused's products", cat.Feature("unused").ProductIDs, []string{c.p1.ID})
	})
}

func TestPutFeatureAndPlanUpdateByID(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		c := putCatalog(t, s.DB)
		later := t0.Add(time.Hour)
		f, pl := clone(c.f3), clone(c.b)
		f.Name, f.Title, f.Metadata, f.CreatedAt, f.UpdatedAt = "renamed", "R", billd.Metadata{"x": "y"}, later, later
		pl.Title, pl.Description, pl.Interval, pl.OnStartCredits, pl.TrialDays = "S", "", "month", 0, 0
		pl.State, pl.ProductIDs, pl.Metadata = billd.CatalogActive, nil, billd.Metadata{}
		pl.CreatedAt, pl.UpdatedAt = later, later
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			if err := tx.PutFeature(ctx, f); err != nil {
				return err
			}
			return tx.PutPlan(ctx, pl)
		})
		got := readCatalog(t, s.DB)
		if len(got.Features) != 3 || len(got.Plans) != 2 {
			t.Fatalf("an update added rows: %d features, %d plans", len(got.Features), len(got.Plans))
		}
		f.CreatedAt, f.ProductIDs = t0, []string{}
		wantEqual(t, "renamed feature", got.Feature(f.ID), f)
		pl.CreatedAt, pl.ProductIDs = t0, []string{}
		wantEqual(t, "updated plan", got.Plan(pl.ID), pl)
		wantEqual(t, "basic's plans", got.Product("basic").PlanIDs, []string{c.a.ID})
	})
}

// conflictCase is a write that takes a name another row has.
type conflictCase struct {
	name    string
	put     func(ctx context.Context, tx billd.Tx) error
	message string
}

func conflictCases(c catalogFixture) []conflictCase {
	feature := newFeature("api", t0)
	renamed := clone(c.f1)
	renamed.Name = "api"
	product := newProduct("pro", t0, nil)
	plan := newPlan("team", t0)
	twice := clone(c.p2)
	twice.Prices = append([]billd.Price{newPrice("default", 5, t0)}, c.p2.Prices...)
	return []conflictCase{
		{"new feature", func(ctx context.Context, tx billd.Tx) error { return tx.PutFeature(ctx, feature) },
			`a feature named "api" already exists`},
		{"renamed feature", func(ctx context.Context, tx billd.Tx) error { return tx.PutFeature(ctx, renamed) },
			`a feature named "api" already exists`},
		{"new product", func(ctx context.Context, tx billd.Tx) error { return tx.PutProduct(ctx, product) },
			`a product named "pro" already exists`},
		{"new plan", func(ctx context.Context, tx billd.Tx) error { return tx.PutPlan(ctx, plan) },
			`a plan named "team" already exists`},
		{"price name twice in a product", func(ctx context.Context, tx billd.Tx) error { return tx.PutProduct(ctx, twice) },
			`product "basic" already has a price named "default"`},
	}
}

func TestCatalogNameConflicts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		c := putCatalog(t, s.DB)
		before := readCatalog(t, s.DB)
		for _, tc := range conflictCases(c) {
			// The write's error as the commit returns it (on PostgreSQL the write is pipelined).
			err := update(t, s.DB, func(tx billd.Tx) error { return tc.put(ctx, tx) })
			wantConflict(t, tc.name+", at commit", err, tc.message)
			// The write's error as the next read returns it.
			err = update(t, s.DB, func(tx billd.Tx) error {
				if err := tc.put(ctx, tx); err != nil {
					return err
				}
				_, err := tx.Catalog(ctx)
				return err
			})
			wantConflict(t, tc.name+", at the next read", err, tc.message)
		}
		wantEqual(t, "catalog after the conflicts", readCatalog(t, s.DB), before)

		// A price name is unique within its product only.
		p1 := clone(c.p1)
		p1.Prices = []billd.Price{newPrice("default", 7, t0)}
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.PutProduct(ctx, p1) })
		if n := len(readCatalog(t, s.DB).Product("pro").Prices); n != 3 {
			t.Errorf("pro has %d prices, want 3", n)
		}
	})
}

func wantConflict(t *testing.T, what string, err error, message string) {
	t.Helper()
	if billd.ErrorCode(err) != billd.ECONFLICT || !strings.Contains(err.Error(), message) {
		t.Errorf("%s: error = %v (code %q), want ECONFLICT %q", what, err, billd.ErrorCode(err), message)
	}
}

// TestLockCatalogSerializesWriters has writers each read the catalog and add the feature named
// after the number of features it holds: without the lock, two writers on PostgreSQL (READ
// COMMITTED) would read the same number and the second would fail on the name.
func TestLockCatalogSerializesWriters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		const writers = 8
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.DB.Update(ctx, func(tx billd.Tx) error {
					if err := tx.LockCatalog(ctx); err != nil {
						return err
					}
					c, err := tx.Catalog(ctx)
					if err != nil {
						return err
					}
					return tx.PutFeature(ctx, newFeature(fmt.Sprintf("f%d", len(c.Features)), t0))
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if n := len(readCatalog(t, s.DB).Features); n != writers {
			t.Errorf("%d features, want %d", n, writers)
		}
	})
}
