package frontier_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/billd/billd/web/frontier/billdv1"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Wire compatibility with Raystack Frontier: billd's generated descriptors are compared with the
// table below, written from Frontier's raystack/frontier/v1beta1 protos (the current ones and the
// published SDK's, 0.72). A Frontier client encodes a message by field number and kind (binary)
// or by field name (JSON), so the numbers, names, kinds and cardinalities must be Frontier's; billd
// keeps the union of both versions (fields the current Frontier removed, such as billing_id, are
// still read from older clients) and adds its own fields from number 1001 on.

// origin says where a field comes from.
type origin int

const (
	frontier    origin = iota // in both Frontier versions
	sdkOnly                   // in the SDK's version (0.72) only: the current Frontier removed it
	currentOnly               // in the current Frontier only
	billdOwn                  // billd's own: numbered from 1001 in Frontier's messages
)

// wireField is one field as a client encodes it: number, proto name, kind (a scalar kind, or the
// message's full name without the raystack.frontier.v1beta1 prefix) and whether it is repeated.
type wireField struct {
	num      protoreflect.FieldNumber
	name     string
	kind     string
	repeated bool
	origin   origin
}

// frontierPackage is the package of Frontier's messages and services.
const frontierPackage = "raystack.frontier.v1beta1"

// wireMessages is every message the three services use, by full name without the
// raystack.frontier.v1beta1 prefix, with all its fields. UpdateProjectRequest.body is the SDK's
// ProjectRequestBody; the current Frontier names it UpdateProjectRequestBody, with the same fields
// but org_id (number 4 reserved), so the wire is the same (TestUpdateProjectBodyIsCurrentFrontiers).
var wireMessages = map[string][]wireField{
	"Organization": {
		{1, "id", "string", false, frontier},
		{2, "name", "string", false, frontier},
		{3, "title", "string", false, frontier},
		{4, "metadata", "google.protobuf.Struct", false, frontier},
		{5, "created_at", "google.protobuf.Timestamp", false, frontier},
		{6, "updated_at", "google.protobuf.Timestamp", false, frontier},
		{7, "state", "string", false, frontier},
		{8, "avatar", "string", false, frontier},
	},
	"Project": {
		{1, "id", "string", false, frontier},
		{2, "name", "string", false, frontier},
		{3, "title", "string", false, frontier},
		{4, "org_id", "string", false, frontier},
		{5, "metadata", "google.protobuf.Struct", false, frontier},
		{6, "created_at", "google.protobuf.Timestamp", false, frontier},
		{7, "updated_at", "google.protobuf.Timestamp", false, frontier},
		{8, "members_count", "int32", false, frontier},
	},
	"User": {
		{1, "id", "string", false, frontier},
		{2, "name", "string", false, frontier},
		{3, "title", "string", false, frontier},
		{4, "email", "string", false, frontier},
		{5, "metadata", "google.protobuf.Struct", false, frontier},
		{6, "created_at", "google.protobuf.Timestamp", false, frontier},
		{7, "updated_at", "google.protobuf.Timestamp", false, frontier},
		{8, "state", "string", false, frontier},
		{9, "avatar", "string", false, frontier},
	},
	"BillingAccount": {
		{1, "id", "string", false, frontier},
		{2, "org_id", "string", false, frontier},
		{3, "name", "string", false, frontier},
		{4, "email", "string", false, frontier},
		{5, "phone", "string", false, frontier},
		{6, "address", "BillingAccount.Address", false, frontier},
		{7, "provider_id", "string", false, frontier},
		{8, "provider", "string", false, frontier},
		{9, "currency", "string", false, frontier},
		{10, "state", "string", false, frontier},
		{11, "tax_data", "BillingAccount.Tax", true, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
		{21, "created_at", "google.protobuf.Timestamp", false, frontier},
		{22, "updated_at", "google.protobuf.Timestamp", false, frontier},
		{101, "organization", "Organization", false, frontier},
	},
	"BillingAccount.Address": {
		{1, "line1", "string", false, frontier},
		{2, "line2", "string", false, frontier},
		{3, "city", "string", false, frontier},
		{4, "state", "string", false, frontier},
		{5, "postal_code", "string", false, frontier},
		{6, "country", "string", false, frontier},
	},
	"BillingAccount.Tax": {
		{1, "type", "string", false, frontier},
		{2, "id", "string", false, frontier},
	},
	"BillingAccount.Balance": {
		{1, "amount", "int64", false, frontier},
		{2, "currency", "string", false, frontier},
		{3, "updated_at", "google.protobuf.Timestamp", false, frontier},
	},
	"BillingAccountDetails": {
		{1, "credit_min", "int64", false, frontier},
		{2, "due_in_days", "int64", false, frontier},
	},
	"PaymentMethod": {
		{1, "id", "string", false, frontier},
		{2, "customer_id", "string", false, frontier},
		{3, "provider_id", "string", false, frontier},
		{4, "type", "string", false, frontier},
		{15, "card_brand", "string", false, frontier},
		{16, "card_last4", "string", false, frontier},
		{17, "card_expiry_month", "int64", false, frontier},
		{18, "card_expiry_year", "int64", false, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
		{21, "created_at", "google.protobuf.Timestamp", false, frontier},
		{1001, "is_default", "bool", false, billdOwn},
	},
	"Usage": {
		{1, "id", "string", false, frontier},
		{2, "customer_id", "string", false, frontier},
		{3, "source", "string", false, frontier},
		{4, "description", "string", false, frontier},
		{5, "type", "string", false, frontier},
		{6, "amount", "int64", false, frontier},
		{7, "user_id", "string", false, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
		{21, "created_at", "google.protobuf.Timestamp", false, frontier},
		{22, "updated_at", "google.protobuf.Timestamp", false, frontier},
	},
	"BillingTransaction": {
		{1, "id", "string", false, frontier},
		{2, "customer_id", "string", false, frontier},
		{3, "source", "string", false, frontier},
		{4, "amount", "int64", false, frontier},
		{5, "type", "string", false, frontier},
		{6, "description", "string", false, frontier},
		{7, "user_id", "string", false, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
		{21, "created_at", "google.protobuf.Timestamp", false, frontier},
		{22, "updated_at", "google.protobuf.Timestamp", false, frontier},
		{101, "user", "User", false, frontier},
		{102, "customer", "BillingAccount", false, frontier},
	},
	"OrganizationRequestBody": {
		{1, "name", "string", false, frontier},
		{2, "title", "string", false, frontier},
		{3, "metadata", "google.protobuf.Struct", false, frontier},
		{4, "avatar", "string", false, frontier},
	},
	"ListOrganizationsRequest": {
		{1, "user_id", "string", false, frontier},
		{2, "state", "string", false, frontier},
		{3, "page_size", "int32", false, frontier},
		{4, "page_num", "int32", false, frontier},
		{1002, "page_token", "string", false, billdOwn},
	},
	"ListOrganizationsResponse": {
		{1, "organizations", "Organization", true, frontier},
		{1001, "next_page_token", "string", false, billdOwn},
	},
	"CreateOrganizationRequest": {
		{1, "body", "OrganizationRequestBody", false, frontier},
	},
	"CreateOrganizationResponse": {
		{1, "organization", "Organization", false, frontier},
	},
	"GetOrganizationRequest": {
		{1, "id", "string", false, frontier},
	},
	"GetOrganizationResponse": {
		{1, "organization", "Organization", false, frontier},
	},
	"UpdateOrganizationRequest": {
		{1, "id", "string", false, frontier},
		{2, "body", "OrganizationRequestBody", false, frontier},
	},
	"UpdateOrganizationResponse": {
		{1, "organization", "Organization", false, frontier},
	},
	"ListOrganizationProjectsRequest": {
		{1, "id", "string", false, frontier},
		{2, "state", "string", false, frontier},
		{3, "with_member_count", "bool", false, frontier},
		{1001, "page_size", "int32", false, billdOwn},
		{1002, "page_token", "string", false, billdOwn},
	},
	"ListOrganizationProjectsResponse": {
		{1, "projects", "Project", true, frontier},
		{1001, "next_page_token", "string", false, billdOwn},
	},
	"EnableOrganizationRequest": {
		{1, "id", "string", false, frontier},
	},
	"EnableOrganizationResponse": {},
	"DisableOrganizationRequest": {
		{1, "id", "string", false, frontier},
	},
	"DisableOrganizationResponse": {},
	"DeleteOrganizationRequest": {
		{1, "id", "string", false, frontier},
	},
	"DeleteOrganizationResponse": {},
	"ProjectRequestBody": {
		{1, "name", "string", false, frontier},
		{2, "title", "string", false, frontier},
		{3, "metadata", "google.protobuf.Struct", false, frontier},
		{4, "org_id", "string", false, frontier},
	},
	"CreateProjectRequest": {
		{1, "body", "ProjectRequestBody", false, frontier},
	},
	"CreateProjectResponse": {
		{1, "project", "Project", false, frontier},
	},
	"GetProjectRequest": {
		{1, "id", "string", false, frontier},
	},
	"GetProjectResponse": {
		{1, "project", "Project", false, frontier},
	},
	"UpdateProjectRequest": {
		{1, "id", "string", false, frontier},
		{2, "body", "ProjectRequestBody", false, frontier},
	},
	"UpdateProjectResponse": {
		{1, "project", "Project", false, frontier},
	},
	"DeleteProjectRequest": {
		{1, "id", "string", false, frontier},
	},
	"DeleteProjectResponse": {},
	"BillingAccountRequestBody": {
		{1, "name", "string", false, frontier},
		{2, "email", "string", false, frontier},
		{3, "phone", "string", false, frontier},
		{4, "address", "BillingAccount.Address", false, frontier},
		{5, "currency", "string", false, frontier},
		{6, "tax_data", "BillingAccount.Tax", true, frontier},
		{10, "metadata", "google.protobuf.Struct", false, frontier},
	},
	"CreateBillingAccountRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "body", "BillingAccountRequestBody", false, frontier},
		{3, "offline", "bool", false, frontier},
	},
	"CreateBillingAccountResponse": {
		{1, "billing_account", "BillingAccount", false, frontier},
	},
	"GetBillingAccountRequest": {
		{1, "id", "string", false, frontier},
		{2, "org_id", "string", false, sdkOnly},
		{3, "with_payment_methods", "bool", false, frontier},
		{4, "with_billing_details", "bool", false, frontier},
		{101, "expand", "string", true, frontier},
	},
	"GetBillingAccountResponse": {
		{1, "billing_account", "BillingAccount", false, frontier},
		{2, "payment_methods", "PaymentMethod", true, frontier},
		{3, "billing_details", "BillingAccountDetails", false, frontier},
	},
	"UpdateBillingAccountRequest": {
		{1, "id", "string", false, frontier},
		{2, "org_id", "string", false, sdkOnly},
		{3, "body", "BillingAccountRequestBody", false, frontier},
	},
	"UpdateBillingAccountResponse": {
		{1, "billing_account", "BillingAccount", false, frontier},
	},
	"ListBillingAccountsRequest": {
		{1, "org_id", "string", false, frontier},
		{101, "expand", "string", true, frontier},
		{1001, "page_size", "int32", false, billdOwn},
		{1002, "page_token", "string", false, billdOwn},
	},
	"ListBillingAccountsResponse": {
		{1, "billing_accounts", "BillingAccount", true, frontier},
		{1001, "next_page_token", "string", false, billdOwn},
	},
	"DeleteBillingAccountRequest": {
		{1, "id", "string", false, frontier},
		{2, "org_id", "string", false, sdkOnly},
	},
	"DeleteBillingAccountResponse": {},
	"EnableBillingAccountRequest": {
		{1, "id", "string", false, frontier},
		{2, "org_id", "string", false, sdkOnly},
	},
	"EnableBillingAccountResponse": {},
	"DisableBillingAccountRequest": {
		{1, "id", "string", false, frontier},
		{2, "org_id", "string", false, sdkOnly},
	},
	"DisableBillingAccountResponse": {},
	"GetBillingBalanceRequest": {
		{1, "id", "string", false, frontier},
		{2, "org_id", "string", false, sdkOnly},
	},
	"GetBillingBalanceResponse": {
		{1, "balance", "BillingAccount.Balance", false, frontier},
	},
	"CheckCreditEntitlementRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "amount", "int64", false, frontier},
	},
	"CheckCreditEntitlementResponse": {
		{1, "status", "bool", false, frontier},
	},
	"CreateBillingUsageRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "billing_id", "string", false, sdkOnly},
		{4, "project_id", "string", false, sdkOnly},
		{3, "usages", "Usage", true, frontier},
	},
	"CreateBillingUsageResponse": {},
	"ListBillingTransactionsRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "billing_id", "string", false, sdkOnly},
		{3, "since", "google.protobuf.Timestamp", false, frontier},
		{4, "start_range", "google.protobuf.Timestamp", false, frontier},
		{5, "end_range", "google.protobuf.Timestamp", false, frontier},
		{101, "expand", "string", true, frontier},
		{1001, "page_size", "int32", false, billdOwn},
		{1002, "page_token", "string", false, billdOwn},
	},
	"ListBillingTransactionsResponse": {
		{1, "transactions", "BillingTransaction", true, frontier},
		{1001, "next_page_token", "string", false, billdOwn},
	},
	"TotalDebitedTransactionsRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "billing_id", "string", false, sdkOnly},
	},
	"TotalDebitedTransactionsResponse": {
		{1, "debited", "BillingAccount.Balance", false, frontier},
	},
	"ListAllBillingAccountsRequest": {
		{1, "org_id", "string", false, frontier},
		{1001, "page_size", "int32", false, billdOwn},
		{1002, "page_token", "string", false, billdOwn},
	},
	"ListAllBillingAccountsResponse": {
		{1, "billing_accounts", "BillingAccount", true, frontier},
		{1001, "next_page_token", "string", false, billdOwn},
	},
	"RevertBillingUsageRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "project_id", "string", false, frontier},
		{3, "billing_id", "string", false, frontier},
		{4, "usage_id", "string", false, frontier},
		{5, "amount", "int64", false, frontier},
	},
	"RevertBillingUsageResponse": {},
	"UpdateBillingAccountLimitsRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "id", "string", false, frontier},
		{3, "credit_min", "int64", false, frontier},
	},
	"UpdateBillingAccountLimitsResponse": {},
	"GetBillingAccountDetailsRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "id", "string", false, frontier},
	},
	"GetBillingAccountDetailsResponse": {
		{1, "credit_min", "int64", false, frontier},
		{2, "due_in_days", "int64", false, frontier},
	},
	"UpdateBillingAccountDetailsRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "id", "string", false, frontier},
		{3, "credit_min", "int64", false, frontier},
		{4, "due_in_days", "int64", false, frontier},
	},
	"UpdateBillingAccountDetailsResponse": {},
	"billd.v1.GrantCreditsRequest": {
		{1, "org_id", "string", false, billdOwn},
		{2, "billing_id", "string", false, billdOwn},
		{3, "id", "string", false, billdOwn},
		{4, "amount", "int64", false, billdOwn},
		{5, "description", "string", false, billdOwn},
		{6, "metadata", "google.protobuf.Struct", false, billdOwn},
	},
	"billd.v1.GrantCreditsResponse": {
		{1, "transaction", "BillingTransaction", false, billdOwn},
	},
	"billd.v1.VerifyLedgerRequest": {},
	"billd.v1.VerifyLedgerResponse": {
		{1, "accounts", "int64", false, billdOwn},
		{2, "transfers", "int64", false, billdOwn},
		{3, "problems", "billd.v1.LedgerProblem", true, billdOwn},
	},
	"billd.v1.LedgerProblem": {
		{1, "account_id", "string", false, billdOwn},
		{2, "transfer_id", "string", false, billdOwn},
		{3, "detail", "string", false, billdOwn},
	},
	"billd.v1.Client": {
		{1, "id", "string", false, billdOwn},
		{2, "name", "string", false, billdOwn},
		{3, "role", "string", false, billdOwn},
		{4, "org_id", "string", false, billdOwn},
		{5, "created_at", "google.protobuf.Timestamp", false, billdOwn},
	},
	"billd.v1.CreateClientRequest": {
		{1, "name", "string", false, billdOwn},
		{2, "role", "string", false, billdOwn},
		{3, "org_id", "string", false, billdOwn},
	},
	"billd.v1.CreateClientResponse": {
		{1, "client", "billd.v1.Client", false, billdOwn},
		{2, "client_secret", "string", false, billdOwn},
		{3, "api_key", "string", false, billdOwn},
	},
	"billd.v1.ListClientsRequest": {
		{1, "org_id", "string", false, billdOwn},
		{2, "page_size", "int32", false, billdOwn},
		{3, "page_token", "string", false, billdOwn},
	},
	"billd.v1.ListClientsResponse": {
		{1, "clients", "billd.v1.Client", true, billdOwn},
		{2, "next_page_token", "string", false, billdOwn},
	},
	"billd.v1.RevokeClientRequest": {
		{1, "id", "string", false, billdOwn},
	},
	"billd.v1.RevokeClientResponse": {},
	"Plan": {
		{1, "id", "string", false, frontier},
		{2, "name", "string", false, frontier},
		{3, "title", "string", false, frontier},
		{4, "description", "string", false, frontier},
		{5, "products", "Product", true, frontier},
		{6, "interval", "string", false, frontier},
		{7, "on_start_credits", "int64", false, frontier},
		{8, "trial_days", "int64", false, frontier},
		{9, "state", "string", false, currentOnly},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
		{21, "created_at", "google.protobuf.Timestamp", false, frontier},
		{22, "updated_at", "google.protobuf.Timestamp", false, frontier},
	},
	"Product": {
		{1, "id", "string", false, frontier},
		{2, "name", "string", false, frontier},
		{3, "title", "string", false, frontier},
		{4, "description", "string", false, frontier},
		{5, "plan_ids", "string", true, frontier},
		{6, "state", "string", false, frontier},
		{7, "prices", "Price", true, frontier},
		{9, "behavior", "string", false, frontier},
		{10, "features", "Feature", true, frontier},
		{11, "behavior_config", "Product.BehaviorConfig", false, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
		{21, "created_at", "google.protobuf.Timestamp", false, frontier},
		{22, "updated_at", "google.protobuf.Timestamp", false, frontier},
	},
	"Price": {
		{1, "id", "string", false, frontier},
		{2, "product_id", "string", false, frontier},
		{3, "provider_id", "string", false, frontier},
		{4, "name", "string", false, frontier},
		{6, "interval", "string", false, frontier},
		{7, "usage_type", "string", false, frontier},
		{8, "billing_scheme", "string", false, frontier},
		{9, "state", "string", false, frontier},
		{10, "currency", "string", false, frontier},
		{11, "amount", "int64", false, frontier},
		{13, "metered_aggregate", "string", false, frontier},
		{14, "tier_mode", "string", false, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
		{21, "created_at", "google.protobuf.Timestamp", false, frontier},
		{22, "updated_at", "google.protobuf.Timestamp", false, frontier},
	},
	"Feature": {
		{1, "id", "string", false, frontier},
		{2, "name", "string", false, frontier},
		{3, "product_ids", "string", true, frontier},
		{4, "title", "string", false, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
		{21, "created_at", "google.protobuf.Timestamp", false, frontier},
		{22, "updated_at", "google.protobuf.Timestamp", false, frontier},
	},
	"ProductRequestBody": {
		{1, "name", "string", false, frontier},
		{2, "title", "string", false, frontier},
		{3, "description", "string", false, frontier},
		{4, "plan_id", "string", false, sdkOnly},
		{5, "prices", "Price", true, frontier},
		{8, "behavior", "string", false, frontier},
		{9, "features", "Feature", true, frontier},
		{10, "behavior_config", "Product.BehaviorConfig", false, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
	},
	"FeatureRequestBody": {
		{1, "name", "string", false, frontier},
		{2, "title", "string", false, frontier},
		{3, "product_ids", "string", true, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
	},
	"PlanRequestBody": {
		{1, "name", "string", false, frontier},
		{2, "title", "string", false, frontier},
		{3, "description", "string", false, frontier},
		{4, "products", "Product", true, frontier},
		{5, "interval", "string", false, frontier},
		{6, "on_start_credits", "int64", false, frontier},
		{7, "trial_days", "int64", false, frontier},
		{8, "state", "string", false, currentOnly},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
	},
	"UpdatePlanRequestBody": {
		{1, "title", "string", false, currentOnly},
		{2, "description", "string", false, currentOnly},
		{3, "on_start_credits", "int64", false, currentOnly},
		{4, "trial_days", "int64", false, currentOnly},
		{5, "state", "string", false, currentOnly},
		{20, "metadata", "google.protobuf.Struct", false, currentOnly},
	},
	"CreateProductRequest": {
		{1, "body", "ProductRequestBody", false, frontier},
	},
	"CreateProductResponse": {
		{1, "product", "Product", false, frontier},
	},
	"GetProductRequest": {
		{1, "id", "string", false, frontier},
	},
	"GetProductResponse": {
		{1, "product", "Product", false, frontier},
	},
	"ListProductsRequest": {},
	"ListProductsResponse": {
		{1, "products", "Product", true, frontier},
	},
	"UpdateProductRequest": {
		{1, "id", "string", false, frontier},
		{2, "body", "ProductRequestBody", false, frontier},
	},
	"UpdateProductResponse": {
		{1, "product", "Product", false, frontier},
	},
	"CreateFeatureRequest": {
		{1, "body", "FeatureRequestBody", false, frontier},
	},
	"CreateFeatureResponse": {
		{1, "feature", "Feature", false, frontier},
	},
	"GetFeatureRequest": {
		{1, "id", "string", false, frontier},
	},
	"GetFeatureResponse": {
		{1, "feature", "Feature", false, frontier},
	},
	"UpdateFeatureRequest": {
		{1, "id", "string", false, frontier},
		{2, "body", "FeatureRequestBody", false, frontier},
	},
	"UpdateFeatureResponse": {
		{1, "feature", "Feature", false, frontier},
	},
	"ListFeaturesRequest": {},
	"ListFeaturesResponse": {
		{1, "features", "Feature", true, frontier},
	},
	"CreatePlanRequest": {
		{1, "body", "PlanRequestBody", false, frontier},
	},
	"CreatePlanResponse": {
		{1, "plan", "Plan", false, frontier},
	},
	"ListPlansRequest": {},
	"ListPlansResponse": {
		{1, "plans", "Plan", true, frontier},
	},
	"GetPlanRequest": {
		{1, "id", "string", false, frontier},
	},
	"GetPlanResponse": {
		{1, "plan", "Plan", false, frontier},
	},
	"UpdatePlanRequest": {
		{1, "id", "string", false, frontier},
		// Both Frontier versions name their body "body"; billd names the SDK's legacy_body, as one
		// message cannot hold two fields of one name. On the binary wire only the number counts; in
		// JSON "body" is field 3, whose fields an older client's body also uses.
		{2, "legacy_body", "PlanRequestBody", false, sdkOnly},
		{3, "body", "UpdatePlanRequestBody", false, currentOnly},
	},
	"UpdatePlanResponse": {
		{1, "plan", "Plan", false, frontier},
	},
	"ListAllPlansRequest": {
		{1, "state", "string", false, currentOnly},
	},
	"ListAllPlansResponse": {
		{1, "plans", "Plan", true, currentOnly},
	},
	"Product.BehaviorConfig": {
		{1, "credit_amount", "int64", false, frontier},
		{2, "seat_limit", "int64", false, frontier},
		{3, "min_quantity", "int64", false, frontier},
		{4, "max_quantity", "int64", false, frontier},
	},
	"CheckoutSession": {
		{1, "id", "string", false, frontier},
		{2, "checkout_url", "string", false, frontier},
		{3, "success_url", "string", false, frontier},
		{4, "cancel_url", "string", false, frontier},
		{5, "state", "string", false, frontier},
		{6, "plan", "string", false, frontier},
		{7, "product", "string", false, frontier},
		{10, "metadata", "google.protobuf.Struct", false, frontier},
		{11, "created_at", "google.protobuf.Timestamp", false, frontier},
		{12, "updated_at", "google.protobuf.Timestamp", false, frontier},
		{13, "expire_at", "google.protobuf.Timestamp", false, frontier},
		{1001, "payment_status", "string", false, billdOwn},
		{1002, "payment_error", "string", false, billdOwn},
	},
	"CheckoutSubscriptionBody": {
		{1, "plan", "string", false, frontier},
		{2, "skip_trial", "bool", false, frontier},
		{3, "cancel_after_trial", "bool", false, frontier},
		{4, "provider_coupon_id", "string", false, frontier},
	},
	"CheckoutProductBody": {
		{1, "product", "string", false, frontier},
		{2, "quantity", "int64", false, frontier},
	},
	"CheckoutSetupBody": {
		{1, "payment_method", "bool", false, frontier},
		{2, "customer_portal", "bool", false, frontier},
	},
	"Subscription": {
		{1, "id", "string", false, frontier},
		{2, "customer_id", "string", false, frontier},
		{3, "provider_id", "string", false, frontier},
		{4, "plan_id", "string", false, frontier},
		{5, "state", "string", false, frontier},
		{10, "metadata", "google.protobuf.Struct", false, frontier},
		{11, "created_at", "google.protobuf.Timestamp", false, frontier},
		{12, "updated_at", "google.protobuf.Timestamp", false, frontier},
		{13, "canceled_at", "google.protobuf.Timestamp", false, frontier},
		{14, "ended_at", "google.protobuf.Timestamp", false, frontier},
		{15, "trial_ends_at", "google.protobuf.Timestamp", false, frontier},
		{16, "current_period_start_at", "google.protobuf.Timestamp", false, frontier},
		{17, "current_period_end_at", "google.protobuf.Timestamp", false, frontier},
		{18, "billing_cycle_anchor_at", "google.protobuf.Timestamp", false, frontier},
		{20, "phases", "Subscription.Phase", true, frontier},
		{101, "customer", "BillingAccount", false, frontier},
		{102, "plan", "Plan", false, frontier},
		{1001, "quantity", "int64", false, billdOwn},
		{1002, "cancel_at_period_end", "bool", false, billdOwn},
	},
	"Subscription.Phase": {
		{1, "effective_at", "google.protobuf.Timestamp", false, frontier},
		{2, "plan_id", "string", false, frontier},
		{3, "reason", "string", false, frontier},
	},
	// The current Frontier dropped billing_id from the checkout requests (number 2 reserved) and
	// org_id from GetCheckoutRequest: a checkout is found by its id, an account by its organization.
	"CreateCheckoutRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "billing_id", "string", false, sdkOnly},
		{3, "success_url", "string", false, frontier},
		{4, "cancel_url", "string", false, frontier},
		{10, "subscription_body", "CheckoutSubscriptionBody", false, frontier},
		{11, "product_body", "CheckoutProductBody", false, frontier},
		{12, "setup_body", "CheckoutSetupBody", false, frontier},
	},
	"CreateCheckoutResponse": {
		{1, "checkout_session", "CheckoutSession", false, frontier},
	},
	"ListCheckoutsRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "billing_id", "string", false, sdkOnly},
		{1001, "page_size", "int32", false, billdOwn},
		{1002, "page_token", "string", false, billdOwn},
	},
	"ListCheckoutsResponse": {
		{1, "checkout_sessions", "CheckoutSession", true, frontier},
		{1001, "next_page_token", "string", false, billdOwn},
	},
	"GetCheckoutRequest": {
		{1, "org_id", "string", false, sdkOnly},
		{2, "billing_id", "string", false, sdkOnly},
		{3, "id", "string", false, frontier},
	},
	"GetCheckoutResponse": {
		{1, "checkout_session", "CheckoutSession", false, frontier},
	},
	"BillingWebhookCallbackRequest": {
		{1, "provider", "string", false, frontier},
		{2, "body", "bytes", false, frontier},
	},
	"BillingWebhookCallbackResponse": {},
	"DelegatedCheckoutRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "billing_id", "string", false, frontier},
		{10, "subscription_body", "CheckoutSubscriptionBody", false, frontier},
		{11, "product_body", "CheckoutProductBody", false, frontier},
		{1001, "idempotency_key", "string", false, billdOwn},
	},
	"DelegatedCheckoutResponse": {
		{1, "subscription", "Subscription", false, frontier},
		{2, "product", "Product", false, frontier},
	},
	"Invoice": {
		{1, "id", "string", false, frontier},
		{2, "customer_id", "string", false, frontier},
		{3, "provider_id", "string", false, frontier},
		{4, "state", "string", false, frontier},
		{5, "currency", "string", false, frontier},
		{6, "amount", "int64", false, frontier},
		{7, "hosted_url", "string", false, frontier},
		{8, "due_date", "google.protobuf.Timestamp", false, frontier},
		{9, "effective_at", "google.protobuf.Timestamp", false, frontier},
		{10, "period_start_at", "google.protobuf.Timestamp", false, frontier},
		{11, "period_end_at", "google.protobuf.Timestamp", false, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
		{21, "created_at", "google.protobuf.Timestamp", false, frontier},
		{101, "customer", "BillingAccount", false, frontier},
		{1001, "kind", "string", false, billdOwn},
		{1002, "credits", "int64", false, billdOwn},
		{1003, "paid_at", "google.protobuf.Timestamp", false, billdOwn},
		{1004, "org_id", "string", false, billdOwn},
		{1005, "subscription_id", "string", false, billdOwn},
	},
	// The current Frontier dropped billing_id (number 2 reserved) from the subscription, invoice
	// and entitlement requests, org_id (1) from those that name a subscription, and project_id (4)
	// from CheckFeatureEntitlementRequest and org_id (2) from HasTrialedRequest.
	"ListSubscriptionsRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "billing_id", "string", false, sdkOnly},
		{3, "state", "string", false, frontier},
		{4, "plan", "string", false, frontier},
		{101, "expand", "string", true, frontier},
		{1001, "page_size", "int32", false, billdOwn},
		{1002, "page_token", "string", false, billdOwn},
	},
	"ListSubscriptionsResponse": {
		{1, "subscriptions", "Subscription", true, frontier},
		{1001, "next_page_token", "string", false, billdOwn},
	},
	"GetSubscriptionRequest": {
		{1, "org_id", "string", false, sdkOnly},
		{2, "billing_id", "string", false, sdkOnly},
		{3, "id", "string", false, frontier},
		{101, "expand", "string", true, frontier},
	},
	"GetSubscriptionResponse": {
		{1, "subscription", "Subscription", false, frontier},
	},
	"UpdateSubscriptionRequest": {
		{1, "org_id", "string", false, sdkOnly},
		{2, "billing_id", "string", false, sdkOnly},
		{3, "id", "string", false, frontier},
		{20, "metadata", "google.protobuf.Struct", false, frontier},
	},
	"UpdateSubscriptionResponse": {
		{1, "subscription", "Subscription", false, frontier},
	},
	"CancelSubscriptionRequest": {
		{1, "org_id", "string", false, sdkOnly},
		{2, "billing_id", "string", false, sdkOnly},
		{3, "id", "string", false, frontier},
		{4, "immediate", "bool", false, frontier},
	},
	"CancelSubscriptionResponse": {
		{1001, "subscription", "Subscription", false, billdOwn},
	},
	// Frontier declares plan_change and phase_change in a oneof (change); billd's plain fields are
	// the same on the wire (TestChangeSubscriptionOneofWire).
	"ChangeSubscriptionRequest": {
		{1, "org_id", "string", false, sdkOnly},
		{2, "billing_id", "string", false, sdkOnly},
		{3, "id", "string", false, frontier},
		{4, "plan", "string", false, frontier},
		{5, "immediate", "bool", false, frontier},
		{6, "plan_change", "ChangeSubscriptionRequest.PlanChange", false, frontier},
		{7, "phase_change", "ChangeSubscriptionRequest.PhaseChange", false, frontier},
	},
	"ChangeSubscriptionRequest.PlanChange": {
		{1, "plan", "string", false, frontier},
		{2, "immediate", "bool", false, frontier},
	},
	"ChangeSubscriptionRequest.PhaseChange": {
		{1, "cancel_upcoming_changes", "bool", false, frontier},
	},
	"ChangeSubscriptionResponse": {
		{1, "phase", "Subscription.Phase", false, frontier},
	},
	"CheckFeatureEntitlementRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "billing_id", "string", false, sdkOnly},
		{3, "feature", "string", false, frontier},
		{4, "project_id", "string", false, sdkOnly},
	},
	"CheckFeatureEntitlementResponse": {
		{1, "status", "bool", false, frontier},
	},
	"HasTrialedRequest": {
		{1, "id", "string", false, frontier},
		{2, "org_id", "string", false, sdkOnly},
		{3, "plan_id", "string", false, frontier},
	},
	"HasTrialedResponse": {
		{1, "trialed", "bool", false, frontier},
	},
	"ListInvoicesRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "billing_id", "string", false, sdkOnly},
		{3, "nonzero_amount_only", "bool", false, frontier},
		{101, "expand", "string", true, frontier},
		{1001, "page_size", "int32", false, billdOwn},
		{1002, "page_token", "string", false, billdOwn},
	},
	"ListInvoicesResponse": {
		{1, "invoices", "Invoice", true, frontier},
		{1001, "next_page_token", "string", false, billdOwn},
	},
	"GetUpcomingInvoiceRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "billing_id", "string", false, sdkOnly},
	},
	"GetUpcomingInvoiceResponse": {
		{1, "invoice", "Invoice", false, frontier},
	},
	"ListAllInvoicesRequest": {
		{1, "org_id", "string", false, frontier},
		{2, "page_size", "int32", false, frontier},
		{3, "page_num", "int32", false, frontier},
		{1002, "page_token", "string", false, billdOwn},
	},
	"ListAllInvoicesResponse": {
		{1, "invoices", "Invoice", true, frontier},
		{2, "count", "int32", false, frontier},
		{1001, "next_page_token", "string", false, billdOwn},
	},
	"GenerateInvoicesRequest": {},
	"GenerateInvoicesResponse": {
		{1001, "generated", "int64", false, billdOwn},
	},
	"billd.v1.MarkInvoicePaidRequest": {
		{1, "org_id", "string", false, billdOwn},
		{2, "billing_id", "string", false, billdOwn},
		{3, "id", "string", false, billdOwn},
	},
	"billd.v1.MarkInvoicePaidResponse": {
		{1, "invoice", "Invoice", false, billdOwn},
	},
	"billd.v1.SetOrganizationSeatsRequest": {
		{1, "id", "string", false, billdOwn},
		{2, "seats", "int64", false, billdOwn},
	},
	"billd.v1.SetOrganizationSeatsResponse": {
		{1, "organization", "Organization", false, billdOwn},
		{2, "seats", "int64", false, billdOwn},
	},
	"billd.v1.SetSpendLimitsRequest": {
		{1, "org_id", "string", false, billdOwn},
		{2, "id", "string", false, billdOwn},
		{3, "hourly_spend_limit", "int64", false, billdOwn},
		{4, "monthly_spend_limit", "int64", false, billdOwn},
	},
	"billd.v1.SetSpendLimitsResponse": {
		{1, "hourly_spend_limit", "int64", false, billdOwn},
		{2, "monthly_spend_limit", "int64", false, billdOwn},
	},
	"billd.v1.Webhook": {
		{1, "id", "string", false, billdOwn},
		{2, "org_id", "string", false, billdOwn},
		{3, "url", "string", false, billdOwn},
		{4, "types", "string", true, billdOwn},
		{5, "description", "string", false, billdOwn},
		{6, "enabled", "bool", false, billdOwn},
		{7, "created_at", "google.protobuf.Timestamp", false, billdOwn},
	},
	"billd.v1.CreateWebhookRequest": {
		{1, "org_id", "string", false, billdOwn},
		{2, "url", "string", false, billdOwn},
		{3, "types", "string", true, billdOwn},
		{4, "description", "string", false, billdOwn},
		{5, "disabled", "bool", false, billdOwn},
	},
	"billd.v1.CreateWebhookResponse": {
		{1, "webhook", "billd.v1.Webhook", false, billdOwn},
		{2, "secret", "string", false, billdOwn},
	},
	"billd.v1.ListWebhooksRequest": {
		{1, "org_id", "string", false, billdOwn},
	},
	"billd.v1.ListWebhooksResponse": {
		{1, "webhooks", "billd.v1.Webhook", true, billdOwn},
	},
	"billd.v1.UpdateWebhookRequest": {
		{1, "org_id", "string", false, billdOwn},
		{2, "id", "string", false, billdOwn},
		{3, "url", "string", false, billdOwn},
		{4, "types", "string", true, billdOwn},
		{5, "description", "string", false, billdOwn},
		{6, "disabled", "bool", false, billdOwn},
	},
	"billd.v1.UpdateWebhookResponse": {
		{1, "webhook", "billd.v1.Webhook", false, billdOwn},
	},
	"billd.v1.DeleteWebhookRequest": {
		{1, "org_id", "string", false, billdOwn},
		{2, "id", "string", false, billdOwn},
	},
	"billd.v1.DeleteWebhookResponse": {},
	"billd.v1.WebhookAttempt": {
		{1, "n", "int32", false, billdOwn},
		{2, "at", "google.protobuf.Timestamp", false, billdOwn},
		{3, "status_code", "int32", false, billdOwn},
		{4, "error", "string", false, billdOwn},
		{5, "response", "string", false, billdOwn},
	},
	"billd.v1.WebhookDelivery": {
		{1, "id", "string", false, billdOwn},
		{2, "webhook_id", "string", false, billdOwn},
		{3, "event_id", "string", false, billdOwn},
		{4, "type", "string", false, billdOwn},
		{5, "state", "string", false, billdOwn},
		{6, "attempts", "int32", false, billdOwn},
		{7, "next_attempt_at", "google.protobuf.Timestamp", false, billdOwn},
		{8, "created_at", "google.protobuf.Timestamp", false, billdOwn},
		{9, "updated_at", "google.protobuf.Timestamp", false, billdOwn},
		{10, "log", "billd.v1.WebhookAttempt", true, billdOwn},
	},
	"billd.v1.ListWebhookDeliveriesRequest": {
		{1, "org_id", "string", false, billdOwn},
		{2, "webhook_id", "string", false, billdOwn},
		{3, "page_size", "int32", false, billdOwn},
		{4, "page_token", "string", false, billdOwn},
	},
	"billd.v1.ListWebhookDeliveriesResponse": {
		{1, "deliveries", "billd.v1.WebhookDelivery", true, billdOwn},
		{2, "next_page_token", "string", false, billdOwn},
	},
	"billd.v1.RedeliverWebhookRequest": {
		{1, "org_id", "string", false, billdOwn},
		{2, "webhook_id", "string", false, billdOwn},
		{3, "id", "string", false, billdOwn},
	},
	"billd.v1.RedeliverWebhookResponse": {
		{1, "delivery", "billd.v1.WebhookDelivery", false, billdOwn},
	},
	"billd.v1.AccountRecharge": {
		{1, "auto_recharge", "bool", false, billdOwn},
		{2, "low", "int64", false, billdOwn},
		{3, "high", "int64", false, billdOwn},
	},
	"billd.v1.SetAccountControlsRequest": {
		{1, "org_id", "string", false, billdOwn},
		{2, "id", "string", false, billdOwn},
		{3, "billing_threshold", "int64", false, billdOwn},
		{4, "recharge", "billd.v1.AccountRecharge", false, billdOwn},
	},
	"billd.v1.SetAccountControlsResponse": {
		{1, "billing_threshold", "int64", false, billdOwn},
		{2, "recharge", "billd.v1.AccountRecharge", false, billdOwn},
	},
}

