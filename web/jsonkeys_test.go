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
// field given by its proto name and its lowerCamelCase name, and keys inside metadata, while the
// same bodies without the second key decode; equal keys in different objects are fine.
func TestDuplicateKeysAreRefused(t *testing.T) {
	many := `"k0":0`
	for i := 1; i < 40; i++ {
		many += `,"k` + strings.Repeat("x", i) + `":0`
	}
	for _, c := range []struct {
		newValue func() any
		dup, ok  []string // bodies of this type with a key twice, and well-formed ones
	}{{
		newValue: func() any { return new(frontier.CreateBillingUsageRequest) },
		dup: []string{
			`{"org_id":"o","orgId":"o"}`,
			`{"orgId":"o","org_id":"o"}`,
			`{"billing_id":"b","\u0062illing_id":"b"}`,
			`{"usages":[{"id":"a"},{"id":"b","id":"c"}]}`,
			`{"usages":[{"userId":"u","user_id":"u"}]}`,
			`{"usages":[{"metadata":{"k":1,"k":2}}]}`,
			`{"usages":[{"metadata":{"k":{"x":1,"\u0078":2}}}]}`,
			`{"usages":[{"metadata":{` + many + `,"k0":1}}]}`,
		},
		ok: []string{
			`{"org_id":"o","billingId":"b"}`,
			`{"usages":[{"id":"a"},{"id":"b"}],"org_id":"o"}`,
			`{"usages":[{"metadata":{"orgId":1,"org_id":2}}]}`,
			`{"usages":[{"metadata":{` + many + `}}]}`,
			`{"usages":[{"metadata":{"a":{"k":1},"b":{"k":1}}}]}`,
			`{"usages":[{"description":"\"id\":1,\"id\":2","id":"x"}]}`,
		},
	}, {
		newValue: func() any { return new(frontier.RevertBillingUsageRequest) },
		dup: []string{
			`{"amount":1,"amount":2}`,
			`{"usage_id":"u","usageId":"u","amount":1}`,
			`{"\u0061mount":1,"amount":2}`,
			`{"org_id":"o","project_id":"p","projectId":"p"}`,
		},
		ok: []string{
			`{"usage_id":"u","amount":"1","org_id":"o","project_id":"p","billing_id":"b"}`,
			`{"usageId":"u","orgId":"o","billingId":"b","amount":1}`,
			`{"\u0061mount":1,"usage_id":"\"usage_id\":\"x\""}`,
		},
	}} {
		for _, body := range c.dup {
			v := c.newValue()
			err := decodeJSON(newJSONRequest([]byte(body), "application/json"), v)
			if billd.ErrorCode(err) != billd.EINVALID || !strings.Contains(err.Error(), "appears twice") {
				t.Errorf("%.80s into %T: %v; want a key that appears twice refused", body, v, err)
			}
		}
		for _, body := range c.ok {
			v := c.newValue()
			if err := decodeJSON(newJSONRequest([]byte(body), "application/json"), v); err != nil {
				t.Errorf("%.80s into %T: %v; want it decoded", body, v, err)
			}
		}
	}
}
