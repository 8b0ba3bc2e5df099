// Package stripe is the billd.Provider of Stripe, over stripe-go's client API (no stripe-go type
// leaves the package: callers see billd's types and *billd.Error only).
//
// Configuration (Config): the secret API key; the API base URL (empty is Stripe's; cmd/billd takes
// it from BILLD_STRIPE_API_BASE to point billd at stripe-mock); the webhook signing secrets, several
// during a rotation (a delivery verifies if any of them verifies it); and an optional HTTP client
// (the default has a 30 s timeout). Each Provider has its own backends: two providers in one
// process share no state, and stripe-go's package-global key is never set.
//
// What it maps, billd's term to Stripe's:
//   - a billing account is a customer (metadata billing_account_id, org_id);
//   - a checkout is a Checkout Session: product → mode payment (the card saved for off-session
//     use), subscription → mode subscription, setup → mode setup; lines are line_items with inline
//     price_data; billd's checkout id is client_reference_id and metadata checkout_id;
//   - a payment method is a PaymentMethod, the default one the customer's
//     invoice_settings.default_payment_method;
//   - an off-session charge is a PaymentIntent confirmed off-session (a declined card is a
//     ChargeResult, not an error);
//   - a subscription is a Subscription whose items carry inline prices of a Stripe product named
//     billd_<product id>, made on first use; metadata subscription_id;
//   - an invoice is an Invoice sent to the customer (collection_method send_invoice) with one
//     invoice item per line; metadata invoice_id;
//   - webhook events (checkout.session.*, customer.subscription.*, invoice.paid,
//     payment_method.attached) become billd.ProviderEvents; other kinds are EventIgnored.
//
// Errors: Stripe's answers become *billd.Error, prefixed with the operation ("stripe: create
// checkout session: …"): bad parameters EINVALID, a missing object ENOTFOUND, a refused card or a
// request the object's state does not allow EPRECONDITION, a reused idempotency key ECONFLICT,
// network failures, 5xx and 429 EUNAVAILABLE, anything else EINTERNAL.
package stripe