// wireMethod is one RPC: its name and its request and response messages.
type wireMethod struct{ name, input, output string }

// wireServices is every service billd serves with its methods, in order.
var wireServices = map[string][]wireMethod{
	"raystack.frontier.v1beta1.FrontierService": {
		{"ListOrganizations", "ListOrganizationsRequest", "ListOrganizationsResponse"},
		{"CreateOrganization", "CreateOrganizationRequest", "CreateOrganizationResponse"},
		{"GetOrganization", "GetOrganizationRequest", "GetOrganizationResponse"},
		{"UpdateOrganization", "UpdateOrganizationRequest", "UpdateOrganizationResponse"},
		{"ListOrganizationProjects", "ListOrganizationProjectsRequest", "ListOrganizationProjectsResponse"},
		{"EnableOrganization", "EnableOrganizationRequest", "EnableOrganizationResponse"},
		{"DisableOrganization", "DisableOrganizationRequest", "DisableOrganizationResponse"},
		{"DeleteOrganization", "DeleteOrganizationRequest", "DeleteOrganizationResponse"},
		{"CreateProject", "CreateProjectRequest", "CreateProjectResponse"},
		{"GetProject", "GetProjectRequest", "GetProjectResponse"},
		{"UpdateProject", "UpdateProjectRequest", "UpdateProjectResponse"},
		{"DeleteProject", "DeleteProjectRequest", "DeleteProjectResponse"},
		{"CreateBillingAccount", "CreateBillingAccountRequest", "CreateBillingAccountResponse"},
		{"GetBillingAccount", "GetBillingAccountRequest", "GetBillingAccountResponse"},
		{"UpdateBillingAccount", "UpdateBillingAccountRequest", "UpdateBillingAccountResponse"},
		{"ListBillingAccounts", "ListBillingAccountsRequest", "ListBillingAccountsResponse"},
		{"DeleteBillingAccount", "DeleteBillingAccountRequest", "DeleteBillingAccountResponse"},
		{"EnableBillingAccount", "EnableBillingAccountRequest", "EnableBillingAccountResponse"},
		{"DisableBillingAccount", "DisableBillingAccountRequest", "DisableBillingAccountResponse"},
		{"GetBillingBalance", "GetBillingBalanceRequest", "GetBillingBalanceResponse"},
		{"CheckCreditEntitlement", "CheckCreditEntitlementRequest", "CheckCreditEntitlementResponse"},
		{"CreateBillingUsage", "CreateBillingUsageRequest", "CreateBillingUsageResponse"},
		{"ListBillingTransactions", "ListBillingTransactionsRequest", "ListBillingTransactionsResponse"},
		{"TotalDebitedTransactions", "TotalDebitedTransactionsRequest", "TotalDebitedTransactionsResponse"},
		{"CreateProduct", "CreateProductRequest", "CreateProductResponse"},
		{"GetProduct", "GetProductRequest", "GetProductResponse"},
		{"ListProducts", "ListProductsRequest", "ListProductsResponse"},
		{"UpdateProduct", "UpdateProductRequest", "UpdateProductResponse"},
		{"CreateFeature", "CreateFeatureRequest", "CreateFeatureResponse"},
		{"GetFeature", "GetFeatureRequest", "GetFeatureResponse"},
		{"UpdateFeature", "UpdateFeatureRequest", "UpdateFeatureResponse"},
		{"ListFeatures", "ListFeaturesRequest", "ListFeaturesResponse"},
		{"CreatePlan", "CreatePlanRequest", "CreatePlanResponse"},
		{"ListPlans", "ListPlansRequest", "ListPlansResponse"},
		{"GetPlan", "GetPlanRequest", "GetPlanResponse"},
		{"UpdatePlan", "UpdatePlanRequest", "UpdatePlanResponse"},
		{"CreateCheckout", "CreateCheckoutRequest", "CreateCheckoutResponse"},
		{"ListCheckouts", "ListCheckoutsRequest", "ListCheckoutsResponse"},
		{"GetCheckout", "GetCheckoutRequest", "GetCheckoutResponse"},
		{"BillingWebhookCallback", "BillingWebhookCallbackRequest", "BillingWebhookCallbackResponse"},
		{"ListSubscriptions", "ListSubscriptionsRequest", "ListSubscriptionsResponse"},
		{"GetSubscription", "GetSubscriptionRequest", "GetSubscriptionResponse"},
		{"UpdateSubscription", "UpdateSubscriptionRequest", "UpdateSubscriptionResponse"},
		{"CancelSubscription", "CancelSubscriptionRequest", "CancelSubscriptionResponse"},
		{"ChangeSubscription", "ChangeSubscriptionRequest", "ChangeSubscriptionResponse"},
		{"CheckFeatureEntitlement", "CheckFeatureEntitlementRequest", "CheckFeatureEntitlementResponse"},
		{"HasTrialed", "HasTrialedRequest", "HasTrialedResponse"},
		{"ListInvoices", "ListInvoicesRequest", "ListInvoicesResponse"},
		{"GetUpcomingInvoice", "GetUpcomingInvoiceRequest", "GetUpcomingInvoiceResponse"},
	},
	"raystack.frontier.v1beta1.AdminService": {
		{"ListAllBillingAccounts", "ListAllBillingAccountsRequest", "ListAllBillingAccountsResponse"},
		{"RevertBillingUsage", "RevertBillingUsageRequest", "RevertBillingUsageResponse"},
		{"UpdateBillingAccountLimits", "UpdateBillingAccountLimitsRequest", "UpdateBillingAccountLimitsResponse"},
		{"GetBillingAccountDetails", "GetBillingAccountDetailsRequest", "GetBillingAccountDetailsResponse"},
		{"UpdateBillingAccountDetails", "UpdateBillingAccountDetailsRequest", "UpdateBillingAccountDetailsResponse"},
		{"CreatePlan", "CreatePlanRequest", "CreatePlanResponse"},
		{"UpdatePlan", "UpdatePlanRequest", "UpdatePlanResponse"},
		{"ListAllPlans", "ListAllPlansRequest", "ListAllPlansResponse"},
		{"DelegatedCheckout", "DelegatedCheckoutRequest", "DelegatedCheckoutResponse"},
		{"ListAllInvoices", "ListAllInvoicesRequest", "ListAllInvoicesResponse"},
		{"GenerateInvoices", "GenerateInvoicesRequest", "GenerateInvoicesResponse"},
	},
	"billd.v1.BilldService": {
		{"GrantCredits", "billd.v1.GrantCreditsRequest", "billd.v1.GrantCreditsResponse"},
		{"VerifyLedger", "billd.v1.VerifyLedgerRequest", "billd.v1.VerifyLedgerResponse"},
		{"CreateClient", "billd.v1.CreateClientRequest", "billd.v1.CreateClientResponse"},
		{"ListClients", "billd.v1.ListClientsRequest", "billd.v1.ListClientsResponse"},
		{"RevokeClient", "billd.v1.RevokeClientRequest", "billd.v1.RevokeClientResponse"},
		{"MarkInvoicePaid", "billd.v1.MarkInvoicePaidRequest", "billd.v1.MarkInvoicePaidResponse"},
		{"SetOrganizationSeats", "billd.v1.SetOrganizationSeatsRequest", "billd.v1.SetOrganizationSeatsResponse"},
		{"SetSpendLimits", "billd.v1.SetSpendLimitsRequest", "billd.v1.SetSpendLimitsResponse"},
		{"CreateWebhook", "billd.v1.CreateWebhookRequest", "billd.v1.CreateWebhookResponse"},
		{"ListWebhooks", "billd.v1.ListWebhooksRequest", "billd.v1.ListWebhooksResponse"},
		{"UpdateWebhook", "billd.v1.UpdateWebhookRequest", "billd.v1.UpdateWebhookResponse"},
		{"DeleteWebhook", "billd.v1.DeleteWebhookRequest", "billd.v1.DeleteWebhookResponse"},
		{"ListWebhookDeliveries", "billd.v1.ListWebhookDeliveriesRequest", "billd.v1.ListWebhookDeliveriesResponse"},
		{"RedeliverWebhook", "billd.v1.RedeliverWebhookRequest", "billd.v1.RedeliverWebhookResponse"},
		{"SetAccountControls", "billd.v1.SetAccountControlsRequest", "billd.v1.SetAccountControlsResponse"},
	},
}

