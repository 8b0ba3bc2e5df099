package sandbox

import (
	"time"

	"github.com/billd/billd"
)

// memory is the sandbox's state: every object it made, bounded. Past max objects it forgets the
// oldest, whatever their kind. Objects are never deleted otherwise (a detached card is marked),
// so the insertion order lists exactly the live objects.
type memory struct {
	max   int
	order []ref // oldest first; order[head:] are live
	head  int

	customers     map[string]*customer
	sessions      map[string]*session // by the sandbox's session id
	byCheckout    map[string]*session // by billd's checkout id: the page's key
	methods       map[string]*method
	subscriptions map[string]*subscription
	invoices      map[string]*invoice
	charges       map[string]*charge // by idempotency key
}

// kind is the kind of a remembered object.
type kind int

const (
	kindCustomer kind = iota
	kindSession
	kindMethod
	kindSubscription
	kindInvoice
	kindCharge
)

// ref names a remembered object.
type ref struct {
	kind kind
	key  string
}

func newMemory(max int) *memory {
	if max == 0 {
		max = DefaultMaxObjects
	}
	return &memory{
		max:           max,
		customers:     map[string]*customer{},
		sessions:      map[string]*session{},
		byCheckout:    map[string]*session{},
		methods:       map[string]*method{},
		subscriptions: map[string]*subscription{},
		invoices:      map[string]*invoice{},
		charges:       map[string]*charge{},
	}
}

// customer is a sandbox customer.
type customer struct {
	id            string
	accountID     string
	defaultMethod string
	methods       []string // ids of the methods saved to it, oldest first
}

// method is a saved card.
type method struct {
	id         string
	customerID string
	accountID  string
	card       card
	created    time.Time
	detached   bool
}

// subscription is a sandbox subscription.
type subscription struct {
	view       billd.ProviderSubscription
	customerID string
	interval   string
	lines      []billd.CheckoutLine
	next       *billd.SubscriptionRequest // a change that takes effect at the end of the period
}

// invoice is a sandbox invoice.
type invoice struct {
	view       billd.ProviderInvoice
	customerID string
}

// charge is an off-session charge, remembered under its idempotency key.
type charge struct {
	request billd.ChargeRequest
	result  billd.ChargeResult
}

// remember records that an object was added, and forgets the oldest objects past the bound.
func (m *memory) remember(k kind, key string) {
	m.order = append(m.order, ref{k, key})
	for len(m.order)-m.head > m.max {
		m.forget(m.order[m.head])
		m.order[m.head] = ref{}
		m.head++
	}
	if m.head > 1024 && m.head > len(m.order)/2 {
		m.order = append([]ref(nil), m.order[m.head:]...)
		m.head = 0
	}
}

// forget deletes an object.
func (m *memory) forget(r ref) {
	switch r.kind {
	case kindCustomer:
		delete(m.customers, r.key)
	case kindSession:
		if s := m.sessions[r.key]; s != nil && m.byCheckout[s.checkoutID] == s {
			delete(m.byCheckout, s.checkoutID)
		}
		delete(m.sessions, r.key)
	case kindMethod:
		delete(m.methods, r.key)
	case kindSubscription:
		delete(m.subscriptions, r.key)
	case kindInvoice:
		delete(m.invoices, r.key)
	case kindCharge:
		delete(m.charges, r.key)
	}
}

// addCustomer stores a customer.
func (m *memory) addCustomer(c *customer) {
	m.customers[c.id] = c
	m.remember(kindCustomer, c.id)
}

// addSession stores a session, the page's session of its checkout.
func (m *memory) addSession(s *session) {
	m.sessions[s.id] = s
	m.byCheckout[s.checkoutID] = s
	m.remember(kindSession, s.id)
}

// addMethod stores a saved card and attaches it to its customer, if any, as its default. A
// customer the sandbox forgot is remembered again.
func (m *memory) addMethod(pm *method) {
	m.methods[pm.id] = pm
	m.remember(kindMethod, pm.id)
	if pm.customerID == "" {
		return
	}
	c := m.customers[pm.customerID]
	if c == nil {
		c = &customer{id: pm.customerID, accountID: pm.accountID}
		m.addCustomer(c)
	}
	c.methods = append(c.methods, pm.id)
	c.defaultMethod = pm.id
}

// addSubscription stores a subscription.
func (m *memory) addSubscription(s *subscription) {
	m.subscriptions[s.view.ID] = s
	m.remember(kindSubscription, s.view.ID)
}

// addInvoice stores an invoice.
func (m *memory) addInvoice(in *invoice) {
	m.invoices[in.view.ID] = in
	m.remember(kindInvoice, in.view.ID)
}

// addCharge stores a charge under its idempotency key.
func (m *memory) addCharge(ch *charge) {
	m.charges[ch.request.IdempotencyKey] = ch
	m.remember(kindCharge, ch.request.IdempotencyKey)
}
