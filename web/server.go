// Package web serves billd's HTTP API: the Frontier v1beta1 billing dialect and the CUDO v1
// billing-accounts dialect over one billd.Service. Handlers decode, call one Service method and
// encode; routes.go lists the whole URL surface and errors.go maps error codes to statuses and
// bodies.
package web

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/docs"
	"github.com/billd/billd/web/cudo"
	"github.com/billd/billd/web/frontier"
)

// Config is what a Handler is built with, besides its service and logger.
type Config struct {
	Limits Limits
	// TrustedOrigins are the origins ("https://console.example.com") whose browser pages may call
	// the API's unsafe methods cross-origin. Every other cross-origin browser request to them is
	// refused; requests without browser headers (Origin, Sec-Fetch-Site) are not affected.
	TrustedOrigins []string
	// CORSOrigins are the origins whose browser pages may call the API with CORS (REST, Connect
	// and gRPC-Web): their preflights are answered and their responses readable. They are trusted
	// as TrustedOrigins are. None by default.
	CORSOrigins []string
	// RateLimits set the request budget of each API client by its role; zero values pick the
	// defaults (DefaultRateLimits).
	RateLimits RateLimits
	// Observer is told of every request answered but the health probes and the metrics' own;
	// nil: nobody.
	Observer Observer
	// Metrics, when set, serves GET /metrics without credentials, as the health probes are
	// served: never shed, not logged (docs/operations.md says how to keep it private).
	Metrics http.Handler
	// Console, when set, serves the web console at /console and under /console/: outside the
	// API's route table, with the access log and the request metrics (route "/console").
	Console http.Handler
}

// Handler is billd's http.Handler.
type Handler struct {
	svc       *billd.Service
	log       *slog.Logger
	mux       *http.ServeMux
	aliases   *http.ServeMux // routes that mux cannot hold (aliased), matched first
	limits    Limits
	admit     *admission
	csrf      *http.CrossOriginProtection
	cors      cors
	readiness readiness
	ids       *requestIDs
	apiDocs   func() (*apiDocs, error) // the API reference, made on first use
	rate      *rateLimiter
	obs       Observer     // nil: none
	metrics   http.Handler // nil: no /metrics
	console   http.Handler // nil: no /console
}

// NewHandler returns the HTTP API of svc, which accepts the work cfg.Limits allow at once. It
// fails if a trusted or CORS origin is not of the form scheme://host[:port].
func NewHandler(svc *billd.Service, log *slog.Logger, cfg Config) (*Handler, error) {
	limits := cfg.Limits.withDefaults()
	h := &Handler{svc: svc, log: log, mux: http.NewServeMux(), aliases: http.NewServeMux(), limits: limits, admit: newAdmission(limits),
		csrf: http.NewCrossOriginProtection(), ids: newRequestIDs(), rate: newRateLimiter(cfg.RateLimits.withDefaults()),
		obs: cfg.Observer, metrics: cfg.Metrics, console: cfg.Console,
		apiDocs: sync.OnceValues(func() (*apiDocs, error) { return loadAPIDocs(docs.OpenAPI()) })}
	for _, origin := range cfg.TrustedOrigins {
		if err := h.csrf.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("--trusted-origins: %w", err)
		}
	}
	for _, origin := range cfg.CORSOrigins {
		if err := h.csrf.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("--cors-origin: %w", err)
		}
	}
	h.cors = newCORS(cfg.CORSOrigins)
	h.routes(frontier.NewServer(svc, limits.MaxResponseBytes))
	h.cudoRoutes(cudo.NewServer(svc))
	return h, nil
}

// apiFunc is a handler of an authenticated API call. It returns the error to show, if any.
type apiFunc func(w http.ResponseWriter, r *http.Request, p billd.Principal) error

// errCrossOrigin is the answer to a browser request from another site to an unsafe method.
var errCrossOrigin = billd.Errorf(billd.EFORBIDDEN, "cross-origin request refused: browser pages of other origins may not call this API unless their origin is trusted")

// ServeHTTP routes the request; unknown paths and methods get JSON errors too. Every request but
// the health probes is logged once when it is answered.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.metrics != nil && isMetrics(r) {
		h.metrics.ServeHTTP(w, r)
		return
	}
	if h.console != nil && isConsole(r) {
		h.serveConsole(w, r)
		return
	}
	mux, pattern := h.route(r)
	if IsHealthCheck(r) {
		mux.ServeHTTP(w, r)
		return
	}
	lw := h.startLog(w, r)
	defer h.observe(lw, r, pattern)
	defer h.logRequest(lw, r, pattern)
	defer h.recoverPanic(lw, r)
	if h.cors.handle(lw, r) {
		return // a preflight, answered
	}
	switch {
	case pattern == "":
		h.routingError(lw, r)
	case h.csrf.Check(r) != nil:
		h.refuse(lw, r, errCrossOrigin)
	default:
		mux.ServeHTTP(lw, r)
	}
}

// route returns the mux that serves r and the pattern it matches ("" for none): the aliases', if
// one of them matches, else the main mux's.
func (h *Handler) route(r *http.Request) (*http.ServeMux, string) {
	if _, pattern := h.aliases.Handler(r); pattern != "" {
		return h.aliases, pattern
	}
	_, pattern := h.mux.Handler(r)
	return h.mux, pattern
}

// muxOf returns the mux that holds the route pattern: aliases for the aliased ones.
func (h *Handler) muxOf(pattern string) *http.ServeMux {
	if slices.Contains(aliased, pattern) {
		return h.aliases
	}
	return h.mux
}