// updateProjectRequestBody is the current Frontier's body of UpdateProject: ProjectRequestBody
// without org_id.
var updateProjectRequestBody = []wireField{
	{1, "name", "string", false, currentOnly},
	{2, "title", "string", false, currentOnly},
	{3, "metadata", "google.protobuf.Struct", false, currentOnly},
}

// serviceFiles are billd's generated files that declare services, with their packages.
var serviceFiles = []struct {
	file protoreflect.FileDescriptor
	pkg  string
}{
	{fv1.File_raystack_frontier_v1beta1_frontier_proto, frontierPackage},
	{fv1.File_raystack_frontier_v1beta1_admin_proto, frontierPackage},
	{billdv1.File_billd_v1_admin_proto, "billd.v1"},
}

// shortName is a message's full name without Frontier's package.
func shortName(d protoreflect.Descriptor) string {
	return strings.TrimPrefix(string(d.FullName()), frontierPackage+".")
}

// TestWirePackages checks the packages of billd's proto files: Frontier's messages and services
// in raystack.frontier.v1beta1, billd's own in billd.v1.
func TestWirePackages(t *testing.T) {
	files := append(serviceFiles, struct {
		file protoreflect.FileDescriptor
		pkg  string
	}{fv1.File_raystack_frontier_v1beta1_models_proto, frontierPackage})
	for _, f := range files {
		if got := string(f.file.Package()); got != f.pkg {
			t.Errorf("%s: package %s, want %s", f.file.Path(), got, f.pkg)
		}
	}
}

