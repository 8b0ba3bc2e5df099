package web

import (
	"github.com/billd/billd"
	"github.com/billd/billd/web/cudo"
	"github.com/billd/billd/web/frontier"
	bc "github.com/billd/billd/web/frontier/billdv1/billdv1connect"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
)

// permissions is what each RPC asks of its caller before its body is read, on every transport:
// a permission on the organization the REST path names (orgIn) or, on Connect and gRPC and on
// REST paths that name none, on some organization (the use case then checks the organization it
// finds in the request or the object). It is never stricter than the use case.
var permissions = map[string]billd.Permission{
	fc.FrontierServiceListOrganizationsProcedure:        billd.PermRead,
	fc.FrontierServiceCreateOrganizationProcedure:       billd.PermSuper,
	fc.FrontierServiceGetOrganizationProcedure:          billd.PermRead,
	fc.FrontierServiceUpdateOrganizationProcedure:       billd.PermUpdate,
	fc.FrontierServiceListOrganizationProjectsProcedure: billd.PermRead,
	fc.FrontierServiceEnableOrganizationProcedure:       billd.PermDelete,
	fc.FrontierServiceDisableOrganizationProcedure:      billd.PermDelete,
	fc.FrontierServiceDeleteOrganizationProcedure:       billd.PermDelete,
	fc.FrontierServiceCreateProjectProcedure:            billd.PermUpdate,
	fc.FrontierServiceGetProjectProcedure:               billd.PermRead,
	fc.FrontierServiceUpdateProjectProcedure:            billd.PermUpdate,
	fc.FrontierServiceDeleteProjectProcedure:            billd.PermUpdate,

	fc.FrontierServiceCreateBillingAccountProcedure:     billd.PermDelete,
	fc.FrontierServiceListBillingAccountsProcedure:      billd.PermRead,
	fc.FrontierServiceGetBillingAccountProcedure:        billd.PermRead,
	fc.FrontierServiceUpdateBillingAccountProcedure:     billd.PermDelete,
	fc.FrontierServiceDeleteBillingAccountProcedure:     billd.PermDelete,
	fc.FrontierServiceEnableBillingAccountProcedure:     billd.PermDelete,
	fc.FrontierServiceDisableBillingAccountProcedure:    billd.PermDelete,
	fc.FrontierServiceGetBillingBalanceProcedure:        billd.PermReadBalance,
	fc.AdminServiceGetBillingAccountDetailsProcedure:    billd.PermSuper,
	fc.AdminServiceUpdateBillingAccountDetailsProcedure: billd.PermSuper,
	fc.AdminServiceUpdateBillingAccountLimitsProcedure:  billd.PermSuper,
	fc.AdminServiceListAllBillingAccountsProcedure:      billd.PermSuper,

	fc.FrontierServiceCreateBillingUsageProcedure:       billd.PermMeter,
	fc.AdminServiceRevertBillingUsageProcedure:          billd.PermMeter,
	fc.FrontierServiceListBillingTransactionsProcedure:  billd.PermRead,
	fc.FrontierServiceTotalDebitedTransactionsProcedure: billd.PermReadBalance,
	fc.FrontierServiceCheckCreditEntitlementProcedure:   billd.PermReadBalance,
	bc.BilldServiceGrantCreditsProcedure:                billd.PermSuper,
	bc.BilldServiceVerifyLedgerProcedure:                billd.PermSuper,

	fc.FrontierServiceListPlansProcedure:     billd.PermAuthenticated,
	fc.FrontierServiceGetPlanProcedure:       billd.PermAuthenticated,
	fc.FrontierServiceCreatePlanProcedure:    billd.PermSuper,
	fc.FrontierServiceUpdatePlanProcedure:    billd.PermSuper,
	fc.AdminServiceCreatePlanProcedure:       billd.PermSuper,
	fc.AdminServiceUpdatePlanProcedure:       billd.PermSuper,
	fc.AdminServiceListAllPlansProcedure:     billd.PermSuper,
	fc.FrontierServiceListProductsProcedure:  billd.PermAuthenticated,
	fc.FrontierServiceGetProductProcedure:    billd.PermAuthenticated,
	fc.FrontierServiceCreateProductProcedure: billd.PermSuper,
	fc.FrontierServiceUpdateProductProcedure: billd.PermSuper,
	fc.FrontierServiceListFeaturesProcedure:  billd.PermAuthenticated,
	fc.FrontierServiceGetFeatureProcedure:    billd.PermAuthenticated,
	fc.FrontierServiceCreateFeatureProcedure: billd.PermSuper,
	fc.FrontierServiceUpdateFeatureProcedure: billd.PermSuper,

	fc.FrontierServiceCreateCheckoutProcedure: billd.PermDelete,
	fc.FrontierServiceListCheckoutsProcedure:  billd.PermDelete,
	fc.FrontierServiceGetCheckoutProcedure:    billd.PermDelete,
	fc.AdminServiceDelegatedCheckoutProcedure: billd.PermSuper,

	fc.FrontierServiceListSubscriptionsProcedure:       billd.PermRead,
	fc.FrontierServiceGetSubscriptionProcedure:         billd.PermRead,
	fc.FrontierServiceUpdateSubscriptionProcedure:      billd.PermDelete,
	fc.FrontierServiceCancelSubscriptionProcedure:      billd.PermDelete,
	fc.FrontierServiceChangeSubscriptionProcedure:      billd.PermDelete,
	fc.FrontierServiceCheckFeatureEntitlementProcedure: billd.PermRead, // Frontier: any caller, about any organization
	fc.FrontierServiceHasTrialedProcedure:              billd.PermRead,
	bc.BilldServiceSetOrganizationSeatsProcedure:       billd.PermSuper,
	bc.BilldServiceSetSpendLimitsProcedure:             billd.PermSuper,
	bc.BilldServiceSetAccountControlsProcedure:         billd.PermSuper,

	fc.FrontierServiceListInvoicesProcedure:       billd.PermUpdate,
	fc.FrontierServiceGetUpcomingInvoiceProcedure: billd.PermUpdate,
	fc.AdminServiceListAllInvoicesProcedure:       billd.PermSuper,
	fc.AdminServiceGenerateInvoicesProcedure:      billd.PermSuper,
	bc.BilldServiceMarkInvoicePaidProcedure:       billd.PermSuper,

	bc.BilldServiceCreateClientProcedure: billd.PermDelete,
	bc.BilldServiceListClientsProcedure:  billd.PermDelete,
	bc.BilldServiceRevokeClientProcedure: billd.PermDelete,

	// Webhooks: an organization's admins and owners; platform-wide ones, platform admins (the use
	// case checks).
	bc.BilldServiceCreateWebhookProcedure:         billd.PermUpdate,
	bc.BilldServiceListWebhooksProcedure:          billd.PermUpdate,
	bc.BilldServiceUpdateWebhookProcedure:         billd.PermUpdate,
	bc.BilldServiceDeleteWebhookProcedure:         billd.PermUpdate,
	bc.BilldServiceListWebhookDeliveriesProcedure: billd.PermUpdate,
	bc.BilldServiceRedeliverWebhookProcedure:      billd.PermUpdate,
}

