package billd

import (
	"strings"
	"time"
	"unicode/utf8"
)

// The catalog is what billd sells: plans, the products they hold, the prices of those products and
// the features products grant. It is small (bounded by CatalogLimits) and read whole.

// Product behaviours.
const (
	BehaviorBasic   = "basic"    // a product with a price, nothing more
	BehaviorCredits = "credits"  // each unit bought grants CreditAmount credits
	BehaviorPerSeat = "per_seat" // priced per seat of the organization, up to SeatLimit
)

// Catalog states: an inactive plan, product or price can no longer be bought; nothing is deleted.
const (
	CatalogActive   = "active"
	CatalogInactive = "inactive"
)

// Feature is an entitlement that products grant.
type Feature struct {
	ID         string
	Name       string // unique, lower case
	Title      string
	ProductIDs []string // the products that grant it, filled in by the store
	Metadata   Metadata
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Price is what a product costs. Its terms (amount, currency, interval, usage type, billing
// scheme, aggregate, tier mode) never change once it exists: a new price is added and the old one
// deactivated.
type Price struct {
	ID               string
	ProductID        string
	ProviderID       string // the price at the payment provider, once it has one
	Name             string // unique within its product
	Interval         string // "" (one-time), day, week, month or year
	UsageType        string // licensed or metered
	BillingScheme    string // flat or tiered
	State            string // active or inactive
	Currency         string // ISO 4217, lower case
	Amount           int64  // in the currency's smallest unit
	MeteredAggregate string // sum, last_during_period or max; metered prices only
	TierMode         string // graduated or volume; tiered prices only
	Metadata         Metadata
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// sameTerms reports whether p and o sell on the same terms.
func (p *Price) sameTerms(o *Price) bool {
	return p.Interval == o.Interval && p.UsageType == o.UsageType && p.BillingScheme == o.BillingScheme &&
		p.Currency == o.Currency && p.Amount == o.Amount && p.MeteredAggregate == o.MeteredAggregate && p.TierMode == o.TierMode
}

// Product is something billd sells.
type Product struct {
	ID           string
	Name         string // unique, lower case
	Title        string
	Description  string
	State        string
	Behavior     string
	CreditAmount int64 // credits per unit, for BehaviorCredits
	SeatLimit    int64 // for BehaviorPerSeat; 0 is no limit
	MinQuantity  int64 // of one purchase; 0 is no minimum beyond 1
	MaxQuantity  int64 // of one purchase; 0 is no maximum
	Prices       []Price
	FeatureIDs   []string
	PlanIDs      []string // the plans that hold it, filled in by the store
	Metadata     Metadata
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Plan is a subscription: products sold together at an interval.
type Plan struct {
	ID             string
	Name           string // unique, lower case
	Title          string
	Description    string
	Interval       string // day, week, month or year
	OnStartCredits int64  // credits granted once per account when a subscription starts
	TrialDays      int64
	State          string
	ProductIDs     []string
	Metadata       Metadata
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Catalog is the whole catalog, each list in name order.
type Catalog struct {
	Features []*Feature
	Products []*Product
	Plans    []*Plan
}

// CatalogLimits bound the catalog, which is read whole.
const (
	MaxFeatures         = 1000
	MaxProducts         = 1000
	MaxPlans            = 1000
	MaxPricesPerProduct = 100
	MaxFeaturesPerProd  = 100
	MaxProductsPerPlan  = 100
	maxDescriptionLen   = 4096
)

// Feature returns the feature with the id or name, or nil.
func (c *Catalog) Feature(idOrName string) *Feature {
	for _, f := range c.Features {
		if strings.EqualFold(f.ID, idOrName) || f.Name == strings.ToLower(idOrName) {
			return f
		}
	}
	return nil
}

// Product returns the product with the id or name, or nil.
func (c *Catalog) Product(idOrName string) *Product {
	for _, p := range c.Products {
		if strings.EqualFold(p.ID, idOrName) || p.Name == strings.ToLower(idOrName) {
			return p
		}
	}
	return nil
}

// Plan returns the plan with the id or name, or nil.
func (c *Catalog) Plan(idOrName string) *Plan {
	for _, p := range c.Plans {
		if strings.EqualFold(p.ID, idOrName) || p.Name == strings.ToLower(idOrName) {
			return p
		}
	}
	return nil
}

// FeaturesOf returns the features product p grants.
func (c *Catalog) FeaturesOf(p *Product) []*Feature {
	out := make([]*Feature, 0, len(p.FeatureIDs))
	for _, id := range p.FeatureIDs {
		if f := c.Feature(id); f != nil {
			out = append(out, f)
		}
	}
	return out
}

// ProductsOf returns the products plan p holds.
func (c *Catalog) ProductsOf(p *Plan) []*Product {
	out := make([]*Product, 0, len(p.ProductIDs))
	for _, id := range p.ProductIDs {
		if pr := c.Product(id); pr != nil {
			out = append(out, pr)
		}
	}
	return out
}

// FeatureInput is what a caller sets on a feature. ProductIDs (ids or names), when not nil, are
// the products that grant it.
type FeatureInput struct {
	Name       string
	Title      string
	ProductIDs []string
	Metadata   Metadata
}

// PriceInput is one price of a product's input. Name may be empty for a product's only price.
type PriceInput struct {
	Name             string
	Interval         string
	UsageType        string
	BillingScheme    string
	Currency         string
	Amount           int64
	MeteredAggregate string
	TierMode         string
	Metadata         Metadata
}

// ProductInput is what a caller sets on a product. Prices is authoritative: prices are matched by
// name, a new name adds a price, a missing one is deactivated, and an existing price's terms
// cannot change. Features (names) are the features it grants, created when they do not exist.
type ProductInput struct {
	Name         string
	Title        string
	Description  string
	State        string // "" keeps the state (new products are active)
	Behavior     string
	CreditAmount int64
	SeatLimit    int64
	MinQuantity  int64
	MaxQuantity  int64
	Prices       []PriceInput
	Features     []string
	PlanID       string // older clients: also add the product to this plan (id or name)
	Metadata     Metadata
}

// PlanInput is what a caller sets on a plan. Products are references (id or name) to existing
// products, or whole products to create or update by name.
type PlanInput struct {
	Name           string
	Title          string
	Description    string
	Interval       string
	OnStartCredits int64
	TrialDays      int64
	State          string // "" keeps the state (new plans are active)
	Products       []PlanProductInput
	Metadata       Metadata
}

// PlanProductInput is one product of a plan: Ref (an id or name) of an existing product, or
// Product to create or update.
type PlanProductInput struct {
	Ref     string
	Product *ProductInput
}

// PlanUpdate is what an update of a plan may change: not its name, interval or products.
type PlanUpdate struct {
	Title          string
	Description    string
	OnStartCredits int64
	TrialDays      int64
	State          string // "" keeps the state
	Metadata       Metadata
}

// oneOf returns EINVALID unless value is one of allowed.
func oneOf(field, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return Errorf(EINVALID, "%s must be one of %s, got %q", field, strings.Join(allowed, ", "), Truncate(value, 32))
}

// checkTitle checks a title and a description.
func checkTitle(title, description string) error {
	if utf8.RuneCountInString(title) > maxTitleLen {
		return Errorf(EINVALID, "title must be at most %d characters long", maxTitleLen)
	}
	if utf8.RuneCountInString(description) > maxDescriptionLen {
		return Errorf(EINVALID, "description must be at most %d characters long", maxDescriptionLen)
	}
	return checkTexts("title", title, "description", description)
}

func (in *FeatureInput) validate(l Limits) error {
	name, err := normalizeName("name", in.Name)
	if err != nil {
		return err
	}
	in.Name = name
	if err := checkTitle(in.Title, ""); err != nil {
		return err
	}
	if len(in.ProductIDs) > MaxFeaturesPerProd {
		return Errorf(EINVALID, "a feature may name at most %d products", MaxFeaturesPerProd)
	}
	if in.Metadata == nil {
		in.Metadata = Metadata{}
	}
	return l.checkMetadata(in.Metadata)
}

func (in *PriceInput) validate(l Limits) error {
	if in.Name != "" {
		name, err := normalizeName("price name", in.Name)
		if err != nil {
			return err
		}
		in.Name = name
	}
	in.Currency = strings.ToLower(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = "usd"
	}
	if len(in.Currency) != 3 || strings.Trim(in.Currency, "abcdefghijklmnopqrstuvwxyz") != "" {
		return Errorf(EINVALID, "price currency must be a three-letter ISO 4217 code, got %q", Truncate(in.Currency, 16))
	}
	if in.Amount < 0 {
		return Errorf(EINVALID, "price amount must not be negative")
	}
	if in.UsageType == "" {
		in.UsageType = "licensed"
	}
	if in.BillingScheme == "" {
		in.BillingScheme = "flat"
	}
	for _, c := range []error{
		oneOf("price interval", in.Interval, "", "day", "week", "month", "year"),
		oneOf("price usage_type", in.UsageType, "licensed", "metered"),
		oneOf("price billing_scheme", in.BillingScheme, "flat", "tiered"),
		oneOf("price metered_aggregate", in.MeteredAggregate, "", "sum", "last_during_period", "max"),
		oneOf("price tier_mode", in.TierMode, "", "graduated", "volume"),
	} {
		if c != nil {
			return c
		}
	}
	if in.Metadata == nil {
		in.Metadata = Metadata{}
	}
	return l.checkMetadata(in.Metadata)
}

func (in *ProductInput) validate(l Limits) error {
	name, err := normalizeName("name", in.Name)
	if err != nil {
		return err
	}
	in.Name = name
	if err := checkTitle(in.Title, in.Description); err != nil {
		return err
	}
	if in.Behavior == "" {
		in.Behavior = BehaviorBasic
	}
	if err := oneOf("behavior", in.Behavior, BehaviorBasic, BehaviorCredits, BehaviorPerSeat); err != nil {
		return err
	}
	if err := oneOf("state", in.State, "", CatalogActive, CatalogInactive); err != nil {
		return err
	}
	if in.CreditAmount < 0 || in.SeatLimit < 0 || in.MinQuantity < 0 || in.MaxQuantity < 0 {
		return Errorf(EINVALID, "credit_amount, seat_limit, min_quantity and max_quantity must not be negative")
	}
	if in.Behavior == BehaviorCredits && in.CreditAmount == 0 {
		return Errorf(EINVALID, "a credits product needs behavior_config.credit_amount greater than 0")
	}
	if in.MaxQuantity > 0 && in.MaxQuantity < in.MinQuantity {
		return Errorf(EINVALID, "max_quantity must not be below min_quantity")
	}
	if len(in.Prices) > MaxPricesPerProduct || len(in.Features) > MaxFeaturesPerProd {
		return Errorf(EINVALID, "a product may have at most %d prices and %d features", MaxPricesPerProduct, MaxFeaturesPerProd)
	}
	seen := map[string]bool{}
	for i := range in.Prices {
		if err := in.Prices[i].validate(l); err != nil {
			return err
		}
		if in.Prices[i].Name == "" {
			if len(in.Prices) > 1 {
				return Errorf(EINVALID, "the prices of a product with several prices need names")
			}
			in.Prices[i].Name = "default"
		}
		if seen[in.Prices[i].Name] {
			return Errorf(EINVALID, "price name %q appears twice", in.Prices[i].Name)
		}
		seen[in.Prices[i].Name] = true
	}
	for i, f := range in.Features {
		if in.Features[i], err = normalizeName("feature name", f); err != nil {
			return err
		}
	}
	if in.Metadata == nil {
		in.Metadata = Metadata{}
	}
	return l.checkMetadata(in.Metadata)
}

func (in *PlanInput) validate(l Limits) error {
	name, err := normalizeName("name", in.Name)
	if err != nil {
		return err
	}
	in.Name = name
	if in.Interval == "" {
		return Errorf(EINVALID, "interval is required: day, week, month or year")
	}
	if err := oneOf("interval", in.Interval, "day", "week", "month", "year"); err != nil {
		return err
	}
	if err := checkPlanTerms(in.Title, in.Description, in.State, in.OnStartCredits, in.TrialDays); err != nil {
		return err
	}
	if len(in.Products) > MaxProductsPerPlan {
		return Errorf(EINVALID, "a plan may hold at most %d products", MaxProductsPerPlan)
	}
	for _, p := range in.Products {
		if p.Product != nil {
			if err := p.Product.validate(l); err != nil {
				return err
			}
		} else if strings.TrimSpace(p.Ref) == "" {
			return Errorf(EINVALID, "a plan's product needs an id or a name")
		}
	}
	if in.Metadata == nil {
		in.Metadata = Metadata{}
	}
	return l.checkMetadata(in.Metadata)
}

func (u *PlanUpdate) validate(l Limits) error {
	if err := checkPlanTerms(u.Title, u.Description, u.State, u.OnStartCredits, u.TrialDays); err != nil {
		return err
	}
	if u.Metadata == nil {
		u.Metadata = Metadata{}
	}
	return l.checkMetadata(u.Metadata)
}

// checkPlanTerms checks what a plan's create and update both set.
func checkPlanTerms(title, description, state string, onStartCredits, trialDays int64) error {
	if err := checkTitle(title, description); err != nil {
		return err
	}
	if err := oneOf("state", state, "", CatalogActive, CatalogInactive); err != nil {
		return err
	}
	if onStartCredits < 0 || trialDays < 0 || trialDays > 3650 {
		return Errorf(EINVALID, "on_start_credits must not be negative and trial_days must be between 0 and 3650")
	}
	return nil
}
