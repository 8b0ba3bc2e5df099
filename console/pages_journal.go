package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/billd/billd"
)

// journalData is an account's journal page.
type journalData struct {
	Account *billd.BillingAccount
	Base    string
	Items   []billd.Transaction
	Filter  journalFilter
	Next    string
	First   string // the newest page's link, when this is a later page
	Kinds   []billd.TransferKind
}

// journalFilter is the journal form's values, as sent.
type journalFilter struct {
	Kind, Source, From, To string
	Filtered               bool
}

// journal lists an account's transactions, newest first, filtered by kind, source and a date
// range (days in UTC, both inclusive), a page at a time.
func (c *Console) journal(q *request) error {
	qs := q.r.URL.Query()
	f := journalFilter{Kind: qs.Get("kind"), Source: qs.Get("source"), From: qs.Get("from"), To: qs.Get("to")}
	f.Filtered = f.Kind != "" || f.Source != "" || f.From != "" || f.To != ""
	req, err := pageRequest(q.r, pageParam, pageSize)
	if err != nil {
		return err
	}
	tq := billd.TransactionQuery{OrgID: q.r.PathValue("org"), BillingID: q.r.PathValue("acct"), Page: req,
		Kind: billd.TransferKind(f.Kind), Source: f.Source}
	if tq.Start, err = parseDay("from", f.From); err != nil {
		return err
	}
	if tq.End, err = parseDay("to", f.To); err != nil {
		return err
	}
	if !tq.End.IsZero() {
		tq.End = tq.End.Add(24*time.Hour - time.Microsecond) // the whole day
	}
	if tq.BillingID == "" || !billd.IsUUID(tq.BillingID) {
		return billd.Errorf(billd.ENOTFOUND, "billing account not found")
	}
	list, a, err := c.svc.ListTransactions(q.r.Context(), q.p, tq)
	if err != nil {
		return err
	}
	d := journalData{Account: a, Base: accountPath(a), Items: list.Items, Filter: f, Next: nextLink(q.r, pageParam, list.NextPageToken),
		Kinds: []billd.TransferKind{billd.KindUsage, billd.KindRevert, billd.KindGrant}}
	if req.PageToken != "" {
		d.First = pageLink(q.r, pageParam, "")
	}
	return c.page(q, http.StatusOK, "journal.html", "Transactions · "+accountTitle(a), d)
}

// parseDay reads a YYYY-MM-DD day of a filter; empty is no bound.
func parseDay(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, billd.Errorf(billd.EINVALID, "%s must be a date written YYYY-MM-DD, got %q", name, billd.Truncate(s, 32))
	}
	return t, nil
}

// escape escapes s for a query parameter.
func escape(s string) string { return url.QueryEscape(s) }