// public are the RPCs served without credentials: a payment provider's webhook, which its
// signature proves (the use case verifies it). They are admitted, and their bodies bounded, as
// every request is.
var public = map[string]bool{
	fc.FrontierServiceBillingWebhookCallbackProcedure: true,
}

// aliased are the routes Go's ServeMux cannot hold beside the others, because they share paths
// with routes that are not more specific than them, nor less: …/billing/checkouts/{id} and
// …/billing/{id}/balance both match …/billing/checkouts/balance, as GET and POST
// …/billing/subscriptions/{id} meet …/billing/{billing_id}/transactions and …/usages. They are
// registered on a second mux, matched first, so that the literal segment wins as it would in one
// mux.
var aliased = []string{
	"GET /v1beta1/organizations/{org_id}/billing/checkouts/{id}",
	"GET /v1beta1/organizations/{org_id}/billing/subscriptions/{id}",
	"POST /v1beta1/organizations/{org_id}/billing/subscriptions/{id}",
}

// routes lists billd's whole URL surface: the health probes, the API reference, the RPC services, and the legacy
// REST paths of the Frontier v1beta1 contract, each bound to its RPC (rows marked "billd" are
// billd's own). A REST route names the path wildcard holding the organization whose permission
// it checks before the body is read ("" when the path names none) and its body binding.
func (h *Handler) routes(s *frontier.Server) {
	h.mux.HandleFunc("GET /healthz", h.live)
	h.mux.HandleFunc("GET /readyz", h.ready)
	h.mux.HandleFunc("GET /openapi.json", h.openAPIJSON) // the API reference, no credentials
	h.mux.HandleFunc("GET /docs", h.apiPage)
	h.mountRPC(s)

	// Organizations and projects.
	rest(h, "POST /v1beta1/organizations", "", fc.FrontierServiceCreateOrganizationProcedure, bodyField, s.CreateOrganization)
	rest(h, "GET /v1beta1/organizations", "", fc.FrontierServiceListOrganizationsProcedure, bodyNone, s.ListOrganizations)
	rest(h, "GET /v1beta1/organizations/{id}", "id", fc.FrontierServiceGetOrganizationProcedure, bodyNone, s.GetOrganization)
	rest(h, "PUT /v1beta1/organizations/{id}", "id", fc.FrontierServiceUpdateOrganizationProcedure, bodyField, s.UpdateOrganization)
	rest(h, "DELETE /v1beta1/organizations/{id}", "id", fc.FrontierServiceDeleteOrganizationProcedure, bodyNone, s.DeleteOrganization)
	rest(h, "POST /v1beta1/organizations/{id}/enable", "id", fc.FrontierServiceEnableOrganizationProcedure, bodyWhole, s.EnableOrganization)
	rest(h, "POST /v1beta1/organizations/{id}/disable", "id", fc.FrontierServiceDisableOrganizationProcedure, bodyWhole, s.DisableOrganization)
	rest(h, "GET /v1beta1/organizations/{id}/projects", "id", fc.FrontierServiceListOrganizationProjectsProcedure, bodyNone, s.ListOrganizationProjects)
	rest(h, "POST /v1beta1/projects", "", fc.FrontierServiceCreateProjectProcedure, bodyField, s.CreateProject)
	rest(h, "GET /v1beta1/projects/{id}", "", fc.FrontierServiceGetProjectProcedure, bodyNone, s.GetProject)
	rest(h, "PUT /v1beta1/projects/{id}", "", fc.FrontierServiceUpdateProjectProcedure, bodyField, s.UpdateProject)
	rest(h, "DELETE /v1beta1/projects/{id}", "", fc.FrontierServiceDeleteProjectProcedure, bodyNone, s.DeleteProject)

	// Billing accounts.
	rest(h, "POST /v1beta1/organizations/{org_id}/billing", "org_id", fc.FrontierServiceCreateBillingAccountProcedure, bodyWhole, s.CreateBillingAccount)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing", "org_id", fc.FrontierServiceListBillingAccountsProcedure, bodyNone, s.ListBillingAccounts)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{id}", "org_id", fc.FrontierServiceGetBillingAccountProcedure, bodyNone, s.GetBillingAccount)
	rest(h, "PUT /v1beta1/organizations/{org_id}/billing/{id}", "org_id", fc.FrontierServiceUpdateBillingAccountProcedure, bodyWhole, s.UpdateBillingAccount)
	rest(h, "DELETE /v1beta1/organizations/{org_id}/billing/{id}", "org_id", fc.FrontierServiceDeleteBillingAccountProcedure, bodyNone, s.DeleteBillingAccount)
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/{id}/enable", "org_id", fc.FrontierServiceEnableBillingAccountProcedure, bodyWhole, s.EnableBillingAccount)
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/{id}/disable", "org_id", fc.FrontierServiceDisableBillingAccountProcedure, bodyWhole, s.DisableBillingAccount)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{id}/balance", "org_id", fc.FrontierServiceGetBillingBalanceProcedure, bodyNone, s.GetBillingBalance)
	rest(h, "GET /v1beta1/admin/organizations/{org_id}/billing/{id}/details", "org_id", fc.AdminServiceGetBillingAccountDetailsProcedure, bodyNone, s.GetBillingAccountDetails)
	rest(h, "PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/details", "org_id", fc.AdminServiceUpdateBillingAccountDetailsProcedure, bodyWhole, s.UpdateBillingAccountDetails)
	rest(h, "PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/limits", "org_id", fc.AdminServiceUpdateBillingAccountLimitsProcedure, bodyWhole, s.UpdateBillingAccountLimits)
	rest(h, "GET /v1beta1/admin/billing/accounts", "", fc.AdminServiceListAllBillingAccountsProcedure, bodyNone, s.ListAllBillingAccounts)

	// Credit ledger.
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/{billing_id}/usages", "org_id", fc.FrontierServiceCreateBillingUsageProcedure, bodyWhole, s.CreateBillingUsage)
	rest(h, "POST /v1beta1/organizations/billing/usages", "", fc.FrontierServiceCreateBillingUsageProcedure, bodyWhole, s.CreateBillingUsage)
	rest(h, "POST /v1beta1/organizations/billing/usages/revert", "", fc.AdminServiceRevertBillingUsageProcedure, bodyWhole, s.RevertBillingUsage)
	rest(h, "POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/usage/{usage_id}/revert", "org_id", fc.AdminServiceRevertBillingUsageProcedure, bodyWhole, s.RevertBillingUsage)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{billing_id}/transactions", "org_id", fc.FrontierServiceListBillingTransactionsProcedure, bodyNone, s.ListBillingTransactions)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/transactions", "org_id", fc.FrontierServiceListBillingTransactionsProcedure, bodyNone, s.ListBillingTransactions)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{billing_id}/debited_transactions_total", "org_id", fc.FrontierServiceTotalDebitedTransactionsProcedure, bodyNone, s.TotalDebitedTransactions)
	rest(h, "POST /v1beta1/billing/check", "", fc.FrontierServiceCheckCreditEntitlementProcedure, bodyWhole, s.CheckCreditEntitlement)
	rest(h, "POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/credits", "org_id", bc.BilldServiceGrantCreditsProcedure, bodyWhole, s.GrantCredits) // billd
	rest(h, "GET /v1beta1/admin/billing/verify", "", bc.BilldServiceVerifyLedgerProcedure, bodyNone, s.VerifyLedger)                                              // billd

	// Catalog.
	rest(h, "GET /v1beta1/billing/plans", "", fc.FrontierServiceListPlansProcedure, bodyNone, s.ListPlans)
	rest(h, "GET /v1beta1/billing/plans/{id}", "", fc.FrontierServiceGetPlanProcedure, bodyNone, s.GetPlan)
	rest(h, "POST /v1beta1/billing/plans", "", fc.FrontierServiceCreatePlanProcedure, bodyWhole, s.CreatePlan)
	rest(h, "PUT /v1beta1/billing/plans/{id}", "", fc.FrontierServiceUpdatePlanProcedure, bodyWhole, s.UpdatePlan)
	rest(h, "GET /v1beta1/billing/products", "", fc.FrontierServiceListProductsProcedure, bodyNone, s.ListProducts)
	rest(h, "GET /v1beta1/billing/products/{id}", "", fc.FrontierServiceGetProductProcedure, bodyNone, s.GetProduct)
	rest(h, "POST /v1beta1/billing/products", "", fc.FrontierServiceCreateProductProcedure, bodyWhole, s.CreateProduct)
	rest(h, "PUT /v1beta1/billing/products/{id}", "", fc.FrontierServiceUpdateProductProcedure, bodyWhole, s.UpdateProduct)
	rest(h, "GET /v1beta1/billing/features", "", fc.FrontierServiceListFeaturesProcedure, bodyNone, s.ListFeatures)
	rest(h, "GET /v1beta1/billing/features/{id}", "", fc.FrontierServiceGetFeatureProcedure, bodyNone, s.GetFeature)
	rest(h, "POST /v1beta1/billing/features", "", fc.FrontierServiceCreateFeatureProcedure, bodyWhole, s.CreateFeature)
	rest(h, "PUT /v1beta1/billing/features/{id}", "", fc.FrontierServiceUpdateFeatureProcedure, bodyWhole, s.UpdateFeature)
	rest(h, "GET /v1beta1/admin/billing/plans", "", fc.AdminServiceListAllPlansProcedure, bodyNone, s.ListAllPlans) // billd

	// Checkouts. Routes without billing_id act on the organization's active account, or the one
	// the body or query names.
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/{billing_id}/checkouts", "org_id", fc.FrontierServiceCreateCheckoutProcedure, bodyWhole, s.CreateCheckout)
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/checkouts", "org_id", fc.FrontierServiceCreateCheckoutProcedure, bodyWhole, s.CreateCheckout)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{billing_id}/checkouts", "org_id", fc.FrontierServiceListCheckoutsProcedure, bodyNone, s.ListCheckouts)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/checkouts", "org_id", fc.FrontierServiceListCheckoutsProcedure, bodyNone, s.ListCheckouts)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{billing_id}/checkouts/{id}", "org_id", fc.FrontierServiceGetCheckoutProcedure, bodyNone, s.GetCheckout)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/checkouts/{id}", "org_id", fc.FrontierServiceGetCheckoutProcedure, bodyNone, s.GetCheckout)
	rest(h, "POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/checkouts", "org_id", fc.AdminServiceDelegatedCheckoutProcedure, bodyWhole, s.DelegatedCheckout)
	rest(h, "POST /v1beta1/admin/organizations/{org_id}/billing/checkouts", "org_id", fc.AdminServiceDelegatedCheckoutProcedure, bodyWhole, s.DelegatedCheckout)

	// Payment providers' webhooks: no credentials, the raw body (Frontier serves both paths).
	h.mux.HandleFunc("POST /billing/webhooks/callback/{provider}", h.webhook(s))
	h.mux.HandleFunc("POST /v1beta1/billing/webhooks/callback/{provider}", h.webhook(s))

	// Subscriptions. Routes without billing_id act on the organization's active account, or the
	// one the query or body names; a subscription is found by its id.
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{billing_id}/subscriptions", "org_id", fc.FrontierServiceListSubscriptionsProcedure, bodyNone, s.ListSubscriptions)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/subscriptions", "org_id", fc.FrontierServiceListSubscriptionsProcedure, bodyNone, s.ListSubscriptions)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{billing_id}/subscriptions/{id}", "org_id", fc.FrontierServiceGetSubscriptionProcedure, bodyNone, s.GetSubscription)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/subscriptions/{id}", "org_id", fc.FrontierServiceGetSubscriptionProcedure, bodyNone, s.GetSubscription)
	rest(h, "PUT /v1beta1/organizations/{org_id}/billing/{billing_id}/subscriptions/{id}", "org_id", fc.FrontierServiceUpdateSubscriptionProcedure, bodyWhole, s.UpdateSubscription)
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/subscriptions/{id}", "org_id", fc.FrontierServiceUpdateSubscriptionProcedure, bodyWhole, s.UpdateSubscription)
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/{billing_id}/subscriptions/{id}/cancel", "org_id", fc.FrontierServiceCancelSubscriptionProcedure, bodyWhole, s.CancelSubscription)
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/subscriptions/{id}/cancel", "org_id", fc.FrontierServiceCancelSubscriptionProcedure, bodyWhole, s.CancelSubscription)
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/{billing_id}/subscriptions/{id}/change", "org_id", fc.FrontierServiceChangeSubscriptionProcedure, bodyWhole, s.ChangeSubscription)
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/subscriptions/{id}/change", "org_id", fc.FrontierServiceChangeSubscriptionProcedure, bodyWhole, s.ChangeSubscription)
	rest(h, "POST /v1beta1/organizations/{org_id}/billing/{billing_id}/check", "org_id", fc.FrontierServiceCheckFeatureEntitlementProcedure, bodyWhole, s.CheckFeatureEntitlement)
	rest(h, "POST /v1beta1/organizations/billing/check", "", fc.FrontierServiceCheckFeatureEntitlementProcedure, bodyWhole, s.CheckFeatureEntitlement)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{id}/plans/{plan_id}/trialed", "org_id", fc.FrontierServiceHasTrialedProcedure, bodyNone, s.HasTrialed)
	rest(h, "PUT /v1beta1/admin/organizations/{id}/seats", "id", bc.BilldServiceSetOrganizationSeatsProcedure, bodyWhole, s.SetOrganizationSeats)                     // billd
	rest(h, "PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/spend-limits", "org_id", bc.BilldServiceSetSpendLimitsProcedure, bodyWhole, s.SetSpendLimits)     // billd
	rest(h, "PUT /v1beta1/admin/organizations/{org_id}/billing/{id}/controls", "org_id", bc.BilldServiceSetAccountControlsProcedure, bodyWhole, s.SetAccountControls) // billd

	// Invoices.
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{billing_id}/invoices", "org_id", fc.FrontierServiceListInvoicesProcedure, bodyNone, s.ListInvoices)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/invoices", "org_id", fc.FrontierServiceListInvoicesProcedure, bodyNone, s.ListInvoices)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/{billing_id}/invoices/upcoming", "org_id", fc.FrontierServiceGetUpcomingInvoiceProcedure, bodyNone, s.GetUpcomingInvoice)
	rest(h, "GET /v1beta1/organizations/{org_id}/billing/invoices/upcoming", "org_id", fc.FrontierServiceGetUpcomingInvoiceProcedure, bodyNone, s.GetUpcomingInvoice)
	rest(h, "GET /v1beta1/admin/billing/invoices", "", fc.AdminServiceListAllInvoicesProcedure, bodyNone, s.ListAllInvoices)
	rest(h, "POST /v1beta1/admin/billing/invoices/generate", "", fc.AdminServiceGenerateInvoicesProcedure, bodyWhole, s.GenerateInvoices)
	rest(h, "POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/invoices/{id}/paid", "org_id", bc.BilldServiceMarkInvoicePaidProcedure, bodyWhole, s.MarkInvoicePaid) // billd

	// API clients (billd).
	rest(h, "POST /v1beta1/admin/clients", "", bc.BilldServiceCreateClientProcedure, bodyWhole, s.CreateClient)
	rest(h, "GET /v1beta1/admin/clients", "", bc.BilldServiceListClientsProcedure, bodyNone, s.ListClients)
	rest(h, "DELETE /v1beta1/admin/clients/{id}", "", bc.BilldServiceRevokeClientProcedure, bodyNone, s.RevokeClient)

	// Webhooks (billd): platform-wide ones under /admin, an organization's under it.
	rest(h, "POST /v1beta1/admin/webhooks", "", bc.BilldServiceCreateWebhookProcedure, bodyWhole, s.CreateWebhook)
	rest(h, "GET /v1beta1/admin/webhooks", "", bc.BilldServiceListWebhooksProcedure, bodyNone, s.ListWebhooks)
	rest(h, "PUT /v1beta1/admin/webhooks/{id}", "", bc.BilldServiceUpdateWebhookProcedure, bodyWhole, s.UpdateWebhook)
	rest(h, "DELETE /v1beta1/admin/webhooks/{id}", "", bc.BilldServiceDeleteWebhookProcedure, bodyNone, s.DeleteWebhook)
	rest(h, "GET /v1beta1/admin/webhooks/{webhook_id}/deliveries", "", bc.BilldServiceListWebhookDeliveriesProcedure, bodyNone, s.ListWebhookDeliveries)
	rest(h, "POST /v1beta1/admin/webhooks/{webhook_id}/deliveries/{id}/redeliver", "", bc.BilldServiceRedeliverWebhookProcedure, bodyWhole, s.RedeliverWebhook)
	rest(h, "POST /v1beta1/organizations/{org_id}/webhooks", "org_id", bc.BilldServiceCreateWebhookProcedure, bodyWhole, s.CreateWebhook)
	rest(h, "GET /v1beta1/organizations/{org_id}/webhooks", "org_id", bc.BilldServiceListWebhooksProcedure, bodyNone, s.ListWebhooks)
	rest(h, "PUT /v1beta1/organizations/{org_id}/webhooks/{id}", "org_id", bc.BilldServiceUpdateWebhookProcedure, bodyWhole, s.UpdateWebhook)
	rest(h, "DELETE /v1beta1/organizations/{org_id}/webhooks/{id}", "org_id", bc.BilldServiceDeleteWebhookProcedure, bodyNone, s.DeleteWebhook)
	rest(h, "GET /v1beta1/organizations/{org_id}/webhooks/{webhook_id}/deliveries", "org_id", bc.BilldServiceListWebhookDeliveriesProcedure, bodyNone, s.ListWebhookDeliveries)
	rest(h, "POST /v1beta1/organizations/{org_id}/webhooks/{webhook_id}/deliveries/{id}/redeliver", "org_id", bc.BilldServiceRedeliverWebhookProcedure, bodyWhole, s.RedeliverWebhook)
}

