package billd

import (
	"context"
	"time"
)

// CheckoutKind is what a checkout sells.
type CheckoutKind string

// Checkout kinds.
const (
	CheckoutProduct      CheckoutKind = "product"      // credits bought once
	CheckoutSubscription CheckoutKind = "subscription" // a plan subscribed to
	CheckoutSetup        CheckoutKind = "setup"        // a payment method saved, nothing bought
)

// CheckoutState is where a checkout is: open until it is paid (complete) or closes unpaid
// (expired, after CheckoutValidity or when the customer cancels).
type CheckoutState string

// Checkout states.
const (
	CheckoutOpen     CheckoutState = "open"
	CheckoutComplete CheckoutState = "complete"
	CheckoutExpired  CheckoutState = "expired"
)

// PaymentStatus is whether a checkout's money arrived.
type PaymentStatus string

// Payment statuses.
const (
	PaymentUnpaid      PaymentStatus = "unpaid"
	PaymentPaid        PaymentStatus = "paid"
	PaymentNotRequired PaymentStatus = "no_payment_required" // setup checkouts, trials
)

// CheckoutValidity is how long a checkout stays open.
const CheckoutValidity = 24 * time.Hour

// MaxCheckoutQuantity bounds the quantity of a product checkout when its product sets no maximum.
const MaxCheckoutQuantity = 100000

// CheckoutIDPlaceholder in a success or cancel URL is replaced with the checkout's id.
const CheckoutIDPlaceholder = "{{.CheckoutID}}"

// Checkout is one attempt of a customer to pay: for credits (a product), for a plan, or to save a
// payment method. What it will grant is fixed when it is created.
type Checkout struct {
	ID               string
	OrgID            string
	AccountID        string
	Kind             CheckoutKind
	Provider         string
	ProviderID       string // the provider's session id
	URL              string // where the customer pays
	SuccessURL       string
	CancelURL        string
	State            CheckoutState
	PaymentStatus    PaymentStatus
	PaymentError     string // why the last payment attempt failed, if it did
	PlanID           string // subscription checkouts
	ProductID        string // product checkouts
	Quantity         int64
	Amount           int64  // what the customer pays, in Currency's smallest unit
	Currency         string // ISO 4217, lower case
	Credits          int64  // what a product checkout grants: Quantity × the product's credit_amount
	SkipTrial        bool
	CancelAfterTrial bool
	SubscriptionID   string     // the subscription a plan checkout made, once fulfilled
	FulfilledAt      *time.Time // when billd applied what it sold; nil until then
	Metadata         Metadata
	CreatedAt        time.Time
	UpdatedAt        time.Time
	ExpireAt         time.Time
}

// CheckoutQuery selects checkouts. Zero fields do not filter.
type CheckoutQuery struct {
	AccountID     string
	State         CheckoutState
	Unfulfilled   bool      // only completed checkouts not yet fulfilled
	ExpiresBefore time.Time // only checkouts whose ExpireAt is before it
	After         *Cursor   // keyset position (created_at, id), newest first
	Limit         int
}

// SubscriptionState is the state of a subscription. Only active and trialing ones grant features.
type SubscriptionState string

// Subscription states.
const (
	SubscriptionActive   SubscriptionState = "active"
	SubscriptionTrialing SubscriptionState = "trialing"
	SubscriptionPastDue  SubscriptionState = "past_due"
	SubscriptionCanceled SubscriptionState = "canceled"
	SubscriptionEnded    SubscriptionState = "ended"
)

// Live reports whether a subscription in state s grants its plan's features.
func (s SubscriptionState) Live() bool { return s == SubscriptionActive || s == SubscriptionTrialing }

