package frontier

import (
	"context"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
)

// Subscriptions: an account's plans, made by a paid checkout or a delegated one; their metadata,
// cancellation and plan changes; and what they entitle the account to. Requests without
// billing_id (current clients) use the organization's active account, or the subscription's own.

// ListSubscriptions lists an account's subscriptions, newest first, filtered by state and plan.
func (s *Server) ListSubscriptions(ctx context.Context, req *connect.Request[fv1.ListSubscriptionsRequest]) (*connect.Response[fv1.ListSubscriptionsResponse], error) {
	m, p := req.Msg, principal(ctx)
	page, err := pageRequest(m.GetPageSize(), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	f := billd.SubscriptionFilter{State: billd.SubscriptionState(m.GetState()), Plan: m.GetPlan()}
	subs, err := s.svc.ListSubscriptions(ctx, p, m.GetOrgId(), m.GetBillingId(), f, page)
	if err != nil {
		return nil, err
	}
	encode, err := s.subscriptionEncoder(ctx, p, m.GetExpand(), subs.Items)
	if err != nil {
		return nil, err
	}
	items, next := fit(s, subs, encode)
	return connect.NewResponse(&fv1.ListSubscriptionsResponse{Subscriptions: items, NextPageToken: next}), nil
}

// GetSubscription returns one subscription, found by its id.
func (s *Server) GetSubscription(ctx context.Context, req *connect.Request[fv1.GetSubscriptionRequest]) (*connect.Response[fv1.GetSubscriptionResponse], error) {
	m, p := req.Msg, principal(ctx)
	sub, err := s.svc.GetSubscription(ctx, p, m.GetOrgId(), m.GetBillingId(), m.GetId())
	if err != nil {
		return nil, err
	}
	encode, err := s.subscriptionEncoder(ctx, p, m.GetExpand(), []*billd.Subscription{sub})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.GetSubscriptionResponse{Subscription: encode(sub)}), nil
}

// UpdateSubscription replaces a subscription's metadata (Frontier does not implement it).
func (s *Server) UpdateSubscription(ctx context.Context, req *connect.Request[fv1.UpdateSubscriptionRequest]) (*connect.Response[fv1.UpdateSubscriptionResponse], error) {
	m := req.Msg
	meta, err := fromStruct(m.GetMetadata())
	if err != nil {
		return nil, err
	}
	sub, err := s.svc.UpdateSubscription(ctx, principal(ctx), m.GetOrgId(), m.GetBillingId(), m.GetId(), meta)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.UpdateSubscriptionResponse{Subscription: subscription(sub)}), nil
}

// CancelSubscription ends a subscription now or at the end of its period, and answers it as it
// now is (billd's field; Frontier answers nothing).
func (s *Server) CancelSubscription(ctx context.Context, req *connect.Request[fv1.CancelSubscriptionRequest]) (*connect.Response[fv1.CancelSubscriptionResponse], error) {
	m := req.Msg
	sub, err := s.svc.CancelSubscription(ctx, principal(ctx), m.GetOrgId(), m.GetBillingId(), m.GetId(), m.GetImmediate())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CancelSubscriptionResponse{Subscription: subscription(sub)}), nil
}

// ChangeSubscription changes a subscription's plan, now or at the end of its period, or cancels
// the change scheduled for then. plan_change, when given, takes the place of the older top-level
// plan and immediate.
func (s *Server) ChangeSubscription(ctx context.Context, req *connect.Request[fv1.ChangeSubscriptionRequest]) (*connect.Response[fv1.ChangeSubscriptionResponse], error) {
	m := req.Msg
	c := billd.PlanChange{Plan: m.GetPlan(), Immediate: m.GetImmediate(), CancelUpcoming: m.GetPhaseChange().GetCancelUpcomingChanges()}
	if pc := m.GetPlanChange(); pc != nil {
		c.Plan, c.Immediate = pc.GetPlan(), pc.GetImmediate()
	}
	ph, err := s.svc.ChangeSubscription(ctx, principal(ctx), m.GetOrgId(), m.GetBillingId(), m.GetId(), c)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.ChangeSubscriptionResponse{Phase: phase(ph)}), nil
}

// CheckFeatureEntitlement reports whether an organization's account has a live subscription whose
// plan grants the feature. Unlike Frontier's, it needs get permission on the organization. An
// older client may name the organization by one of its projects.
func (s *Server) CheckFeatureEntitlement(ctx context.Context, req *connect.Request[fv1.CheckFeatureEntitlementRequest]) (*connect.Response[fv1.CheckFeatureEntitlementResponse], error) {
	m, p := req.Msg, principal(ctx)
	orgID := m.GetOrgId()
	if orgID == "" && m.GetProjectId() != "" {
		pr, err := s.svc.Project(ctx, p, m.GetProjectId())
		if err != nil {
			return nil, err
		}
		orgID = pr.OrgID
	}
	ok, err := s.svc.CheckFeatureEntitlement(ctx, p, orgID, m.GetBillingId(), m.GetFeature())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CheckFeatureEntitlementResponse{Status: ok}), nil
}

// HasTrialed reports whether an account has had a plan, now or before.
func (s *Server) HasTrialed(ctx context.Context, req *connect.Request[fv1.HasTrialedRequest]) (*connect.Response[fv1.HasTrialedResponse], error) {
	m := req.Msg
	had, err := s.svc.HasTrialed(ctx, principal(ctx), m.GetOrgId(), m.GetId(), m.GetPlanId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.HasTrialedResponse{Trialed: had}), nil
}

// subscriptionEncoder returns the encoder of subs that fills in what expand asks for: each one's
// account (customer) and plan, read once for all of them.
func (s *Server) subscriptionEncoder(ctx context.Context, p billd.Principal, expand []string, subs []*billd.Subscription) (func(*billd.Subscription) *fv1.Subscription, error) {
	e := expands(expand)
	var cat *billd.Catalog
	if e["plan"] {
		var err error
		if cat, err = s.svc.Catalog(ctx, p); err != nil {
			return nil, err
		}
	}
	var accounts map[string]*billd.BillingAccount
	if e["customer"] {
		var err error
		if accounts, err = accountsOf(ctx, s, p, subs, func(sub *billd.Subscription) (string, string) { return sub.OrgID, sub.AccountID }); err != nil {
			return nil, err
		}
	}
	return func(sub *billd.Subscription) *fv1.Subscription {
		out := subscription(sub)
		if a := accounts[sub.AccountID]; a != nil {
			out.Customer = billingAccount(a, nil)
		}
		if cat != nil {
			if pl := cat.Plan(sub.PlanID); pl != nil {
				out.Plan = plan(cat, pl)
			}
		}
		return out
	}, nil
}

// accountsOf reads the billing accounts of items (owner returns an item's organization and
// account), each once, by id.
func accountsOf[T any](ctx context.Context, s *Server, p billd.Principal, items []T, owner func(T) (orgID, accountID string)) (map[string]*billd.BillingAccount, error) {
	accounts := map[string]*billd.BillingAccount{}
	for _, item := range items {
		orgID, id := owner(item)
		if _, ok := accounts[id]; ok || id == "" {
			continue
		}
		a, err := s.svc.BillingAccount(ctx, p, orgID, id)
		if err != nil {
			return nil, err
		}
		accounts[id] = a
	}
	return accounts, nil
}