// cudoRoutes lists the CUDO v1 billing-accounts paths. Each needs the weakest permission its use
// case accepts, on some organization; the use case checks the account's own organization. The
// contract's PATCH /v1/billing-accounts/{billingAccount.id} is {id} here: Go's wildcards are
// identifiers.
func (h *Handler) cudoRoutes(c *cudo.Server) {
	read, update, owner := anyOrg(billd.PermRead), anyOrg(billd.PermUpdate), anyOrg(billd.PermDelete)
	h.handle("GET /v1/billing-accounts", read, cudoCall(c.ListBillingAccounts))
	h.handle("POST /v1/billing-accounts", owner, cudoCall(c.CreateBillingAccount))
	h.handle("GET /v1/billing-accounts/{id}", read, cudoCall(c.GetBillingAccount))
	h.handle("PATCH /v1/billing-accounts/{id}", update, cudoCall(c.UpdateBillingAccount))
	h.handle("DELETE /v1/billing-accounts/{id}", owner, cudoCall(c.DeleteBillingAccount))
	h.handle("GET /v1/billing-accounts/{id}/details", read, cudoCall(c.GetBillingAccountDetails))
	h.handle("GET /v1/billing-accounts/{id}/credit-balance-transactions", read, cudoCall(c.ListCreditBalanceTransactions))
	h.handle("GET /v1/billing-accounts/{id}/transactions", read, cudoCall(c.ListTransactions))
	h.handle("POST /v1/billing-accounts/{id}/credit", update, cudoCall(c.CreateCreditPayment))
	h.handle("GET /v1/billing-accounts/{billingAccountId}/spend/details", read, cudoCall(c.GetSpendDetails))
	h.handle("GET /v1/billing-accounts/invoices", update, cudoCall(c.ListInvoices))
	h.handle("GET /v1/billing-accounts/invoices/outstanding", update, cudoCall(c.ListOutstandingInvoices))
	h.handle("GET /v1/billing-accounts/{id}/payment-methods", read, cudoCall(c.ListPaymentMethods))
	h.handle("DELETE /v1/billing-accounts/{id}/payment-methods/{paymentMethodId}", owner, cudoCall(c.RemovePaymentMethod))
	h.handle("POST /v1/billing-accounts/{id}/payment-methods/{paymentMethodId}/set-default", owner, cudoCall(c.SetDefaultPaymentMethod))
	h.handle("GET /v1/billing-accounts/{id}/setup-intent", owner, cudoCall(c.GetSetupIntent))
	h.handle("GET /v1/billing-accounts/{id}/projects", read, cudoCall(c.ListProjects))
	h.handle("POST /v1/billing-accounts/{billingAccountId}/add-user-permission", owner, cudoCall(c.AddUserPermission))
	h.handle("POST /v1/billing-accounts/{billingAccountId}/remove-user-permission", owner, cudoCall(c.RemoveUserPermission))
}
