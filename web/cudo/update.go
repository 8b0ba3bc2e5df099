package cudo

import (
	"context"
	"strings"

	"github.com/billd/billd"
)

// updatableFields are the updateMask paths of PATCH /v1/billing-accounts/{billingAccount.id}. The
// profile's are the organization owner's; creditBalanceRecharge needs update permission; the rest
// are readOnly in the contract: platform admins set them, anyone else gets 403 naming the field.
var updatableFields = []string{
	"displayName", "taxId", "billingAddress", "billingAddress.name", "billingAddress.phone", "billingAddress.city",
	"billingAddress.line1", "billingAddress.line2", "billingAddress.state", "billingAddress.postalCode",
	"billingAddress.country", "creditBalanceRecharge", "creditBalanceRecharge.autoRecharge",
	"creditBalanceRecharge.low", "creditBalanceRecharge.high", "hourlySpendLimit", "monthlySpendLimit",
	"billingThreshold", "state", "paymentTerms",
}

// accountPatch is the billingAccount of the contract's UpdateBillingAccountBody: what the mask
// names is read from it; other fields are ignored.
type accountPatch struct {
	DisplayName           string         `json:"displayName"`
	TaxID                 TaxID          `json:"taxId"`
	BillingAddress        BillingAddress `json:"billingAddress"`
	CreditBalanceRecharge struct {
		Low          Money `json:"low"`
		High         Money `json:"high"`
		AutoRecharge bool  `json:"autoRecharge"`
	} `json:"creditBalanceRecharge"`
	HourlySpendLimit  Money  `json:"hourlySpendLimit"`
	MonthlySpendLimit Money  `json:"monthlySpendLimit"`
	BillingThreshold  Money  `json:"billingThreshold"`
	State             string `json:"state"`
	PaymentTerms      string `json:"paymentTerms"`
}

// updateBody is the contract's UpdateBillingAccountBody.
type updateBody struct {
	BillingAccount accountPatch `json:"billingAccount"`
	UpdateMask     string       `json:"updateMask"`
}

