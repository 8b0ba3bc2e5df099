package billd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// CatalogSpec is the whole catalog as an operator declares it (billd catalog apply): its
// features, its products and its plans. Products name the features they grant and plans the
// products they hold, all by name and all listed in the spec.
type CatalogSpec struct {
	Features []FeatureInput
	Products []ProductInput
	Plans    []PlanInput
}

// CatalogChange is one change ApplyCatalog makes, or would make in a dry run.
type CatalogChange struct {
	Kind   string // feature, product, price or plan
	Name   string // a price's is "product/price"
	Action string // ChangeCreate, ChangeUpdate, ChangeDeactivate, ChangeUnchanged or ChangeKept
	Detail string // what changes, such as `title "A" -> "B"`
}

// Actions of a CatalogChange.
const (
	ChangeCreate     = "create"
	ChangeUpdate     = "update"
	ChangeDeactivate = "deactivate"
	ChangeUnchanged  = "unchanged"
	ChangeKept       = "kept" // a feature the spec does not list: features have no state
)

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("billd: dry run, rolled back")

// ApplyCatalog makes the catalog what spec declares, in one transaction under the catalog's lock:
// it creates what is missing, updates what differs, and deactivates the products, plans and
// prices that exist but are not listed (features, which have no state, are kept). A product or
// plan listed without a state is active. It returns every change, "unchanged" ones included;
// applying the same spec again changes nothing. With dryRun it writes nothing and returns the
// changes it would make. Platform admins only; EINVALID for an invalid spec or a price whose terms
// would change (prices are immutable: list the new terms under a new name), EQUOTA past the
// catalog's limits.
func (s *Service) ApplyCatalog(ctx context.Context, p Principal, spec CatalogSpec, dryRun bool) ([]CatalogChange, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, err
	}
	if err := spec.validate(s.limits); err != nil {
		return nil, err
	}
	var changes []CatalogChange
	_, err := s.changeCatalog(ctx, func(tx Tx, c *Catalog) error {
		a := &catalogApplier{s: s, ctx: ctx, tx: tx, c: c}
		if err := a.apply(spec); err != nil {
			return err
		}
		changes = a.changes
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	return changes, nil
}

// validate checks and normalizes a spec (on copies of its lists: the caller's are left as they
// were) and checks that every name it refers to is listed in it, once.
func (spec *CatalogSpec) validate(l Limits) error {
	features, products, plans := map[string]bool{}, map[string]bool{}, map[string]bool{}
	spec.Features = slices.Clone(spec.Features)
	for i := range spec.Features {
		in := &spec.Features[i]
		if err := in.normalize(l); err != nil {
			return specError("feature", i, in.Name, err)
		}
		if in.ProductIDs != nil {
			return Errorf(EINVALID, "feature %s: the features a product grants are listed on the product", in.Name)
		}
		if err := once("feature", in.Name, features); err != nil {
			return err
		}
	}
	spec.Products = slices.Clone(spec.Products)
	for i := range spec.Products {
		in := &spec.Products[i]
		if err := in.normalize(l); err != nil {
			return specError("product", i, in.Name, err)
		}
		if in.PlanID != "" {
			return Errorf(EINVALID, "product %s: the products of a plan are listed on the plan", in.Name)
		}
		if err := once("product", in.Name, products); err != nil {
			return err
		}
		if err := listedOnce("product "+in.Name, "feature", in.Features, features); err != nil {
			return err
		}
	}
	spec.Plans = slices.Clone(spec.Plans)
	for i := range spec.Plans {
		in := &spec.Plans[i]
		if err := in.normalize(l); err != nil {
			return specError("plan", i, in.Name, err)
		}
		if err := once("plan", in.Name, plans); err != nil {
			return err
		}
		refs := make([]string, len(in.Products))
		for j, pp := range in.Products {
			if pp.Product != nil {
				return Errorf(EINVALID, "plan %s: list its products under products and name them on the plan", in.Name)
			}
			refs[j] = strings.ToLower(strings.TrimSpace(pp.Ref))
			in.Products[j].Ref = refs[j]
		}
		if err := listedOnce("plan "+in.Name, "product", refs, products); err != nil {
			return err
		}
	}
	return nil
}

// specError says which item of a spec err is about.
func specError(kind string, i int, name string, err error) error {
	if name == "" {
		name = fmt.Sprintf("#%d", i+1)
	}
	return Errorf(ErrorCode(err), "%s %s: %s", kind, name, ErrorMessage(err))
}

// once records name in seen, and returns EINVALID if it was there.
func once(kind, name string, seen map[string]bool) error {
	if seen[name] {
		return Errorf(EINVALID, "%s %s is listed twice", kind, name)
	}
	seen[name] = true
	return nil
}

// listedOnce checks that each of names is in listed, and appears once.
func listedOnce(owner, kind string, names []string, listed map[string]bool) error {
	for i, name := range names {
		if !listed[name] {
			return Errorf(EINVALID, "%s names %s %q, which the catalog does not list", owner, kind, Truncate(name, 64))
		}
		if slices.Contains(names[:i], name) {
			return Errorf(EINVALID, "%s names %s %s twice", owner, kind, name)
		}
	}
	return nil
}

// normalize validates a feature of a spec, with its metadata as the API would carry it.
func (in *FeatureInput) normalize(l Limits) (err error) {
	if in.Metadata, err = canonicalMetadata(in.Metadata); err != nil {
		return err
	}
	return in.validate(l)
}

// normalize validates a product of a spec (on copies of its lists), with its metadata and its
// prices' as the API would carry them. A product without a state is active.
func (in *ProductInput) normalize(l Limits) (err error) {
	in.Prices, in.Features = slices.Clone(in.Prices), slices.Clone(in.Features)
	for i := range in.Prices {
		if in.Prices[i].Metadata, err = canonicalMetadata(in.Prices[i].Metadata); err != nil {
			return err
		}
	}
	if in.Metadata, err = canonicalMetadata(in.Metadata); err != nil {
		return err
	}
	if in.State == "" {
		in.State = CatalogActive
	}
	return in.validate(l)
}

// normalize validates a plan of a spec (on a copy of its products), with its metadata as the API
// would carry it. A plan without a state is active.
func (in *PlanInput) normalize(l Limits) (err error) {
	in.Products = slices.Clone(in.Products)
	if in.Metadata, err = canonicalMetadata(in.Metadata); err != nil {
		return err
	}
	if in.State == "" {
		in.State = CatalogActive
	}
	return in.validate(l)
}

// canonicalMetadata returns m as the API and the stores carry it (decoded from JSON, numbers as
// json.Number), so that it compares equal to what a store returns.
func canonicalMetadata(m Metadata) (Metadata, error) {
	if len(m) == 0 {
		return Metadata{}, nil
	}
	b, err := json.Marshal(map[string]any(m))
	if err != nil {
		return nil, Errorf(EINVALID, "metadata must hold only JSON values")
	}
	return ParseMetadata(string(b))
}

// catalogApplier applies a validated spec to the catalog c within the transaction tx, and records
// each change.
type catalogApplier struct {
	s       *Service
	ctx     context.Context
	tx      Tx
	c       *Catalog
	changes []CatalogChange
}

func (a *catalogApplier) note(kind, name, action string, detail catalogDiff) {
	a.changes = append(a.changes, CatalogChange{Kind: kind, Name: name, Action: action, Detail: strings.Join(detail, ", ")})
}

// apply writes the features first, as products grant them, then the products, then the plans.
func (a *catalogApplier) apply(spec CatalogSpec) error {
	for _, in := range spec.Features {
		if err := a.feature(in); err != nil {
			return err
		}
	}
	for _, f := range a.c.Features {
		if !slices.ContainsFunc(spec.Features, func(in FeatureInput) bool { return in.Name == f.Name }) {
			a.note("feature", f.Name, ChangeKept, catalogDiff{"not in the spec; features have no state"})
		}
	}
	for _, in := range spec.Products {
		if err := a.product(in); err != nil {
			return err
		}
	}
	for _, pr := range a.c.Products {
		if !slices.ContainsFunc(spec.Products, func(in ProductInput) bool { return in.Name == pr.Name }) {
			if err := a.deactivate("product", pr.Name, &pr.State, func() error { return a.tx.PutProduct(a.ctx, pr) }); err != nil {
				return err
			}
		}
	}
	for _, in := range spec.Plans {
		if err := a.plan(in); err != nil {
			return err
		}
	}
	for _, plan := range a.c.Plans {
		if !slices.ContainsFunc(spec.Plans, func(in PlanInput) bool { return in.Name == plan.Name }) {
			if err := a.deactivate("plan", plan.Name, &plan.State, func() error { return a.tx.PutPlan(a.ctx, plan) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// deactivate makes a product or plan the spec does not list inactive, with put.
func (a *catalogApplier) deactivate(kind, name string, state *string, put func() error) error {
	if *state == CatalogInactive {
		a.note(kind, name, ChangeUnchanged, catalogDiff{"not in the spec; inactive"})
		return nil
	}
	a.note(kind, name, ChangeDeactivate, catalogDiff{fmt.Sprintf("state %q -> %q", *state, CatalogInactive)})
	*state = CatalogInactive
	return put()
}

func (a *catalogApplier) feature(in FeatureInput) error {
	f := a.c.Feature(in.Name)
	if f == nil {
		if len(a.c.Features) >= MaxFeatures {
			return Errorf(EQUOTA, "the catalog holds %d features, the most it may", MaxFeatures)
		}
		now := a.s.clock()
		f = &Feature{ID: a.s.newID(), Name: in.Name, Title: in.Title, Metadata: in.Metadata, CreatedAt: now, UpdatedAt: now}
		a.c.Features = append(a.c.Features, f)
		a.note("feature", f.Name, ChangeCreate, nil)
		return a.tx.PutFeature(a.ctx, f)
	}
	var d catalogDiff
	d.text("title", f.Title, in.Title)
	d.metadata(f.Metadata, in.Metadata)
	if len(d) == 0 {
		a.note("feature", f.Name, ChangeUnchanged, nil)
		return nil
	}
	a.note("feature", f.Name, ChangeUpdate, d)
	f.Title, f.Metadata, f.UpdatedAt = in.Title, in.Metadata, a.s.clock()
	return a.tx.PutFeature(a.ctx, f)
}

func (a *catalogApplier) product(in ProductInput) error {
	old := a.c.Product(in.Name)
	prices, err := a.priceChanges(old, in)
	if err != nil {
		return err
	}
	var d catalogDiff
	if old != nil {
		d.text("title", old.Title, in.Title)
		d.text("description", old.Description, in.Description)
		d.text("state", old.State, in.State)
		d.text("behavior", old.Behavior, in.Behavior)
		d.number("credit_amount", old.CreditAmount, in.CreditAmount)
		d.number("seat_limit", old.SeatLimit, in.SeatLimit)
		d.number("min_quantity", old.MinQuantity, in.MinQuantity)
		d.number("max_quantity", old.MaxQuantity, in.MaxQuantity)
		d.names("features", a.featureNames(old.FeatureIDs), in.Features)
		d.metadata(old.Metadata, in.Metadata)
		if slices.ContainsFunc(prices, func(c CatalogChange) bool { return c.Action != ChangeUnchanged }) {
			d = append(d, "prices")
		}
	}
	switch {
	case old == nil:
		a.note("product", in.Name, ChangeCreate, nil)
	case len(d) == 0:
		a.note("product", in.Name, ChangeUnchanged, nil)
	default:
		a.note("product", in.Name, ChangeUpdate, d)
	}
	a.changes = append(a.changes, prices...)
	if old != nil && len(d) == 0 {
		return nil
	}
	_, err = a.s.putProduct(a.ctx, a.tx, a.c, "", in)
	return err
}

// priceChanges returns the changes of the prices of product old (nil for a new one) that in
// lists: new names are created, listed ones keep their terms (EINVALID if they differ), and the
// active ones not listed are deactivated.
func (a *catalogApplier) priceChanges(old *Product, in ProductInput) ([]CatalogChange, error) {
	var have []Price
	if old != nil {
		have = old.Prices
	}
	var out []CatalogChange
	note := func(name, action string, d catalogDiff) {
		out = append(out, CatalogChange{Kind: "price", Name: in.Name + "/" + name, Action: action, Detail: strings.Join(d, ", ")})
	}
	for _, want := range in.Prices {
		i := slices.IndexFunc(have, func(p Price) bool { return p.Name == want.Name })
		if i < 0 {
			note(want.Name, ChangeCreate, nil)
			continue
		}
		p := have[i]
		var terms catalogDiff
		terms.text("currency", p.Currency, want.Currency)
		terms.number("amount", p.Amount, want.Amount)
		terms.text("interval", p.Interval, want.Interval)
		terms.text("usage_type", p.UsageType, want.UsageType)
		terms.text("billing_scheme", p.BillingScheme, want.BillingScheme)
		terms.text("metered_aggregate", p.MeteredAggregate, want.MeteredAggregate)
		terms.text("tier_mode", p.TierMode, want.TierMode)
		if len(terms) > 0 {
			return nil, Errorf(EINVALID, "product %s: price %s cannot change its terms (%s): prices are immutable; "+
				"list the new terms under a new price name, and the old price is deactivated", in.Name, want.Name, strings.Join(terms, ", "))
		}
		var d catalogDiff
		d.text("state", p.State, CatalogActive)
		d.metadata(p.Metadata, want.Metadata)
		if len(d) == 0 {
			note(want.Name, ChangeUnchanged, nil)
		} else {
			note(want.Name, ChangeUpdate, d)
		}
	}
	for _, p := range have {
		if p.State == CatalogActive && !slices.ContainsFunc(in.Prices, func(w PriceInput) bool { return w.Name == p.Name }) {
			note(p.Name, ChangeDeactivate, catalogDiff{fmt.Sprintf("state %q -> %q", p.State, CatalogInactive)})
		}
	}
	return out, nil
}

// featureNames returns the names of the features of ids.
func (a *catalogApplier) featureNames(ids []string) []string {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		if f := a.c.Feature(id); f != nil {
			names = append(names, f.Name)
		}
	}
	return names
}

func (a *catalogApplier) plan(in PlanInput) error {
	old := a.c.Plan(in.Name)
	var d catalogDiff
	if old != nil {
		d.text("title", old.Title, in.Title)
		d.text("description", old.Description, in.Description)
		d.text("interval", old.Interval, in.Interval)
		d.number("trial_days", old.TrialDays, in.TrialDays)
		d.number("on_start_credits", old.OnStartCredits, in.OnStartCredits)
		d.text("state", old.State, in.State)
		var products []string
		for _, pr := range a.c.ProductsOf(old) {
			products = append(products, pr.Name)
		}
		want := make([]string, len(in.Products))
		for i, pp := range in.Products {
			want[i] = pp.Ref
		}
		d.names("products", products, want)
		d.metadata(old.Metadata, in.Metadata)
	}
	switch {
	case old == nil:
		a.note("plan", in.Name, ChangeCreate, nil)
	case len(d) == 0:
		a.note("plan", in.Name, ChangeUnchanged, nil)
		return nil
	default:
		a.note("plan", in.Name, ChangeUpdate, d)
	}
	_, err := a.s.putPlan(a.ctx, a.tx, a.c, in)
	return err
}

// catalogDiff lists the fields that change, as `field old -> new`.
type catalogDiff []string

func (d *catalogDiff) text(field, old, next string) {
	if old != next {
		*d = append(*d, fmt.Sprintf("%s %q -> %q", field, Truncate(old, 64), Truncate(next, 64)))
	}
}

func (d *catalogDiff) number(field string, old, next int64) {
	if old != next {
		*d = append(*d, fmt.Sprintf("%s %d -> %d", field, old, next))
	}
}

func (d *catalogDiff) names(field string, old, next []string) {
	if !slices.Equal(old, next) {
		*d = append(*d, fmt.Sprintf("%s [%s] -> [%s]", field, strings.Join(old, " "), strings.Join(next, " ")))
	}
}

func (d *catalogDiff) metadata(old, next Metadata) {
	if !old.Equal(next) {
		*d = append(*d, fmt.Sprintf("metadata %s -> %s", Truncate(old.Marshal(), 64), Truncate(next.Marshal(), 64)))
	}
}
