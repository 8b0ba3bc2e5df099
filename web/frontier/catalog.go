package frontier

import (
	"context"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
)

// The catalog: plans, products (with their prices) and features. Reads for any authenticated
// client, writes for platform admins. Lookups take an id or a name. Create is an upsert by name,
// as in Frontier.

func feature(f *billd.Feature) *fv1.Feature {
	return &fv1.Feature{Id: f.ID, Name: f.Name, Title: f.Title, ProductIds: nonNil(f.ProductIDs), Metadata: toStruct(f.Metadata),
		CreatedAt: timestamp(f.CreatedAt), UpdatedAt: timestamp(f.UpdatedAt)}
}

func price(p *billd.Price) *fv1.Price {
	return &fv1.Price{Id: p.ID, ProductId: p.ProductID, ProviderId: p.ProviderID, Name: p.Name, Interval: p.Interval,
		UsageType: p.UsageType, BillingScheme: p.BillingScheme, State: p.State, Currency: p.Currency, Amount: p.Amount,
		MeteredAggregate: p.MeteredAggregate, TierMode: p.TierMode, Metadata: toStruct(p.Metadata),
		CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt)}
}

func product(c *billd.Catalog, p *billd.Product) *fv1.Product {
	out := &fv1.Product{Id: p.ID, Name: p.Name, Title: p.Title, Description: p.Description, PlanIds: nonNil(p.PlanIDs),
		State: p.State, Behavior: p.Behavior, Prices: make([]*fv1.Price, len(p.Prices)),
		BehaviorConfig: &fv1.Product_BehaviorConfig{CreditAmount: p.CreditAmount, SeatLimit: p.SeatLimit,
			MinQuantity: p.MinQuantity, MaxQuantity: p.MaxQuantity},
		Metadata: toStruct(p.Metadata), CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt)}
	for i := range p.Prices {
		out.Prices[i] = price(&p.Prices[i])
	}
	for _, f := range c.FeaturesOf(p) {
		out.Features = append(out.Features, feature(f))
	}
	if out.Features == nil {
		out.Features = []*fv1.Feature{}
	}
	return out
}

func plan(c *billd.Catalog, p *billd.Plan) *fv1.Plan {
	out := &fv1.Plan{Id: p.ID, Name: p.Name, Title: p.Title, Description: p.Description, Products: []*fv1.Product{},
		Interval: p.Interval, OnStartCredits: p.OnStartCredits, TrialDays: p.TrialDays, State: p.State,
		Metadata: toStruct(p.Metadata), CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt)}
	for _, pr := range c.ProductsOf(p) {
		out.Products = append(out.Products, product(c, pr))
	}
	return out
}

// nonNil makes a nil list an empty one, which REST writes as [].
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func productInput(b *fv1.ProductRequestBody) (billd.ProductInput, error) {
	meta, err := fromStruct(b.GetMetadata())
	if err != nil {
		return billd.ProductInput{}, err
	}
	cfg := b.GetBehaviorConfig()
	in := billd.ProductInput{Name: b.GetName(), Title: b.GetTitle(), Description: b.GetDescription(), Behavior: b.GetBehavior(),
		CreditAmount: cfg.GetCreditAmount(), SeatLimit: cfg.GetSeatLimit(), MinQuantity: cfg.GetMinQuantity(),
		MaxQuantity: cfg.GetMaxQuantity(), PlanID: b.GetPlanId(), Metadata: meta}
	for _, p := range b.GetPrices() {
		pm, err := fromStruct(p.GetMetadata())
		if err != nil {
			return in, err
		}
		in.Prices = append(in.Prices, billd.PriceInput{Name: p.GetName(), Interval: p.GetInterval(), UsageType: p.GetUsageType(),
			BillingScheme: p.GetBillingScheme(), Currency: p.GetCurrency(), Amount: p.GetAmount(),
			MeteredAggregate: p.GetMeteredAggregate(), TierMode: p.GetTierMode(), Metadata: pm})
	}
	for _, f := range b.GetFeatures() {
		name := f.GetName()
		if name == "" {
			name = f.GetId()
		}
		in.Features = append(in.Features, name)
	}
	return in, nil
}

