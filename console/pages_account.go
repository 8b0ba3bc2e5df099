package console

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/billd/billd"
)

// accountData is a billing account's page.
type accountData struct {
	Status      *billd.AccountStatus
	Base        string // the account's console path
	CreditLine  int64  // what the account may owe: -CreditMin when negative
	Terms       billd.PaymentTerms
	CanRecharge bool // may change the automatic top-up
	CanControl  bool // may change spend limits and payment terms (platform admin)
	CanBuy      bool // may start a checkout
	Products    []buyOption
	Charts      charts
}

// charts are an account's balance and usage charts over the chosen number of days.
type charts struct {
	Days           int
	Ranges         []int
	Balance, Usage template.HTML
}

// chartRanges are the periods, in days, the account page charts; the first is the default.
var chartRanges = []int{30, 7, 90, 365}

// account shows an account's balance, credit line, terms, spend limits and auto-recharge, with
// the forms its principal may use.
func (c *Console) account(q *request) error {
	ctx := q.r.Context()
	orgID := q.r.PathValue("org")
	st, err := c.svc.AccountStatus(ctx, q.p, orgID, q.r.PathValue("acct"))
	if err != nil {
		return err
	}
	a := st.Account
	d := accountData{Status: st, Base: accountPath(a), Terms: a.PaymentTerms(),
		CanRecharge: billd.Preauthorize(q.p, billd.PermUpdate, a.OrgID) == nil,
		CanControl:  billd.Preauthorize(q.p, billd.PermSuper, "") == nil,
		CanBuy:      billd.Preauthorize(q.p, billd.PermUpdate, a.OrgID) == nil && a.State == billd.AccountActive}
	if a.CreditMin < 0 {
		d.CreditLine = -a.CreditMin
	}
	if d.Charts, err = c.charts(q, a); err != nil {
		return err
	}
	if d.CanBuy {
		cat, err := c.svc.Catalog(ctx, q.p)
		if err != nil {
			return err
		}
		d.Products = creditProducts(cat, a.Currency)
	}
	return c.page(q, http.StatusOK, "account.html", accountTitle(a), d)
}

// charts draws the balance and usage of the account over the last ?days days (chartRanges).
func (c *Console) charts(q *request, a *billd.BillingAccount) (charts, error) {
	ch := charts{Days: chartRanges[0], Ranges: chartRanges}
	if v := q.r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(chartRanges, n) {
			return ch, billd.Errorf(billd.EINVALID, "days must be one of %v, got %q", chartRanges, billd.Truncate(v, 16))
		}
		ch.Days = n
	}
	to := time.Now().UTC()
	from := to.AddDate(0, 0, 1-ch.Days)
	ctx := q.r.Context()
	points, err := c.svc.BalanceSeries(ctx, q.p, a.OrgID, a.ID, from, to)
	if err != nil {
		return ch, err
	}
	days, err := c.svc.UsageByDay(ctx, q.p, a.OrgID, a.ID, from, to)
	if err != nil {
		return ch, err
	}
	ch.Balance, ch.Usage = BalanceChart(points, "credits"), UsageChart(days, "credits")
	return ch, nil
}

// accountPath is the console path of an account's page.
func accountPath(a *billd.BillingAccount) string {
	return "/console/orgs/" + a.OrgID + "/accounts/" + a.ID
}

// accountTitle names an account for a page's title.
func accountTitle(a *billd.BillingAccount) string {
	if a.Name != "" {
		return a.Name
	}
	return "Billing account"
}

// buyOption is a credit product the account can buy, with its one-time price in the account's
// currency.
type buyOption struct {
	Name, Title string
	Credits     int64 // a unit's credits
	Price       billd.Price
}

