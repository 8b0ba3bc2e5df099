package console

import (
	"net/http"

	"github.com/billd/billd"
)

// clientsData is the API clients page.
type clientsData struct {
	Clients  []*billd.APIClient
	Next     string
	Platform bool                // the principal is a platform admin: it may make platform clients
	OrgID    string              // the organization listed, if one
	Created  *billd.NewAPIClient // the client just made, whose secret is shown this once
	Roles    []billd.Role
	// NewID is the id the creation form proposes for the next client: posting the form again
	// (a reload) then names a client that exists and is refused, instead of making another.
	NewID string
}

// clients lists API clients: every one (or ?org's) for a platform admin, the organization's own
// for its owner; others get the Service's 403.
func (c *Console) clients(q *request) error {
	return c.showClients(q, nil)
}

// showClients renders the clients page, with a client just created.
func (c *Console) showClients(q *request, created *billd.NewAPIClient) error {
	req, err := pageRequest(q.r, pageParam, pageSize)
	if err != nil {
		return err
	}
	orgID := q.r.URL.Query().Get("org")
	if q.p.OrgID != "" {
		orgID = q.p.OrgID
	}
	list, err := c.svc.ListClients(q.r.Context(), q.p, orgID, req)
	if err != nil {
		return err
	}
	d := clientsData{Clients: list.Items, Next: nextLink(q.r, pageParam, list.NextPageToken), OrgID: orgID, Created: created,
		Platform: billd.Preauthorize(q.p, billd.PermSuper, "") == nil, NewID: billd.NewUUID()}
	d.Roles = []billd.Role{billd.RoleMember, billd.RoleAdmin, billd.RoleOwner} // an organization's
	if d.Platform {
		d.Roles = []billd.Role{billd.RoleAdmin, billd.RoleMeter, billd.RoleOwner, billd.RoleMember}
	}
	return c.page(q, http.StatusOK, "clients.html", "API clients", d)
}

// createClient creates an API client and shows its secret and API key, this once.
func (c *Console) createClient(q *request) error {
	f := q.r.PostForm
	in := billd.ClientInput{Name: f.Get("name"), Role: billd.Role(f.Get("role")), OrgID: f.Get("org"), ID: f.Get("id")}
	if q.p.OrgID != "" {
		in.OrgID = q.p.OrgID
	}
	nc, err := c.svc.CreateClient(q.r.Context(), q.p, in)
	if err != nil {
		return err
	}
	return c.showClients(q, nc)
}

// revokeClient revokes an API client (its sessions end with it).
func (c *Console) revokeClient(q *request) error {
	if err := c.svc.RevokeClient(q.r.Context(), q.p, q.r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/console/clients?done=revoked", http.StatusSeeOther)
	return nil
}

// revokeSessions ends every console session of an API client.
func (c *Console) revokeSessions(q *request) error {
	if err := c.svc.RevokeSessions(q.r.Context(), q.p, q.r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/console/clients?done=sessions", http.StatusSeeOther)
	return nil
}

// catalog shows the catalog: products with their prices, plans and features.
func (c *Console) catalog(q *request) error {
	cat, err := c.svc.Catalog(q.r.Context(), q.p)
	if err != nil {
		return err
	}
	return c.page(q, http.StatusOK, "catalog.html", "Catalog", cat)
}
