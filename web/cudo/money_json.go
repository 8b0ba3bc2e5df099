package cudo

import (
	"bytes"
	"encoding/json"

	"github.com/billd/billd"
)

// Money is CUDO's Decimal on the wire: {"value": "123.45"}, in the currency of the account it
// belongs to. It is a plain struct: decoding checks only the decimal's syntax, since the currency
// is not known there; Minor converts it to minor units and checks its precision and range, and
// NewMoney builds it from minor units.
type Money struct {
	Value string `json:"value"`
}

// NewMoney returns minor units of currency as a Money in canonical form.
func NewMoney(minor int64, currency string) Money {
	return Money{Value: FormatMoney(minor, currency)}
}

// Minor returns m as minor units of currency: an EINVALID error if it has more decimal places
// than the currency or is outside int64 minor units.
func (m Money) Minor(currency string) (int64, error) {
	return ParseMoney(m.Value, currency)
}

// MarshalJSON writes m as {"value": "…"}; it fails on a Value that is not a decimal, so that a
// Money built by hand never reaches the wire malformed.
func (m Money) MarshalJSON() ([]byte, error) {
	if _, err := parseDecimal(m.Value); err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Value string `json:"value"`
	}{m.Value})
}

// UnmarshalJSON reads {"value": "…"} whose value is of the decimal grammar; unknown fields are
// ignored, as gRPC gateways do. null leaves m unchanged (proto3 JSON's "absent"); a missing or
// empty value, a value that is not a string, or a value that is not a decimal is EINVALID.
func (m *Money) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var wire struct {
		Value *string `json:"value"`
	}
	if err := json.Unmarshal(b, &wire); err != nil {
		return &billd.Error{Code: billd.EINVALID, Message: `an amount must be an object {"value": "<decimal string>"}`,
			Op: "cudo: decode money", Err: err}
	}
	if wire.Value == nil || *wire.Value == "" {
		return billd.Errorf(billd.EINVALID, `an amount must have a "value", a decimal string such as "123.45"`)
	}
	if _, err := parseDecimal(*wire.Value); err != nil {
		return err
	}
	m.Value = *wire.Value
	return nil
}
