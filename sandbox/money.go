package sandbox

import (
	"math"

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
