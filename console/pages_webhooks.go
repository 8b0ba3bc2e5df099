package console

import (
	"net/http"

	"github.com/billd/billd"
)

// webhooksData is an organization's webhooks page.
type webhooksData struct {
	OrgID string
	Hooks []*billd.Webhook
}

// webhooks lists an organization's webhook endpoints.
func (c *Console) webhooks(q *request) error {
	orgID := q.r.PathValue("org")
	hooks, err := c.svc.ListWebhooks(q.r.Context(), q.p, orgID)
	if err != nil {
		return err
	}
	return c.page(q, http.StatusOK, "webhooks.html", "Webhooks", webhooksData{OrgID: orgID, Hooks: hooks})
}

// deliveriesData is a webhook's delivery log.
type deliveriesData struct {
	OrgID, HookID string
	Deliveries    []*billd.WebhookDelivery
	Next          string
	CanRedeliver  bool
}

// deliveries shows a webhook's deliveries, newest first, with each one's attempts.
func (c *Console) deliveries(q *request) error {
	orgID, hookID := q.r.PathValue("org"), q.r.PathValue("hook")
	req, err := pageRequest(q.r, shortList)
	if err != nil {
		return err
	}
	list, err := c.svc.ListWebhookDeliveries(q.r.Context(), q.p, orgID, hookID, req)
	if err != nil {
		return err
	}
	d := deliveriesData{OrgID: orgID, HookID: hookID, Deliveries: list.Items, Next: nextLink(q.r, list.NextPageToken),
		CanRedeliver: billd.Preauthorize(q.p, billd.PermUpdate, orgID) == nil}
	return c.page(q, http.StatusOK, "deliveries.html", "Webhook deliveries", d)
}

// redeliver queues a delivery again and goes back to the log.
func (c *Console) redeliver(q *request) error {
	orgID, hookID := q.r.PathValue("org"), q.r.PathValue("hook")
	if _, err := c.svc.RedeliverWebhook(q.r.Context(), q.p, orgID, hookID, q.r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/console/orgs/"+orgID+"/webhooks/"+hookID+"?done=redelivered", http.StatusSeeOther)
	return nil
}
