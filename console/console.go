// Package console serves billd's web console at /console: server-rendered pages over one
// billd.Service for people who sign in with an API client's id and secret. Every page calls the
// same Service methods as the API, with the session's principal, so what a person sees and may
// change follows the client's role exactly; the console has no permission model of its own and
// uses billd.Preauthorize only to hide forms the Service would refuse. Pages are html/template
// with one embedded stylesheet and no JavaScript; every response carries a strict CSP.
package console

import (
	"embed"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/billd/billd"
)

// Config is what a console is built with, besides its service.
type Config struct {
	// SessionTTL is how long a sign-in lasts; 0 picks DefaultSessionTTL. At most
	// billd.MaxSessionTTL.
	SessionTTL time.Duration
	// PublicURL is the server's public base URL (https://billing.example.com), or "". Behind a
	// reverse proxy that terminates TLS billd sees plain HTTP, and it trusts no X-Forwarded-Proto:
	// an https PublicURL makes the console's cookies Secure on every request, and payment return
	// URLs start with it rather than with the request's Host.
	PublicURL string
	// Logger receives the errors a page could not show (internal ones); slog.Default() when nil.
	Logger *slog.Logger
	// Admit, when set, is asked with the session's principal before each signed-in page is
	// served; its error is shown instead of the page. cmd wires the API's rate limiter here, so
	// that a client's console pages and API calls draw on one budget (ERATELIMITED: 429 with
	// Retry-After).
	Admit func(billd.Principal) error
}

// DefaultSessionTTL is how long a sign-in lasts by default.
const DefaultSessionTTL = 12 * time.Hour

// Bounds of what a browser sends.
const (
	maxFormBytes  = 64 << 10 // a POST body
	maxParamBytes = 1024     // one query parameter
	pageSize      = 50       // items of a list page
	shortList     = 20       // items of a list shown on a page with others
	pageParam     = "page"   // the query parameter of a page's list's page token
)

//go:embed templates/*.html static/*
var files embed.FS

// Console is the web console's http.Handler.
type Console struct {
	svc    *billd.Service
	ttl    time.Duration
	log    *slog.Logger
	mux    *http.ServeMux
	pages  map[string]*pageTemplate
	origin *http.CrossOriginProtection
	public *url.URL // Config.PublicURL, or nil
	admit  func(billd.Principal) error
}

// New returns the console of svc. It fails if cfg.SessionTTL is out of range or a template does
// not parse.
func New(svc *billd.Service, cfg Config) (http.Handler, error) {
	c := &Console{svc: svc, ttl: cfg.SessionTTL, log: cfg.Logger, mux: http.NewServeMux(),
		origin: http.NewCrossOriginProtection(), admit: cfg.Admit}
	if c.ttl == 0 {
		c.ttl = DefaultSessionTTL
	}
	if c.ttl < 0 || c.ttl > billd.MaxSessionTTL {
		return nil, billd.Errorf(billd.EINVALID, "console: the session lifetime must be above 0 and at most %s", billd.MaxSessionTTL)
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			return nil, billd.Errorf(billd.EINVALID, "console: the public URL must be a base URL such as https://billing.example.com, got %q",
				billd.Truncate(cfg.PublicURL, 64))
		}
		c.public = u
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	var err error
	if c.pages, err = parsePages(); err != nil {
		return nil, err
	}
	c.routes()
	return c, nil
}

// ServeHTTP serves a console request with the console's security headers.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	c.mux.ServeHTTP(w, r)
}

// routes lists the console's pages. Every page but sign-in, the stylesheet and the return page
// needs a session; every POST needs the session's CSRF token.
func (c *Console) routes() {
	c.mux.HandleFunc("GET /console/static/console.css", serveCSS)
	c.mux.HandleFunc("GET /console/sign-in", c.signInPage)
	c.mux.HandleFunc("POST /console/sign-in", c.signIn)
	c.mux.HandleFunc("GET /console/return", c.returnPage)
	c.mux.HandleFunc("/console/", c.notFound)
	c.mux.Handle("/console", http.RedirectHandler("/console/", http.StatusSeeOther))
	for pattern, fn := range map[string]handler{
		"GET /console/{$}":                                                   c.home,
		"POST /console/sign-out":                                             c.signOut,
		"GET /console/orgs":                                                  c.organizations,
		"POST /console/orgs":                                                 c.createOrganization,
		"GET /console/orgs/{org}":                                            c.organization,
		"GET /console/orgs/{org}/accounts/{acct}":                            c.account,
		"POST /console/orgs/{org}/accounts/{acct}/controls":                  c.updateControls,
		"POST /console/orgs/{org}/accounts/{acct}/buy":                       c.buyCredits,
		"GET /console/orgs/{org}/accounts/{acct}/journal":                    c.journal,
		"GET /console/orgs/{org}/accounts/{acct}/payments":                   c.payments,
		"GET /console/orgs/{org}/accounts/{acct}/invoices/{id}/pdf":          c.invoicePDF,
		"GET /console/orgs/{org}/webhooks":                                   c.webhooks,
		"POST /console/orgs/{org}/webhooks":                                  c.createWebhook,
		"GET /console/orgs/{org}/webhooks/{hook}":                            c.deliveries,
		"POST /console/orgs/{org}/webhooks/{hook}/enabled":                   c.setWebhookEnabled,
		"GET /console/orgs/{org}/webhooks/{hook}/delete":                     c.confirmDeleteWebhook,
		"POST /console/orgs/{org}/webhooks/{hook}/delete":                    c.deleteWebhook,
		"POST /console/orgs/{org}/webhooks/{hook}/deliveries/{id}/redeliver": c.redeliver,
		"GET /console/clients":                                               c.clients,
		"POST /console/clients":                                              c.createClient,
		"POST /console/clients/{id}/revoke":                                  c.revokeClient,
		"POST /console/clients/{id}/revoke-sessions":                         c.revokeSessions,
		"GET /console/catalog":                                               c.catalog,
	} {
		c.mux.Handle(pattern, c.authed(fn))
	}
}

// serveCSS serves the console's one stylesheet.
func serveCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, files, "static/console.css")
}
