package main

import (
	"connectrpc.com/connect"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
	"google.golang.org/protobuf/proto"
)

// The catalog's RPCs over every transport, as rpcCases: a feature, a credits product that grants
// it, and plans that hold the product. Creates are upserts by name, so every call of a case
// answers the same object (timestamps aside).

// rpcCreditsProduct is the body of the cases' credits product.
func rpcCreditsProduct(title string) *fv1.ProductRequestBody {
	return &fv1.ProductRequestBody{Name: "rpc-credits", Title: title, Behavior: "credits",
		BehaviorConfig: &fv1.Product_BehaviorConfig{CreditAmount: 1, MinQuantity: 1, MaxQuantity: 100000},
		Prices:         []*fv1.Price{{Name: "default", Currency: "usd", Amount: 1}},
		Features:       []*fv1.Feature{{Name: "rpc-gpu"}}}
}

// rpcPlanBody is the body of the cases' plan of name.
func rpcPlanBody(name string) *fv1.PlanRequestBody {
	return &fv1.PlanRequestBody{Name: name, Title: "Pro", Interval: "month", TrialDays: 14, OnStartCredits: 100,
		Products: []*fv1.Product{{Name: "rpc-credits"}}}
}

var rpcCatalogCases = []rpcCase{
	{proc: fc.FrontierServiceCreateFeatureProcedure, stamps: true, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.CreateFeatureRequest{Body: &fv1.FeatureRequestBody{Name: "rpc-gpu", Title: "GPU"}}
	})},
	{proc: fc.FrontierServiceUpdateFeatureProcedure, stamps: true, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.UpdateFeatureRequest{Id: "rpc-gpu", Body: &fv1.FeatureRequestBody{Name: "rpc-gpu", Title: "GPU access"}}
	})},
	{proc: fc.FrontierServiceCreateProductProcedure, stamps: true, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.CreateProductRequest{Body: rpcCreditsProduct("Credits")}
	})},
	{proc: fc.FrontierServiceUpdateProductProcedure, stamps: true, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.UpdateProductRequest{Id: "rpc-credits", Body: rpcCreditsProduct("Compute credits")}
	})},
	{proc: fc.FrontierServiceGetFeatureProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.GetFeatureRequest{Id: "rpc-gpu"}
	})},
	{proc: fc.FrontierServiceListFeaturesProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.ListFeaturesRequest{}
	})},
	{proc: fc.FrontierServiceGetProductProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.GetProductRequest{Id: "rpc-credits"}
	})},
	{proc: fc.FrontierServiceListProductsProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.ListProductsRequest{}
	})},
	{proc: fc.FrontierServiceCreatePlanProcedure, stamps: true, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.CreatePlanRequest{Body: rpcPlanBody("rpc-pro")}
	})},
	{proc: fc.AdminServiceCreatePlanProcedure, stamps: true, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.CreatePlanRequest{Body: rpcPlanBody("rpc-team")}
	})},
	{proc: fc.FrontierServiceUpdatePlanProcedure, stamps: true, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.UpdatePlanRequest{Id: "rpc-pro", Body: &fv1.UpdatePlanRequestBody{Title: "Pro plan", TrialDays: 7, OnStartCredits: 100}}
	})},
	{proc: fc.AdminServiceUpdatePlanProcedure, stamps: true, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.UpdatePlanRequest{Id: "rpc-team", Body: &fv1.UpdatePlanRequestBody{Title: "Team", State: "inactive"}}
	})},
	{proc: fc.FrontierServiceGetPlanProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.GetPlanRequest{Id: "rpc-pro"}
	})},
	{proc: fc.FrontierServiceListPlansProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.ListPlansRequest{}
	})},
	{proc: fc.AdminServiceListAllPlansProcedure, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.ListAllPlansRequest{State: "inactive"}
	})},
}

