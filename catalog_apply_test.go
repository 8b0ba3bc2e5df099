package billd_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// applySpec returns the catalog of the apply tests: three features, three products (credits, a
// per-seat and a basic one) and two plans.
func applySpec() billd.CatalogSpec {
	return billd.CatalogSpec{
		Features: []billd.FeatureInput{
			{Name: "gpu-a100", Title: "A100 GPUs", Metadata: billd.Metadata{"gpus": 8}},
			{Name: "gpu-h100", Title: "H100 GPUs"},
			{Name: "support", Title: "Priority support"},
		},
		Products: []billd.ProductInput{
			{Name: "basic-seat", Title: "Basic seat", Features: []string{"gpu-a100"},
				Prices: []billd.PriceInput{{Interval: "month", Amount: 1000}}},
			{Name: "credits", Title: "Credits", Behavior: billd.BehaviorCredits, CreditAmount: 1, MinQuantity: 500, MaxQuantity: 1000000,
				Prices: []billd.PriceInput{{Name: "usd", Currency: "usd", Amount: 1, Metadata: billd.Metadata{"unit": "credit"}}}},
			{Name: "pro-seat", Title: "Pro seat", Behavior: billd.BehaviorPerSeat, SeatLimit: 10, Features: []string{"gpu-h100", "gpu-a100"},
				Prices: []billd.PriceInput{{Name: "monthly", Interval: "month", Amount: 2000}}},
		},
		Plans: []billd.PlanInput{
			{Name: "pro", Title: "Pro", Interval: "month", OnStartCredits: 5000,
				Products: []billd.PlanProductInput{{Ref: "pro-seat"}, {Ref: "credits"}}},
			{Name: "starter", Title: "Starter", Interval: "month", TrialDays: 14, OnStartCredits: 1000,
				Products: []billd.PlanProductInput{{Ref: "basic-seat"}, {Ref: "credits"}}},
		},
	}
}

// applied returns the changes as "action kind name[: detail]" lines, without the unchanged ones.
func applied(changes []billd.CatalogChange) []string {
	var out []string
	for _, c := range changes {
		if c.Action == billd.ChangeUnchanged {
			continue
		}
		line := c.Action + " " + c.Kind + " " + c.Name
		if c.Detail != "" && c.Action != billd.ChangeKept {
			line += ": " + c.Detail
		}
		out = append(out, line)
	}
	return out
}

// catalogOf returns the whole catalog as a platform admin reads it.
func (f *fixture) catalogOf(t *testing.T) *billd.Catalog {
	t.Helper()
	c, err := f.svc.Catalog(t.Context(), sys)
	if err != nil {
		t.Fatalf("read the catalog: %v", err)
	}
	return c
}

