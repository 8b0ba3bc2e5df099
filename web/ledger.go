package web

import (
	"net/http"

	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
)

// createUsage serves both usage paths. On the path that names the organization and account, the
// body may repeat them but must agree.
func (h *Handler) createUsage(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.CreateBillingUsageRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := bindPath(r, "org_id", &body.OrgID); err != nil {
		return err
	}
	if err := bindPath(r, "billing_id", &body.BillingID); err != nil {
		return err
	}
	if err := h.svc.ReportUsage(r.Context(), p, body.Report()); err != nil {
		return err
	}
	return ok(w, frontier.Empty{})
}

// bindPath sets *field from the path wildcard name when the route has it, after checking that a
// value given in the body agrees.
func bindPath(r *http.Request, name string, field *string) error {
	v := r.PathValue(name)
	if v == "" {
		return nil
	}
	if err := samePath(name, *field, v); err != nil {
		return err
	}
	*field = v
	return nil
}

// revertUsage serves seed 003 and its admin path. An Idempotency-Key header makes a retried revert
// harmless.
func (h *Handler) revertUsage(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.RevertBillingUsageRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		field *string
	}{{"org_id", &body.OrgID}, {"billing_id", &body.BillingID}, {"usage_id", &body.UsageID}} {
		if err := bindPath(r, f.name, f.field); err != nil {
			return err
		}
	}
	if err := h.svc.RevertUsage(r.Context(), p, body.Revert(r.Header.Get("Idempotency-Key"))); err != nil {
		return err
	}
	return ok(w, frontier.Empty{})
}

// listTransactions serves both transaction paths: the account from the path, or from the
// billing_id parameter, or the organization's active account.
func (h *Handler) listTransactions(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	q := billd.TransactionQuery{OrgID: r.PathValue("org_id"), BillingID: r.PathValue("billing_id")}
	if q.BillingID == "" {
		q.BillingID = r.URL.Query().Get("billing_id")
	}
	var err error
	if q.Start, err = queryTime(r, "start_range"); err != nil {
		return err
	}
	if q.Start.IsZero() {
		if q.Start, err = queryTime(r, "since"); err != nil {
			return err
		}
	}
	if q.End, err = queryTime(r, "end_range"); err != nil {
		return err
	}
	if q.Page, err = pageRequest(r); err != nil {
		return err
	}
	page, account, err := h.svc.ListTransactions(r.Context(), p, q)
	if err != nil {
		return err
	}
	var customer *billd.BillingAccount
	if queryExpand(r)["customer"] {
		customer = account
	}
	return writeList(w, h.limits.MaxResponseBytes, "transactions", page, func(t billd.Transaction) any {
		return frontier.NewBillingTransaction(&t, customer)
	})
}

func (h *Handler) debitedTotal(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	b, err := h.svc.DebitedTotal(r.Context(), p, r.PathValue("org_id"), r.PathValue("billing_id"))
	if err != nil {
		return err
	}
	return ok(w, frontier.DebitedResponse{Debited: frontier.NewBalance(billd.Balance(b))}) // Frontier sends spend as a Balance
}

func (h *Handler) checkCredit(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.CheckCreditRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	status, err := h.svc.CheckCredit(r.Context(), p, body.OrgID, int64(body.Amount))
	if err != nil {
		return err
	}
	return ok(w, frontier.StatusResponse{Status: status})
}

func (h *Handler) grantCredits(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	var body frontier.GrantRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	req := body.Grant(r.PathValue("org_id"), r.PathValue("billing_id"), r.Header.Get("Idempotency-Key"))
	t, err := h.svc.GrantCredits(r.Context(), p, req)
	if err != nil {
		return err
	}
	return ok(w, frontier.TransactionResponse{Transaction: frontier.NewBillingTransaction(t, nil)})
}

// verifyLedger re-sums the journal, as `billd verify` does, for platform admins.
func (h *Handler) verifyLedger(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
	report, err := h.svc.VerifyLedger(r.Context(), p)
	if err != nil {
		return err
	}
	return ok(w, frontier.NewLedgerReport(report))
}
