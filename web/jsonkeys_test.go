package web

import "testing"

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
