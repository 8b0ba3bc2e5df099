package cudo

import (
	"strings"
	"testing"

	"github.com/billd/billd"
)

func TestDecodeBody(t *testing.T) {
	var body updateBody
	err := DecodeBody([]byte(` {"billing_account": {"display_name": "Acme", "billingAddress": {"postal_code": "10115"},
		"credit_balance_recharge": {"low": {"value": "1e1"}, "auto_recharge": true}, "unknown": {"deep": [1, 2.5e400]}},
		"update_mask": "displayName"} `), &body)
	if err != nil {
		t.Fatal(err)
	}
	a := body.BillingAccount
	if a.DisplayName != "Acme" || a.BillingAddress.PostalCode != "10115" || a.CreditBalanceRecharge.Low.Value != "1e1" ||
		!a.CreditBalanceRecharge.AutoRecharge || body.UpdateMask != "displayName" {
		t.Errorf("decoded %+v", body)
	}
	if err := DecodeBody(nil, &body); err != nil {
		t.Errorf("an empty body: %v", err)
	}
}

func TestDecodeBodyRefuses(t *testing.T) {
	for body, why := range map[string]string{
		`[]`:                                    "JSON object",
		`"x"`:                                   "JSON object",
		`{"displayName": 1}`:                    "displayName must be a string",
		`{"billingAccount": []}`:                "must be an object",
		`{"a": 1} {"b": 2}`:                     "more than one JSON value",
		`{"a": `:                                "invalid JSON body",
		`{"x": ` + strings.Repeat(`[`, 20):      "deeper than 16",
		`{"billingThreshold": {"value": "1x"}}`: "not a decimal",
		`{"billingThreshold": {"value": 5}}`:    "decimal string",
	} {
		var v struct {
			DisplayName      string   `json:"displayName"`
			BillingAccount   struct{} `json:"billingAccount"`
			BillingThreshold Money    `json:"billingThreshold"`
		}
		err := DecodeBody([]byte(body), &v)
		if billd.ErrorCode(err) != billd.EINVALID || !strings.Contains(billd.ErrorMessage(err), why) {
			t.Errorf("DecodeBody(%s) = %v, want EINVALID with %q", body, err, why)
		}
	}
}

func TestCamelCase(t *testing.T) {
	for in, want := range map[string]string{"display_name": "displayName", "postal_code": "postalCode", "a_b_c": "aBC",
		"displayName": "displayName", "_x": "_x", "x__y": "xY", "x_": "x", "id": "id", "amount_value_1": "amountValue1"} {
		if got := camelCase(in); got != want {
			t.Errorf("camelCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCUDOBody checks DecodeBody on any bytes: it never panics and refuses with EINVALID only;
// what it accepts nests within MaxBodyDepth, decodes the same again, and holds only amounts of
// the decimal grammar.
func FuzzCUDOBody(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"billingAccount": {"displayName": "x"}, "updateMask": "displayName"}`,
		`{"billing_account": {"hourly_spend_limit": {"value": "1.5"}}}`, `{"a": [[[[1]]]]}`, `{"x": "\"{["}`,
		`{"billingAccount": {"creditBalanceRecharge": {"low": {"value": "-1e-3"}}}}`, `[`, `{"a":1}{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var body updateBody
		err := DecodeBody(b, &body)
		if err != nil {
			if billd.ErrorCode(err) != billd.EINVALID {
				t.Fatalf("DecodeBody(%q): %v is not EINVALID", b, err)
			}
			return
		}
		if depth(b) > MaxBodyDepth {
			t.Fatalf("DecodeBody(%q) accepted a body deeper than %d", b, MaxBodyDepth)
		}
		var again updateBody
		if err := DecodeBody(b, &again); err != nil || again != body {
			t.Fatalf("DecodeBody(%q) = %+v, then %+v, %v", b, body, again, err)
		}
		a := body.BillingAccount
		for _, m := range []Money{a.HourlySpendLimit, a.MonthlySpendLimit, a.BillingThreshold,
			a.CreditBalanceRecharge.Low, a.CreditBalanceRecharge.High} {
			if _, err := parseDecimal(m.Value); m.Value != "" && err != nil {
				t.Fatalf("DecodeBody(%q) accepted the amount %q: %v", b, m.Value, err)
			}
		}
	})
}
