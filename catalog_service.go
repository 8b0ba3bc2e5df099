package billd

import (
	"context"
	"slices"
	"time"
)

// Catalog returns the whole catalog. Any authenticated principal may read it.
func (s *Service) Catalog(ctx context.Context, p Principal) (*Catalog, error) {
	if err := authorize(p, PermAuthenticated, ""); err != nil {
		return nil, err
	}
	var c *Catalog
	err := s.view(ctx, func(tx Tx) error {
		var err error
		c, err = tx.Catalog(ctx)
		return err
	})
	return c, err
}

// errNoFeature, errNoProduct and errNoPlan answer lookups of what the catalog does not hold.
var (
	errNoFeature = Errorf(ENOTFOUND, "feature not found")
	errNoProduct = Errorf(ENOTFOUND, "product not found")
	errNoPlan    = Errorf(ENOTFOUND, "plan not found")
)

// changeCatalog runs change on the catalog under its write lock, in one transaction, and returns
// the catalog as it is after the change. Its callers have authorized the principal (platform
// admins only) before they validated their input.
func (s *Service) changeCatalog(ctx context.Context, change func(tx Tx, c *Catalog) error) (*Catalog, error) {
	var after *Catalog
	err := s.update(ctx, func(tx Tx) error {
		if err := tx.LockCatalog(ctx); err != nil {
			return err
		}
		c, err := tx.Catalog(ctx)
		if err != nil {
			return err
		}
		if err := change(tx, c); err != nil {
			return err
		}
		after, err = tx.Catalog(ctx)
		return err
	})
	return after, err
}

// PutFeature creates the feature of in.Name, or updates it when it exists (Frontier's create is
// an upsert), and makes in.ProductIDs (ids or names; nil leaves them) the products that grant it.
// Platform admins only; ENOTFOUND for an unknown product.
func (s *Service) PutFeature(ctx context.Context, p Principal, in FeatureInput) (*Feature, *Catalog, error) {
	return s.writeFeature(ctx, p, "", in)
}

// UpdateFeature updates the feature idOrName with in (its name may change). ENOTFOUND if there is
// no such feature.
func (s *Service) UpdateFeature(ctx context.Context, p Principal, idOrName string, in FeatureInput) (*Feature, *Catalog, error) {
	if idOrName == "" {
		return nil, nil, errNoFeature
	}
	return s.writeFeature(ctx, p, idOrName, in)
}

func (s *Service) writeFeature(ctx context.Context, p Principal, idOrName string, in FeatureInput) (*Feature, *Catalog, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, nil, err
	}
	if err := in.validate(s.limits); err != nil {
		return nil, nil, err
	}
	var id string
	c, err := s.changeCatalog(ctx, func(tx Tx, c *Catalog) error {
		f, err := s.featureToWrite(c, idOrName, in.Name)
		if err != nil {
			return err
		}
		f.Name, f.Title, f.Metadata, f.UpdatedAt = in.Name, in.Title, in.Metadata, s.clock()
		id = f.ID
		if err := tx.PutFeature(ctx, f); err != nil {
			return err
		}
		if in.ProductIDs == nil {
			return nil
		}
		return s.linkFeature(ctx, tx, c, f.ID, in.ProductIDs)
	})
	if err != nil {
		return nil, nil, err
	}
	return c.Feature(id), c, nil
}

// featureToWrite returns the feature an update names (idOrName), or the one a create names by
// name, or a new one.
func (s *Service) featureToWrite(c *Catalog, idOrName, name string) (*Feature, error) {
	if idOrName != "" {
		if f := c.Feature(idOrName); f != nil {
			return f, nil
		}
		return nil, errNoFeature
	}
	if f := c.Feature(name); f != nil {
		return f, nil
	}
	if len(c.Features) >= MaxFeatures {
		return nil, Errorf(EQUOTA, "the catalog holds %d features, the most it may", MaxFeatures)
	}
	return &Feature{ID: s.newID(), CreatedAt: s.clock()}, nil
}

