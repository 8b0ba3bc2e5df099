package billd_test

import (
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// creditsInput is a credits product with one price and a feature.
func creditsInput(title string, amount int64) billd.ProductInput {
	return billd.ProductInput{Name: "credits", Title: title, Behavior: billd.BehaviorCredits, CreditAmount: 1,
		MinQuantity: 1, MaxQuantity: 1000, Features: []string{"gpu"},
		Prices: []billd.PriceInput{{Name: "default", Currency: "USD", Amount: amount}}}
}

func TestCatalogProducts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()
		p, c, err := f.svc.PutProduct(ctx, sys, creditsInput("Credits", 1))
		if err != nil {
			t.Fatal(err)
		}
		if p.Behavior != billd.BehaviorCredits || p.CreditAmount != 1 || p.State != billd.CatalogActive || len(p.Prices) != 1 ||
			p.Prices[0].Currency != "usd" || p.Prices[0].Amount != 1 || p.Prices[0].State != billd.CatalogActive {
			t.Errorf("product %+v", p)
		}
		gpu := c.Feature("gpu")
		if gpu == nil || len(p.FeatureIDs) != 1 || p.FeatureIDs[0] != gpu.ID || len(gpu.ProductIDs) != 1 || gpu.ProductIDs[0] != p.ID {
			t.Errorf("the feature named by the product: %+v, product features %v", gpu, p.FeatureIDs)
		}

		// A create of the same name is an update: same product, same price.
		again, _, err := f.svc.PutProduct(ctx, sys, creditsInput("Compute credits", 1))
		if err != nil || again.ID != p.ID || again.Title != "Compute credits" || again.Prices[0].ID != p.Prices[0].ID {
			t.Errorf("upsert: %+v, %v; want product %s retitled with price %s", again, err, p.ID, p.Prices[0].ID)
		}
		// A price's terms never change: a new price is added, and the old one deactivated.
		_, _, err = f.svc.UpdateProduct(ctx, sys, "credits", creditsInput("Credits", 2))
		wantCode(t, err, billd.EINVALID)
		in := creditsInput("Credits", 2)
		in.Prices[0].Name = "second"
		upd, _, err := f.svc.UpdateProduct(ctx, sys, p.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]string{}
		for _, pr := range upd.Prices {
			states[pr.Name] = pr.State
		}
		if len(upd.Prices) != 2 || states["default"] != billd.CatalogInactive || states["second"] != billd.CatalogActive {
			t.Errorf("prices after adding second: %+v", upd.Prices)
		}

		// Lookups by id and name; any authenticated principal reads, only admins write.
		member := billd.Principal{ClientID: "m", Role: billd.RoleMember, OrgID: billd.NewUUID()}
		c, err = f.svc.Catalog(ctx, member)
		if err != nil || c.Product("CREDITS") == nil || c.Product(p.ID) == nil || c.Product("nope") != nil {
			t.Errorf("member's catalog: %v", err)
		}
		_, _, err = f.svc.PutProduct(ctx, member, creditsInput("Mine", 1))
		wantCode(t, err, billd.EFORBIDDEN)
		_, err = f.svc.Catalog(ctx, billd.Principal{})
		wantCode(t, err, billd.EFORBIDDEN)
		_, _, err = f.svc.UpdateProduct(ctx, sys, "nope", creditsInput("Credits", 1))
		wantCode(t, err, billd.ENOTFOUND)
	})
}

func TestCatalogProductValidation(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	many := creditsInput("Credits", 1)
	many.Prices = nil
	for i := range billd.MaxPricesPerProduct + 1 {
		many.Prices = append(many.Prices, billd.PriceInput{Name: "p" + strings.Repeat("x", 2) + string(rune('a'+i%26)) + string(rune('a'+i/26))})
	}
	for name, in := range map[string]billd.ProductInput{
		"credits without credit_amount": {Name: "c1", Behavior: billd.BehaviorCredits},
		"unknown behavior":              {Name: "c1", Behavior: "lease"},
		"short name":                    {Name: "c"},
		"negative price":                {Name: "c1", Prices: []billd.PriceInput{{Amount: -1}}},
		"bad currency":                  {Name: "c1", Prices: []billd.PriceInput{{Currency: "dollars"}}},
		"bad interval":                  {Name: "c1", Prices: []billd.PriceInput{{Interval: "fortnight"}}},
		"two unnamed prices":            {Name: "c1", Prices: []billd.PriceInput{{}, {}}},
		"a price name twice":            {Name: "c1", Prices: []billd.PriceInput{{Name: "a1a"}, {Name: "a1a"}}},
		"max below min":                 {Name: "c1", MinQuantity: 5, MaxQuantity: 2},
		"too many prices":               many,
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := f.svc.PutProduct(t.Context(), sys, in)
			wantCode(t, err, billd.EINVALID)
		})
	}
}

