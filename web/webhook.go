package web

import (
	"net/http"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
)

// webhookBudget is whose body budget the webhooks' bodies count against: no API client's (a
// client id cannot hold parentheses).
const webhookBudget = "(webhooks)"

// errWebhookTooLarge answers a webhook delivery past billd.MaxEventBytes.
var errWebhookTooLarge = billd.Errorf(billd.ETOOLARGE, "a webhook body must be at most %d bytes", billd.MaxEventBytes)

// webhook serves a payment provider's webhook deliveries on the REST paths, as Frontier does: the
// raw body (at most billd.MaxEventBytes) and the request's headers, which carry the signature, go
// to the BillingWebhookCallback RPC with the path's provider; the answer is {} once the event is
// recorded. No credentials are asked for, but the delivery is admitted as every request is.
func (h *Handler) webhook(s *frontier.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h.admit.enter(); err != nil {
			h.refuse(w, r, err)
			return
		}
		defer h.admit.leave()
		if r.ContentLength > billd.MaxEventBytes {
			h.refuse(w, r, errWebhookTooLarge)
			return
		}
		budget, err := h.admit.admitBody(r, webhookBudget)
		if err != nil {
			h.refuse(w, r, err)
			return
		}
		defer budget.release()
		if err := h.deliver(w, r, s); err != nil {
			h.writeError(w, r, err)
		}
	}
}

// deliver reads a webhook delivery and hands it to the RPC.
func (h *Handler) deliver(w http.ResponseWriter, r *http.Request, s *frontier.Server) error {
	body, err := readBody(r, billd.MaxEventBytes, errWebhookTooLarge)
	if err != nil {
		return err
	}
	req := connect.NewRequest(&fv1.BillingWebhookCallbackRequest{Provider: r.PathValue("provider"), Body: body})
	for k, v := range r.Header {
		req.Header()[k] = v
	}
	res, err := s.BillingWebhookCallback(r.Context(), req)
	if err != nil {
		return err
	}
	b, err := marshalJSON(restOutput, res.Msg)
	if err != nil {
		return err
	}
	writeBody(w, http.StatusOK, b)
	return nil
}

// notImplemented answers a path of the contract whose RPC billd does not serve yet.
func notImplemented(rpc string) apiFunc {
	return func(http.ResponseWriter, *http.Request, billd.Principal) error {
		return billd.Errorf(billd.EUNIMPLEMENTED, "%s is not implemented yet", rpc)
	}
}
