package frontier

import (
	"encoding/json"
	"testing"
)

func TestInt64ReadsStringsAndNumbers(t *testing.T) {
	for in, want := range map[string]int64{
		`"42"`: 42, `42`: 42, `"-7"`: -7, `"\u0034\u0032"`: 42, `"9223372036854775807"`: 1<<63 - 1,
	} {
		var v Int64
		if err := json.Unmarshal([]byte(in), &v); err != nil || int64(v) != want {
			t.Errorf("Int64 from %s = %d, %v; want %d", in, v, err, want)
		}
	}
	for _, in := range []string{`"9223372036854775808"`, `"1.5"`, `1e3`, `"x"`, `""`, `true`} {
		var v Int64
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("Int64 from %s = %d, want an error", in, v)
		}
	}
	if b, _ := json.Marshal(Int64(-12)); string(b) != `"-12"` {
		t.Errorf("Int64 marshals as %s", b)
	}
}
