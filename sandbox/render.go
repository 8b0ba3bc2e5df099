package sandbox

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"github.com/billd/billd"
)

//go:embed pages.html
var pagesHTML string

// pageTemplates are the sandbox's pages; html/template escapes everything they show.
var pageTemplates = template.Must(template.New("pages").Parse(pagesHTML))

// checkoutPage is what the checkout page shows.
type checkoutPage struct {
	Title  string
	Action string // the page's path, which the forms post under
	Lines  []linePage
	Total  string
	Trial  string
	Open   bool // the form and buttons are shown
	Setup  bool
	Status string
	Failed bool // Status is an error
}

// linePage is one line of a checkout.
type linePage struct {
	Name, Quantity, UnitPrice, Total, Per string
}

// portalPage is what the portal page shows.
type portalPage struct {
	Title     string
	Methods   []billd.PaymentMethod
	ReturnURL string
}

// messagePage is an error page.
type messagePage struct {
	Title, Message string
}

// renderCheckout writes the checkout page of billd's checkout c in the sandbox's session s,
// with an error message if there is one.
func renderCheckout(w http.ResponseWriter, status int, c *billd.Checkout, lines []billd.CheckoutLine, s session, message string) {
	data := checkoutPage{Action: "/checkout/" + url.PathEscape(c.ID), Setup: c.Kind == billd.CheckoutSetup,
		Open: s.view.State == billd.CheckoutOpen, Total: billd.FormatMoney(0, c.Currency)}
	for _, l := range lines {
		lp := linePage{Name: l.Name, Quantity: fmt.Sprint(l.Quantity), UnitPrice: billd.FormatMoney(l.UnitAmount, c.Currency)}
		if t, ok := lineTotal(l); ok {
			lp.Total = billd.FormatMoney(t, c.Currency)
		}
		if l.Interval != "" {
			lp.Per = "/ " + l.Interval
		}
		data.Lines = append(data.Lines, lp)
	}
	if total, ok := linesTotal(lines); ok {
		data.Total = billd.FormatMoney(total, c.Currency)
	}
	data.Title = pageTitle(c.Kind, lines)
	if s.req.TrialDays > 0 {
		data.Trial = fmt.Sprintf("%d-day free trial: nothing is charged today.", s.req.TrialDays)
	}
	data.Status, data.Failed = statusOf(s)
	if message != "" {
		data.Status, data.Failed = message, true
	}
	render(w, status, "checkout", data)
}

// pageTitle names what a checkout sells.
func pageTitle(kind billd.CheckoutKind, lines []billd.CheckoutLine) string {
	switch {
	case kind == billd.CheckoutSetup:
		return "Save a card"
	case len(lines) == 0:
		return "Checkout"
	case kind == billd.CheckoutSubscription:
		return "Subscribe to " + lines[0].Name
	}
	return "Buy " + lines[0].Name
}

// statusOf says where a session is, and whether that is a failure.
func statusOf(s session) (string, bool) {
	v := s.view
	switch {
	case v.State != billd.CheckoutOpen:
		return closedMessage(s), false
	case v.PaymentError != "":
		return v.PaymentError, true
	case s.req.Kind == billd.CheckoutSetup:
		return "Enter a card to save it.", false
	}
	return "Enter a card to pay.", false
}

// closedMessage says why a session can no longer be paid.
func closedMessage(s session) string {
	switch {
	case s.view.State == billd.CheckoutExpired:
		return "This checkout has expired or was canceled."
	case s.view.PaymentStatus == billd.PaymentPaid:
		return "This checkout is paid."
	case s.req.Kind == billd.CheckoutSetup:
		return "The card is saved."
	}
	return "This checkout is complete."
}

// renderPortal writes the portal page.
func renderPortal(w http.ResponseWriter, methods []billd.PaymentMethod, returnURL string) {
	if u, err := url.Parse(returnURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		returnURL = ""
	}
	render(w, http.StatusOK, "portal", portalPage{Title: "Your saved cards", Methods: methods, ReturnURL: returnURL})
}

// renderMessage writes an error page.
func renderMessage(w http.ResponseWriter, status int, title, message string) {
	render(w, status, "message", messagePage{Title: title, Message: message})
}

// render writes a page, or a plain 500 if its template fails.
func render(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&b, name, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
