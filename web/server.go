// Package web serves billd's HTTP API: the Frontier v1beta1 billing dialect (and later the CUDO
// dialect) over one billd.Service. Handlers decode, call one Service method and encode; routes.go
// lists the whole URL surface and errors.go maps error codes to statuses and bodies.
package web

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"

	"github.com/billd/billd"
)

// Handler is billd's http.Handler.
type Handler struct {
	svc    *billd.Service
	log    *slog.Logger
	mux    *http.ServeMux
	limits Limits
	admit  *admission
}

// NewHandler returns the HTTP API of svc, which accepts the work limits allow at once.
func NewHandler(svc *billd.Service, log *slog.Logger, limits Limits) *Handler {
	limits = limits.withDefaults()
	h := &Handler{svc: svc, log: log, mux: http.NewServeMux(), limits: limits, admit: &admission{limits: limits}}
	h.routes()
	return h
}

// apiFunc is a handler of an authenticated API call. It returns the error to show, if any.
type apiFunc func(w http.ResponseWriter, r *http.Request, p billd.Principal) error

// ServeHTTP routes the request; unknown paths and methods get JSON errors too.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			h.writeError(w, r, billd.Errorf(billd.EINTERNAL, "panic: %v", v))
		}
	}()
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.routingError(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// routingError answers a request no pattern matches: 405 when the path exists with other methods,
// 404 otherwise.
func (h *Handler) routingError(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{header: http.Header{}}
	h.mux.ServeHTTP(rec, r)
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

// handle registers an authenticated API call, served only if there is room for it.
func (h *Handler) handle(pattern string, fn apiFunc) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		release, err := h.admit.admit(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		defer release()
		p, err := h.authenticate(r)
		if err == nil {
			err = fn(w, r, p)
		}
		if err != nil {
			h.writeError(w, r, err)
		}
	})
}

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
		return billd.Principal{}, billd.Errorf(billd.EUNAUTHORIZED, "unsupported authorization scheme %q", scheme)
	}
	return h.svc.Authenticate(r.Context(), cred)
}

// ok writes a 200 response.
func ok(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusOK, v)
	return nil
}