// applyOK applies spec, first as a dry run that must write nothing and report what the apply then
// reports, and fails the test unless the changes other than unchanged ones are want.
func (f *fixture) applyOK(t *testing.T, spec billd.CatalogSpec, want ...string) []billd.CatalogChange {
	t.Helper()
	before := f.catalogOf(t)
	dry, err := f.svc.ApplyCatalog(t.Context(), sys, spec, true)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if after := f.catalogOf(t); !reflect.DeepEqual(before, after) {
		t.Fatalf("the dry run wrote to the catalog:\nbefore %+v\nafter  %+v", before, after)
	}
	changes, err := f.svc.ApplyCatalog(t.Context(), sys, spec, false)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if !slices.Equal(changes, dry) {
		t.Errorf("the dry run reported\n%v\nthe apply\n%v", dry, changes)
	}
	if got := applied(changes); !slices.Equal(got, want) {
		t.Errorf("apply made\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	return changes
}

// applyNoop applies spec again and fails the test unless it reports only unchanged objects and
// writes nothing (no updated_at moves).
func (f *fixture) applyNoop(t *testing.T, spec billd.CatalogSpec, kept ...string) {
	t.Helper()
	before := f.catalogOf(t)
	f.applyOK(t, spec, kept...)
	if after := f.catalogOf(t); !reflect.DeepEqual(before, after) {
		t.Fatalf("applying the same spec again wrote to the catalog:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestApplyCatalog(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		spec := applySpec()
		changes := f.applyOK(t, spec,
			"create feature gpu-a100", "create feature gpu-h100", "create feature support",
			"create product basic-seat", "create price basic-seat/default",
			"create product credits", "create price credits/usd",
			"create product pro-seat", "create price pro-seat/monthly",
			"create plan pro", "create plan starter")
		if len(changes) != 11 {
			t.Errorf("the first apply reported %d changes, want 11: %v", len(changes), changes)
		}
		c := f.catalogOf(t)
		pro, seat, credits := c.Plan("pro"), c.Product("pro-seat"), c.Product("credits")
		if pro == nil || seat == nil || credits == nil || len(c.Features) != 3 || len(c.Products) != 3 || len(c.Plans) != 2 {
			t.Fatalf("after the first apply the catalog is %+v", c)
		}
		if pro.State != billd.CatalogActive || pro.OnStartCredits != 5000 || !slices.Equal(pro.ProductIDs, []string{seat.ID, credits.ID}) {
			t.Errorf("plan pro is %+v", pro)
		}
		if credits.Behavior != billd.BehaviorCredits || credits.MinQuantity != 500 || len(credits.Prices) != 1 ||
			credits.Prices[0].Amount != 1 || credits.Prices[0].Currency != "usd" || credits.Prices[0].UsageType != "licensed" {
			t.Errorf("product credits is %+v", credits)
		}
		if names := featureNamesOf(c, seat); !slices.Equal(names, []string{"gpu-h100", "gpu-a100"}) {
			t.Errorf("pro-seat grants %v", names)
		}
		f.applyNoop(t, applySpec())
		if !reflect.DeepEqual(spec.Products[0].Prices, applySpec().Products[0].Prices) || spec.Products[0].Prices[0].Name != "" {
			t.Errorf("ApplyCatalog changed the caller's spec: %+v", spec.Products[0].Prices)
		}

		spec.Plans[0].Title = "Pro plan"
		f.applyOK(t, spec, `update plan pro: title "Pro" -> "Pro plan"`)
		f.applyNoop(t, spec)

		spec.Products[1].Prices[0].Amount = 2
		spec.Features[1].Title = "H100s" // refused with the price: nothing is written
		before := f.catalogOf(t)
		_, err := f.svc.ApplyCatalog(t.Context(), sys, spec, false)
		if billd.ErrorCode(err) != billd.EINVALID || !strings.Contains(err.Error(), "price usd cannot change its terms (amount 1 -> 2)") ||
			!strings.Contains(err.Error(), "new price name") {
			t.Errorf("a price amount change: %v, want EINVALID naming the price and its amount", err)
		}
		if after := f.catalogOf(t); !reflect.DeepEqual(before, after) {
			t.Errorf("a refused apply wrote to the catalog")
		}
		spec.Features[1].Title = "H100 GPUs"

		spec.Products[1].Prices[0].Name = "usd-2"
		f.applyOK(t, spec, "update product credits: prices", "create price credits/usd-2", `deactivate price credits/usd: state "active" -> "inactive"`)
		f.applyNoop(t, spec)
		if prices := f.catalogOf(t).Product("credits").Prices; len(prices) != 2 || prices[0].Name != "usd" || prices[0].State != billd.CatalogInactive ||
			prices[1].Name != "usd-2" || prices[1].Amount != 2 || prices[1].State != billd.CatalogActive {
			t.Errorf("the prices of credits are %+v", prices)
		}

		spec.Products = slices.Delete(spec.Products, 0, 1) // basic-seat, off the starter plan too
		spec.Plans[1].Products = spec.Plans[1].Products[1:]
		f.applyOK(t, spec, `deactivate product basic-seat: state "active" -> "inactive"`,
			"update plan starter: products [basic-seat credits] -> [credits]")
		spec.Plans = spec.Plans[:1]
		f.applyOK(t, spec, `deactivate plan starter: state "active" -> "inactive"`)
		spec.Features = spec.Features[:2]
		f.applyOK(t, spec, "kept feature support")
		c = f.catalogOf(t)
		if c.Product("basic-seat").State != billd.CatalogInactive || c.Plan("starter").State != billd.CatalogInactive || c.Feature("support") == nil {
			t.Errorf("after the removals the catalog is %+v", c)
		}
	})
}

// featureNames returns the names of the features product p grants, in its order.
func featureNamesOf(c *billd.Catalog, p *billd.Product) []string {
	var names []string
	for _, feat := range c.FeaturesOf(p) {
		names = append(names, feat.Name)
	}
	return names
}

func TestApplyCatalogRefuses(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		o := f.newOrg(t)
		owner := billd.Principal{ClientID: "owner", Role: billd.RoleOwner, OrgID: o.ID}
		for _, p := range []billd.Principal{meter, owner} {
			for _, dry := range []bool{true, false} {
				if _, err := f.svc.ApplyCatalog(t.Context(), p, applySpec(), dry); billd.ErrorCode(err) != billd.EFORBIDDEN {
					t.Errorf("%s applies a catalog (dry run %v): %v, want EFORBIDDEN", p.Role, dry, err)
				}
			}
		}
		for _, tc := range []struct {
			name, msg string
			edit      func(*billd.CatalogSpec)
		}{
			{"unlisted-feature", `product pro-seat names feature "gpu-b200", which the catalog does not list`,
				func(s *billd.CatalogSpec) { s.Products[2].Features[0] = "gpu-b200" }},
			{"unlisted-product", `plan pro names product "seat", which the catalog does not list`,
				func(s *billd.CatalogSpec) { s.Plans[0].Products[0].Ref = "seat" }},
			{"product-twice-in-plan", "plan pro names product credits twice",
				func(s *billd.CatalogSpec) { s.Plans[0].Products[0].Ref = "Credits" }},
			{"feature-twice", "feature support is listed twice",
				func(s *billd.CatalogSpec) { s.Features[0].Name = "SUPPORT" }},
			{"plan-twice", "plan pro is listed twice", func(s *billd.CatalogSpec) { s.Plans[1].Name = "pro" }},
			{"feature-products", "feature gpu-a100: the features a product grants are listed on the product",
				func(s *billd.CatalogSpec) { s.Features[0].ProductIDs = []string{"credits"} }},
			{"whole-product-in-plan", "plan pro: list its products under products",
				func(s *billd.CatalogSpec) { s.Plans[0].Products[0] = billd.PlanProductInput{Product: &s.Products[2]} }},
			{"invalid-product", "product #2: name is required", func(s *billd.CatalogSpec) { s.Products[1].Name = "" }},
			{"invalid-price", "product credits: price currency must be a three-letter", func(s *billd.CatalogSpec) { s.Products[1].Prices[0].Currency = "dollars" }},
			{"invalid-plan", "plan starter: interval must be one of", func(s *billd.CatalogSpec) { s.Plans[1].Interval = "fortnight" }},
			{"bad-metadata", "metadata must hold only JSON values", func(s *billd.CatalogSpec) { s.Plans[1].Metadata = billd.Metadata{"f": func() {}} }},
		} {
			spec := applySpec()
			tc.edit(&spec)
			_, err := f.svc.ApplyCatalog(t.Context(), sys, spec, false)
			if billd.ErrorCode(err) != billd.EINVALID || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s: %v, want EINVALID %q", tc.name, err, tc.msg)
			}
		}
		if c := f.catalogOf(t); len(c.Features)+len(c.Products)+len(c.Plans) != 0 {
			t.Errorf("refused applies wrote %+v", c)
		}
	})
}