// recoverPanic answers a request whose handler panicked with 500, and logs the panic.
func (h *Handler) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		if l, ok := w.(*loggedResponse); ok && l.status == 0 {
			l.status = statusAborted // the access log must not call it a 200
		}
		panic(v)
	}
	h.log.Error("panic", "route", r.Pattern, "request_id", requestIDOf(w), "panic", v)
	h.writeError(w, r, billd.Errorf(billd.EINTERNAL, "panic: %v", v))
}

// routingError answers a request no pattern matches: 405 when the path exists with other methods,
// 404 otherwise.
func (h *Handler) routingError(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{header: http.Header{}}
	h.mux.ServeHTTP(rec, r)
	if rec.status != http.StatusMethodNotAllowed {
		rec = &statusRecorder{header: http.Header{}}
		h.aliases.ServeHTTP(rec, r)
	}
	if rec.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.header.Get("Allow"))
		h.writeError(w, r, billd.Errorf(billd.EMETHOD, "method %s is not allowed on %s", r.Method, r.URL.Path))
		return
	}
	h.writeError(w, r, billd.Errorf(billd.ENOTFOUND, "no such path: %s %s", r.Method, r.URL.Path))
}

// statusRecorder captures what the mux's own error handler writes.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(status int)      { s.status = status }

// access is what a route asks of its caller before the server reads the request's body: a
// permission on the organization a path wildcard names or, when the path names none, on some
// organization (the use case then checks the organization it finds in the body or the object).
// It is never stricter than the use case.
type access struct {
	perm     billd.Permission
	orgParam string // the path wildcard holding the organization's id; "" when there is none
}

// orgIn is the access that needs perm on the organization whose id is the path wildcard param, or
// on some organization when param is "".
func orgIn(param string, perm billd.Permission) access { return access{perm: perm, orgParam: param} }

// anyOrg is the access that needs perm on some organization (any, for platform principals).
func anyOrg(perm billd.Permission) access { return access{perm: perm} }

// handle registers an authenticated API call that needs a.
func (h *Handler) handle(pattern string, a access, fn apiFunc) {
	h.muxOf(pattern).HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h.admit.enter(); err != nil {
			h.refuse(w, r, err)
			return
		}
		defer h.admit.leave()
		p, budget, err := h.admitBody(w, r, a)
		if err != nil {
			h.refuse(w, r, err)
			return
		}
		defer budget.release()
		if err := fn(w, r, p); err != nil {
			h.writeError(w, r, err)
		}
	})
}

// admitBody authenticates the caller, takes a token of its rate-limit bucket and checks a before
// it reserves room for the request's body, so that a caller who may not make the request, or not
// now, never makes the server wait for, hold or read its body.
func (h *Handler) admitBody(w http.ResponseWriter, r *http.Request, a access) (billd.Principal, *bodyBudget, error) {
	p, err := h.authenticate(r)
	if err != nil {
		return p, nil, err
	}
	setPrincipal(w, p.ClientID)
	if err := h.rate.allow(p); err != nil {
		return p, nil, err
	}
	orgID := ""
	if a.orgParam != "" {
		orgID = r.PathValue(a.orgParam)
	}
	if err := billd.Preauthorize(p, a.perm, orgID); err != nil {
		return p, nil, err
	}
	budget, err := h.admit.admitBody(r, p.ClientID)
	return p, budget, err
}

// refuse answers err to a request whose body the server does not read. On a connection it keeps,
// Go's server first reads what is left of a body under 256 KiB before it answers, waiting for a
// slow client: so a caller refused with 401 or 403 has its connection closed after the answer,
// and a 503 (load shed), which keeps the connection for the caller's retry, waits at most
// drainWait for the rest of the body, after which the connection is closed instead.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	unreadBody(w, r, mapError(err))
	h.writeError(w, r, err)
}

// drainWait is how long a shed request's unread body may take to arrive before its connection is
// closed rather than kept.
const drainWait = 100 * time.Millisecond

// unreadBody prepares the answer m to a request whose body was not read, as refuse says.
func unreadBody(w http.ResponseWriter, r *http.Request, m errorMapping) {
	if r.ContentLength == 0 || r.ProtoMajor != 1 {
		return
	}
	if m.status < http.StatusInternalServerError {
		w.Header().Set("Connection", "close")
		return
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(drainWait))
}

// errUnsupportedScheme answers an Authorization header of another scheme. It never repeats the
// header, which may hold a credential.
var errUnsupportedScheme = billd.Errorf(billd.EUNAUTHORIZED, "unsupported authorization scheme: use HTTP Basic client_id:client_secret or Bearer API key")

// authenticate reads HTTP Basic (client id and secret) or Bearer (API key) credentials.
func (h *Handler) authenticate(r *http.Request) (billd.Principal, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return billd.Principal{}, billd.Errorf(billd.EUNAUTHORIZED, "credentials required: HTTP Basic client_id:client_secret or Bearer API key")
	}
	scheme, value, _ := strings.Cut(auth, " ")
	value = strings.TrimSpace(value)
	var cred billd.Credentials
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(value)
		id, secret, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok {
			return billd.Principal{}, billd.Errorf(billd.EUNAUTHORIZED, "malformed Basic credentials")
		}
		cred = billd.Credentials{ClientID: id, Secret: secret}
	case "bearer":
		cred = billd.Credentials{APIKey: value}
	default:
		return billd.Principal{}, errUnsupportedScheme
	}
	return h.svc.Authenticate(r.Context(), cred)
}
