package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/billd/billd/sqlstore/sqltest"
)

// The page a payment provider sends the browser back to moves on only to a console page of this
// site: any other place, or a path that climbs out of /console/ (dot segments, encoded or not),
// goes to the console's home instead.
func TestReturnPageStaysInTheConsole(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		b := newFixture(t, s).newBrowser()
		for to, want := range map[string]string{
			"/console/orgs/x/accounts/y?paid=1": "/console/orgs/x/accounts/y?paid=1",
			"/console/":                         "/console/",
			"/console/../metrics":               "/console/",
			"/console/%2e%2e/metrics":           "/console/",
			"/console/./orgs":                   "/console/",
			"//evil.example/console/":           "/console/",
			"https://evil.example/console/":     "/console/",
			"/consolex/":                        "/console/",
			"/console\\..\\metrics":             "/console/",
		} {
			res := b.get("/console/return?to=" + url.QueryEscape(to))
			link := `id="continue">`
			wantStatus(t, "return to "+to, res, http.StatusOK, link)
			if !strings.Contains(res.body, `href="`+htmlAttr(want)+`" `+link) {
				t.Errorf("return to %q: the page goes elsewhere than %q:\n%s", to, want, res.body)
			}
		}
	})
}

// htmlAttr is s as html/template writes it in an href attribute.
func htmlAttr(s string) string { return strings.ReplaceAll(s, "&", "&amp;") }
