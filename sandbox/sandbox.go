// Package sandbox is billd's built-in payment provider, its default: a simulated provider that
// needs no network and no account, so that the whole payment flow (checkout, saved cards,
// subscriptions, off-session charges, invoices, webhook events) runs offline and in tests.
//
// billd serves the sandbox's hosted checkout page itself, at /checkout/{id} (see
// Provider.Handler). The customer pays there with a test card:
//
//	4242 4242 4242 4242  pays (any future expiry MM/YY, any CVC)
//	4000 0000 0000 0002  is declined: "Your card was declined."
//	4000 0000 0000 0341  is saved and pays its checkout, but every later off-session Charge with
//	                     it is declined (to test failed renewals and auto-recharges)
//
// Any other card number that passes the Luhn check pays like 4242 4242 4242 4242. Spaces in the
// number are allowed; the expiry must not be in the past and the CVC has 3 or 4 digits.
//
// The sandbox's own state (sessions and their outcome, customers, saved cards, subscriptions,
// invoices, charges) lives in memory in the Provider, bounded: past Config.MaxObjects it forgets
// the oldest objects. It is lost when billd restarts; billd's durable record is its store. Like a
// real provider, the sandbox reports what happens on its page to billd as signed webhook events
// (Config.Deliver), so that billd's event path is the only way a checkout's money reaches billd.
// What billd asks by a call (Charge, CreateSubscription, ...) is answered by the call; no event
// follows it. The sandbox never renews a subscription by itself: billd charges at period end.
package sandbox

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/billd/billd"
)

// Test card numbers. Any future expiry and any CVC go with them.
const (
	CardSuccess           = "4242 4242 4242 4242" // pays
	CardDeclined          = "4000 0000 0000 0002" // declined: "Your card was declined."
	CardDeclineOffSession = "4000 0000 0000 0341" // saved fine; every later off-session Charge declined
)

// Decline reasons, as the page shows them and as events and charge results carry them.
const (
	ReasonDeclined      = "Your card was declined."
	ReasonExpired       = "Your card has expired."
	ReasonNoMethod      = "The customer has no default payment method."
	ReasonUnknownMethod = "No such payment method."
)

// Name is the provider's name in URLs and on stored objects.
const Name = "sandbox"

// DefaultMaxObjects is how many objects the sandbox remembers when Config.MaxObjects is zero.
const DefaultMaxObjects = 100000

// Config is what a sandbox Provider is made with.
type Config struct {
	// Secret is the HMAC key that signs the sandbox's webhook events; at least 16 bytes.
	Secret []byte
	// BaseURL is the server's public base URL, such as http://127.0.0.1:7400: checkout and
	// portal URLs start with it. Empty makes them relative paths.
	BaseURL string
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Deliver takes a signed event to billd (cmd wires it to billd's Service.ReceiveEvent). An
	// error means billd did not take it: the page says so and the payment can be tried again.
	// If nil, no page action can complete.
	Deliver func(ctx context.Context, payload []byte, header map[string][]string) error
	// NewID returns a new unique id, the tail of every sandbox id; random if nil.
	NewID func() string
	// MaxObjects bounds the objects the sandbox remembers; DefaultMaxObjects if zero.
	MaxObjects int
}

// Provider is the sandbox payment provider. It implements billd.Provider and serves the hosted
// checkout page (Handler). It is safe for concurrent use.
type Provider struct {
	secret  []byte
	baseURL string
	now     func() time.Time
	deliver func(ctx context.Context, payload []byte, header map[string][]string) error
	newID   func() string

	mu  sync.Mutex
	mem *memory // guarded by mu
}

var _ billd.Provider = (*Provider)(nil)

// New returns a sandbox Provider. It fails with EINVALID if the secret is shorter than 16 bytes,
// the base URL is not an absolute http(s) URL, or MaxObjects is negative.
func New(cfg Config) (*Provider, error) {
	if len(cfg.Secret) < 16 {
		return nil, billd.Errorf(billd.EINVALID, "sandbox: the webhook secret must be at least 16 bytes")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base != "" {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, billd.Errorf(billd.EINVALID, "sandbox: base URL %q is not an http(s) URL", cfg.BaseURL)
		}
	}
	if cfg.MaxObjects < 0 {
		return nil, billd.Errorf(billd.EINVALID, "sandbox: MaxObjects must not be negative")
	}
	p := &Provider{
		secret:  append([]byte(nil), cfg.Secret...),
		baseURL: base,
		now:     cfg.Now,
		deliver: cfg.Deliver,
		newID:   cfg.NewID,
		mem:     newMemory(cfg.MaxObjects),
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.newID == nil {
		p.newID = func() string { return strings.ReplaceAll(billd.NewUUID(), "-", "") }
	}
	return p, nil
}

// Name returns "sandbox".
func (p *Provider) Name() string { return Name }

// id returns a new sandbox id with the prefix, such as "cus_sbx_…".
func (p *Provider) id(prefix string) string { return prefix + "_sbx_" + p.newID() }

// clock returns the time now, in UTC, to the second: the resolution of events.
func (p *Provider) clock() time.Time { return p.now().UTC().Truncate(time.Second) }
