package billd

import (
	"strconv"
	"strings"
)

// minorUnitDecimals maps a lower-case ISO 4217 currency code to the number of decimals of its
// minor unit when that is not 2. VC, virtual credits, has none.
var minorUnitDecimals = map[string]int{
	"bif": 0, "clp": 0, "djf": 0, "gnf": 0, "isk": 0, "jpy": 0, "kmf": 0, "krw": 0, "mga": 0,
	"pyg": 0, "rwf": 0, "ugx": 0, "uyi": 0, "vnd": 0, "vuv": 0, "xaf": 0, "xof": 0, "xpf": 0,
	"vc":  0,
	"bhd": 3, "iqd": 3, "jod": 3, "kwd": 3, "lyd": 3, "omr": 3, "tnd": 3,
	"clf": 4, "uyw": 4,
}

// CurrencyDecimals returns how many decimals currency's minor unit has, case-insensitively, per
// ISO 4217: 0 for JPY, 3 for KWD, 4 for CLF, 0 for VC (credits), 2 for any other currency, unknown
// ones and none included.
func CurrencyDecimals(currency string) int {
	if d, ok := minorUnitDecimals[strings.ToLower(currency)]; ok {
		return d
	}
	return 2
}

// DecimalAmount writes amount, in minor units of currency, as a plain decimal with exactly the
// currency's decimals and no grouping: 12345, "usd" → "123.45"; -5, "usd" → "-0.05"; 100, "jpy" →
// "100". It is the canonical form of an amount on the wire (CUDO's Decimal).
func DecimalAmount(amount int64, currency string) string {
	whole, fraction := splitDecimal(amount, currency)
	return signed(amount, joinDecimal(whole, fraction))
}

// FormatMoney formats amount, in minor units of currency, for people: the currency's decimals,
// thousands separated by commas, and the upper-case code after it (123456, "usd" → "1,234.56 USD";
// 1500, "jpy" → "1,500 JPY"). With no currency the number stands alone, with 2 decimals.
func FormatMoney(amount int64, currency string) string {
	whole, fraction := splitDecimal(amount, currency)
	s := signed(amount, joinDecimal(groupThousands(whole), fraction))
	if currency != "" {
		s += " " + strings.ToUpper(currency)
	}
	return s
}

// splitDecimal returns the digits of |amount| before and after the decimal point of currency.
func splitDecimal(amount int64, currency string) (whole, fraction string) {
	s := strconv.FormatUint(magnitude(amount), 10)
	decimals := CurrencyDecimals(currency)
	if len(s) <= decimals {
		s = strings.Repeat("0", decimals-len(s)+1) + s
	}
	return s[:len(s)-decimals], s[len(s)-decimals:]
}

// joinDecimal puts a decimal point between whole and fraction, if there is a fraction.
func joinDecimal(whole, fraction string) string {
	if fraction == "" {
		return whole
	}
	return whole + "." + fraction
}

// signed puts a minus sign before s when amount is negative.
func signed(amount int64, s string) string {
	if amount < 0 {
		return "-" + s
	}
	return s
}

// FormatCredits formats an amount of credits for people, thousands separated by commas
// (-1234567 → "-1,234,567").
func FormatCredits(amount int64) string {
	return signed(amount, groupThousands(strconv.FormatUint(magnitude(amount), 10)))
}

// groupThousands puts a comma between each group of three digits of digits, from the right.
func groupThousands(digits string) string {
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// magnitude returns |n| as an unsigned number, which holds even -MinInt64.
func magnitude(n int64) uint64 {
	if n < 0 {
		return uint64(-(n + 1)) + 1
	}
	return uint64(n)
}
