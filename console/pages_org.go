package console

import (
	"net/http"
	"net/url"

	"github.com/billd/billd"
)

// home sends an organization's principal to its organization and a platform principal to the
// list of organizations.
func (c *Console) home(q *request) error {
	target := "/console/orgs"
	if q.p.OrgID != "" {
		target += "/" + q.p.OrgID
	}
	http.Redirect(q.w, q.r, target, http.StatusSeeOther)
	return nil
}

// orgsData is the organizations page.
type orgsData struct {
	Orgs      []*billd.Organization
	Next      string // the next page's link, or ""
	CanCreate bool
}

// organizations lists the organizations (platform admins), with the form that creates one.
func (c *Console) organizations(q *request) error {
	req, err := pageRequest(q.r, pageParam, pageSize)
	if err != nil {
		return err
	}
	list, err := c.svc.ListOrganizations(q.r.Context(), q.p, "", req)
	if err != nil {
		return err
	}
	d := orgsData{Orgs: list.Items, Next: nextLink(q.r, pageParam, list.NextPageToken),
		CanCreate: billd.Preauthorize(q.p, billd.PermSuper, "") == nil}
	return c.page(q, http.StatusOK, "orgs.html", "Organizations", d)
}

// createOrganization creates an organization from the form and opens its page.
func (c *Console) createOrganization(q *request) error {
	o, err := c.svc.CreateOrganization(q.r.Context(), q.p, billd.OrganizationInput{
		Name: q.r.PostForm.Get("name"), Title: q.r.PostForm.Get("title")})
	if err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/console/orgs/"+o.ID+"?done=created", http.StatusSeeOther)
	return nil
}

// orgData is an organization's page.
type orgData struct {
	Org      *billd.Organization
	Accounts []*billd.BillingAccount
	Next     string
}

// organization shows an organization and its billing accounts.
func (c *Console) organization(q *request) error {
	ctx := q.r.Context()
	req, err := pageRequest(q.r, pageParam, pageSize)
	if err != nil {
		return err
	}
	o, err := c.svc.Organization(ctx, q.p, q.r.PathValue("org"))
	if err != nil {
		return err
	}
	list, err := c.svc.ListBillingAccounts(ctx, q.p, o.ID, req)
	if err != nil {
		return err
	}
	title := o.Title
	if title == "" {
		title = o.Name
	}
	return c.page(q, http.StatusOK, "org.html", title, orgData{Org: o, Accounts: list.Items, Next: nextLink(q.r, pageParam, list.NextPageToken)})
}

// pageRequest reads the page token of a list from the query parameter param ("page" on a page of
// one list; a page of several gives each its own), bounded. The Service checks that it is one it
// issued.
func pageRequest(r *http.Request, param string, size int) (billd.PageRequest, error) {
	token := r.URL.Query().Get(param)
	if len(token) > maxParamBytes {
		return billd.PageRequest{}, billd.Errorf(billd.EINVALID, "the %s parameter is too long", param)
	}
	return billd.PageRequest{PageSize: size, PageToken: token}, nil
}

// nextLink returns the request's URL with ?param set to token, or "" when there is no next page.
func nextLink(r *http.Request, param, token string) string {
	if token == "" {
		return ""
	}
	return pageLink(r, param, token)
}

// pageLink returns the request's URL with ?param set to token, or without ?param when it is "";
// the other parameters (filters, other lists' pages) stay.
func pageLink(r *http.Request, param, token string) string {
	v := url.Values{}
	for k, vals := range r.URL.Query() {
		if k != param && k != "done" && len(vals) > 0 {
			v.Set(k, vals[0])
		}
	}
	if token != "" {
		v.Set(param, token)
	}
	if len(v) == 0 {
		return r.URL.Path
	}
	return r.URL.Path + "?" + v.Encode()
}