// planProductInput reads one product of a plan's body: a reference when it names only an id or a
// name, else a whole product.
func planProductInput(p *fv1.Product) (billd.PlanProductInput, error) {
	whole := len(p.GetPrices()) > 0 || p.GetBehavior() != "" || p.GetTitle() != "" || len(p.GetFeatures()) > 0 ||
		p.GetDescription() != "" || p.GetBehaviorConfig() != nil || len(p.GetMetadata().GetFields()) > 0
	if !whole || p.GetName() == "" {
		ref := p.GetId()
		if ref == "" {
			ref = p.GetName()
		}
		return billd.PlanProductInput{Ref: ref}, nil
	}
	in, err := productInput(&fv1.ProductRequestBody{Name: p.GetName(), Title: p.GetTitle(), Description: p.GetDescription(),
		Prices: p.GetPrices(), Behavior: p.GetBehavior(), Features: p.GetFeatures(), BehaviorConfig: p.GetBehaviorConfig(),
		Metadata: p.GetMetadata()})
	return billd.PlanProductInput{Product: &in}, err
}

func planInput(b *fv1.PlanRequestBody) (billd.PlanInput, error) {
	meta, err := fromStruct(b.GetMetadata())
	if err != nil {
		return billd.PlanInput{}, err
	}
	in := billd.PlanInput{Name: b.GetName(), Title: b.GetTitle(), Description: b.GetDescription(), Interval: b.GetInterval(),
		OnStartCredits: b.GetOnStartCredits(), TrialDays: b.GetTrialDays(), State: b.GetState(), Metadata: meta}
	for _, p := range b.GetProducts() {
		pin, err := planProductInput(p)
		if err != nil {
			return in, err
		}
		in.Products = append(in.Products, pin)
	}
	return in, nil
}

func (s *Server) CreateFeature(ctx context.Context, req *connect.Request[fv1.CreateFeatureRequest]) (*connect.Response[fv1.CreateFeatureResponse], error) {
	in, err := featureInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	f, _, err := s.svc.PutFeature(ctx, principal(ctx), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CreateFeatureResponse{Feature: feature(f)}), nil
}

func featureInput(b *fv1.FeatureRequestBody) (billd.FeatureInput, error) {
	meta, err := fromStruct(b.GetMetadata())
	in := billd.FeatureInput{Name: b.GetName(), Title: b.GetTitle(), Metadata: meta}
	if len(b.GetProductIds()) > 0 { // none leaves the feature's products as they are
		in.ProductIDs = b.GetProductIds()
	}
	return in, err
}

func (s *Server) UpdateFeature(ctx context.Context, req *connect.Request[fv1.UpdateFeatureRequest]) (*connect.Response[fv1.UpdateFeatureResponse], error) {
	in, err := featureInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	f, _, err := s.svc.UpdateFeature(ctx, principal(ctx), req.Msg.GetId(), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.UpdateFeatureResponse{Feature: feature(f)}), nil
}