// Subscription is an account's subscription to a plan.
type Subscription struct {
	ID                string
	OrgID             string
	AccountID         string
	PlanID            string
	Provider          string
	ProviderID        string
	State             SubscriptionState
	Quantity          int64 // seats of a per-seat plan; 1 otherwise
	CurrentPeriod     Period
	TrialEndsAt       *time.Time
	CancelAtPeriodEnd bool
	CanceledAt        *time.Time
	EndedAt           *time.Time
	NextPlanID        string     // a change scheduled for the end of the period
	NextPlanAt        *time.Time // when it takes effect
	PlanHistory       []string   // earlier plans, oldest first
	CheckoutID        string     // the checkout that made it, if any
	Metadata          Metadata
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// SubscriptionQuery selects subscriptions. Zero fields do not filter.
type SubscriptionQuery struct {
	AccountID string
	PlanID    string
	State     SubscriptionState
	RenewBy   time.Time // only subscriptions whose current period ends by then
	After     *Cursor
	Limit     int
}

// StoredEvent is a provider event as billd keeps it: recorded before the delivery is answered,
// processed once, retried until it is.
type StoredEvent struct {
	Provider    string
	ID          string // the provider's event id
	Type        EventType
	Event       []byte // the ProviderEvent as JSON
	ReceivedAt  time.Time
	ProcessedAt *time.Time
	Attempts    int
	LastError   string
	NextAttempt time.Time
}

// PaymentTx persists checkouts, payment methods, subscriptions and provider events.
type PaymentTx interface {
	// InsertCheckout stores a new checkout.
	InsertCheckout(ctx context.Context, c *Checkout) error
	// Checkout returns the checkout with the id.
	Checkout(ctx context.Context, id string) (*Checkout, error)
	// LockCheckout returns the checkout with the id and holds its write lock to the end of the
	// transaction.
	LockCheckout(ctx context.Context, id string) (*Checkout, error)
	// UpdateCheckout stores every field of c.
	UpdateCheckout(ctx context.Context, c *Checkout) error
	// Checkouts lists checkouts, newest first.
	Checkouts(ctx context.Context, q CheckoutQuery) ([]*Checkout, error)

	// PutPaymentMethod inserts a payment method, or updates the one with the same provider and
	// provider id; when m.Default it clears the mark on the account's other methods.
	PutPaymentMethod(ctx context.Context, m *PaymentMethod) error
	// PaymentMethods lists an account's payment methods, oldest first.
	PaymentMethods(ctx context.Context, accountID string) ([]*PaymentMethod, error)
	// DeletePaymentMethod removes the payment method with the id; an unknown id is no error.
	DeletePaymentMethod(ctx context.Context, id string) error

	// InsertSubscription stores a new subscription; an error that wraps ErrDuplicateID if its id
	// exists.
	InsertSubscription(ctx context.Context, s *Subscription) error
	// Subscription returns the subscription with the id.
	Subscription(ctx context.Context, id string) (*Subscription, error)
	// LockSubscription returns the subscription with the id under its write lock.
	LockSubscription(ctx context.Context, id string) (*Subscription, error)
	// UpdateSubscription stores every field of s.
	UpdateSubscription(ctx context.Context, s *Subscription) error
	// Subscriptions lists subscriptions, newest first.
	Subscriptions(ctx context.Context, q SubscriptionQuery) ([]*Subscription, error)

	// InsertEvent records a provider event unless one with its provider and id is recorded;
	// it reports whether it inserted.
	InsertEvent(ctx context.Context, e *StoredEvent) (bool, error)
	// LockEvent returns the recorded event under its write lock.
	LockEvent(ctx context.Context, provider, id string) (*StoredEvent, error)
	// UpdateEvent stores the processing fields of e.
	UpdateEvent(ctx context.Context, e *StoredEvent) error
	// PendingEvents lists unprocessed events whose next attempt is due at now, oldest first.
	PendingEvents(ctx context.Context, now time.Time, limit int) ([]*StoredEvent, error)
}

// InvoiceState is where an invoice is.
type InvoiceState string

// Invoice states (Stripe's).
const (
	InvoiceDraft         InvoiceState = "draft"
	InvoiceOpen          InvoiceState = "open" // sent, awaiting payment
	InvoicePaid          InvoiceState = "paid"
	InvoiceVoid          InvoiceState = "void"
	InvoiceUncollectible InvoiceState = "uncollectible"
)

// InvoiceKind is what an invoice bills.
type InvoiceKind string

// Invoice kinds.
const (
	InvoiceOverdraft    InvoiceKind = "overdraft"    // credits a postpaid account used beyond its balance
	InvoiceSubscription InvoiceKind = "subscription" // a subscription's period
)

// Invoice is a bill sent to a billing account.
type Invoice struct {
	ID             string
	OrgID          string
	AccountID      string
	Kind           InvoiceKind
	Provider       string
	ProviderID     string
	State          InvoiceState
	Currency       string
	Amount         int64 // the total, in Currency's smallest unit
	Credits        int64 // overdraft invoices: the credits it bills, given back when it is paid
	URL            string
	SubscriptionID string
	PeriodStart    time.Time
	PeriodEnd      time.Time
	DueAt          *time.Time
	PaidAt         *time.Time
	ReconciledAt   *time.Time // when the credits of a paid overdraft invoice were given back
	Metadata       Metadata
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// InvoiceQuery selects invoices. Zero fields do not filter.
type InvoiceQuery struct {
	AccountID    string
	OrgID        string
	State        InvoiceState
	NonZeroOnly  bool
	Unreconciled bool      // only paid overdraft invoices whose credits were not given back
	DueBefore    time.Time // only open invoices due before it
	After        *Cursor   // keyset position (created_at, id), newest first
	Limit        int
}

// InvoiceTx persists invoices and the organization facts billing reads.
type InvoiceTx interface {
	// InsertInvoice stores a new invoice; an error that wraps ErrDuplicateID if its id exists.
	InsertInvoice(ctx context.Context, inv *Invoice) error
	// Invoice returns the invoice with the id.
	Invoice(ctx context.Context, id string) (*Invoice, error)
	// LockInvoice returns the invoice with the id under its write lock.
	LockInvoice(ctx context.Context, id string) (*Invoice, error)
	// UpdateInvoice stores every field of inv.
	UpdateInvoice(ctx context.Context, inv *Invoice) error
	// Invoices lists invoices, newest first.
	Invoices(ctx context.Context, q InvoiceQuery) ([]*Invoice, error)
	// PostpaidAccounts lists active billing accounts with a negative credit_min (an overdraft
	// line), oldest first, after the id after (keyset on id; "" from the start).
	PostpaidAccounts(ctx context.Context, after string, limit int) ([]*BillingAccount, error)
}
