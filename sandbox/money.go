package sandbox

import (
	"math"
	"strconv"
	"strings"

	"github.com/billd/billd"
)

// validateLines checks the lines of a checkout, subscription or invoice in currency.
func validateLines(currency string, lines []billd.CheckoutLine) error {
	if currency == "" {
		return billd.Errorf(billd.EINVALID, "sandbox: a currency is required")
	}
	for i, l := range lines {
		switch {
		case l.Name == "":
			return billd.Errorf(billd.EINVALID, "sandbox: line %d has no name", i+1)
		case l.Quantity < 1:
			return billd.Errorf(billd.EINVALID, "sandbox: line %d: quantity must be at least 1", i+1)
		case l.UnitAmount < 0:
			return billd.Errorf(billd.EINVALID, "sandbox: line %d: unit amount must not be negative", i+1)
		}
		if l.Interval != "" && !validInterval(l.Interval) {
			return billd.Errorf(billd.EINVALID, "sandbox: line %d: unknown interval %q", i+1, l.Interval)
		}
	}
	if _, ok := linesTotal(lines); !ok {
		return billd.Errorf(billd.EINVALID, "sandbox: the total overflows")
	}
	return nil
}

// lineTotal returns unit amount × quantity, and false if it overflows.
func lineTotal(l billd.CheckoutLine) (int64, bool) {
	if l.Quantity != 0 && l.UnitAmount > math.MaxInt64/l.Quantity {
		return 0, false
	}
	return l.UnitAmount * l.Quantity, true
}

// linesTotal returns the sum of the lines' totals, and false if it overflows.
func linesTotal(lines []billd.CheckoutLine) (int64, bool) {
	var sum int64
	for _, l := range lines {
		t, ok := lineTotal(l)
		if !ok || sum > math.MaxInt64-t {
			return 0, false
		}
		sum += t
	}
	return sum, true
}

// zeroDecimal and threeDecimal are the ISO 4217 currencies whose minor unit is not the cent.
var (
	zeroDecimal  = "bif clp djf gnf isk jpy kmf krw pyg rwf ugx vnd vuv xaf xof xpf vc"
	threeDecimal = "bhd iqd jod kwd lyd omr tnd"
)

// exponent returns how many decimals currency's minor unit has.
func exponent(currency string) int {
	c := strings.ToLower(currency)
	switch {
	case c == "":
		return 0
	case containsWord(zeroDecimal, c):
		return 0
	case containsWord(threeDecimal, c):
		return 3
	}
	return 2
}

func containsWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if w == word {
			return true
		}
	}
	return false
}

// formatAmount formats an amount in minor units with its currency: 1250, "usd" → "12.50 USD".
func formatAmount(amount int64, currency string) string {
	s := strconv.FormatUint(absolute(amount), 10)
	if exp := exponent(currency); exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if amount < 0 {
		s = "-" + s
	}
	if currency != "" {
		s += " " + strings.ToUpper(currency)
	}
	return s
}

// absolute returns |n| as an unsigned number, which holds even -MinInt64.
func absolute(n int64) uint64 {
	if n < 0 {
		return uint64(-(n + 1)) + 1
	}
	return uint64(n)
}
