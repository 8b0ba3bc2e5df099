package web

import (
	"net/http"

	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
)

func (h *Handler) createOrganization(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.OrganizationRequestBody
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	o, err := h.svc.CreateOrganization(r.Context(), p, body.Input())
	if err != nil {
		return err
	}
	return ok(w, frontier.OrganizationResponse{Organization: frontier.NewOrganization(o)})
}

func (h *Handler) listOrganizations(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	q := r.URL.Query()
	if q.Get("user_id") != "" {
		return billd.Errorf(billd.EINVALID, "user_id is not supported: billd has API clients, not users")
	}
	if n, err := queryInt(r, "page_num"); err != nil || n > 1 {
		if err != nil {
			return err
		}
		return billd.Errorf(billd.EINVALID, "page_num is not supported: pass next_page_token as page_token")
	}
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	orgs, err := h.svc.ListOrganizations(r.Context(), p, billd.OrgState(q.Get("state")), page)
	if err != nil {
		return err
	}
	return writeList(w, h.limits.MaxResponseBytes, "organizations", orgs, func(o *billd.Organization) any {
		return frontier.NewOrganization(o)
	})
}

func (h *Handler) getOrganization(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	o, err := h.svc.Organization(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, frontier.OrganizationResponse{Organization: frontier.NewOrganization(o)})
}

func (h *Handler) updateOrganization(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.OrganizationRequestBody
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	o, err := h.svc.UpdateOrganization(r.Context(), p, r.PathValue("id"), body.Input())
	if err != nil {
		return err
	}
	return ok(w, frontier.OrganizationResponse{Organization: frontier.NewOrganization(o)})
}

func (h *Handler) deleteOrganization(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	if err := h.svc.DeleteOrganization(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return ok(w, frontier.Empty{})
}

func (h *Handler) enableOrganization(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	return h.setOrganizationState(w, r, p, billd.OrgEnabled)
}

func (h *Handler) disableOrganization(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	return h.setOrganizationState(w, r, p, billd.OrgDisabled)
}

func (h *Handler) setOrganizationState(w http.ResponseWriter, r *http.Request, p billd.Principal, state billd.OrgState) error {
	var body struct {
		ID string `json:"id"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := samePath("id", body.ID, r.PathValue("id")); err != nil {
		return err
	}
	if err := h.svc.SetOrganizationState(r.Context(), p, r.PathValue("id"), state); err != nil {
		return err
	}
	return ok(w, frontier.Empty{})
}

func (h *Handler) listProjects(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	if _, err := queryBool(r, "with_member_count"); err != nil {
		return err
	}
	projects, err := h.svc.ListProjects(r.Context(), p, r.PathValue("id"), billd.ProjectState(r.URL.Query().Get("state")), page)
	if err != nil {
		return err
	}
	return writeList(w, h.limits.MaxResponseBytes, "projects", projects, func(pr *billd.Project) any {
		return frontier.NewProject(pr)
	})
}

func (h *Handler) createProject(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.ProjectRequestBody
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	pr, err := h.svc.CreateProject(r.Context(), p, body.Input())
	if err != nil {
		return err
	}
	return ok(w, frontier.ProjectResponse{Project: frontier.NewProject(pr)})
}

func (h *Handler) getProject(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	pr, err := h.svc.Project(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, frontier.ProjectResponse{Project: frontier.NewProject(pr)})
}

func (h *Handler) updateProject(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.ProjectRequestBody
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	pr, err := h.svc.UpdateProject(r.Context(), p, r.PathValue("id"), body.Input())
	if err != nil {
		return err
	}
	return ok(w, frontier.ProjectResponse{Project: frontier.NewProject(pr)})
}

func (h *Handler) deleteProject(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	if err := h.svc.DeleteProject(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return ok(w, frontier.Empty{})
}