var rpcCatalogErrorCases = []rpcCase{
	{name: "unknown plan", proc: fc.FrontierServiceGetPlanProcedure, code: connect.CodeNotFound, msg: "plan not found",
		req: same(func(f *rpcFixture) proto.Message { return &fv1.GetPlanRequest{Id: "no-such-plan"} })},
	{name: "member creates a product", proc: fc.FrontierServiceCreateProductProcedure, as: asMember, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.CreateProductRequest{Body: rpcCreditsProduct("Mine")}
		})},
	{name: "member lists every plan", proc: fc.AdminServiceListAllPlansProcedure, as: asMember, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message { return &fv1.ListAllPlansRequest{} })},
	{name: "credits product without credits", proc: fc.FrontierServiceCreateProductProcedure, code: connect.CodeInvalidArgument, msg: "credit_amount",
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.CreateProductRequest{Body: &fv1.ProductRequestBody{Name: "rpc-empty", Behavior: "credits"}}
		})},
	{name: "a price's terms change", proc: fc.FrontierServiceUpdateProductProcedure, code: connect.CodeInvalidArgument, msg: "cannot change its terms",
		req: same(func(f *rpcFixture) proto.Message {
			b := rpcCreditsProduct("Credits")
			b.Prices[0].Amount = 2
			return &fv1.UpdateProductRequest{Id: "rpc-credits", Body: b}
		})},
	{name: "plan of an unknown product", proc: fc.AdminServiceCreatePlanProcedure, code: connect.CodeNotFound, msg: "product",
		req: same(func(f *rpcFixture) proto.Message {
			b := rpcPlanBody("rpc-nothing")
			b.Products = []*fv1.Product{{Name: "no-such-product"}}
			return &fv1.CreatePlanRequest{Body: b}
		})},
	{name: "plan without an interval", proc: fc.FrontierServiceCreatePlanProcedure, code: connect.CodeInvalidArgument, msg: "interval",
		req: same(func(f *rpcFixture) proto.Message {
			b := rpcPlanBody("rpc-nothing")
			b.Interval = ""
			return &fv1.CreatePlanRequest{Body: b}
		})},
}

func init() {
	rpcCases = append(rpcCases, rpcCatalogCases...)
	rpcErrorCases = append(rpcErrorCases, rpcCatalogErrorCases...)
	for proc, route := range map[string]restRoute{
		fc.FrontierServiceCreateFeatureProcedure: {"POST /v1beta1/billing/features", "*"},
		fc.FrontierServiceUpdateFeatureProcedure: {"PUT /v1beta1/billing/features/{id}", "*"},
		fc.FrontierServiceGetFeatureProcedure:    {"GET /v1beta1/billing/features/{id}", ""},
		fc.FrontierServiceListFeaturesProcedure:  {"GET /v1beta1/billing/features", ""},
		fc.FrontierServiceCreateProductProcedure: {"POST /v1beta1/billing/products", "*"},
		fc.FrontierServiceUpdateProductProcedure: {"PUT /v1beta1/billing/products/{id}", "*"},
		fc.FrontierServiceGetProductProcedure:    {"GET /v1beta1/billing/products/{id}", ""},
		fc.FrontierServiceListProductsProcedure:  {"GET /v1beta1/billing/products", ""},
		fc.FrontierServiceCreatePlanProcedure:    {"POST /v1beta1/billing/plans", "*"},
		fc.FrontierServiceUpdatePlanProcedure:    {"PUT /v1beta1/billing/plans/{id}", "*"},
		fc.FrontierServiceGetPlanProcedure:       {"GET /v1beta1/billing/plans/{id}", ""},
		fc.FrontierServiceListPlansProcedure:     {"GET /v1beta1/billing/plans", ""},
		// The current Frontier serves plan writes on AdminService only, with the same messages:
		// their REST paths are the older FrontierService ones.
		fc.AdminServiceCreatePlanProcedure:   {"POST /v1beta1/billing/plans", "*"},
		fc.AdminServiceUpdatePlanProcedure:   {"PUT /v1beta1/billing/plans/{id}", "*"},
		fc.AdminServiceListAllPlansProcedure: {"GET /v1beta1/admin/billing/plans", ""},
	} {
		rpcRoutes[proc] = route
	}
}
