package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/billd/billd"
)

// Cookies of the console, both scoped to /console.
const (
	sessionCookie    = "billd_session"    // the session token (billd.SignIn)
	preSessionCookie = "billd_presession" // the sign-in form's CSRF token, before a session exists
	cookiePath       = "/console"
	csrfField        = "csrf" // the hidden field of every form
)

// request is one signed-in request: its principal, and the CSRF token its forms carry.
type request struct {
	w    http.ResponseWriter
	r    *http.Request
	p    billd.Principal
	name string // the client's name, shown in the header
	csrf string
}

// handler is a signed-in page. It returns the error to show, if any.
type handler func(q *request) error

// authed runs fn for a request with a live session, and sends the others to the sign-in page. A
// POST must come from the console's own pages (same origin) and carry the session's CSRF token:
// 403 otherwise, before anything is read or changed.
func (c *Console) authed(fn handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := cookieValue(r, sessionCookie)
		p, client, err := c.svc.SessionPrincipal(r.Context(), token)
		if billd.ErrorCode(err) == billd.EUNAUTHORIZED {
			target := "/console/sign-in"
			if token != "" {
				target += "?ended=1"
				c.clearCookie(w, r, sessionCookie)
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		q := &request{w: w, r: r, p: p, csrf: csrfToken(token)}
		if client != nil {
			q.name = client.Name
		}
		if err == nil && c.admit != nil {
			err = c.admit(p)
		}
		if err == nil && r.Method == http.MethodPost {
			err = c.checkPost(q.w, q.r, q.csrf)
		}
		if err == nil {
			err = fn(q)
		}
		if err != nil {
			c.fail(q, err)
		}
	})
}

// errBadForm is the answer to a form that did not come from a console page of this session.
var errBadForm = billd.Errorf(billd.EFORBIDDEN, "this form did not come from a page of your console session "+
	"(it may be from another site, or from before you signed in again); reload the page and try again")

// checkPost refuses a cross-origin POST and one whose CSRF field is not want; it bounds the body.
func (c *Console) checkPost(w http.ResponseWriter, r *http.Request, want string) error {
	if c.origin.Check(r) != nil {
		return errBadForm
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return billd.Errorf(billd.EINVALID, "the form could not be read: it is larger than %d bytes or malformed", maxFormBytes)
	}
	if want == "" || !hmac.Equal([]byte(r.PostForm.Get(csrfField)), []byte(want)) {
		return errBadForm
	}
	return nil
}

// csrfToken is the CSRF token of the session token: an HMAC keyed by the token, so it is bound
// to the session, unguessable without it and never stored.
func csrfToken(sessionToken string) string {
	if sessionToken == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("billd console csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signInPage shows the sign-in form, with a fresh pre-session CSRF token in a cookie and the form.
func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	c.showSignIn(w, r, http.StatusOK, "")
}

// showSignIn renders the sign-in form with a message.
func (c *Console) showSignIn(w http.ResponseWriter, r *http.Request, status int, problem string) {
	pre := randomToken()
	c.setCookie(w, r, preSessionCookie, pre, time.Now().Add(time.Hour))
	notice := ""
	switch {
	case r.URL.Query().Get("ended") != "":
		notice = "Your session has ended. Sign in again to go on."
	case r.URL.Query().Get("out") != "":
		notice = "You are signed out."
	}
	c.render(w, r, status, "signin.html", view{CSRF: pre, Title: "Sign in", Error: problem, Notice: notice})
}

// signIn checks the pre-session token and the credentials, then starts a session and ends the one
// the browser had, if any: a sign-in replaces the browser's session rather than leaving it alive
// and unreachable in the store.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if err := c.checkPost(w, r, cookieValue(r, preSessionCookie)); err != nil {
		c.fail(&request{w: w, r: r}, err)
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	s, err := c.svc.SignIn(r.Context(), id, secret, c.ttl)
	switch billd.ErrorCode(err) {
	case "":
	case billd.EUNAUTHORIZED:
		c.showSignIn(w, r, http.StatusUnauthorized, "The client id or secret is wrong, or the client was revoked.")
		return
	default:
		c.fail(&request{w: w, r: r}, err)
		return
	}
	if err := c.svc.SignOut(r.Context(), cookieValue(r, sessionCookie)); err != nil {
		c.fail(&request{w: w, r: r}, err)
		return
	}
	c.clearCookie(w, r, preSessionCookie)
	c.setCookie(w, r, sessionCookie, s.Token, s.Session.ExpiresAt)
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

// signOut ends the session and forgets its cookie.
func (c *Console) signOut(q *request) error {
	if err := c.svc.SignOut(q.r.Context(), cookieValue(q.r, sessionCookie)); err != nil {
		return err
	}
	c.clearCookie(q.w, q.r, sessionCookie)
	http.Redirect(q.w, q.r, "/console/sign-in?out=1", http.StatusSeeOther)
	return nil
}

// cookieValue returns the value of the cookie name, or "".
func cookieValue(r *http.Request, name string) string {
	ck, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return ck.Value
}

// setCookie sets a console cookie: HttpOnly, SameSite=Strict, Path=/console, and Secure when the
// request came over TLS or the public URL is https.
func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: cookiePath, Expires: expires,
		HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteStrictMode})
}

// clearCookie deletes a console cookie.
func (c *Console) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: cookiePath, MaxAge: -1,
		HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteStrictMode})
}

// secure reports whether the browser reaches the console over HTTPS: r came over TLS, or the
// public URL is https (a TLS-terminating proxy in front).
func (c *Console) secure(r *http.Request) bool {
	return r.TLS != nil || (c.public != nil && c.public.Scheme == "https")
}

// randomToken returns 256 random bits, base64url-encoded.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
