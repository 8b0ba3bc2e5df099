package sandbox

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/billd/billd"
)

// App is what the checkout page needs from billd: the checkout it shows. billd's Service
// provides it.
type App interface {
	// HostedCheckout returns billd's checkout with the id and the lines it sells; ENOTFOUND if
	// there is none.
	HostedCheckout(ctx context.Context, checkoutID string) (*billd.Checkout, []billd.CheckoutLine, error)
}

// maxFormBytes bounds the body of a page's form.
const maxFormBytes = 16 << 10

// pages serves the hosted checkout pages of a Provider.
type pages struct {
	p   *Provider
	app App
}

// Handler returns the sandbox's hosted pages, to be mounted at the server's root:
//
//	GET  /checkout/{id}          the checkout page of billd's checkout id: its lines, total and a card form
//	POST /checkout/{id}/pay      pay (or, for a setup checkout, save the card) with the card in the form
//	POST /checkout/{id}/decline  pay with the declined test card
//	POST /checkout/{id}/cancel   give up: the checkout expires
//	GET  /checkout/portal/{customer}  the customer's saved cards
//
// The checkout id in the URL is the capability, as in a real provider's checkout URL: no
// credential is asked. Each POST delivers its outcome to billd as a signed event, then redirects
// (303) to the checkout's success URL (paid), cancel URL (canceled) or back to the page. Forms
// from other origins are refused (403), form bodies are limited to 16 KiB (413).
func (p *Provider) Handler(app App) http.Handler {
	h := &pages{p: p, app: app}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout/{id}", h.show)
	mux.HandleFunc("POST /checkout/{id}/pay", h.pay)
	mux.HandleFunc("POST /checkout/{id}/decline", h.decline)
	mux.HandleFunc("POST /checkout/{id}/cancel", h.cancel)
	mux.HandleFunc("GET /checkout/portal/{customer}", h.portal)
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		renderMessage(w, http.StatusForbidden, "Refused", "This form was sent from another site.")
	}))
	return securityHeaders(csrf.Handler(mux))
}

// securityHeaders sets the headers of every page: nothing from elsewhere, no framing (a pay
// button must not be clickjacked), no caching, and no referrer (the URL is a capability).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// checkout returns billd's checkout of the request's id, or writes the error page.
func (h *pages) checkout(w http.ResponseWriter, r *http.Request) (*billd.Checkout, []billd.CheckoutLine, bool) {
	c, lines, err := h.app.HostedCheckout(r.Context(), r.PathValue("id"))
	if err == nil && c.Provider != "" && c.Provider != Name {
		err = billd.Errorf(billd.ENOTFOUND, "not a sandbox checkout")
	}
	switch code := billd.ErrorCode(err); code {
	case "":
		return c, lines, true
	case billd.ENOTFOUND:
		renderMessage(w, http.StatusNotFound, "Not found", "There is no such checkout.")
	case billd.EUNAVAILABLE, billd.EOVERLOADED:
		renderMessage(w, http.StatusServiceUnavailable, "Unavailable", "The shop is unavailable; try again in a moment.")
	default:
		renderMessage(w, http.StatusInternalServerError, "Error", "Something went wrong; try again later.")
	}
	return nil, nil, false
}

// show serves the checkout page.
func (h *pages) show(w http.ResponseWriter, r *http.Request) {
	c, lines, ok := h.checkout(w, r)
	if !ok {
		return
	}
	renderCheckout(w, http.StatusOK, c, lines, h.p.pageView(c, lines), "")
}

// pay pays with the card of the form.
func (h *pages) pay(w http.ResponseWriter, r *http.Request) {
	form, ok := readForm(w, r)
	if !ok {
		return
	}
	f := cardForm{number: form.Get("card_number"), expiry: form.Get("card_expiry"), cvc: form.Get("card_cvc"), name: form.Get("card_name")}
	h.act(w, r, func(s session, c *billd.Checkout, now time.Time) (*outcome, error) {
		card, reason, err := parseCard(f, now)
		if err != nil {
			return nil, err
		}
		return h.p.payOutcome(s, c.AccountID, card, reason, now)
	})
}

