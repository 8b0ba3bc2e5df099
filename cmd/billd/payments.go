package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sandbox"
	"github.com/billd/billd/stripe"
)

// paymentFlags choose serve's payment provider and its background jobs.
type paymentFlags struct {
	provider      string
	publicURL     string
	sandboxSecret string
	stripeKey     string
	stripeBase    string
	stripeHooks   string
	jobs          billd.JobsConfig
	invoicing     billd.InvoicingConfig
	recharge      billd.RechargeConfig
	purgeAfter    time.Duration
	getenv        func(string) string
}

func (f *paymentFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	f.getenv = getenv
	fs.StringVar(&f.provider, "provider", "sandbox", "payment provider: sandbox (billd serves its own checkout page at /checkout/{id}; for development and tests) or stripe")
	fs.StringVar(&f.publicURL, "public-url", "", "the server's public base URL (https://billing.example.com), which the sandbox's checkout URLs and the console's payment return URLs start with; an https one makes the console's cookies Secure behind a TLS-terminating proxy; empty: http://<addr>")
	fs.DurationVar(&f.jobs.Every, "jobs-every", time.Minute, "pause between rounds of the background jobs (checkout sync and expiry, webhook event retries); each job runs on one node at a time")
	fs.StringVar(&f.invoicing.Product, "overdraft-product", "", "the credits product (id or name) whose price bills a postpaid account's overdraft; empty: no overdraft invoices")
	fs.IntVar(&f.invoicing.Day, "invoice-day", 1, "day of the month (1-28, UTC) overdraft invoices are made; 0: only when an admin asks (POST /v1beta1/admin/billing/invoices/generate)")
	fs.StringVar(&f.invoicing.Seller.Name, "seller-name", "", "the seller printed on invoices: your company's name")
	fs.StringVar(&f.invoicing.Seller.Address, "seller-address", "", "the seller's postal address printed on invoices, lines separated by commas")
	fs.StringVar(&f.invoicing.Seller.Email, "seller-email", "", "the seller's email printed on invoices")
	fs.StringVar(&f.invoicing.Seller.TaxID, "seller-tax-id", "", "the seller's tax id (such as a VAT number) printed on invoices")
	fs.DurationVar(&f.recharge.Cooldown, "recharge-cooldown", 10*time.Minute, "least time between two automatic recharges of one account (a recharge due sooner waits); 0: none")
	fs.IntVar(&f.recharge.MonthlyCap, "recharge-monthly-cap", 20, "most automatic recharges of one account per calendar month (UTC); one beyond is canceled")
	fs.IntVar(&f.recharge.Attempts, "recharge-attempts", 4, "tries of a declined automatic recharge before it is given up")
	fs.DurationVar(&f.recharge.Backoff, "recharge-backoff", time.Hour, "wait before the first retry of a declined automatic recharge, doubled at each further one")
	fs.DurationVar(&f.purgeAfter, "purge-after", billd.DefaultPurgeAfter, "how long a deleted billing account's personal data is kept before the purge job erases it")
	f.sandboxSecret = getenv("BILLD_SANDBOX_SECRET")
	f.stripeKey = getenv("BILLD_STRIPE_KEY")
	f.stripeBase = getenv("BILLD_STRIPE_API_BASE")
	f.stripeHooks = getenv("BILLD_STRIPE_WEBHOOK_SECRETS")
}

// payments is the configured provider and, for the sandbox, its checkout pages.
type payments struct {
	provider billd.Provider
	pages    func(app sandbox.App) http.Handler // nil unless the provider serves pages
}

// build makes the provider the flags name. deliver takes the sandbox's events to the service,
// which is made after the provider (the service needs it).
func (f *paymentFlags) build(addr string, deliver func(ctx context.Context, payload []byte, header map[string][]string) error) (*payments, error) {
	switch f.provider {
	case sandbox.Name:
		secret := []byte(f.sandboxSecret)
		if len(secret) == 0 {
			secret = []byte(rand.Text()) // events are signed and checked by this process only
		}
		base := f.publicURL
		if base == "" {
			base = "http://" + addr
		}
		p, err := sandbox.New(sandbox.Config{Secret: secret, BaseURL: strings.TrimSuffix(base, "/"), Deliver: deliver})
		if err != nil {
			return nil, usageError{"sandbox: " + billd.ErrorMessage(err) + " (BILLD_SANDBOX_SECRET, --public-url)"}
		}
		return &payments{provider: p, pages: p.Handler}, nil
	case "stripe":
		if f.stripeKey == "" {
			return nil, usageError{"--provider stripe needs BILLD_STRIPE_KEY"}
		}
		var secrets []string
		for s := range strings.SplitSeq(f.stripeHooks, ",") {
			if s = strings.TrimSpace(s); s != "" {
				secrets = append(secrets, s)
			}
		}
		p, err := stripe.New(stripe.Config{Key: f.stripeKey, APIBase: f.stripeBase, WebhookSecrets: secrets})
		if err != nil {
			return nil, usageError{"stripe: " + billd.ErrorMessage(err)}
		}
		return &payments{provider: p}, nil
	}
	return nil, usageError{fmt.Sprintf("--provider must be sandbox or stripe, got %q", f.provider)}
}

// withPages serves the provider's checkout pages (/checkout/…) beside the API.
func (p *payments) withPages(api http.Handler, app sandbox.App) http.Handler {
	if p.pages == nil {
		return api
	}
	mux := http.NewServeMux()
	pages := p.pages(app)
	mux.Handle("/checkout/", pages)
	mux.Handle("/", api)
	return mux
}
