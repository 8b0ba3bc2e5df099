package cudo

import (
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/billd/billd"
)

func TestFormatMoney(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		want     string
	}{
		{12345, "usd", "123.45"},
		{0, "usd", "0.00"},
		{0, "", "0.00"},
		{-5, "usd", "-0.05"},
		{5, "usd", "0.05"},
		{-50, "usd", "-0.50"},
		{100, "usd", "1.00"},
		{-100, "eur", "-1.00"},
		{100, "jpy", "100"},
		{0, "jpy", "0"},
		{-7, "JPY", "-7"},
		{1, "kwd", "0.001"},
		{-1234, "kwd", "-1.234"},
		{1000, "kwd", "1.000"},
		{1, "clf", "0.0001"},
		{math.MaxInt64, "usd", "92233720368547758.07"},
		{math.MinInt64, "usd", "-92233720368547758.08"},
		{math.MinInt64 + 1, "usd", "-92233720368547758.07"},
		{math.MaxInt64, "jpy", "9223372036854775807"},
		{math.MinInt64, "jpy", "-9223372036854775808"},
		{math.MaxInt64, "kwd", "9223372036854775.807"},
	}
	for _, tt := range tests {
		if got := FormatMoney(tt.minor, tt.currency); got != tt.want {
			t.Errorf("FormatMoney(%d, %q) = %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
}

func TestParseMoneyAccepts(t *testing.T) {
	tests := []struct {
		s        string
		currency string
		want     int64
	}{
		{"123.45", "usd", 12345},
		{"0.00", "usd", 0},
		{"0", "usd", 0},
		{"-0", "usd", 0},
		{"-0.00", "usd", 0},
		{"-0.05", "usd", -5},
		{"1", "usd", 100},
		{"1.5", "usd", 150},
		{"001.50", "usd", 150},
		{"1.230", "usd", 123},        // extra decimals that are zeros lose nothing
		{"1.2300000000", "usd", 123}, // however many
		{"100", "jpy", 100},
		{"100.0", "jpy", 100},
		{"0.001", "kwd", 1},
		{"-1.234", "KWD", -1234},
		{"0.0001", "clf", 1},
		// the rest of the contract's grammar
		{"+2.5", "usd", 250},
		{".5", "usd", 50},
		{"-.5", "usd", -50},
		{"5.", "usd", 500},
		{"2.5e2", "usd", 25000},
		{"2.5E2", "usd", 25000},
		{"2.5e+2", "usd", 25000},
		{"12345e-2", "usd", 12345},
		{"1e2", "jpy", 100},
		{"1000e-3", "jpy", 1},
		{"0e999999999999999999999", "usd", 0},
		{"1.50e-1", "usd", 15},
		{"0e0", "usd", 0},
		// boundaries
		{"92233720368547758.07", "usd", math.MaxInt64},
		{"-92233720368547758.08", "usd", math.MinInt64},
		{"9223372036854775807", "jpy", math.MaxInt64},
		{"-9223372036854775808", "jpy", math.MinInt64},
		{"9223372036854775.807", "kwd", math.MaxInt64},
		{"9223372036854775807e-3", "kwd", math.MaxInt64},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.s, tt.currency)
		if err != nil || got != tt.want {
			t.Errorf("ParseMoney(%q, %q) = %d, %v; want %d", tt.s, tt.currency, got, err, tt.want)
		}
	}
}

func TestParseMoneyRefuses(t *testing.T) {
	tests := []struct {
		s        string
		currency string
		why      string // a part of the error message
	}{
		{"", "usd", "not a decimal"},
		{".", "usd", "not a decimal"},
		{"-", "usd", "not a decimal"},
		{"+", "usd", "not a decimal"},
		{"-.", "usd", "not a decimal"},
		{"e2", "usd", "not a decimal"},
		{".e2", "usd", "not a decimal"},
		{"1e", "usd", "not a decimal"},
		{"1e+", "usd", "not a decimal"},
		{"1e2.5", "usd", "not a decimal"},
		{"1ee2", "usd", "not a decimal"},
		{"--1", "usd", "not a decimal"},
		{"+-1", "usd", "not a decimal"},
		{" 1", "usd", "not a decimal"},
		{"1 ", "usd", "not a decimal"},
		{"1 000", "usd", "not a decimal"},
		{"1,000.00", "usd", "not a decimal"},
		{"1,5", "usd", "not a decimal"},
		{"1..5", "usd", "not a decimal"},
		{"1.5.", "usd", "not a decimal"},
		{"0x10", "usd", "not a decimal"},
		{"Inf", "usd", "not a decimal"},
		{"NaN", "usd", "not a decimal"},
		{"١", "usd", "not a decimal"}, // an Arabic-Indic digit is not an ASCII digit
		{"1.5\x00", "usd", "not a decimal"},
		{"1.234", "usd", "more than 2 decimal places"},
		{"0.001", "usd", "more than 2 decimal places"},
		{"-0.001", "", "more than 2 decimal places"},
		{"1.5", "jpy", "more than 0 decimal places"},
		{"0.0001", "kwd", "more than 3 decimal places"},
		{"1e-3", "usd", "more than 2 decimal places"},
		{"1e-999999999999", "usd", "more than 2 decimal places"},
		{"92233720368547758.08", "usd", "out of range"},
		{"-92233720368547758.09", "usd", "out of range"},
		{"9223372036854775808", "jpy", "out of range"},
		{"-9223372036854775809", "jpy", "out of range"},
		{"99999999999999999999", "jpy", "out of range"},
		{"1e19", "jpy", "out of range"},
		{"1e999999999999", "usd", "out of range"},
		{"100000000000000000", "usd", "out of range"},
		{strings.Repeat("0", MaxDecimalLen) + "1", "usd", "longer than"},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.s, tt.currency)
		if err == nil {
			t.Errorf("ParseMoney(%q, %q) = %d, want an error", tt.s, tt.currency, got)
			continue
		}
		if billd.ErrorCode(err) != billd.EINVALID || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("ParseMoney(%q, %q): error %q (%s), want EINVALID with %q", tt.s, tt.currency, err, billd.ErrorCode(err), tt.why)
		}
	}
}