// linkFeature makes products (ids or names) the exact set of products that grant feature id.
func (s *Service) linkFeature(ctx context.Context, tx Tx, c *Catalog, id string, products []string) error {
	want := map[string]bool{}
	for _, ref := range products {
		pr := c.Product(ref)
		if pr == nil {
			return Errorf(ENOTFOUND, "product %q not found", Truncate(ref, 64))
		}
		want[pr.ID] = true
	}
	for _, pr := range c.Products {
		has := slices.Contains(pr.FeatureIDs, id)
		if has == want[pr.ID] {
			continue
		}
		if has {
			pr.FeatureIDs = slices.DeleteFunc(slices.Clone(pr.FeatureIDs), func(f string) bool { return f == id })
		} else {
			if len(pr.FeatureIDs) >= MaxFeaturesPerProd {
				return Errorf(EINVALID, "product %s grants %d features, the most it may", pr.Name, MaxFeaturesPerProd)
			}
			pr.FeatureIDs = append(slices.Clone(pr.FeatureIDs), id)
		}
		pr.UpdatedAt = s.clock()
		if err := tx.PutProduct(ctx, pr); err != nil {
			return err
		}
	}
	return nil
}

// PutProduct creates the product of in.Name, or updates it when it exists. Platform admins only.
// EINVALID if an existing price's terms would change (add a price instead); ENOTFOUND for an
// unknown plan.
func (s *Service) PutProduct(ctx context.Context, p Principal, in ProductInput) (*Product, *Catalog, error) {
	return s.writeProduct(ctx, p, "", in)
}

// UpdateProduct updates the product idOrName with in. ENOTFOUND if there is no such product.
func (s *Service) UpdateProduct(ctx context.Context, p Principal, idOrName string, in ProductInput) (*Product, *Catalog, error) {
	if idOrName == "" {
		return nil, nil, errNoProduct
	}
	return s.writeProduct(ctx, p, idOrName, in)
}

