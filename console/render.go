package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/billd/billd"
)

// pageTemplate is one page: the layout with the page's "title" and "content".
type pageTemplate = template.Template

// view is what every page template gets.
type view struct {
	Title    string
	SignedIn bool
	P        billd.Principal
	Client   string // the signed-in client's name, or its id when it has none
	CSRF     string
	Nav      []navItem
	Error    string // a problem to show at the top of the page
	Notice   string // a success to show at the top of the page
	Status   int    // the HTTP status of an error page
	Data     any    // the page's own data
}

// navItem is a link of the header's navigation.
type navItem struct {
	Label, Href string
	Current     bool
}

// parsePages parses every page template with the layout.
func parsePages() (map[string]*pageTemplate, error) {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*pageTemplate{}
	for _, name := range names {
		base := strings.TrimPrefix(name, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("console: %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// funcs are the templates' formatting functions.
var funcs = template.FuncMap{
	"credits":    billd.FormatCredits,
	"creditWord": creditWord,
	"money":      billd.FormatMoney,
	"when":       formatTime,
	"day":        func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"whenp": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return formatTime(*t)
	},
}

// creditWord is the word that follows the amount n: "1 credit", "-1 credit", "2 credits".
func creditWord(n int64) string {
	if n == 1 || n == -1 {
		return "credit"
	}
	return "credits"
}

// formatTime writes a time in UTC to the minute.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// nav returns the header's links for p, the current one marked.
func nav(p billd.Principal, path string) []navItem {
	var items []navItem
	if p.OrgID == "" {
		items = append(items, navItem{Label: "Organizations", Href: "/console/orgs"})
	} else {
		org := "/console/orgs/" + p.OrgID
		items = append(items, navItem{Label: "Organization", Href: org}, navItem{Label: "Webhooks", Href: org + "/webhooks"})
	}
	if billd.Preauthorize(p, billd.PermDelete, p.OrgID) == nil {
		items = append(items, navItem{Label: "API clients", Href: "/console/clients"})
	}
	items = append(items, navItem{Label: "Catalog", Href: "/console/catalog"})
	best := -1
	for i, it := range items { // the longest link the path starts with
		if (path == it.Href || strings.HasPrefix(path, it.Href+"/")) && (best < 0 || len(it.Href) > len(items[best].Href)) {
			best = i
		}
	}
	if best >= 0 {
		items[best].Current = true
	}
	return items
}

// notices are the successes a page shows after a form, by the ?done its redirect names.
var notices = map[string]string{
	"saved":       "Saved.",
	"redelivered": "The delivery is queued again; it is attempted within a minute.",
	"revoked":     "Revoked.",
	"sessions":    "The client's console sessions are ended.",
	"created":     "Created.",
	"enabled":     "The endpoint is enabled: new events are sent to it, and its pending deliveries resume.",
	"disabled":    "The endpoint is disabled: it gets no new deliveries, and its pending ones wait until it is enabled again.",
	"deleted":     "The endpoint is deleted, with its delivery log; nothing more is sent to it.",
	"paid":        "Thank you: the payment went through. The credits appear as soon as the provider confirms it.",
	"canceled":    "The checkout was canceled; nothing was charged.",
}

// page renders a signed-in page.
func (c *Console) page(q *request, status int, name, title string, data any) error {
	return c.problemPage(q, status, name, title, "", data)
}

// problemPage renders a signed-in page with a problem at its top (none if ""): a form the Service
// refused, shown again to be corrected.
func (c *Console) problemPage(q *request, status int, name, title, problem string, data any) error {
	v := view{Title: title, SignedIn: true, P: q.p, Client: q.clientLabel(), CSRF: q.csrf, Nav: nav(q.p, q.r.URL.Path), Data: data, Error: problem}
	v.Notice = notices[q.r.URL.Query().Get("done")]
	c.render(q.w, q.r, status, name, v)
	return nil
}

// render writes the page name with v, or a plain 500 if it fails to render.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, v); err != nil {
		c.log.Error("console: a page did not render", "page", name, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail renders the error page of err, with the status its code maps to. Internal errors are
// logged and shown without their details.
func (c *Console) fail(q *request, err error) {
	status := billd.HTTPStatus(billd.ErrorCode(err))
	msg := billd.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		c.log.Error("console: a page failed", "path", q.r.URL.Path, "err", err)
		msg = "Something went wrong on our side. Try again in a moment."
	}
	if wait := billd.ErrorRetryAfter(err); wait > 0 {
		q.w.Header().Set("Retry-After", strconv.FormatInt(billd.RetrySeconds(wait), 10))
	}
	v := view{Title: http.StatusText(status), Error: msg, Status: status, CSRF: q.csrf}
	if q.p.ClientID != "" {
		v.SignedIn, v.P, v.Client, v.Nav = true, q.p, q.clientLabel(), nav(q.p, q.r.URL.Path)
	}
	c.render(q.w, q.r, status, "error.html", v)
}

// clientLabel is how the header names the signed-in client: its name, or its id without one.
func (q *request) clientLabel() string {
	if q.name != "" {
		return q.name
	}
	return q.p.ClientID
}

// notFound is the page of a console path that does not exist.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.fail(&request{w: w, r: r}, billd.Errorf(billd.ENOTFOUND, "there is no console page at this address"))
}

// returnPage is where a payment provider sends the browser back: a same-site page that moves on
// to the console path ?to names. SameSite=Strict cookies are not sent on the navigation that comes
// from another site, so the console page itself is reached from here.
func (c *Console) returnPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "return.html", view{Title: "Returning to the console", Data: consolePath(r.URL.Query().Get("to"))})
}

// consolePath returns to if it is a console page of this site (a path under /console/, already
// clean: no dot segments, encoded or not), else the console's home.
func consolePath(to string) string {
	const home = "/console/"
	u, err := url.Parse(to)
	if err != nil || len(to) > maxParamBytes || strings.ContainsAny(to, "\\\r\n") || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(u.Path, home) || (u.Path != home && path.Clean(u.Path) != strings.TrimSuffix(u.Path, "/")) {
		return home
	}
	return to
}
