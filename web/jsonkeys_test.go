package web

import (
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
)

func TestProtoKeys(t *testing.T) {
	cases := []struct {
		in, want, err string
	}{
		{`{"org_id":"a"}`, `{"org_id":"a"}`, ""},
		{`{"orgId":"a","usages":[{"userId":"u","metadata":{"keepMe":1e2,"x":{"deepKey":true}}}]}`,
			`{"org_id":"a","usages":[{"user_id":"u","metadata":{"keepMe":1e2,"x":{"deepKey":true}}}]}`, ""},
		{`{"AMOUNT":1}`, "", `unknown field "AMOUNT"`},
		{`{"Amount":1}`, "", `unknown field "Amount"`},
		{`{"org_Id":1}`, "", `unknown field "org_Id"`},
		{`{"description":"Keep \"Upper\": case"}`, `{"description":"Keep \"Upper\": case"}`, ""},
	}
	for _, c := range cases {
		got, err := protoKeys([]byte(c.in))
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("protoKeys(%s) error = %v, want %s", c.in, err, c.err)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("protoKeys(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestHasUpperKey(t *testing.T) {
	for body, want := range map[string]bool{
		`{"org_id":"ABC"}`:              false,
		`{"description":"Has: Upper"}`:  false,
		`{"orgId":"a"}`:                 true,
		`{"a":{"b" : 1, "deepKey": 2}}`: true,
		`{"s":"x\"Y\":"}`:               false,
	} {
		if got := hasUpperKey([]byte(body)); got != want {
			t.Errorf("hasUpperKey(%s) = %v, want %v", body, got, want)
		}
	}
}

// TestDuplicateKeysAreRefused checks that no object of a body may hold a key twice, including a
// field given by its proto name and its lowerCamelCase name, and keys inside metadata; equal keys
// in different objects are fine.
func TestDuplicateKeysAreRefused(t *testing.T) {
	many := `"k0":0`
	for i := 1; i < 40; i++ {
		many += `,"k` + strings.Repeat("x", i) + `":0`
	}
	for body, dup := range map[string]bool{
		`{"amount":1,"amount":2}`:                                   true,
		`{"org_id":"o","orgId":"o"}`:                                true,
		`{"orgId":"o","org_id":"o"}`:                                true,
		`{"usage_id":"u","usageId":"u","amount":1}`:                 true,
		`{"\u0061mount":1,"amount":2}`:                              true,
		`{"usages":[{"id":"a"},{"id":"b","id":"c"}]}`:               true,
		`{"usages":[{"metadata":{"k":1,"k":2}}]}`:                   true,
		`{"usages":[{"metadata":{"k":{"x":1,"\u0078":2}}}]}`:        true,
		`{"usages":[{"metadata":{` + many + `,"k0":1}}]}`:           true,
		`{"usages":[{"id":"a"},{"id":"b"}],"org_id":"o"}`:           false,
		`{"usages":[{"metadata":{"orgId":1,"org_id":2}}]}`:          false,
		`{"usages":[{"metadata":{` + many + `}}]}`:                  false,
		`{"usages":[{"metadata":{"a":{"k":1},"b":{"k":1}}}]}`:       false,
		`{"usages":[{"description":"\"id\":1,\"id\":2","id":"x"}]}`: false,
	} {
		for _, newValue := range []func() any{
			func() any { return new(frontier.CreateBillingUsageRequest) },
			func() any { return new(frontier.RevertBillingUsageRequest) },
		} {
			v := newValue()
			err := decodeJSON(newJSONRequest([]byte(body), "application/json"), v)
			dupErr := err != nil && strings.Contains(err.Error(), "appears twice")
			if dup && (billd.ErrorCode(err) != billd.EINVALID || !dupErr) || !dup && dupErr {
				t.Errorf("%.80s into %T: %v; duplicate key: %v", body, v, err, dup)
			}
		}
	}
}
