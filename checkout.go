package billd

import (
	"math"
	"net/url"
	"strings"
)

// ProductPurchase buys Quantity units of a product (id or name) in a checkout. Quantity 0 means
// the product's minimum (1 when it sets none).
type ProductPurchase struct {
	Product  string
	Quantity int64
}

// PlanPurchase subscribes to a plan (id or name).
type PlanPurchase struct {
	Plan             string
	SkipTrial        bool // start paying at once even if the plan has a trial
	CancelAfterTrial bool // end the subscription when its trial ends
	Coupon           string
}

// SetupRequest saves a payment method (PaymentMethod) or opens the provider's customer portal
// (CustomerPortal).
type SetupRequest struct {
	PaymentMethod  bool
	CustomerPortal bool
}

// CheckoutRequest opens a checkout of one of Setup, Subscription or Product, in that order of
// precedence (Frontier's), for the account BillingID or, when it is empty, the organization's
// active account. {{.CheckoutID}} in the URLs is replaced with the checkout's id.
type CheckoutRequest struct {
	OrgID        string
	BillingID    string
	SuccessURL   string
	CancelURL    string
	Product      *ProductPurchase
	Subscription *PlanPurchase
	Setup        *SetupRequest
}

// maxURLBytes bounds the success and cancel URLs of a checkout.
const maxURLBytes = 2048

// validate checks r's URLs and that it asks for something.
func (r *CheckoutRequest) validate() error {
	for _, u := range []struct{ name, value string }{{"success_url", r.SuccessURL}, {"cancel_url", r.CancelURL}} {
		if err := checkRedirectURL(u.name, u.value); err != nil {
			return err
		}
	}
	setup := r.Setup != nil && (r.Setup.PaymentMethod || r.Setup.CustomerPortal)
	if !setup && r.Subscription == nil && r.Product == nil {
		return Errorf(EINVALID, "a checkout needs a product_body, a subscription_body or a setup_body")
	}
	return nil
}

// checkRedirectURL checks that a URL the customer is sent back to, if given, is an absolute
// http(s) URL of bounded size.
func checkRedirectURL(name, value string) error {
	if value == "" {
		return nil
	}
	if len(value) > maxURLBytes {
		return Errorf(EINVALID, "%s must be at most %d bytes", name, maxURLBytes)
	}
	u, err := url.Parse(strings.ReplaceAll(value, CheckoutIDPlaceholder, "x"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Errorf(EINVALID, "%s must be an absolute http or https URL", name)
	}
	return nil
}

// kind is the kind of checkout r opens.
func (r *CheckoutRequest) kind() CheckoutKind {
	switch {
	case r.Setup != nil && r.Setup.PaymentMethod:
		return CheckoutSetup
	case r.Subscription != nil:
		return CheckoutSubscription
	default:
		return CheckoutProduct
	}
}

// productTerms checks a purchase of a credits product and returns its quantity, credits, price and
// the amount to pay. A product that grants no credits cannot be bought on its own: it would be
// paid for and never fulfilled (Frontier finds that out only at fulfilment, forever).
func productTerms(pr *Product, quantity int64, currency string) (q, credits int64, price *Price, amount int64, err error) {
	if pr.State != CatalogActive {
		return 0, 0, nil, 0, Errorf(EPRECONDITION, "product %s is not active", pr.Name)
	}
	if pr.Behavior != BehaviorCredits || pr.CreditAmount <= 0 {
		return 0, 0, nil, 0, Errorf(EINVALID, "product %s is not a credits product: only credits can be bought in a product checkout", pr.Name)
	}
	lo, hi := max(pr.MinQuantity, 1), pr.MaxQuantity
	if hi == 0 {
		hi = MaxCheckoutQuantity
	}
	q = quantity
	if q == 0 {
		q = lo
	}
	if q < lo || q > hi {
		return 0, 0, nil, 0, Errorf(EINVALID, "quantity must be between %d and %d, got %d", lo, hi, quantity)
	}
	if pr.CreditAmount > math.MaxInt64/q {
		return 0, 0, nil, 0, Errorf(EINVALID, "quantity × credit_amount overflows")
	}
	price = activePrice(pr, "", currency)
	if price != nil {
		if price.Amount > 0 && q > math.MaxInt64/price.Amount {
			return 0, 0, nil, 0, Errorf(EINVALID, "quantity × price overflows")
		}
		amount = q * price.Amount
	}
	return q, q * pr.CreditAmount, price, amount, nil
}

// activePrice returns the product's active licensed price of the interval ("" = one-time) in the
// currency, or in any currency when none is in it; nil if it has none.
func activePrice(pr *Product, interval, currency string) *Price {
	var other *Price
	for i := range pr.Prices {
		p := &pr.Prices[i]
		if p.State != CatalogActive || p.Interval != interval || p.UsageType == "metered" {
			continue
		}
		if p.Currency == currency {
			return p
		}
		if other == nil {
			other = p
		}
	}
	return other
}

// planLines returns the lines a subscription to plan is charged for each period: one per
// product with an active price of the plan's interval (credit products are granted, not sold
// per period), with per-seat products at seats.
func planLines(c *Catalog, plan *Plan, currency string, seats int64) ([]CheckoutLine, error) {
	var lines []CheckoutLine
	for _, pr := range c.ProductsOf(plan) {
		if pr.Behavior == BehaviorCredits || pr.State != CatalogActive {
			continue
		}
		price := activePrice(pr, plan.Interval, currency)
		if price == nil {
			continue
		}
		qty := int64(1)
		if pr.Behavior == BehaviorPerSeat {
			qty = max(seats, 1)
			if pr.SeatLimit > 0 && qty > pr.SeatLimit {
				return nil, Errorf(EPRECONDITION, "per seat limit reached: %d seats, product %s allows %d", qty, pr.Name, pr.SeatLimit)
			}
		}
		lines = append(lines, CheckoutLine{ProductID: pr.ID, Name: titleOf(pr.Title, pr.Name), UnitAmount: price.Amount,
			Quantity: qty, Interval: plan.Interval})
	}
	return lines, nil
}

// linesAmount sums the lines, refusing an overflow.
func linesAmount(lines []CheckoutLine) (int64, error) {
	var total int64
	for _, l := range lines {
		if l.UnitAmount > 0 && l.Quantity > (math.MaxInt64-total)/l.UnitAmount {
			return 0, Errorf(EINVALID, "the checkout's total overflows")
		}
		total += l.UnitAmount * l.Quantity
	}
	return total, nil
}

// titleOf is what a customer sees of a catalog object: its title, or its name.
func titleOf(title, name string) string {
	if title != "" {
		return title
	}
	return name
}

// checkoutLines returns what the checkout c sells, from the catalog.
func checkoutLines(cat *Catalog, c *Checkout) []CheckoutLine {
	switch c.Kind {
	case CheckoutProduct:
		pr := cat.Product(c.ProductID)
		if pr == nil {
			return nil
		}
		var unit int64
		if c.Quantity > 0 {
			unit = c.Amount / c.Quantity
		}
		return []CheckoutLine{{ProductID: pr.ID, Name: titleOf(pr.Title, pr.Name), UnitAmount: unit, Quantity: c.Quantity}}
	case CheckoutSubscription:
		plan := cat.Plan(c.PlanID)
		if plan == nil {
			return nil
		}
		lines, _ := planLines(cat, plan, c.Currency, c.Quantity)
		return lines
	}
	return nil
}
