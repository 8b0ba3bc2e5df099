package billd

import (
	"context"
	"time"
)

// Provider is a payment provider: it holds customers' payment details, runs hosted checkout pages
// and takes the money. billd keeps its own record of every checkout, payment method, subscription
// and invoice in the Store; a provider is told what to do and reports what happened, either in
// the answer to a call or in an event it delivers later (a webhook). Provider calls are made
// outside store transactions, and every effect of an event on billd is idempotent, so that an
// event delivered twice, or a poll racing the event, changes nothing the second time.
type Provider interface {
	// Name is the provider's name in URLs and on stored objects ("sandbox", "stripe").
	Name() string

	// CreateCustomer registers a billing account and returns the provider's customer id.
	CreateCustomer(ctx context.Context, a *BillingAccount) (string, error)

	// CreateCheckout opens a hosted checkout session and returns it, with its URL.
	CreateCheckout(ctx context.Context, r CheckoutSessionRequest) (*ProviderCheckout, error)
	// Checkout returns the provider's view of a session, for polling.
	Checkout(ctx context.Context, providerID string) (*ProviderCheckout, error)
	// ExpireCheckout closes an open session so that it can no longer be paid.
	ExpireCheckout(ctx context.Context, providerID string) error
	// PortalURL returns a link to the provider's customer portal, which comes back to returnURL.
	PortalURL(ctx context.Context, customerID, returnURL string) (string, error)

	// PaymentMethods lists a customer's saved payment methods, the default marked.
	PaymentMethods(ctx context.Context, customerID string) ([]PaymentMethod, error)
	// SetDefaultPaymentMethod makes a saved method the one charged off-session.
	SetDefaultPaymentMethod(ctx context.Context, customerID, methodID string) error
	// DetachPaymentMethod removes a saved method from its customer.
	DetachPaymentMethod(ctx context.Context, methodID string) error
	// Charge takes money off-session from a saved method (auto-recharge, sandbox renewals). Its
	// IdempotencyKey makes a retried charge take the money once.
	Charge(ctx context.Context, r ChargeRequest) (*ChargeResult, error)

	// RunsRenewals reports whether the provider runs subscription periods itself: it charges each
	// renewal and reports it in events (Stripe). billd's subscriptions job renews the others'
	// subscriptions, charging the saved method with Charge (the sandbox).
	RunsRenewals() bool
	// CreateSubscription starts a subscription at the provider. A provider that runs renewals
	// charges the customer's default method each period.
	CreateSubscription(ctx context.Context, r SubscriptionRequest) (*ProviderSubscription, error)
	// CancelSubscription ends a subscription now or at the end of its current period.
	CancelSubscription(ctx context.Context, providerID string, atPeriodEnd bool) (*ProviderSubscription, error)
	// ChangeSubscription moves a subscription to other items, now or from its next period.
	ChangeSubscription(ctx context.Context, providerID string, r SubscriptionRequest, immediate bool) (*ProviderSubscription, error)

	// CreateInvoice creates and finalizes an invoice of r's items, sent to the customer.
	CreateInvoice(ctx context.Context, r InvoiceRequest) (*ProviderInvoice, error)
	// Invoice returns the provider's view of an invoice, for polling.
	Invoice(ctx context.Context, providerID string) (*ProviderInvoice, error)

	// ParseEvent verifies a webhook delivery (payload and HTTP headers) and returns its event.
	// An EINVALID error means the signature does not verify or the payload is not an event. An
	// event of a kind billd does not act on has Type EventIgnored.
	ParseEvent(payload []byte, header map[string][]string) (*ProviderEvent, error)
}

// CheckoutSessionRequest is what a provider's checkout session is opened with.
type CheckoutSessionRequest struct {
	CheckoutID string // billd's id: the provider reports it back with the session
	// SubscriptionID is billd's id of the subscription a plan checkout makes: the provider reports
	// it back with the subscription's events.
	SubscriptionID string
	Kind           CheckoutKind
	CustomerID     string
	Currency       string // ISO 4217, lower case
	Lines          []CheckoutLine
	TrialDays      int64 // subscription checkouts: days before the first charge
	SuccessURL     string
	CancelURL      string
	ExpiresAt      time.Time
}

