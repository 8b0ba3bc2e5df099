package web

import (
	"net/http"

	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
)

func (h *Handler) createBillingAccount(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.CreateBillingAccountRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	orgID := r.PathValue("org_id")
	if err := samePath("org_id", body.OrgID, orgID); err != nil {
		return err
	}
	a, err := h.svc.CreateBillingAccount(r.Context(), p, orgID, body.Body.Input())
	if err != nil {
		return err
	}
	return ok(w, frontier.BillingAccountResponse{BillingAccount: frontier.NewBillingAccount(a, nil)})
}

func (h *Handler) listBillingAccounts(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	orgID := r.PathValue("org_id")
	accounts, err := h.svc.ListBillingAccounts(r.Context(), p, orgID, page)
	if err != nil {
		return err
	}
	var orgs map[string]*billd.Organization
	if expandOrganization(r) {
		o, err := h.svc.Organization(r.Context(), p, orgID)
		if err != nil {
			return err
		}
		orgs = map[string]*billd.Organization{o.ID: o}
	}
	return h.writeAccounts(w, accounts, orgs)
}

// expandOrganization reports whether expand asks for the organization (as "organization" or "org").
func expandOrganization(r *http.Request) bool {
	e := queryExpand(r)
	return e["organization"] || e["org"]
}

// getBillingAccount serves seed 001: the account, its payment methods (billd has no payment
// provider yet, so the list is empty) and, on request, its billing details.
func (h *Handler) getBillingAccount(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	if _, err := queryBool(r, "with_payment_methods"); err != nil {
		return err
	}
	withDetails, err := queryBool(r, "with_billing_details")
	if err != nil {
		return err
	}
	a, err := h.svc.BillingAccount(r.Context(), p, r.PathValue("org_id"), r.PathValue("id"))
	if err != nil {
		return err
	}
	var org *billd.Organization
	if expandOrganization(r) {
		if org, err = h.svc.Organization(r.Context(), p, a.OrgID); err != nil {
			return err
		}
	}
	resp := frontier.GetBillingAccountResponse{BillingAccount: frontier.NewBillingAccount(a, org),
		PaymentMethods: []frontier.PaymentMethod{}}
	if withDetails {
		resp.BillingDetails = frontier.NewBillingAccountDetails(billd.AccountDetails{CreditMin: a.CreditMin, DueInDays: a.DueInDays})
	}
	return ok(w, resp)
}

func (h *Handler) updateBillingAccount(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.UpdateBillingAccountRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := h.sameAccountPath(r, body.OrgID, body.ID); err != nil {
		return err
	}
	a, err := h.svc.UpdateBillingAccount(r.Context(), p, r.PathValue("org_id"), r.PathValue("id"), body.Body.Input())
	if err != nil {
		return err
	}
	return ok(w, frontier.BillingAccountResponse{BillingAccount: frontier.NewBillingAccount(a, nil)})
}

// sameAccountPath checks org_id and id given in a body against the path.
func (h *Handler) sameAccountPath(r *http.Request, orgID, id string) error {
	if err := samePath("org_id", orgID, r.PathValue("org_id")); err != nil {
		return err
	}
	return samePath("id", id, r.PathValue("id"))
}

func (h *Handler) deleteBillingAccount(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	if err := h.svc.DeleteBillingAccount(r.Context(), p, r.PathValue("org_id"), r.PathValue("id")); err != nil {
		return err
	}
	return ok(w, frontier.Empty{})
}

func (h *Handler) enableBillingAccount(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	return h.setAccountState(w, r, p, billd.AccountActive)
}

func (h *Handler) disableBillingAccount(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	return h.setAccountState(w, r, p, billd.AccountDisabled)
}

func (h *Handler) setAccountState(w http.ResponseWriter, r *http.Request, p billd.Principal, state billd.AccountState) error {
	var body struct {
		OrgID string `json:"org_id"`
		ID    string `json:"id"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := h.sameAccountPath(r, body.OrgID, body.ID); err != nil {
		return err
	}
	if err := h.svc.SetBillingAccountState(r.Context(), p, r.PathValue("org_id"), r.PathValue("id"), state); err != nil {
		return err
	}
	return ok(w, frontier.Empty{})
}

// getBalance serves seed 000.
func (h *Handler) getBalance(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	b, err := h.svc.Balance(r.Context(), p, r.PathValue("org_id"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, frontier.BalanceResponse{Balance: frontier.NewBalance(b)})
}

func (h *Handler) getAccountDetails(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	d, err := h.svc.AccountDetails(r.Context(), p, r.PathValue("org_id"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, frontier.NewBillingAccountDetails(d))
}

func (h *Handler) updateAccountDetails(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.UpdateDetailsRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := h.sameAccountPath(r, body.OrgID, body.ID); err != nil {
		return err
	}
	if err := h.svc.UpdateAccountDetails(r.Context(), p, r.PathValue("org_id"), r.PathValue("id"), body.Update()); err != nil {
		return err
	}
	return ok(w, frontier.Empty{})
}

func (h *Handler) updateAccountLimits(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.UpdateLimitsRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := h.sameAccountPath(r, body.OrgID, body.ID); err != nil {
		return err
	}
	u := frontier.UpdateDetailsRequest{CreditMin: body.CreditMin}
	if err := h.svc.UpdateAccountDetails(r.Context(), p, r.PathValue("org_id"), r.PathValue("id"), u.Update()); err != nil {
		return err
	}
	return ok(w, frontier.Empty{})
}

func (h *Handler) listAllBillingAccounts(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	accounts, err := h.svc.ListAllBillingAccounts(r.Context(), p, r.URL.Query().Get("org_id"), page)
	if err != nil {
		return err
	}
	return h.writeAccounts(w, accounts, nil)
}

// writeAccounts writes a page of accounts; orgs, if not nil, expands each account's organization.
func (h *Handler) writeAccounts(w http.ResponseWriter, accounts billd.Page[*billd.BillingAccount], orgs map[string]*billd.Organization) error {
	return writeList(w, h.limits.MaxResponseBytes, "billing_accounts", accounts, func(a *billd.BillingAccount) any {
		return frontier.NewBillingAccount(a, orgs[a.OrgID])
	})
}
