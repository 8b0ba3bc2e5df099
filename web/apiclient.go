package web

import (
	"net/http"

	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
)

func (h *Handler) createClient(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.CreateClientRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	c, err := h.svc.CreateClient(r.Context(), p, body.Input())
	if err != nil {
		return err
	}
	return ok(w, frontier.CreateClientResponse{Client: frontier.NewClient(c.Client), ClientSecret: c.Secret, APIKey: c.APIKey})
}

func (h *Handler) listClients(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	clients, err := h.svc.ListClients(r.Context(), p, r.URL.Query().Get("org_id"), page)
	if err != nil {
		return err
	}
	return writeList(w, h.limits.MaxResponseBytes, "clients", clients, func(c *billd.APIClient) any {
		return frontier.NewClient(c)
	})
}

func (h *Handler) revokeClient(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	if err := h.svc.RevokeClient(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return ok(w, frontier.Empty{})
}
