package web

import "github.com/billd/billd"

// routes lists billd's whole URL surface. Paths and fields follow the Frontier v1beta1 contract;
// the rows marked "billd" are billd's own extensions. Each API route says what its caller must be
// allowed before the body is read: a permission on the organization of a path wildcard (orgIn),
// or on some organization when the path names none (anyOrg).
func (h *Handler) routes() {
	h.mux.HandleFunc("GET /healthz", h.live)
	h.mux.HandleFunc("GET /readyz", h.ready)

	// Organizations and projects.
	h.handle("POST /v1beta1/organizations", anyOrg(billd.PermSuper), h.createOrganization)
	h.handle("GET /v1beta1/organizations", anyOrg(billd.PermRead), h.listOrganizations)
	h.handle("GET /v1beta1/organizations/{id}", orgIn("id", billd.PermRead), h.getOrganization)
	h.handle("PUT /v1beta1/organizations/{id}", orgIn("id", billd.PermUpdate), h.updateOrganization)
	h.handle("DELETE /v1beta1/organizations/{id}", orgIn("id", billd.PermDelete), h.deleteOrganization)
	h.handle("POST /v1beta1/organizations/{id}/enable", orgIn("id", billd.PermDelete), h.enableOrganization)
	h.handle("POST /v1beta1/organizations/{id}/disable", orgIn("id", billd.PermDelete), h.disableOrganization)
	h.handle("GET /v1beta1/organizations/{id}/projects", orgIn("id", billd.PermRead), h.listProjects)
	h.handle("POST /v1beta1/projects", anyOrg(billd.PermUpdate), h.createProject)
	h.handle("GET /v1beta1/projects/{id}", anyOrg(billd.PermRead), h.getProject)
	h.handle("PUT /v1beta1/projects/{id}", anyOrg(billd.PermUpdate), h.updateProject)
	h.handle("DELETE /v1beta1/projects/{id}", anyOrg(billd.PermUpdate), h.deleteProject)

	// Billing accounts.
	h.handle("POST /v1beta1/organizations/{org_id}/billing", orgIn("org_id", billd.PermDelete), h.createBillingAccount)
	h.handle("GET /v1beta1/organizations/{org_id}/billing", orgIn("org_id", billd.PermRead), h.listBillingAccounts)
	h.handle("GET /v1beta1/organizations/{org_id}/billing/{id}", orgIn("org_id", billd.PermRead), h.getBillingAccount)
	h.handle("PUT /v1beta1/organizations/{org_id}/billing/{id}", orgIn("org_id", billd.PermDelete), h.updateBillingAccount)
	h.handle("DELETE /v1beta1/organizations/{org_id}/billing/{id}", orgIn("org_id", billd.PermDelete), h.deleteBillingAccount)
	h.handle("POST /v1beta1/organizations/{org_id}/billing/{id}/enable", orgIn("org_id", billd.PermDelete), h.enableBillingAccount)
	h.handle("POST /v1beta1/organizations/{org_id}/billing/{id}/disable", orgIn("org_id", billd.PermDelete), h.disableBillingAccount)
	h.handle("GET /v1beta1/organizations/{org_id}/billing/{id}/balance", orgIn("org_id", billd.PermReadBalance), h.getBalance)
	h.handle("GET /v1beta1/admin/organizations/{org_id}/billing/{id}/details", orgIn("org_id", billd.PermSuper), h.getAccountDetails)
	h.handle("PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/details", orgIn("org_id", billd.PermSuper), h.updateAccountDetails)
	h.handle("PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/limits", orgIn("org_id", billd.PermSuper), h.updateAccountLimits)
	h.handle("GET /v1beta1/admin/billing/accounts", anyOrg(billd.PermSuper), h.listAllBillingAccounts)

	// Credit ledger.
	h.handle("POST /v1beta1/organizations/{org_id}/billing/{billing_id}/usages", orgIn("org_id", billd.PermMeter), h.createUsage)
	h.handle("POST /v1beta1/organizations/billing/usages", anyOrg(billd.PermMeter), h.createUsage)
	h.handle("POST /v1beta1/organizations/billing/usages/revert", anyOrg(billd.PermMeter), h.revertUsage)
	h.handle("POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/usage/{usage_id}/revert", orgIn("org_id", billd.PermMeter), h.revertUsage)
	h.handle("GET /v1beta1/organizations/{org_id}/billing/{billing_id}/transactions", orgIn("org_id", billd.PermRead), h.listTransactions)
	h.handle("GET /v1beta1/organizations/{org_id}/billing/transactions", orgIn("org_id", billd.PermRead), h.listTransactions)
	h.handle("GET /v1beta1/organizations/{org_id}/billing/{billing_id}/debited_transactions_total", orgIn("org_id", billd.PermReadBalance), h.debitedTotal)
	h.handle("POST /v1beta1/billing/check", anyOrg(billd.PermReadBalance), h.checkCredit)
	h.handle("POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/credits", orgIn("org_id", billd.PermSuper), h.grantCredits) // billd
	h.handle("GET /v1beta1/admin/billing/verify", anyOrg(billd.PermSuper), h.verifyLedger)                                                // billd

	// API clients (billd).
	h.handle("POST /v1beta1/admin/clients", anyOrg(billd.PermDelete), h.createClient)
	h.handle("GET /v1beta1/admin/clients", anyOrg(billd.PermDelete), h.listClients)
	h.handle("DELETE /v1beta1/admin/clients/{id}", anyOrg(billd.PermDelete), h.revokeClient)
}