// TestMoneyRoundTrip formats and parses back a spread of values of every exponent, among them the
// ends of int64 and their neighbours.
func TestMoneyRoundTrip(t *testing.T) {
	values := []int64{0, 1, -1, 5, -5, 9, 10, 99, 100, 101, -999, 1000, 12345, -12345, 1 << 31, -(1 << 31),
		1e15, 1e18, -1e18, math.MaxInt64, math.MaxInt64 - 1, math.MinInt64, math.MinInt64 + 1, math.MinInt64 + 2}
	for p, n := 0, int64(1); p < 19; p, n = p+1, n*10 {
		values = append(values, n, -n, n-1, -(n - 1), n+1)
	}
	for _, currency := range []string{"jpy", "usd", "kwd", "clf", ""} {
		for _, v := range values {
			s := FormatMoney(v, currency)
			got, err := ParseMoney(s, currency)
			if err != nil || got != v {
				t.Errorf("%s: ParseMoney(FormatMoney(%d) = %q) = %d, %v", currency, v, s, got, err)
			}
		}
	}
}

func TestMoneyJSON(t *testing.T) {
	b, err := json.Marshal(NewMoney(-5, "usd"))
	if err != nil || string(b) != `{"value":"-0.05"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	if _, err := json.Marshal(Money{}); err == nil {
		t.Error("Marshal(Money{}) succeeded; an empty value is not a decimal")
	}

	var body struct {
		Amount *Money `json:"amount"`
		Limit  Money  `json:"limit"`
	}
	if err := json.Unmarshal([]byte(`{"amount": {"value": "1.234", "extra": 1}, "limit": null}`), &body); err != nil {
		t.Fatal(err)
	}
	if body.Amount == nil || body.Amount.Value != "1.234" || body.Limit.Value != "" {
		t.Fatalf("decoded %+v", body)
	}
	// Syntax is checked on decoding, precision on conversion.
	if _, err := body.Amount.Minor("usd"); billd.ErrorCode(err) != billd.EINVALID {
		t.Errorf("Minor(usd) of 1.234: %v, want EINVALID", err)
	}
	if got, err := body.Amount.Minor("kwd"); err != nil || got != 1234 {
		t.Errorf("Minor(kwd) of 1.234 = %d, %v", got, err)
	}

	for _, in := range []string{`{}`, `{"value": null}`, `{"value": ""}`, `{"value": 1.5}`, `{"value": "1,5"}`,
		`"1.5"`, `1.5`, `[]`, `{"value": "1.5 "}`} {
		var m Money
		err := json.Unmarshal([]byte(in), &m)
		var e *billd.Error
		if !errors.As(err, &e) || e.Code != billd.EINVALID {
			t.Errorf("Unmarshal(%s) = %+v, %v; want EINVALID", in, m, err)
		}
	}
}

// canonicalMoney matches FormatMoney's output for each number of decimals, but for negative zero.
var canonicalMoney = map[int]*regexp.Regexp{}

func init() {
	for _, d := range []int{0, 2, 3, 4} {
		fraction := ""
		if d > 0 {
			fraction = `\.[0-9]{` + strconv.Itoa(d) + `}`
		}
		canonicalMoney[d] = regexp.MustCompile(`^-?(0|[1-9][0-9]*)` + fraction + `$`)
	}
}

// isCanonical reports whether s is how FormatMoney writes some amount of a currency with decimals.
func isCanonical(s string, decimals int) bool {
	return canonicalMoney[decimals].MatchString(s) && strings.Trim(s, "-0.") != "" || s == FormatMoney(0, currencyWith(decimals))
}

// currencyWith returns a currency with that many decimals.
func currencyWith(decimals int) string {
	return map[int]string{0: "jpy", 2: "usd", 3: "kwd", 4: "clf"}[decimals]
}

// FuzzCUDOMoney checks ParseMoney on any string and currency: it never panics; whatever it
// accepts formats to a string that parses back to the same amount, and a canonical input formats
// to itself; whatever it refuses is EINVALID.
func FuzzCUDOMoney(f *testing.F) {
	for _, s := range []string{"123.45", "-0.05", "0.00", "100", "1.230", "+2.5", ".5", "5.", "2.5e2",
		"1e-3", "92233720368547758.07", "-92233720368547758.08", "9223372036854775808", "", ".", "1e",
		"1,5", " 1", "0e99999", "-0", "00.10"} {
		for _, c := range []string{"usd", "jpy", "kwd"} {
			f.Add(s, c)
		}
	}
	f.Fuzz(func(t *testing.T, s, currency string) {
		v, err := ParseMoney(s, currency)
		if err != nil {
			if billd.ErrorCode(err) != billd.EINVALID {
				t.Fatalf("ParseMoney(%q, %q): %v is not EINVALID", s, currency, err)
			}
			return
		}
		formatted := FormatMoney(v, currency)
		back, err := ParseMoney(formatted, currency)
		if err != nil || back != v {
			t.Fatalf("ParseMoney(%q, %q) = %d, formatted %q, parsed back %d, %v", s, currency, v, formatted, back, err)
		}
		if isCanonical(s, billd.CurrencyDecimals(currency)) && formatted != s {
			t.Fatalf("canonical %q (%s) parsed to %d, formatted as %q", s, currency, v, formatted)
		}
	})
}
