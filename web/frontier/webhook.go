package frontier

import (
	"context"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier/billdv1"
)

// CreateWebhook registers a webhook; the answer holds its signing secret, shown only now (billd).
func (s *Server) CreateWebhook(ctx context.Context, req *connect.Request[billdv1.CreateWebhookRequest]) (*connect.Response[billdv1.CreateWebhookResponse], error) {
	m := req.Msg
	w, err := s.svc.CreateWebhook(ctx, principal(ctx), m.GetOrgId(), billd.WebhookInput{URL: m.GetUrl(), Types: m.GetTypes(),
		Description: m.GetDescription(), Disabled: m.GetDisabled()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.CreateWebhookResponse{Webhook: webhook(w), Secret: w.Secret}), nil
}

// ListWebhooks lists an organization's webhooks, or the platform-wide ones (billd).
func (s *Server) ListWebhooks(ctx context.Context, req *connect.Request[billdv1.ListWebhooksRequest]) (*connect.Response[billdv1.ListWebhooksResponse], error) {
	hooks, err := s.svc.ListWebhooks(ctx, principal(ctx), req.Msg.GetOrgId())
	if err != nil {
		return nil, err
	}
	out := make([]*billdv1.Webhook, len(hooks))
	for i, w := range hooks {
		out[i] = webhook(w)
	}
	return connect.NewResponse(&billdv1.ListWebhooksResponse{Webhooks: out}), nil
}

// UpdateWebhook replaces a webhook's url, types, description and enabled state (billd).
func (s *Server) UpdateWebhook(ctx context.Context, req *connect.Request[billdv1.UpdateWebhookRequest]) (*connect.Response[billdv1.UpdateWebhookResponse], error) {
	m := req.Msg
	w, err := s.svc.UpdateWebhook(ctx, principal(ctx), m.GetOrgId(), m.GetId(), billd.WebhookInput{URL: m.GetUrl(), Types: m.GetTypes(),
		Description: m.GetDescription(), Disabled: m.GetDisabled()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.UpdateWebhookResponse{Webhook: webhook(w)}), nil
}

// DeleteWebhook deletes a webhook and its delivery log (billd).
func (s *Server) DeleteWebhook(ctx context.Context, req *connect.Request[billdv1.DeleteWebhookRequest]) (*connect.Response[billdv1.DeleteWebhookResponse], error) {
	if err := s.svc.DeleteWebhook(ctx, principal(ctx), req.Msg.GetOrgId(), req.Msg.GetId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.DeleteWebhookResponse{}), nil
}

// ListWebhookDeliveries lists a webhook's deliveries with their attempts, newest first (billd).
func (s *Server) ListWebhookDeliveries(ctx context.Context, req *connect.Request[billdv1.ListWebhookDeliveriesRequest]) (*connect.Response[billdv1.ListWebhookDeliveriesResponse], error) {
	m := req.Msg
	page, err := pageRequest(m.GetPageSize(), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	ds, err := s.svc.ListWebhookDeliveries(ctx, principal(ctx), m.GetOrgId(), m.GetWebhookId(), page)
	if err != nil {
		return nil, err
	}
	items, next := fit(s, ds, webhookDelivery)
	return connect.NewResponse(&billdv1.ListWebhookDeliveriesResponse{Deliveries: items, NextPageToken: next}), nil
}

// RedeliverWebhook queues a delivery again, now (billd).
func (s *Server) RedeliverWebhook(ctx context.Context, req *connect.Request[billdv1.RedeliverWebhookRequest]) (*connect.Response[billdv1.RedeliverWebhookResponse], error) {
	m := req.Msg
	d, err := s.svc.RedeliverWebhook(ctx, principal(ctx), m.GetOrgId(), m.GetWebhookId(), m.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.RedeliverWebhookResponse{Delivery: webhookDelivery(d)}), nil
}

// webhook encodes a webhook, never with its secret.
func webhook(w *billd.Webhook) *billdv1.Webhook {
	types := make([]string, len(w.Types))
	for i, t := range w.Types {
		types[i] = string(t)
	}
	return &billdv1.Webhook{Id: w.ID, OrgId: w.OrgID, Url: w.URL, Types: types, Description: w.Description,
		Enabled: w.Enabled, CreatedAt: timestamp(w.CreatedAt)}
}

// webhookDelivery encodes a delivery with its log; next_attempt_at only while it is pending.
func webhookDelivery(d *billd.WebhookDelivery) *billdv1.WebhookDelivery {
	out := &billdv1.WebhookDelivery{Id: d.ID, WebhookId: d.WebhookID, EventId: d.NoticeID, Type: string(d.Type),
		State: string(d.State), Attempts: int32(d.Attempts), CreatedAt: timestamp(d.CreatedAt), UpdatedAt: timestamp(d.UpdatedAt)}
	if d.State == billd.DeliveryPending {
		out.NextAttemptAt = timestamp(d.NextAt)
	}
	for _, a := range d.Log {
		out.Log = append(out.Log, &billdv1.WebhookAttempt{N: int32(a.N), At: timestamp(a.At), StatusCode: int32(a.StatusCode),
			Error: a.Error, Response: a.Response})
	}
	return out
}
