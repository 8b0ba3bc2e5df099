package web

import (
	"net/http"

	"github.com/billd/billd"
	"github.com/billd/billd/web/cudo"
)

// cudoCall adapts a CUDO call to the API's handlers: the body (of a POST or PATCH) is read within
// MaxBodyBytes, whatever its Content-Type, and the answer written as JSON. Errors take the route's
// one path through writeError, whose body is the contract's Status.
func cudoCall(call cudo.Call) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
		var body []byte
		if r.Method == http.MethodPost || r.Method == http.MethodPatch {
			var err error
			if body, err = readBody(r, MaxBodyBytes, errTooLarge); err != nil {
				return err
			}
		}
		query := r.URL.Query()
		if key := r.Header.Get("Idempotency-Key"); key != "" && query.Get(cudo.IdempotencyParam) == "" {
			query.Set(cudo.IdempotencyParam, key)
		}
		res, err := call(r.Context(), p, cudo.Input{Path: r.PathValue, Query: query, Body: body})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	}
}
