package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/billd/billd"
)

// webhooksData is an organization's webhooks page.
type webhooksData struct {
	OrgID     string
	Hooks     []*billd.Webhook
	CanManage bool           // the principal may add, enable, disable and delete endpoints
	Created   *billd.Webhook // the endpoint just added, whose secret is shown this once
	Form      webhookForm
}

// webhookForm is the new-endpoint form: a new id and nothing else, or what was sent with a
// request the Service refused, to correct it.
type webhookForm struct {
	// ID is the id the form proposes for the next endpoint: posting the form again (a reload)
	// then names an endpoint that exists and is refused, instead of making another.
	ID               string
	URL, Description string
	Types            []typeChoice
}

// typeChoice is one event type's checkbox.
type typeChoice struct {
	Name    billd.NoticeType
	Checked bool
}

// newWebhookForm returns the form with in's values and id (a new one if in has none, or one that
// is not a UUID).
func newWebhookForm(in billd.WebhookInput) webhookForm {
	f := webhookForm{ID: in.ID, URL: in.URL, Description: in.Description}
	if !billd.IsUUID(f.ID) {
		f.ID = billd.NewUUID()
	}
	for _, t := range billd.NoticeTypes {
		f.Types = append(f.Types, typeChoice{Name: t, Checked: slices.Contains(in.Types, string(t))})
	}
	return f
}

// webhooks lists an organization's webhook endpoints, with the form that adds one.
func (c *Console) webhooks(q *request) error {
	return c.showWebhooks(q, nil, billd.WebhookInput{}, nil)
}

// showWebhooks renders the webhooks page: with the endpoint just created, or with the Service's
// refusal of the form in (shown on the page with the form's values, under the refusal's status).
func (c *Console) showWebhooks(q *request, created *billd.Webhook, in billd.WebhookInput, refused error) error {
	orgID := q.r.PathValue("org")
	hooks, err := c.svc.ListWebhooks(q.r.Context(), q.p, orgID)
	if err != nil {
		return err
	}
	d := webhooksData{OrgID: orgID, Hooks: hooks, Created: created, Form: newWebhookForm(in),
		CanManage: billd.Preauthorize(q.p, billd.PermUpdate, orgID) == nil}
	if refused == nil {
		return c.page(q, http.StatusOK, "webhooks.html", "Webhooks", d)
	}
	status := billd.HTTPStatus(billd.ErrorCode(refused))
	if status >= http.StatusInternalServerError {
		return refused
	}
	if billd.ErrorCode(refused) == billd.ECONFLICT { // its id is taken: the next try needs another
		d.Form.ID = billd.NewUUID()
	}
	return c.problemPage(q, status, "webhooks.html", "Webhooks", billd.ErrorMessage(refused), d)
}

// createWebhook adds an endpoint from the form and shows its signing secret, this once. A
// refused form is shown again with the Service's reason.
func (c *Console) createWebhook(q *request) error {
	f := q.r.PostForm
	in := billd.WebhookInput{ID: f.Get("id"), URL: strings.TrimSpace(f.Get("url")), Types: f["types"], Description: f.Get("description")}
	w, err := c.svc.CreateWebhook(q.r.Context(), q.p, q.r.PathValue("org"), in)
	if err != nil {
		return c.showWebhooks(q, nil, in, err)
	}
	return c.showWebhooks(q, w, billd.WebhookInput{}, nil)
}

// webhookOf returns the organization's webhook of the request's path, as ListWebhooks shows it.
func (c *Console) webhookOf(q *request) (*billd.Webhook, error) {
	hooks, err := c.svc.ListWebhooks(q.r.Context(), q.p, q.r.PathValue("org"))
	if err != nil {
		return nil, err
	}
	id := q.r.PathValue("hook")
	for _, w := range hooks {
		if strings.EqualFold(w.ID, id) {
			return w, nil
		}
	}
	return nil, billd.Errorf(billd.ENOTFOUND, "webhook not found")
}

// setWebhookEnabled enables (enabled=true) or disables an endpoint; its other settings are not
// touched (a change made meanwhile through the API stands).
func (c *Console) setWebhookEnabled(q *request) error {
	w, err := c.webhookOf(q)
	if err != nil {
		return err
	}
	enabled := q.r.PostForm.Get("enabled") == "true"
	if _, err := c.svc.SetWebhookEnabled(q.r.Context(), q.p, w.OrgID, w.ID, enabled); err != nil {
		return err
	}
	done := "disabled"
	if enabled {
		done = "enabled"
	}
	http.Redirect(q.w, q.r, "/console/orgs/"+w.OrgID+"/webhooks?done="+done, http.StatusSeeOther)
	return nil
}

// confirmDeleteWebhook asks whether to delete an endpoint: the step that stands between a click
// and a deletion, without JavaScript.
func (c *Console) confirmDeleteWebhook(q *request) error {
	w, err := c.webhookOf(q)
	if err != nil {
		return err
	}
	return c.page(q, http.StatusOK, "webhook_delete.html", "Delete a webhook endpoint", w)
}

// deleteWebhook deletes an endpoint with its delivery log, from the confirmation page's form.
func (c *Console) deleteWebhook(q *request) error {
	orgID := q.r.PathValue("org")
	if err := c.svc.DeleteWebhook(q.r.Context(), q.p, orgID, q.r.PathValue("hook")); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/console/orgs/"+orgID+"/webhooks?done=deleted", http.StatusSeeOther)
	return nil
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
	req, err := pageRequest(q.r, pageParam, shortList)
	if err != nil {
		return err
	}
	list, err := c.svc.ListWebhookDeliveries(q.r.Context(), q.p, orgID, hookID, req)
	if err != nil {
		return err
	}
	d := deliveriesData{OrgID: orgID, HookID: hookID, Deliveries: list.Items, Next: nextLink(q.r, pageParam, list.NextPageToken),
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