// TestWireServices checks every service billd serves, method by method: names, request and
// response messages, and unary calls, as Frontier declares them.
func TestWireServices(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range serviceFiles {
		services := f.file.Services()
		for i := range services.Len() {
			s := services.Get(i)
			name := string(s.FullName())
			seen[name] = true
			want, ok := wireServices[name]
			if !ok {
				t.Errorf("service %s is not in the expected table", name)
				continue
			}
			var got []wireMethod
			methods := s.Methods()
			for j := range methods.Len() {
				m := methods.Get(j)
				got = append(got, wireMethod{string(m.Name()), shortName(m.Input()), shortName(m.Output())})
				if m.IsStreamingClient() || m.IsStreamingServer() {
					t.Errorf("%s: streaming; Frontier's is unary", m.FullName())
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("service %s:\n got %v\nwant %v", name, got, want)
			}
		}
	}
	for name := range wireServices {
		if !seen[name] {
			t.Errorf("service %s is not declared", name)
		}
	}
}

// TestWireMessages checks every message the services use, directly or through the fields of
// others, against wireMessages: the same messages, and in each exactly the fields of the table,
// with Frontier's JSON names and no field in a oneof or with explicit presence (Frontier has
// none). billd's own fields in Frontier's messages are numbered from 1001.
func TestWireMessages(t *testing.T) {
	used := map[string]protoreflect.MessageDescriptor{}
	for _, f := range serviceFiles {
		services := f.file.Services()
		for i := range services.Len() {
			methods := services.Get(i).Methods()
			for j := range methods.Len() {
				collectMessages(used, methods.Get(j).Input())
				collectMessages(used, methods.Get(j).Output())
			}
		}
	}
	for name, m := range used {
		want, ok := wireMessages[name]
		if !ok {
			t.Errorf("message %s is used but not in the expected table", name)
			continue
		}
		if diff := compareFields(m, want); diff != "" {
			t.Errorf("message %s:\n%s", name, diff)
		}
	}
	for name := range wireMessages {
		if _, ok := used[name]; !ok {
			t.Errorf("message %s of the table is not used by any service", name)
		}
	}
}

// TestUpdateProjectBodyIsCurrentFrontiers checks that ProjectRequestBody, the body of billd's
// UpdateProject, is on the wire what the current Frontier's UpdateProjectRequestBody is, plus the
// SDK's org_id.
func TestUpdateProjectBodyIsCurrentFrontiers(t *testing.T) {
	body := (&fv1.UpdateProjectRequest{}).ProtoReflect().Descriptor().Fields().ByName("body").Message()
	want := append(slices.Clone(updateProjectRequestBody), wireField{4, "org_id", "string", false, sdkOnly})
	if diff := compareFields(body, want); diff != "" {
		t.Errorf("UpdateProjectRequest.body (%s):\n%s", body.FullName(), diff)
	}
}

// collectMessages adds m and every message its fields hold, but for the well-known types, to used.
func collectMessages(used map[string]protoreflect.MessageDescriptor, m protoreflect.MessageDescriptor) {
	if strings.HasPrefix(string(m.FullName()), "google.protobuf.") {
		return
	}
	name := shortName(m)
	if _, ok := used[name]; ok {
		return
	}
	used[name] = m
	fields := m.Fields()
	for i := range fields.Len() {
		if sub := fields.Get(i).Message(); sub != nil {
			collectMessages(used, sub)
		}
	}
}

// compareFields returns how m's fields differ from want, or "".
func compareFields(m protoreflect.MessageDescriptor, want []wireField) string {
	var diff []string
	fields := m.Fields()
	for _, w := range want {
		f := fields.ByNumber(w.num)
		if f == nil {
			diff = append(diff, fmt.Sprintf("  field %d (%s) missing", w.num, w.name))
			continue
		}
		if got := wireFieldOf(f, w.origin); got != w {
			diff = append(diff, fmt.Sprintf("  field %d: got %+v, want %+v", w.num, got, w))
		}
		if f.JSONName() != jsonCamelCase(w.name) {
			diff = append(diff, fmt.Sprintf("  field %s: JSON name %q, want %q", w.name, f.JSONName(), jsonCamelCase(w.name)))
		}
		if w.origin != billdOwn && (f.ContainingOneof() != nil || f.HasPresence() && f.Message() == nil) {
			diff = append(diff, fmt.Sprintf("  field %s: in a oneof or optional; Frontier's is neither", w.name))
		}
		if w.origin == billdOwn && m.ParentFile().Package() == frontierPackage && w.num < 1001 {
			diff = append(diff, fmt.Sprintf("  field %s: billd's own field numbered %d, below 1001", w.name, w.num))
		}
	}
	for i := range fields.Len() {
		f := fields.Get(i)
		if !slices.ContainsFunc(want, func(w wireField) bool { return w.num == f.Number() }) {
			diff = append(diff, fmt.Sprintf("  field %d (%s) is not in the table", f.Number(), f.Name()))
		}
	}
	return strings.Join(diff, "\n")
}

// wireFieldOf describes f as the table does, with the origin given.
func wireFieldOf(f protoreflect.FieldDescriptor, o origin) wireField {
	kind := f.Kind().String()
	if f.Message() != nil {
		kind = shortName(f.Message())
	}
	return wireField{num: f.Number(), name: string(f.Name()), kind: kind, repeated: f.IsList(), origin: o}
}

// jsonCamelCase is protobuf's default JSON name of a field: lowerCamelCase of its proto name.
func jsonCamelCase(name string) string {
	var b strings.Builder
	upper := false
	for _, c := range name {
		switch {
		case c == '_':
			upper = true
		case upper && 'a' <= c && c <= 'z':
			b.WriteRune(c - 'a' + 'A')
			upper = false
		default:
			b.WriteRune(c)
			upper = false
		}
	}
	return b.String()
}
