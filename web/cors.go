package web

import (
	"net/http"
	"slices"
	"strings"
)

// cors answers the CORS of browser apps on configured origins only: preflights for the REST and
// RPC paths, with the headers Connect, gRPC-Web and billd use, and the response headers they may
// read. A request from any other origin gets no CORS header, so browsers keep its answer from the
// page (and CrossOriginProtection refuses its unsafe methods).
type cors struct {
	origins []string
}

func newCORS(origins []string) cors { return cors{origins: origins} }

const (
	corsMethods = "GET, POST, PUT, DELETE"
	// corsHeaders are the request headers a page may send: credentials and billd's own, and what
	// Connect and gRPC-Web clients send.
	corsHeaders = "Authorization, Content-Type, Idempotency-Key, X-Request-Id, " +
		"Connect-Protocol-Version, Connect-Timeout-Ms, Connect-Accept-Encoding, Connect-Content-Encoding, " +
		"Grpc-Timeout, Grpc-Accept-Encoding, Grpc-Encoding, X-Grpc-Web, X-User-Agent"
	// corsExposed are the response headers a page may read.
	corsExposed = "Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin, Connect-Content-Encoding, " +
		"Grpc-Encoding, Retry-After, X-Request-Id, WWW-Authenticate"
	corsMaxAge = "7200"
)

// handle adds the CORS headers of an allowed origin to w and answers its preflight. It reports
// whether the request was a preflight it answered.
func (c cors) handle(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || len(c.origins) == 0 {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	if !slices.ContainsFunc(c.origins, func(o string) bool { return strings.EqualFold(o, origin) }) {
		return false
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		h.Set("Access-Control-Expose-Headers", corsExposed)
		return false
	}
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", corsMethods)
	h.Set("Access-Control-Allow-Headers", corsHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
	return true
}
