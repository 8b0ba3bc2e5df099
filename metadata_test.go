package billd_test

import (
	"testing"

	"github.com/billd/billd"
)

// TestMetadataEqualComparesNumbersByValue checks the rule a retried request is matched with:
// numbers are equal when their values are (the API carries them as doubles), everything else
// exactly.
func TestMetadataEqualComparesNumbersByValue(t *testing.T) {
	parse := func(s string) billd.Metadata {
		t.Helper()
		m, err := billd.ParseMetadata(s)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{`{}`, ``, true},
		{`{"a": 1e2}`, `{"a": 100}`, true},
		{`{"a": 1.50}`, `{"a": 1.5}`, true},
		{`{"a": 12345678901234567890123}`, `{"a": 1.2345678901234568e+22}`, true},
		{`{"a": {"b": [1e0, "x", null, true]}}`, `{"a": {"b": [1, "x", null, true]}}`, true},
		{`{"a": 1}`, `{"a": 2}`, false},
		{`{"a": 1}`, `{"a": "1"}`, false},
		{`{"a": [1]}`, `{"a": [1, 1]}`, false},
		{`{"a": {"b": 1}}`, `{"a": {"c": 1}}`, false},
		{`{"a": 1}`, `{"a": 1, "b": 1}`, false},
		{`{"a": true}`, `{"a": false}`, false},
		{`{"a": 1e400}`, `{"a": 1e400}`, true},
		{`{"a": 1e400}`, `{"a": 2e400}`, false},
	} {
		if got := parse(c.a).Equal(parse(c.b)); got != c.want {
			t.Errorf("%s equal %s = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := parse(c.b).Equal(parse(c.a)); got != c.want {
			t.Errorf("%s equal %s = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}