func (s *Service) writeProduct(ctx context.Context, p Principal, idOrName string, in ProductInput) (*Product, *Catalog, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, nil, err
	}
	if err := in.validate(s.limits); err != nil {
		return nil, nil, err
	}
	var id string
	c, err := s.changeCatalog(ctx, func(tx Tx, c *Catalog) error {
		pr, err := s.putProduct(ctx, tx, c, idOrName, in)
		if err != nil {
			return err
		}
		id = pr.ID
		if in.PlanID == "" {
			return nil
		}
		plan := c.Plan(in.PlanID)
		if plan == nil {
			return errNoPlan
		}
		if !slices.Contains(plan.ProductIDs, pr.ID) {
			plan.ProductIDs = append(slices.Clone(plan.ProductIDs), pr.ID)
			plan.UpdatedAt = s.clock()
			return tx.PutPlan(ctx, plan)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return c.Product(id), c, nil
}

// putProduct writes one product of a validated input into the catalog c (and c's copy of it):
// the product idOrName, or the product of the input's name, or a new one.
func (s *Service) putProduct(ctx context.Context, tx Tx, c *Catalog, idOrName string, in ProductInput) (*Product, error) {
	pr, err := s.productToWrite(c, idOrName, in.Name)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	pr.Name, pr.Title, pr.Description, pr.Behavior = in.Name, in.Title, in.Description, in.Behavior
	pr.CreditAmount, pr.SeatLimit, pr.MinQuantity, pr.MaxQuantity = in.CreditAmount, in.SeatLimit, in.MinQuantity, in.MaxQuantity
	pr.Metadata, pr.UpdatedAt = in.Metadata, now
	if in.State != "" {
		pr.State = in.State
	}
	if pr.Prices, err = s.mergePrices(pr, in.Prices, now); err != nil {
		return nil, err
	}
	if pr.FeatureIDs, err = s.productFeatures(ctx, tx, c, in.Features, now); err != nil {
		return nil, err
	}
	if err := tx.PutProduct(ctx, pr); err != nil {
		return nil, err
	}
	if c.Product(pr.ID) == nil {
		c.Products = append(c.Products, pr)
	}
	return pr, nil
}

func (s *Service) productToWrite(c *Catalog, idOrName, name string) (*Product, error) {
	if idOrName != "" {
		if pr := c.Product(idOrName); pr != nil {
			return pr, nil
		}
		return nil, errNoProduct
	}
	if pr := c.Product(name); pr != nil {
		return pr, nil
	}
	if len(c.Products) >= MaxProducts {
		return nil, Errorf(EQUOTA, "the catalog holds %d products, the most it may", MaxProducts)
	}
	return &Product{ID: s.newID(), State: CatalogActive, CreatedAt: s.clock()}, nil
}

// mergePrices returns the prices of pr after an update that lists want: an existing price of the
// same name keeps its id and terms (EINVALID if the terms differ) and is active; a new name is a
// new price; a price not listed is deactivated, never deleted.
func (s *Service) mergePrices(pr *Product, want []PriceInput, now time.Time) ([]Price, error) {
	out := make([]Price, 0, len(pr.Prices)+len(want))
	listed := map[string]bool{}
	for _, in := range want {
		listed[in.Name] = true
		next := Price{ProductID: pr.ID, Name: in.Name, Interval: in.Interval, UsageType: in.UsageType,
			BillingScheme: in.BillingScheme, State: CatalogActive, Currency: in.Currency, Amount: in.Amount,
			MeteredAggregate: in.MeteredAggregate, TierMode: in.TierMode, Metadata: in.Metadata, CreatedAt: now, UpdatedAt: now}
		if i := slices.IndexFunc(pr.Prices, func(p Price) bool { return p.Name == in.Name }); i >= 0 {
			old := pr.Prices[i]
			if !old.sameTerms(&next) {
				return nil, Errorf(EINVALID, "price %q of product %s cannot change its terms: add a price of another name, and the old one is deactivated", in.Name, pr.Name)
			}
			next.ID, next.ProviderID, next.CreatedAt = old.ID, old.ProviderID, old.CreatedAt
		} else {
			next.ID = s.newID()
		}
		out = append(out, next)
	}
	for _, old := range pr.Prices {
		if listed[old.Name] {
			continue
		}
		if old.State != CatalogInactive {
			old.State, old.UpdatedAt = CatalogInactive, now
		}
		out = append(out, old)
	}
	if len(out) > MaxPricesPerProduct {
		return nil, Errorf(EINVALID, "product %s would have %d prices, more than the %d it may", pr.Name, len(out), MaxPricesPerProduct)
	}
	return out, nil
}

// productFeatures returns the ids of the features named, creating those that do not exist.
func (s *Service) productFeatures(ctx context.Context, tx Tx, c *Catalog, names []string, now time.Time) ([]string, error) {
	ids := make([]string, 0, len(names))
	for _, name := range names {
		f := c.Feature(name)
		if f == nil {
			if len(c.Features) >= MaxFeatures {
				return nil, Errorf(EQUOTA, "the catalog holds %d features, the most it may", MaxFeatures)
			}
			f = &Feature{ID: s.newID(), Name: name, Metadata: Metadata{}, CreatedAt: now, UpdatedAt: now}
			if err := tx.PutFeature(ctx, f); err != nil {
				return nil, err
			}
			c.Features = append(c.Features, f)
		}
		if !slices.Contains(ids, f.ID) {
			ids = append(ids, f.ID)
		}
	}
	return ids, nil
}

// PutPlan creates the plan of in.Name, or updates it when it exists, with its products: existing
// ones by id or name, and whole ones created or updated by name. Platform admins only. ENOTFOUND
// for an unknown product.
func (s *Service) PutPlan(ctx context.Context, p Principal, in PlanInput) (*Plan, *Catalog, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, nil, err
	}
	if err := in.validate(s.limits); err != nil {
		return nil, nil, err
	}
	var id string
	c, err := s.changeCatalog(ctx, func(tx Tx, c *Catalog) error {
		plan, err := s.putPlan(ctx, tx, c, in)
		if err != nil {
			return err
		}
		id = plan.ID
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return c.Plan(id), c, nil
}

// putPlan writes the plan of a validated input into the catalog c (and c's copy of it): the plan
// of the input's name, or a new one.
func (s *Service) putPlan(ctx context.Context, tx Tx, c *Catalog, in PlanInput) (*Plan, error) {
	plan := c.Plan(in.Name)
	if plan == nil {
		if len(c.Plans) >= MaxPlans {
			return nil, Errorf(EQUOTA, "the catalog holds %d plans, the most it may", MaxPlans)
		}
		plan = &Plan{ID: s.newID(), State: CatalogActive, CreatedAt: s.clock()}
	}
	products, err := s.planProducts(ctx, tx, c, in.Products)
	if err != nil {
		return nil, err
	}
	plan.Name, plan.Title, plan.Description, plan.Interval = in.Name, in.Title, in.Description, in.Interval
	plan.OnStartCredits, plan.TrialDays, plan.ProductIDs = in.OnStartCredits, in.TrialDays, products
	plan.Metadata, plan.UpdatedAt = in.Metadata, s.clock()
	if in.State != "" {
		plan.State = in.State
	}
	if err := tx.PutPlan(ctx, plan); err != nil {
		return nil, err
	}
	if c.Plan(plan.ID) == nil {
		c.Plans = append(c.Plans, plan)
	}
	return plan, nil
}

// planProducts resolves a plan's products to ids, writing the whole ones.
func (s *Service) planProducts(ctx context.Context, tx Tx, c *Catalog, products []PlanProductInput) ([]string, error) {
	ids := make([]string, 0, len(products))
	for _, in := range products {
		var pr *Product
		if in.Product != nil {
			var err error
			if pr, err = s.putProduct(ctx, tx, c, "", *in.Product); err != nil {
				return nil, err
			}
		} else if pr = c.Product(in.Ref); pr == nil {
			return nil, Errorf(ENOTFOUND, "product %q not found", Truncate(in.Ref, 64))
		}
		if !slices.Contains(ids, pr.ID) {
			ids = append(ids, pr.ID)
		}
	}
	return ids, nil
}

// UpdatePlan changes what an update may change of plan idOrName: not its name, interval or
// products. Platform admins only; ENOTFOUND if there is no such plan.
func (s *Service) UpdatePlan(ctx context.Context, p Principal, idOrName string, u PlanUpdate) (*Plan, *Catalog, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, nil, err
	}
	if err := u.validate(s.limits); err != nil {
		return nil, nil, err
	}
	var id string
	c, err := s.changeCatalog(ctx, func(tx Tx, c *Catalog) error {
		plan := c.Plan(idOrName)
		if plan == nil || idOrName == "" {
			return errNoPlan
		}
		plan.Title, plan.Description, plan.OnStartCredits, plan.TrialDays = u.Title, u.Description, u.OnStartCredits, u.TrialDays
		plan.Metadata, plan.UpdatedAt = u.Metadata, s.clock()
		if u.State != "" {
			plan.State = u.State
		}
		id = plan.ID
		return tx.PutPlan(ctx, plan)
	})
	if err != nil {
		return nil, nil, err
	}
	return c.Plan(id), c, nil
}

// ActivePlans returns the catalog with only its active plans. Any authenticated principal may
// read it.
func (s *Service) ActivePlans(ctx context.Context, p Principal) (*Catalog, error) {
	return s.plansIn(ctx, p, CatalogActive)
}

// AllPlans returns the catalog with only the plans in state, or every plan when state is "".
// Platform admins only.
func (s *Service) AllPlans(ctx context.Context, p Principal, state string) (*Catalog, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, err
	}
	return s.plansIn(ctx, p, state)
}

func (s *Service) plansIn(ctx context.Context, p Principal, state string) (*Catalog, error) {
	c, err := s.Catalog(ctx, p)
	if err != nil {
		return nil, err
	}
	plans := c.Plans[:0:0]
	for _, plan := range c.Plans {
		if state == "" || plan.State == state {
			plans = append(plans, plan)
		}
	}
	c.Plans = plans
	return c, nil
}
