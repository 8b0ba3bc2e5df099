package sqlstore

import (
	"context"

	"github.com/billd/billd"
)

// The catalog is read whole, in one queries call (one round trip on PostgreSQL): each table once,
// the link tables in position order, and the links assembled here.

const featureColumns = `id, name, title, metadata, created_at, updated_at`

const productColumns = `id, name, title, description, state, behavior, credit_amount, seat_limit, min_quantity,
	max_quantity, metadata, created_at, updated_at`

const priceColumns = `id, product_id, provider_id, name, price_interval, usage_type, billing_scheme, state, currency,
	amount, metered_aggregate, tier_mode, metadata, created_at, updated_at`

const planColumns = `id, name, title, description, plan_interval, on_start_credits, trial_days, state, metadata,
	created_at, updated_at`

func scanFeature(s scanner) (*billd.Feature, error) {
	f := billd.Feature{ProductIDs: []string{}}
	var meta string
	if err := s.Scan(&f.ID, &f.Name, &f.Title, &meta, &f.CreatedAt, &f.UpdatedAt); err != nil {
		return nil, err
	}
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	var err error
	f.Metadata, err = billd.ParseMetadata(meta)
	return &f, err
}

func scanProduct(s scanner) (*billd.Product, error) {
	p := billd.Product{Prices: []billd.Price{}, FeatureIDs: []string{}, PlanIDs: []string{}}
	var meta string
	if err := s.Scan(&p.ID, &p.Name, &p.Title, &p.Description, &p.State, &p.Behavior, &p.CreditAmount, &p.SeatLimit,
		&p.MinQuantity, &p.MaxQuantity, &meta, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	var err error
	p.Metadata, err = billd.ParseMetadata(meta)
	return &p, err
}

func scanPrice(s scanner) (billd.Price, error) {
	var p billd.Price
	var meta string
	if err := s.Scan(&p.ID, &p.ProductID, &p.ProviderID, &p.Name, &p.Interval, &p.UsageType, &p.BillingScheme, &p.State,
		&p.Currency, &p.Amount, &p.MeteredAggregate, &p.TierMode, &meta, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	var err error
	p.Metadata, err = billd.ParseMetadata(meta)
	return p, err
}

func scanPlan(s scanner) (*billd.Plan, error) {
	p := billd.Plan{ProductIDs: []string{}}
	var meta string
	if err := s.Scan(&p.ID, &p.Name, &p.Title, &p.Description, &p.Interval, &p.OnStartCredits, &p.TrialDays, &p.State,
		&meta, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	var err error
	p.Metadata, err = billd.ParseMetadata(meta)
	return &p, err
}

// link is one row of a link table: from holds to, in position order.
type link struct{ from, to string }

func scanLink(s scanner) (link, error) {
	var l link
	err := s.Scan(&l.from, &l.to)
	return l, err
}

// Catalog implements billd.CatalogTx. Every list it returns, the link ids and prices included, is
// empty rather than nil when there is nothing in it. Feature.ProductIDs are in product name order
// and Product.PlanIDs in plan name order.
func (t *tx) Catalog(ctx context.Context) (*billd.Catalog, error) {
	c := &billd.Catalog{Features: []*billd.Feature{}, Products: []*billd.Product{}, Plans: []*billd.Plan{}}
	var prices []billd.Price
	var productFeatures, planProducts []link
	err := t.c.queries(ctx,
		each(&c.Features, scanFeature, `SELECT `+featureColumns+` FROM features ORDER BY name`),
		each(&c.Products, scanProduct, `SELECT `+productColumns+` FROM products ORDER BY name`),
		each(&prices, scanPrice, `SELECT `+priceColumns+` FROM prices ORDER BY product_id, name`),
		each(&productFeatures, scanLink, `SELECT product_id, feature_id FROM product_features
			ORDER BY product_id, position`),
		each(&c.Plans, scanPlan, `SELECT `+planColumns+` FROM plans ORDER BY name`),
		each(&planProducts, scanLink, `SELECT plan_id, product_id FROM plan_products ORDER BY plan_id, position`))
	if err != nil {
		return nil, err
	}
	linkCatalog(c, prices, productFeatures, planProducts)
	return c, nil
}

// linkCatalog hands the prices to their products and fills in every object's link ids.
func linkCatalog(c *billd.Catalog, prices []billd.Price, productFeatures, planProducts []link) {
	products := make(map[string]*billd.Product, len(c.Products))
	for _, p := range c.Products {
		products[p.ID] = p
	}
	features := make(map[string]*billd.Feature, len(c.Features))
	for _, f := range c.Features {
		features[f.ID] = f
	}
	plans := make(map[string]*billd.Plan, len(c.Plans))
	for _, p := range c.Plans {
		plans[p.ID] = p
	}
	for _, pr := range prices {
		p := products[pr.ProductID]
		p.Prices = append(p.Prices, pr)
	}
	for _, l := range productFeatures {
		p := products[l.from]
		p.FeatureIDs = append(p.FeatureIDs, l.to)
	}
	for _, l := range planProducts {
		p := plans[l.from]
		p.ProductIDs = append(p.ProductIDs, l.to)
	}
	// The reverse links, from the lists in name order.
	for _, p := range c.Products {
		for _, id := range p.FeatureIDs {
			f := features[id]
			f.ProductIDs = append(f.ProductIDs, p.ID)
		}
	}
	for _, pl := range c.Plans {
		for _, id := range pl.ProductIDs {
			p := products[id]
			p.PlanIDs = append(p.PlanIDs, pl.ID)
		}
	}
}

// LockCatalog implements billd.CatalogTx: on PostgreSQL the update holds the row's lock to the end
// of the transaction; on SQLite the write transaction is already the only writer.
func (t *tx) LockCatalog(ctx context.Context) error {
	return t.exec(ctx, `UPDATE catalog_lock SET version = version + 1 WHERE id = 1`)
}

// PutFeature implements billd.CatalogTx. An update keeps the stored CreatedAt.
func (t *tx) PutFeature(ctx context.Context, f *billd.Feature) error {
	return t.execMapped(ctx, conflict(billd.Errorf(billd.ECONFLICT, "a feature named %q already exists", f.Name)),
		`INSERT INTO features (`+featureColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title, metadata = excluded.metadata,
			updated_at = excluded.updated_at`,
		f.ID, f.Name, f.Title, f.Metadata.Marshal(), f.CreatedAt, f.UpdatedAt)
}

// PutProduct implements billd.CatalogTx. Each price is stored under the product p, whatever its
// ProductID; an update keeps the stored CreatedAt of the product and of each price. Stored prices
// missing from p.Prices stay as they are. FeatureIDs are stored in their order, a repeated id once.
func (t *tx) PutProduct(ctx context.Context, p *billd.Product) error {
	err := t.execMapped(ctx, conflict(billd.Errorf(billd.ECONFLICT, "a product named %q already exists", p.Name)),
		`INSERT INTO products (`+productColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title,
			description = excluded.description, state = excluded.state, behavior = excluded.behavior,
			credit_amount = excluded.credit_amount, seat_limit = excluded.seat_limit,
			min_quantity = excluded.min_quantity, max_quantity = excluded.max_quantity, metadata = excluded.metadata,
			updated_at = excluded.updated_at`,
		p.ID, p.Name, p.Title, p.Description, p.State, p.Behavior, p.CreditAmount, p.SeatLimit, p.MinQuantity,
		p.MaxQuantity, p.Metadata.Marshal(), p.CreatedAt, p.UpdatedAt)
	if err != nil {
		return err
	}
	for i := range p.Prices {
		if err := t.putPrice(ctx, p, &p.Prices[i]); err != nil {
			return err
		}
	}
	return t.putLinks(ctx, `DELETE FROM product_features WHERE product_id = $1`,
		`INSERT INTO product_features (product_id, feature_id, position) VALUES ($1, $2, $3)`, p.ID, p.FeatureIDs)
}

// putPrice inserts or updates, by id, one price of product p.
func (t *tx) putPrice(ctx context.Context, p *billd.Product, pr *billd.Price) error {
	taken := billd.Errorf(billd.ECONFLICT, "product %q already has a price named %q", p.Name, pr.Name)
	return t.execMapped(ctx, conflict(taken),
		`INSERT INTO prices (`+priceColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, provider_id = excluded.provider_id,
			name = excluded.name, price_interval = excluded.price_interval, usage_type = excluded.usage_type,
			billing_scheme = excluded.billing_scheme, state = excluded.state, currency = excluded.currency,
			amount = excluded.amount, metered_aggregate = excluded.metered_aggregate, tier_mode = excluded.tier_mode,
			metadata = excluded.metadata, updated_at = excluded.updated_at`,
		pr.ID, p.ID, pr.ProviderID, pr.Name, pr.Interval, pr.UsageType, pr.BillingScheme, pr.State, pr.Currency,
		pr.Amount, pr.MeteredAggregate, pr.TierMode, pr.Metadata.Marshal(), pr.CreatedAt, pr.UpdatedAt)
}

// PutPlan implements billd.CatalogTx. An update keeps the stored CreatedAt. ProductIDs are stored
// in their order, a repeated id once.
func (t *tx) PutPlan(ctx context.Context, p *billd.Plan) error {
	err := t.execMapped(ctx, conflict(billd.Errorf(billd.ECONFLICT, "a plan named %q already exists", p.Name)),
		`INSERT INTO plans (`+planColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title,
			description = excluded.description, plan_interval = excluded.plan_interval,
			on_start_credits = excluded.on_start_credits, trial_days = excluded.trial_days, state = excluded.state,
			metadata = excluded.metadata, updated_at = excluded.updated_at`,
		p.ID, p.Name, p.Title, p.Description, p.Interval, p.OnStartCredits, p.TrialDays, p.State,
		p.Metadata.Marshal(), p.CreatedAt, p.UpdatedAt)
	if err != nil {
		return err
	}
	return t.putLinks(ctx, `DELETE FROM plan_products WHERE plan_id = $1`,
		`INSERT INTO plan_products (plan_id, product_id, position) VALUES ($1, $2, $3)`, p.ID, p.ProductIDs)
}

// putLinks replaces the links of from with to, in order: del deletes them, insert adds one. A
// repeated id is stored once, at its first position.
func (t *tx) putLinks(ctx context.Context, del, insert, from string, to []string) error {
	if err := t.exec(ctx, del, from); err != nil {
		return err
	}
	seen := make(map[string]bool, len(to))
	for _, id := range to {
		if seen[id] {
			continue
		}
		if err := t.exec(ctx, insert, from, id, len(seen)); err != nil {
			return err
		}
		seen[id] = true
	}
	return nil
}
