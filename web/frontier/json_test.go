package frontier

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestInt64ReadsStringsAndNumbers(t *testing.T) {
	for in, want := range map[string]int64{
		`"42"`: 42, `42`: 42, `"-7"`: -7, `"\u0034\u0032"`: 42, `"9223372036854775807"`: 1<<63 - 1,
		`-9223372036854775808`: -1 << 63, `"-0"`: 0, `0`: 0,
	} {
		var v Int64
		if err := json.Unmarshal([]byte(in), &v); err != nil || int64(v) != want {
			t.Errorf("Int64 from %s = %d, %v; want %d", in, v, err, want)
		}
	}
	for _, in := range []string{`"9223372036854775808"`, `"1.5"`, `"x"`, `""`, `true`} {
		var v Int64
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("Int64 from %s = %d, want an error", in, v)
		}
	}
	if b, _ := json.Marshal(Int64(-12)); string(b) != `"-12"` {
		t.Errorf("Int64 marshals as %s", b)
	}
}

// TestInt64ReadsAsProtojson checks protojson's rule for int64: a JSON number, or a string that
// holds exactly one, whose value is integral; exponents and zero fractions are fine, a leading +,
// leading zeros and white space are not.
func TestInt64ReadsAsProtojson(t *testing.T) {
	for in, want := range map[string]int64{
		`1e3`: 1000, `"1e3"`: 1000, `1E+3`: 1000, `10.0`: 10, `"1.50e1"`: 15, `100e-2`: 1, `-0.0`: 0,
		`0e99999999999`: 0, `"1` + strings.Repeat("0", 30) + `e-30"`: 1, `9.223372036854775807e18`: 1<<63 - 1,
	} {
		var v Int64
		if err := json.Unmarshal([]byte(in), &v); err != nil || int64(v) != want {
			t.Errorf("Int64 from %s = %d, %v; want %d", in, v, err, want)
		}
	}
	for in, msg := range map[string]string{
		`"+5"`: "is not an int64", `"007"`: "is not an int64", `"00"`: "is not an int64", `"-"`: "is not an int64",
		`" 5"`: "is not an int64", `"5 "`: "is not an int64", `"5\n"`: "is not an int64", `"5 x"`: "is not an int64",
		`1.5`: "is not an int64", `"15e-1"`: "is not an int64", `"1."`: "is not an int64", `".5"`: "is not an int64",
		`"1e"`: "is not an int64", `"0x10"`: "is not an int64", `"1e-99999999999"`: "is not an int64",
		`1e19`: "out of range", `"1e2147483648"`: "out of range", `-9223372036854775809`: "out of range",
		strings.Repeat("9", 40): "out of range",
	} {
		const sentinel = Int64(-4242)
		v := sentinel
		err := json.Unmarshal([]byte(in), &v)
		if err == nil || !strings.Contains(err.Error(), msg) || v != sentinel {
			t.Errorf("Int64 from %s = %d, %v; want it unchanged and an error saying %q", in, v, err, msg)
		}
	}
}
