package cudo

import (
	"math"
	"strings"

	"github.com/billd/billd"
)

// In the CUDO dialect a billd amount (an int64) is that many minor units of the account's
// currency: 12345 of usd is "123.45", 100 of jpy is "100", 1 of kwd is "0.001".
//
// ParseMoney reads the contract's Decimal grammar (google.type.Decimal), all of it, because a CUDO
// client may send any of it:
//
//	DecimalString = [Sign] Significand [Exponent];
//	Sign          = '+' | '-';
//	Significand   = Digits ['.'] [Digits] | [Digits] '.' Digits;   (at least one digit)
//	Exponent      = ('e' | 'E') [Sign] Digits;                     (at least one digit)
//
// So "+2.5", ".5", "5." and "2.5e2" are read as 2.5, 0.5, 5 and 250. Nothing else is: no spaces,
// no thousand separators, no ',' for '.', no "Inf" or "NaN", nothing empty, no "." alone.
// The value must be exact in the currency's minor units: a value with more decimal places than
// the currency has is refused (400, never rounded), unless the extra digits are all zeros, which
// lose nothing ("1.230" is 123 cents; the contract lets a client keep trailing zeros to show
// precision). A value outside int64 minor units is refused. "-0" is zero. A string longer than
// MaxDecimalLen bytes is refused before it is read.
//
// FormatMoney writes the canonical form: an optional '-', the integer without leading zeros, and
// exactly the currency's decimals ("123.45", "-0.05", "0.00", "100" for jpy).

// MaxDecimalLen is the longest decimal string ParseMoney reads: far more than any int64 amount
// needs, even with an exponent or trailing zeros, and short enough to quote in an error.
const MaxDecimalLen = 64

// maxExponent bounds the exponent ParseMoney keeps: a string of MaxDecimalLen bytes holds fewer
// digits than this, so any larger exponent decides the same way (overflow, or too many decimals).
const maxExponent = 1000

// FormatMoney returns minor units of currency as CUDO's canonical decimal string: exactly the
// currency's decimals and no leading zeros ("123.45", "-0.05", "0.00"; "100" for jpy).
func FormatMoney(minor int64, currency string) string {
	return billd.DecimalAmount(minor, currency)
}

// ParseMoney reads s, a decimal string of the contract's grammar, as minor units of currency,
// exactly. It returns an EINVALID error when s is not a decimal, has more decimal places than the
// currency (other than trailing zeros), or is outside int64 minor units.
func ParseMoney(s, currency string) (int64, error) {
	d, err := parseDecimal(s)
	if err != nil {
		return 0, err
	}
	return d.minorUnits(s, currency)
}

// decimal is a parsed decimal string: (-1)^negative × digits × 10^-scale, with digits free of
// leading and trailing zeros ("" for zero). scale may be negative.
type decimal struct {
	negative bool
	digits   string
	scale    int
}

// parseDecimal reads s per the contract's grammar, checking syntax only.
func parseDecimal(s string) (decimal, error) {
	if len(s) > MaxDecimalLen {
		return decimal{}, billd.Errorf(billd.EINVALID, "amount %q... is longer than %d characters", s[:16], MaxDecimalLen)
	}
	var d decimal
	rest := s
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		d.negative = rest[0] == '-'
		rest = rest[1:]
	}
	integer, rest := leadingDigits(rest)
	var fraction string
	if rest != "" && rest[0] == '.' {
		fraction, rest = leadingDigits(rest[1:])
	}
	if integer == "" && fraction == "" {
		return decimal{}, notDecimal(s)
	}
	exponent, ok := parseExponent(rest)
	if !ok {
		return decimal{}, notDecimal(s)
	}
	d.digits = strings.TrimLeft(integer+fraction, "0")
	d.scale = len(fraction) - exponent
	for d.digits != "" && d.digits[len(d.digits)-1] == '0' {
		d.digits = d.digits[:len(d.digits)-1]
		d.scale--
	}
	return d, nil
}

// leadingDigits splits s after its leading ASCII digits.
func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// parseExponent reads rest, what follows a significand: "" (exponent 0) or 'e'/'E', an optional
// sign and at least one digit, and nothing after. Its magnitude is capped at maxExponent.
func parseExponent(rest string) (int, bool) {
	if rest == "" {
		return 0, true
	}
	if rest[0] != 'e' && rest[0] != 'E' {
		return 0, false
	}
	rest = rest[1:]
	negative := rest != "" && rest[0] == '-'
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		rest = rest[1:]
	}
	digits, after := leadingDigits(rest)
	if digits == "" || after != "" {
		return 0, false
	}
	exponent := 0
	for _, c := range []byte(digits) {
		exponent = min(exponent*10+int(c-'0'), maxExponent)
	}
	if negative {
		return -exponent, true
	}
	return exponent, true
}

// minorUnits returns d as minor units of currency; s is d's text, for errors.
func (d decimal) minorUnits(s, currency string) (int64, error) {
	if d.digits == "" {
		return 0, nil
	}
	decimals := billd.CurrencyDecimals(currency)
	if d.scale > decimals {
		return 0, billd.Errorf(billd.EINVALID, "amount %q has more than %d decimal places, the most %s has", s, decimals, currencyName(currency))
	}
	// The digits times 10^(decimals-scale): at most 19 digits fit an int64.
	shift := decimals - d.scale
	if len(d.digits)+shift > 19 {
		return 0, outOfRange(s, currency)
	}
	limit := uint64(math.MaxInt64)
	if d.negative {
		limit++ // -2^63 is an int64
	}
	var magnitude uint64 // fits: at most 19 digits, below 10^19 < 2^64
	for _, c := range []byte(d.digits) {
		magnitude = magnitude*10 + uint64(c-'0')
	}
	for range shift {
		magnitude *= 10
	}
	if magnitude > limit {
		return 0, outOfRange(s, currency)
	}
	if d.negative {
		return int64(-magnitude), nil // two's complement: -(2^63) wraps to math.MinInt64
	}
	return int64(magnitude), nil
}

// notDecimal is the error for a string that is not of the decimal grammar.
func notDecimal(s string) error {
	return billd.Errorf(billd.EINVALID, "amount %q is not a decimal number such as \"123.45\"", s)
}

// outOfRange is the error for a decimal beyond int64 minor units of currency.
func outOfRange(s, currency string) error {
	return billd.Errorf(billd.EINVALID, "amount %q is out of range: the most is %s %s",
		s, FormatMoney(math.MaxInt64, currency), currencyName(currency))
}

// currencyName is how errors name currency: its code, or "the default currency" when empty.
func currencyName(currency string) string {
	if currency == "" {
		return "the default currency"
	}
	return strings.ToLower(currency)
}
