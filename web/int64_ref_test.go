package web

import (
	"errors"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// jsonNumberSyntax is RFC 8259's number, in its parts: integer, fraction, exponent.
var jsonNumberSyntax = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$`)

// protoInt64 is the reference of frontier.Int64's reading, stated apart from its code:
// protojson's rule for an int64, s must be one JSON number whose value is an integer in int64's
// range. As in protojson, an exponent outside the int32 range is refused unless the value is 0.
func protoInt64(s string) (int64, error) {
	m := jsonNumberSyntax.FindStringSubmatch(s)
	if m == nil {
		return 0, errors.New("not a JSON number")
	}
	if strings.Trim(m[1]+m[2], "0") == "" {
		return 0, nil
	}
	if m[3] != "" {
		exp, err := strconv.ParseInt(m[3], 10, 32)
		if err != nil {
			return 0, errors.New("exponent out of the int32 range")
		}
		// Past this, a value that is not 0 is below 1 or far above the int64 range.
		if exp > int64(len(s))+20 || exp < -int64(len(s)) {
			return 0, errors.New("not an int64")
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, errors.New("not an int64")
	}
	return r.Num().Int64(), nil
}