// creditProducts returns the active credit products with a one-time price in the currency.
func creditProducts(cat *billd.Catalog, currency string) []buyOption {
	var out []buyOption
	for _, p := range cat.Products {
		if p.State != billd.CatalogActive || p.Behavior != billd.BehaviorCredits {
			continue
		}
		for _, price := range p.Prices {
			if price.Currency == currency && price.State == billd.CatalogActive && price.Interval == "" {
				title := p.Title
				if title == "" {
					title = p.Name
				}
				out = append(out, buyOption{Name: p.Name, Title: title, Credits: p.CreditAmount, Price: price})
				break
			}
		}
	}
	return out
}

// updateControls applies the controls form: the automatic top-up for those who may update the
// organization, spend limits and payment terms for platform admins (the form has those fields
// only for them; the Service refuses them from anyone else).
func (c *Console) updateControls(q *request) error {
	f := q.r.PostForm
	var u billd.ControlsUpdate
	var err error
	if f.Has("recharge_low") {
		r := billd.Recharge{Auto: f.Get("recharge_auto") == "on"}
		if r.Low, err = formInt(f.Get("recharge_low"), "recharge below"); err != nil {
			return err
		}
		if r.High, err = formInt(f.Get("recharge_high"), "recharge up to"); err != nil {
			return err
		}
		u.Recharge = &r
	}
	if f.Has("hourly_limit") {
		for _, x := range []struct {
			field, name string
			to          **int64
		}{{"hourly_limit", "hourly spend limit", &u.HourlySpendLimit}, {"monthly_limit", "monthly spend limit", &u.MonthlySpendLimit}} {
			n, err := formInt(f.Get(x.field), x.name)
			if err != nil {
				return err
			}
			*x.to = &n
		}
	}
	if terms := billd.PaymentTerms(f.Get("terms")); terms != "" && terms != billd.PaymentTerms(f.Get("terms_was")) {
		u.PaymentTerms = &terms
	}
	a, err := c.svc.UpdateAccountControls(q.r.Context(), q.p, q.r.PathValue("org"), q.r.PathValue("acct"), u)
	if err != nil {
		return err
	}
	http.Redirect(q.w, q.r, accountPath(a)+"?done=saved", http.StatusSeeOther)
	return nil
}

// formInt reads a whole number of a form; empty is 0.
func formInt(s, name string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || len(s) > 19 {
		return 0, billd.Errorf(billd.EINVALID, "%s must be a whole number, got %q", name, billd.Truncate(s, 32))
	}
	return n, nil
}

// maxBuyQuantity bounds the quantity of one purchase the form accepts; the product's own maximum
// is checked by the Service.
const maxBuyQuantity = 1_000_000

// buyCredits opens a checkout of the chosen product and sends the browser to its payment page
// (the sandbox's or Stripe's); the provider sends it back to the account through the return page.
func (c *Console) buyCredits(q *request) error {
	qty, err := formInt(q.r.PostForm.Get("quantity"), "quantity")
	if err != nil {
		return err
	}
	if qty < 1 || qty > maxBuyQuantity {
		return billd.Errorf(billd.EINVALID, "quantity must be between 1 and %d", maxBuyQuantity)
	}
	orgID, acct := q.r.PathValue("org"), q.r.PathValue("acct")
	back := "/console/orgs/" + orgID + "/accounts/" + acct
	base := c.baseURL(q.r) + "/console/return?to="
	co, err := c.svc.CreateCheckout(q.r.Context(), q.p, billd.CheckoutRequest{OrgID: orgID, BillingID: acct,
		SuccessURL: base + escape(back+"?done=paid"), CancelURL: base + escape(back+"?done=canceled"),
		Product: &billd.ProductPurchase{Product: q.r.PostForm.Get("product"), Quantity: qty}})
	if err != nil {
		return err
	}
	http.Redirect(q.w, q.r, co.URL, http.StatusSeeOther)
	return nil
}

// baseURL is the scheme and host the browser reaches the console at: the public URL's when it is
// set, else the request's.
func (c *Console) baseURL(r *http.Request) string {
	if c.public != nil {
		return c.public.Scheme + "://" + c.public.Host
	}
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