func (s *Server) GetFeature(ctx context.Context, req *connect.Request[fv1.GetFeatureRequest]) (*connect.Response[fv1.GetFeatureResponse], error) {
	c, err := s.svc.Catalog(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	f := c.Feature(req.Msg.GetId())
	if f == nil || req.Msg.GetId() == "" {
		return nil, billd.Errorf(billd.ENOTFOUND, "feature not found")
	}
	return connect.NewResponse(&fv1.GetFeatureResponse{Feature: feature(f)}), nil
}

func (s *Server) ListFeatures(ctx context.Context, req *connect.Request[fv1.ListFeaturesRequest]) (*connect.Response[fv1.ListFeaturesResponse], error) {
	c, err := s.svc.Catalog(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	res := &fv1.ListFeaturesResponse{Features: make([]*fv1.Feature, len(c.Features))}
	for i, f := range c.Features {
		res.Features[i] = feature(f)
	}
	return connect.NewResponse(res), nil
}

func (s *Server) CreateProduct(ctx context.Context, req *connect.Request[fv1.CreateProductRequest]) (*connect.Response[fv1.CreateProductResponse], error) {
	in, err := productInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	p, c, err := s.svc.PutProduct(ctx, principal(ctx), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CreateProductResponse{Product: product(c, p)}), nil
}

func (s *Server) UpdateProduct(ctx context.Context, req *connect.Request[fv1.UpdateProductRequest]) (*connect.Response[fv1.UpdateProductResponse], error) {
	in, err := productInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	p, c, err := s.svc.UpdateProduct(ctx, principal(ctx), req.Msg.GetId(), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.UpdateProductResponse{Product: product(c, p)}), nil
}

func (s *Server) GetProduct(ctx context.Context, req *connect.Request[fv1.GetProductRequest]) (*connect.Response[fv1.GetProductResponse], error) {
	c, err := s.svc.Catalog(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	p := c.Product(req.Msg.GetId())
	if p == nil || req.Msg.GetId() == "" {
		return nil, billd.Errorf(billd.ENOTFOUND, "product not found")
	}
	return connect.NewResponse(&fv1.GetProductResponse{Product: product(c, p)}), nil
}

func (s *Server) ListProducts(ctx context.Context, req *connect.Request[fv1.ListProductsRequest]) (*connect.Response[fv1.ListProductsResponse], error) {
	c, err := s.svc.Catalog(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	res := &fv1.ListProductsResponse{Products: make([]*fv1.Product, len(c.Products))}
	for i, p := range c.Products {
		res.Products[i] = product(c, p)
	}
	return connect.NewResponse(res), nil
}

// CreatePlan creates or updates a plan with its products; served as FrontierService.CreatePlan
// (older clients) and AdminService.CreatePlan (current ones).
func (s *Server) CreatePlan(ctx context.Context, req *connect.Request[fv1.CreatePlanRequest]) (*connect.Response[fv1.CreatePlanResponse], error) {
	in, err := planInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	p, c, err := s.svc.PutPlan(ctx, principal(ctx), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CreatePlanResponse{Plan: plan(c, p)}), nil
}

// UpdatePlan changes a plan's title, description, credits, trial and state; served on both
// services as CreatePlan is. The body is field 3 (current clients, and JSON) or field 2 (older
// binary clients).
func (s *Server) UpdatePlan(ctx context.Context, req *connect.Request[fv1.UpdatePlanRequest]) (*connect.Response[fv1.UpdatePlanResponse], error) {
	u, err := planUpdate(req.Msg)
	if err != nil {
		return nil, err
	}
	p, c, err := s.svc.UpdatePlan(ctx, principal(ctx), req.Msg.GetId(), u)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.UpdatePlanResponse{Plan: plan(c, p)}), nil
}

func planUpdate(m *fv1.UpdatePlanRequest) (billd.PlanUpdate, error) {
	if b := m.GetBody(); b != nil || m.GetLegacyBody() == nil {
		meta, err := fromStruct(b.GetMetadata())
		return billd.PlanUpdate{Title: b.GetTitle(), Description: b.GetDescription(), OnStartCredits: b.GetOnStartCredits(),
			TrialDays: b.GetTrialDays(), State: b.GetState(), Metadata: meta}, err
	}
	b := m.GetLegacyBody()
	meta, err := fromStruct(b.GetMetadata())
	return billd.PlanUpdate{Title: b.GetTitle(), Description: b.GetDescription(), OnStartCredits: b.GetOnStartCredits(),
		TrialDays: b.GetTrialDays(), State: b.GetState(), Metadata: meta}, err
}

func (s *Server) GetPlan(ctx context.Context, req *connect.Request[fv1.GetPlanRequest]) (*connect.Response[fv1.GetPlanResponse], error) {
	c, err := s.svc.Catalog(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	p := c.Plan(req.Msg.GetId())
	if p == nil || req.Msg.GetId() == "" {
		return nil, billd.Errorf(billd.ENOTFOUND, "plan not found")
	}
	return connect.NewResponse(&fv1.GetPlanResponse{Plan: plan(c, p)}), nil
}

// ListPlans lists the active plans.
func (s *Server) ListPlans(ctx context.Context, req *connect.Request[fv1.ListPlansRequest]) (*connect.Response[fv1.ListPlansResponse], error) {
	c, err := s.svc.ActivePlans(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.ListPlansResponse{Plans: plans(c)}), nil
}

// ListAllPlans lists the plans in any state, or in the state asked for. Platform admins only.
func (s *Server) ListAllPlans(ctx context.Context, req *connect.Request[fv1.ListAllPlansRequest]) (*connect.Response[fv1.ListAllPlansResponse], error) {
	c, err := s.svc.AllPlans(ctx, principal(ctx), req.Msg.GetState())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.ListAllPlansResponse{Plans: plans(c)}), nil
}

// plans encodes the catalog's plans.
func plans(c *billd.Catalog) []*fv1.Plan {
	out := make([]*fv1.Plan, len(c.Plans))
	for i, p := range c.Plans {
		out[i] = plan(c, p)
	}
	return out
}
