package web

import "net/http"

// routes lists billd's whole URL surface. Paths and fields follow the Frontier v1beta1 contract;
// the rows marked "billd" are billd's own extensions.
func (h *Handler) routes() {
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})

	// Organizations and projects.
	h.handle("POST /v1beta1/organizations", h.createOrganization)
	h.handle("GET /v1beta1/organizations", h.listOrganizations)
	h.handle("GET /v1beta1/organizations/{id}", h.getOrganization)
	h.handle("PUT /v1beta1/organizations/{id}", h.updateOrganization)
	h.handle("DELETE /v1beta1/organizations/{id}", h.deleteOrganization)
	h.handle("POST /v1beta1/organizations/{id}/enable", h.enableOrganization)
	h.handle("POST /v1beta1/organizations/{id}/disable", h.disableOrganization)
	h.handle("GET /v1beta1/organizations/{id}/projects", h.listProjects)
	h.handle("POST /v1beta1/projects", h.createProject)
	h.handle("GET /v1beta1/projects/{id}", h.getProject)
	h.handle("PUT /v1beta1/projects/{id}", h.updateProject)
	h.handle("DELETE /v1beta1/projects/{id}", h.deleteProject)

	// Billing accounts.
	h.handle("POST /v1beta1/organizations/{org_id}/billing", h.createBillingAccount)
	h.handle("GET /v1beta1/organizations/{org_id}/billing", h.listBillingAccounts)
	h.handle("GET /v1beta1/organizations/{org_id}/billing/{id}", h.getBillingAccount)
	h.handle("PUT /v1beta1/organizations/{org_id}/billing/{id}", h.updateBillingAccount)
	h.handle("DELETE /v1beta1/organizations/{org_id}/billing/{id}", h.deleteBillingAccount)
	h.handle("POST /v1beta1/organizations/{org_id}/billing/{id}/enable", h.enableBillingAccount)
	h.handle("POST /v1beta1/organizations/{org_id}/billing/{id}/disable", h.disableBillingAccount)
	h.handle("GET /v1beta1/organizations/{org_id}/billing/{id}/balance", h.getBalance)
	h.handle("GET /v1beta1/admin/organizations/{org_id}/billing/{id}/details", h.getAccountDetails)
	h.handle("PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/details", h.updateAccountDetails)
	h.handle("PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/limits", h.updateAccountLimits)
	h.handle("GET /v1beta1/admin/billing/accounts", h.listAllBillingAccounts)

	// Credit ledger.
	h.handle("POST /v1beta1/organizations/{org_id}/billing/{billing_id}/usages", h.createUsage)
	h.handle("POST /v1beta1/organizations/billing/usages", h.createUsage)
	h.handle("POST /v1beta1/organizations/billing/usages/revert", h.revertUsage)
	h.handle("POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/usage/{usage_id}/revert", h.revertUsage)
	h.handle("GET /v1beta1/organizations/{org_id}/billing/{billing_id}/transactions", h.listTransactions)
	h.handle("GET /v1beta1/organizations/{org_id}/billing/transactions", h.listTransactions)
	h.handle("GET /v1beta1/organizations/{org_id}/billing/{billing_id}/debited_transactions_total", h.debitedTotal)
	h.handle("POST /v1beta1/billing/check", h.checkCredit)
	h.handle("POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/credits", h.grantCredits) // billd
	h.handle("GET /v1beta1/admin/billing/verify", h.verifyLedger)                                       // billd

	// API clients (billd).
	h.handle("POST /v1beta1/admin/clients", h.createClient)
	h.handle("GET /v1beta1/admin/clients", h.listClients)
	h.handle("DELETE /v1beta1/admin/clients/{id}", h.revokeClient)
}
