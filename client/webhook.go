package client

import (
	"context"
	"net/url"
)

// Webhook is a registered webhook; Secret is set only by CreateWebhook.
type Webhook struct {
	ID     string
	Secret string
}

// webhooksPath is the path of an organization's webhooks, or of the platform-wide ones when
// orgID is "".
func webhooksPath(orgID string) string {
	if orgID == "" {
		return "/v1beta1/admin/webhooks"
	}
	return "/v1beta1/organizations/" + url.PathEscape(orgID) + "/webhooks"
}

// CreateWebhook registers a webhook of the organization (orgID "" : a platform-wide one) at u for
// the event types (none: all) and returns it with its signing secret, which is shown only now.
func (c *Client) CreateWebhook(ctx context.Context, orgID, u string, types ...string) (Webhook, error) {
	var out struct {
		Webhook struct {
			ID string `json:"id"`
		} `json:"webhook"`
		Secret string `json:"secret"`
	}
	err := c.do(ctx, "POST", webhooksPath(orgID), map[string]any{"url": u, "types": types}, &out, nil)
	return Webhook{ID: out.Webhook.ID, Secret: out.Secret}, err
}

// DeleteWebhook deletes a webhook with its delivery log.
func (c *Client) DeleteWebhook(ctx context.Context, orgID, id string) error {
	return c.do(ctx, "DELETE", webhooksPath(orgID)+"/"+url.PathEscape(id), nil, nil, nil)
}

// Delivery is one event on its way to a webhook, as its log shows it.
type Delivery struct {
	ID       string `json:"id"`
	EventID  string `json:"event_id"`
	Type     string `json:"type"`
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
}

// WebhookDeliveries returns the first page of a webhook's deliveries, newest first.
func (c *Client) WebhookDeliveries(ctx context.Context, orgID, webhookID string) ([]Delivery, error) {
	var out struct {
		Deliveries []Delivery `json:"deliveries"`
	}
	err := c.do(ctx, "GET", webhooksPath(orgID)+"/"+url.PathEscape(webhookID)+"/deliveries", nil, &out, nil)
	return out.Deliveries, err
}

// RedeliverWebhook queues a delivery again, now.
func (c *Client) RedeliverWebhook(ctx context.Context, orgID, webhookID, deliveryID string) error {
	return c.do(ctx, "POST", webhooksPath(orgID)+"/"+url.PathEscape(webhookID)+"/deliveries/"+url.PathEscape(deliveryID)+"/redeliver",
		map[string]any{}, nil, nil)
}
