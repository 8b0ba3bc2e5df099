package frontier

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/billd/billd"
)

// parseInt64 reads text, which must be exactly one JSON number whose value is an integer that
// fits in an int64.
func parseInt64(text []byte) (int64, error) {
	n, ok := splitNumber(text)
	if !ok {
		return 0, fmt.Errorf("%s is not an int64", billd.Truncate(string(text), 32))
	}
	digits, ok, inRange := n.integer()
	if !inRange {
		return 0, fmt.Errorf("%s is out of range for int64", billd.Truncate(string(text), 32))
	}
	if !ok {
		return 0, fmt.Errorf("%s is not an int64", billd.Truncate(string(text), 32))
	}
	if n.neg {
		digits = "-" + digits
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is out of range for int64", billd.Truncate(string(text), 32))
	}
	return v, nil
}

// jsonNumber is a JSON number in its parts: -? integer (. fraction)? ([eE] exponent)?.
type jsonNumber struct {
	neg       bool
	int, frac []byte // digits
	exp       []byte // digits with an optional sign; empty when there is no exponent
}

// splitNumber splits text into the parts of a JSON number (RFC 8259); ok is false when text is
// anything else or more.
func splitNumber(text []byte) (n jsonNumber, ok bool) {
	s := text
	if len(s) > 0 && s[0] == '-' {
		n.neg, s = true, s[1:]
	}
	switch {
	case len(s) > 0 && s[0] == '0':
		n.int, s = s[:1], s[1:]
	case len(s) > 0 && '1' <= s[0] && s[0] <= '9':
		n.int, s = cutDigits(s)
	default:
		return n, false
	}
	if len(s) > 0 && s[0] == '.' {
		if n.frac, s = cutDigits(s[1:]); len(n.frac) == 0 {
			return n, false
		}
	}
	if len(s) > 0 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		sign := 0
		if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
			sign = 1
		}
		digits, rest := cutDigits(s[sign:])
		if len(digits) == 0 {
			return n, false
		}
		n.exp, s = s[:sign+len(digits)], rest
	}
	return n, len(s) == 0
}

// cutDigits splits s after its leading decimal digits.
func cutDigits(s []byte) (digits, rest []byte) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// integer returns the decimal digits of n's magnitude, without leading zeros ("0" for zero), if
// n's value is an integer (ok); inRange is false when the magnitude has more digits than any
// int64. As in protojson, an exponent outside the int32 range is refused unless the value is 0.
func (n jsonNumber) integer() (digits string, ok, inRange bool) {
	mantissa := bytes.TrimLeft(append(append([]byte{}, n.int...), n.frac...), "0")
	if len(mantissa) == 0 {
		return "0", true, true
	}
	exp := int64(0)
	if len(n.exp) > 0 {
		e, err := strconv.ParseInt(string(n.exp), 10, 32)
		if err != nil {
			return "", false, n.exp[0] == '-' // a huge positive exponent is out of range
		}
		exp = e
	}
	// The value is mantissa × 10^scale; trailing zeros of the mantissa move into the scale.
	scale := exp - int64(len(n.frac))
	for mantissa[len(mantissa)-1] == '0' {
		mantissa, scale = mantissa[:len(mantissa)-1], scale+1
	}
	if scale < 0 {
		return "", false, true
	}
	if int64(len(mantissa))+scale > 19 { // the largest int64 has 19 digits
		return "", false, false
	}
	return string(mantissa) + string(bytes.Repeat([]byte{'0'}, int(scale))), true, true
}