// UpdateBillingAccount is PATCH /v1/billing-accounts/{billingAccount.id}: the fields the
// updateMask (query or body) names: the profile and the controls (recharge, limits, threshold,
// state, terms) in one use case, billd.Service.UpdateAccount, which refuses a customer's readOnly
// field with 403 and changes all or nothing.
func (s *Server) UpdateBillingAccount(ctx context.Context, p billd.Principal, in Input) (any, error) {
	var body updateBody
	if err := DecodeBody(in.Body, &body); err != nil {
		return nil, err
	}
	mask, err := ParseUpdateMask(append(queryMaskValues(in.Query), body.UpdateMask), updatableFields)
	if err != nil {
		return nil, err
	}
	if mask.Empty() {
		return nil, billd.Errorf(billd.EINVALID, "updateMask is required: it names the fields to update (%s)",
			strings.Join(updatableFields, ", "))
	}
	id := in.Path("id")
	a, err := s.account(ctx, p, id)
	if err != nil {
		return nil, err
	}
	u, err := controlsOf(mask, body.BillingAccount, a)
	if err != nil {
		return nil, err
	}
	var profile *billd.BillingAccountInput
	if in, ok := profileOf(mask, body.BillingAccount, a); ok {
		profile = &in
	}
	if _, err := s.svc.UpdateAccount(ctx, p, a.OrgID, id, profile, u); err != nil {
		return nil, err
	}
	st, err := s.status(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return accountOf(st), nil
}

// controlsOf returns the controls the mask names, read from patch in the currency of a.
func controlsOf(mask UpdateMask, patch accountPatch, a *billd.BillingAccount) (billd.ControlsUpdate, error) {
	var u billd.ControlsUpdate
	for _, f := range []struct {
		path  string
		value Money
		dst   **int64
	}{
		{"hourlySpendLimit", patch.HourlySpendLimit, &u.HourlySpendLimit},
		{"monthlySpendLimit", patch.MonthlySpendLimit, &u.MonthlySpendLimit},
		{"billingThreshold", patch.BillingThreshold, &u.BillingThreshold},
	} {
		if !mask.Covers(f.path) {
			continue
		}
		n, err := minorOf(f.path, f.value, a.Currency)
		if err != nil {
			return u, err
		}
		*f.dst = &n
	}
	if mask.Covers("state") {
		state, err := stateInput(patch.State)
		if err != nil {
			return u, err
		}
		u.State = &state
	}
	if mask.Covers("paymentTerms") {
		terms, err := termsInput(patch.PaymentTerms)
		if err != nil {
			return u, err
		}
		u.PaymentTerms = &terms
	}
	r, err := rechargeOf(mask, patch, a)
	u.Recharge = r
	return u, err
}

// minorOf reads an amount of the patch: "" (absent) is 0, none.
func minorOf(path string, m Money, currency string) (int64, error) {
	if m.Value == "" {
		return 0, nil
	}
	n, err := m.Minor(currency)
	if err != nil {
		return 0, billd.Errorf(billd.EINVALID, "%s: %s", path, billd.ErrorMessage(err))
	}
	return n, nil
}

// rechargeOf returns the account's recharge with what the mask names changed, or nil.
func rechargeOf(mask UpdateMask, patch accountPatch, a *billd.BillingAccount) (*billd.Recharge, error) {
	r, in, changed := a.Recharge, patch.CreditBalanceRecharge, false
	if mask.Covers("creditBalanceRecharge.autoRecharge") {
		r.Auto, changed = in.AutoRecharge, true
	}
	for _, f := range []struct {
		path  string
		value Money
		dst   *int64
	}{{"creditBalanceRecharge.low", in.Low, &r.Low}, {"creditBalanceRecharge.high", in.High, &r.High}} {
		if !mask.Covers(f.path) {
			continue
		}
		n, err := minorOf(f.path, f.value, a.Currency)
		if err != nil {
			return nil, err
		}
		*f.dst, changed = n, true
	}
	if !changed {
		return nil, nil
	}
	if r.Auto && r.Low >= r.High { // the domain says so too, in minor units; say it in the dialect's decimals
		return nil, billd.Errorf(billd.EINVALID, "creditBalanceRecharge.low (%s) must be below creditBalanceRecharge.high (%s)",
			FormatMoney(r.Low, a.Currency), FormatMoney(r.High, a.Currency))
	}
	return &r, nil
}

// stateInput is billd's state of a contract state.
func stateInput(s string) (string, error) {
	switch s {
	case StateActive:
		return string(billd.AccountActive), nil
	case StateSuspendedAbuse:
		return billd.SuspendedForAbuse, nil
	case StateSuspendedPayment:
		return billd.SuspendedForPayment, nil
	}
	return "", billd.Errorf(billd.EINVALID, "state must be %s, %s or %s", StateActive, StateSuspendedAbuse, StateSuspendedPayment)
}

// termsInput is billd's payment terms of contract terms.
func termsInput(s string) (billd.PaymentTerms, error) {
	switch s {
	case TermsPrepaid:
		return billd.PaymentTermsPrepaid, nil
	case TermsInvoice:
		return billd.PaymentTermsInvoice, nil
	}
	return "", billd.Errorf(billd.EINVALID, "paymentTerms must be %s or %s", TermsPrepaid, TermsInvoice)
}

// profileOf returns a's profile with the fields the mask names replaced from patch; ok is false
// when the mask names none.
func profileOf(mask UpdateMask, patch accountPatch, a *billd.BillingAccount) (in billd.BillingAccountInput, ok bool) {
	in = billd.BillingAccountInput{Name: a.Name, Email: a.Email, Currency: a.Currency, TaxData: a.TaxData,
		Metadata: billd.Metadata{}}
	for k, v := range a.Metadata {
		in.Metadata[k] = v
	}
	address := addressOf(a)
	if mask.Covers("displayName") {
		in.Name, ok = patch.DisplayName, true
	}
	if mask.Covers("taxId") {
		setTaxID(&in, patch.TaxID)
		ok = true
	}
	for _, f := range []struct {
		path     string
		dst, src *string
	}{
		{"billingAddress.name", &address.Name, &patch.BillingAddress.Name},
		{"billingAddress.phone", &address.Phone, &patch.BillingAddress.Phone},
		{"billingAddress.city", &address.City, &patch.BillingAddress.City},
		{"billingAddress.line1", &address.Line1, &patch.BillingAddress.Line1},
		{"billingAddress.line2", &address.Line2, &patch.BillingAddress.Line2},
		{"billingAddress.state", &address.State, &patch.BillingAddress.State},
		{"billingAddress.postalCode", &address.PostalCode, &patch.BillingAddress.PostalCode},
		{"billingAddress.country", &address.Country, &patch.BillingAddress.Country},
	} {
		if mask.Covers(f.path) {
			*f.dst, ok = *f.src, true
		}
	}
	setAddress(&in, address)
	return in, ok
}