// CheckoutLine is one line of a checkout or subscription.
type CheckoutLine struct {
	ProductID  string
	Name       string // what the customer sees
	UnitAmount int64  // in the currency's smallest unit
	Quantity   int64
	Interval   string // "" for a one-time price; day, week, month or year
}

// ProviderCheckout is a provider's view of a checkout session.
type ProviderCheckout struct {
	ID             string // the provider's session id
	CheckoutID     string // billd's id, as given when the session was opened
	URL            string
	State          CheckoutState
	PaymentStatus  PaymentStatus
	PaymentError   string // why the last payment attempt failed
	SubscriptionID string // subscription checkouts: the provider's subscription
	PaymentMethod  *PaymentMethod
	CurrentPeriod  Period // subscription checkouts: the first period
	TrialEndsAt    time.Time
}

// Period is a span of a subscription.
type Period struct {
	Start time.Time
	End   time.Time
}

// PaymentMethod is a saved way to pay, as shown on a billing account.
type PaymentMethod struct {
	ID          string // billd's id
	AccountID   string
	Provider    string
	ProviderID  string // the provider's id of the method
	Type        string // "card"
	CardBrand   string
	CardLast4   string
	ExpiryMonth int64
	ExpiryYear  int64
	Default     bool
	Metadata    Metadata
	CreatedAt   time.Time
}

// ChargeRequest takes money off-session.
type ChargeRequest struct {
	IdempotencyKey string
	CustomerID     string
	MethodID       string // the provider's id of the method; empty = the default
	Amount         int64
	Currency       string
	Description    string
}

// ChargeResult is the outcome of a charge.
type ChargeResult struct {
	ID     string
	Paid   bool
	Reason string // why it was declined, for people
	// FailureCode and DeclineCode are the machine-readable reason of a decline, in Stripe's terms
	// ("card_declined" and "generic_decline", "expired_card", ...); DeclineCode may be empty.
	FailureCode string
	DeclineCode string
}

// SubscriptionRequest starts or changes a provider subscription.
type SubscriptionRequest struct {
	SubscriptionID string // billd's id
	CustomerID     string
	Currency       string
	Lines          []CheckoutLine
	TrialDays      int64
	Interval       string
}

// ProviderSubscription is a provider's view of a subscription.
type ProviderSubscription struct {
	ID                string
	SubscriptionID    string // billd's id
	State             SubscriptionState
	CurrentPeriod     Period
	TrialEndsAt       time.Time
	CancelAtPeriodEnd bool
	CanceledAt        time.Time
	EndedAt           time.Time
}

// InvoiceRequest creates an invoice.
type InvoiceRequest struct {
	InvoiceID  string // billd's id
	CustomerID string
	Currency   string
	DueInDays  int64
	Lines      []CheckoutLine
}

// ProviderInvoice is a provider's view of an invoice.
type ProviderInvoice struct {
	ID        string
	InvoiceID string // billd's id
	State     string // draft, open, paid, void, uncollectible
	URL       string
	Amount    int64
	Currency  string
	DueAt     time.Time
	PaidAt    time.Time
}

// EventType is what a provider event reports, in billd's terms.
type EventType string

// Provider event types.
const (
	EventIgnored             EventType = ""                     // a kind of event billd does not act on
	EventCheckoutCompleted   EventType = "checkout.completed"   // a session was paid (or set up)
	EventCheckoutFailed      EventType = "checkout.failed"      // a payment attempt was declined
	EventCheckoutExpired     EventType = "checkout.expired"     // a session closed unpaid
	EventSubscriptionUpdated EventType = "subscription.updated" // a subscription's state or period changed
	EventInvoicePaid         EventType = "invoice.paid"         // an invoice was paid
	EventPaymentMethodSaved  EventType = "payment_method.saved" // a method was attached to a customer
)

// ProviderEvent is a verified webhook event, in billd's terms.
type ProviderEvent struct {
	ID           string // the provider's event id: deliveries are deduplicated by it
	Type         EventType
	Kind         string // the provider's own name of the event type
	CustomerID   string
	Checkout     *ProviderCheckout     `json:",omitempty"`
	Subscription *ProviderSubscription `json:",omitempty"`
	Invoice      *ProviderInvoice      `json:",omitempty"`
}