// decline pays with the declined test card.
func (h *pages) decline(w http.ResponseWriter, r *http.Request) {
	if _, ok := readForm(w, r); !ok {
		return
	}
	h.act(w, r, func(s session, c *billd.Checkout, now time.Time) (*outcome, error) {
		return h.p.payOutcome(s, c.AccountID, declineCard(now), ReasonDeclined, now)
	})
}

// cancel gives the checkout up.
func (h *pages) cancel(w http.ResponseWriter, r *http.Request) {
	if _, ok := readForm(w, r); !ok {
		return
	}
	h.act(w, r, func(s session, _ *billd.Checkout, _ time.Time) (*outcome, error) {
		return h.p.cancelOutcome(s), nil
	})
}

// readForm parses a bounded form body, or writes the error page.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			renderMessage(w, http.StatusRequestEntityTooLarge, "Too large", "The form is too large.")
		} else {
			renderMessage(w, http.StatusBadRequest, "Bad request", "The form could not be read.")
		}
		return nil, false
	}
	return r.PostForm, true
}

// act runs a page action: it decides the outcome on the session, delivers its event and
// applies it, then redirects. The page answers 409 if the checkout is closed or busy, 400 if
// decide refuses the form and 503 if billd did not take the event.
func (h *pages) act(w http.ResponseWriter, r *http.Request, decide func(session, *billd.Checkout, time.Time) (*outcome, error)) {
	c, lines, ok := h.checkout(w, r)
	if !ok {
		return
	}
	s, snap, err := h.p.begin(c, lines)
	if err != nil {
		renderCheckout(w, http.StatusConflict, c, lines, snap, billd.ErrorMessage(err))
		return
	}
	o, err := decide(snap, c, h.p.clock())
	if err == nil {
		err = h.p.deliverEvent(r.Context(), o)
		if err != nil {
			err = billd.Errorf(billd.EUNAVAILABLE, "The payment could not be recorded (%s); nothing was charged. Try again.", billd.ErrorMessage(err))
		}
	}
	if err != nil {
		h.p.abort(s)
		status := http.StatusBadRequest
		if billd.ErrorCode(err) != billd.EINVALID {
			status = http.StatusServiceUnavailable
		}
		renderCheckout(w, status, c, lines, snap, billd.ErrorMessage(err))
		return
	}
	h.p.commit(s, o)
	http.Redirect(w, r, h.p.redirectTarget(c, snap, o.event.Checkout.State), http.StatusSeeOther)
}

// redirectTarget is where an action sends the customer: the success URL once the checkout is
// complete, the cancel URL once it expired, else (or if the URL is not an absolute http(s)
// URL) back to the page.
func (p *Provider) redirectTarget(c *billd.Checkout, s session, state billd.CheckoutState) string {
	target := ""
	switch state {
	case billd.CheckoutComplete:
		target = firstNonEmpty(c.SuccessURL, s.req.SuccessURL)
	case billd.CheckoutExpired:
		target = firstNonEmpty(c.CancelURL, s.req.CancelURL)
	}
	target = strings.ReplaceAll(target, billd.CheckoutIDPlaceholder, url.QueryEscape(c.ID))
	if u, err := url.Parse(target); target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return p.checkoutURL(c.ID)
	}
	return target
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// portal serves the customer's portal: the saved cards.
func (h *pages) portal(w http.ResponseWriter, r *http.Request) {
	customerID := r.PathValue("customer")
	if !strings.HasPrefix(customerID, customerPrefix) {
		renderMessage(w, http.StatusNotFound, "Not found", "There is no such customer.")
		return
	}
	h.p.mu.Lock()
	methods := h.p.savedMethods(customerID)
	h.p.mu.Unlock()
	renderPortal(w, methods, r.URL.Query().Get("return_url"))
}