func TestCatalogPlans(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()
		if _, _, err := f.svc.PutProduct(ctx, sys, creditsInput("Credits", 1)); err != nil {
			t.Fatal(err)
		}
		seat := billd.ProductInput{Name: "seat", Behavior: billd.BehaviorPerSeat, SeatLimit: 50,
			Prices: []billd.PriceInput{{Interval: "month", Amount: 2000}}}
		in := billd.PlanInput{Name: "pro", Title: "Pro", Interval: "month", TrialDays: 14, OnStartCredits: 500,
			Products: []billd.PlanProductInput{{Ref: "credits"}, {Product: &seat}}}
		plan, c, err := f.svc.PutPlan(ctx, sys, in)
		if err != nil {
			t.Fatal(err)
		}
		products := c.ProductsOf(plan)
		if len(products) != 2 || products[0].Name != "credits" || products[1].Name != "seat" || plan.State != billd.CatalogActive {
			t.Fatalf("plan %+v with products %v", plan, products)
		}
		if got := c.Product("seat").PlanIDs; len(got) != 1 || got[0] != plan.ID {
			t.Errorf("the seat product's plans: %v", got)
		}

		// An update changes what it may, and an inactive plan leaves the public list.
		upd, _, err := f.svc.UpdatePlan(ctx, sys, "pro", billd.PlanUpdate{Title: "Pro plan", TrialDays: 7, State: billd.CatalogInactive})
		if err != nil || upd.Title != "Pro plan" || upd.TrialDays != 7 || upd.Interval != "month" || len(upd.ProductIDs) != 2 {
			t.Errorf("update: %+v, %v", upd, err)
		}
		active, err := f.svc.ActivePlans(ctx, meter)
		if err != nil || len(active.Plans) != 0 {
			t.Errorf("active plans: %v, %v; want none", active, err)
		}
		all, err := f.svc.AllPlans(ctx, sys, billd.CatalogInactive)
		if err != nil || len(all.Plans) != 1 {
			t.Errorf("inactive plans: %v, %v; want pro", all, err)
		}
		_, err = f.svc.AllPlans(ctx, meter, "")
		wantCode(t, err, billd.EFORBIDDEN)

		bad := in
		bad.Name, bad.Products = "team", []billd.PlanProductInput{{Ref: "nope"}}
		_, _, err = f.svc.PutPlan(ctx, sys, bad)
		wantCode(t, err, billd.ENOTFOUND)
		bad.Products, bad.Interval = nil, ""
		_, _, err = f.svc.PutPlan(ctx, sys, bad)
		wantCode(t, err, billd.EINVALID)
		if c, _ := f.svc.Catalog(ctx, sys); c.Plan("team") != nil {
			t.Error("a refused plan was stored")
		}
	})
}

func TestCatalogFeatures(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()
		for _, name := range []string{"alpha", "beta"} {
			in := creditsInput("Credits", 1)
			in.Name, in.Features = name, nil
			if _, _, err := f.svc.PutProduct(ctx, sys, in); err != nil {
				t.Fatal(err)
			}
		}
		ft, c, err := f.svc.PutFeature(ctx, sys, billd.FeatureInput{Name: "sso", Title: "SSO", ProductIDs: []string{"alpha", "beta"}})
		if err != nil || len(ft.ProductIDs) != 2 || len(c.Product("alpha").FeatureIDs) != 1 {
			t.Fatalf("feature %+v, %v", ft, err)
		}
		ft, c, err = f.svc.UpdateFeature(ctx, sys, "sso", billd.FeatureInput{Name: "single-sign-on", ProductIDs: []string{"beta"}})
		if err != nil || ft.Name != "single-sign-on" || len(ft.ProductIDs) != 1 || len(c.Product("alpha").FeatureIDs) != 0 {
			t.Fatalf("renamed feature %+v, %v", ft, err)
		}
		_, _, err = f.svc.PutFeature(ctx, sys, billd.FeatureInput{Name: "other", ProductIDs: []string{"nope"}})
		wantCode(t, err, billd.ENOTFOUND)
		if _, _, err := f.svc.PutFeature(ctx, sys, billd.FeatureInput{Name: "other"}); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.UpdateFeature(ctx, sys, "other", billd.FeatureInput{Name: "single-sign-on"})
		wantCode(t, err, billd.ECONFLICT)
	})
}
