package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
)

// This file fuzzes the request decoding of the Frontier dialect: decodeJSON into every request type
// a handler decodes, protoKeys, and frontier.Int64. Every check holds for every input: a failure
// is a bug to fix, never a class of failures to look past.

// The bodies of setAccountState and setOrganizationState, which are anonymous there.
type accountStateBody struct {
	OrgID string `json:"org_id"`
	ID    string `json:"id"`
}

type organizationStateBody struct {
	ID string `json:"id"`
}

// fuzzRequestTypes makes a zero value of every type a handler decodes a body into.
var fuzzRequestTypes = []func() any{
	func() any { return new(frontier.CreateBillingUsageRequest) },
	func() any { return new(frontier.RevertBillingUsageRequest) },
	func() any { return new(frontier.CreateBillingAccountRequest) },
	func() any { return new(frontier.UpdateBillingAccountRequest) },
	func() any { return new(frontier.UpdateDetailsRequest) },
	func() any { return new(frontier.UpdateLimitsRequest) },
	func() any { return new(frontier.GrantRequest) },
	func() any { return new(frontier.CheckCreditRequest) },
	func() any { return new(frontier.OrganizationRequestBody) },
	func() any { return new(frontier.ProjectRequestBody) },
	func() any { return new(frontier.CreateClientRequest) },
	func() any { return new(accountStateBody) },
	func() any { return new(organizationStateBody) },
}

// fuzzContentTypes are the Content-Type headers a fuzzed request carries, and whether each says
// JSON.
var fuzzContentTypes = []struct {
	value string
	json  bool
}{
	{"application/json", true},
	{"application/json; charset=utf-8", true},
	{"Application/JSON", true},
	{"application/json ; charset=UTF-8", true},
	{"", false},
	{"text/plain", false},
	{"application/jsonx", false},
	{"application/json; charset", false}, // a malformed parameter
	{"application/problem+json", false},
}

// Request modes: the fuzz target's third argument, mod 8.
const (
	modeNormal    = iota
	modeLengthLie // Content-Length says the body is over the limit
)

func FuzzDecodeJSON(f *testing.F) {
	seeds := []string{
		``, `   `, "\n\t\r ", `{}`, ` {} `, "{}\n", `null`, `[]`, `[1]`, `"x"`, `1`, `true`, `{`, `}`, `{"a":1} x`,
		`{"org_id":"o"}{"org_id":"p"}`, `{"org_id":"o"} {}`, `{"org_id":"o",}`, `{'org_id':"o"}`,
		`{"org_id":"o","billing_id":"b","project_id":"p","usages":[{"id":"u1","customer_id":"c","source":"s",` +
			`"description":"d","type":"credit","amount":"5","user_id":"x","metadata":{"Keep":1e2,"x":[null,1.5]},` +
			`"created_at":"2024-01-01T00:00:00Z","updated_at":null}]}`,
		`{"orgId":"o","billingId":"b","usages":[{"userId":"u","amount":5,"customerId":"c","createdAt":"t"}]}`,
		`{"AMOUNT":1}`, `{"Amount":1}`, `{"org_Id":"o"}`, `{"orgID":"o"}`, `{"amount":"9223372036854775807"}`,
		`{"amount":"9223372036854775808"}`, `{"amount":-9223372036854775808}`, `{"amount":1.5}`, `{"amount":"1e3"}`,
		`{"amount":"\u0034\u0032"}`, `{"amount":null}`, `{"amount":true}`, `{"amount":"+7"}`, `{"amount":"-0"}`,
		`{"amount":1,"amount":2}`, `{"usage_id":"u","amount":"3","org_id":"o","project_id":"p"}`,
		`{"org_id":"o","body":{"name":"n","email":"e","phone":"p","address":{"line1":"l","postalCode":"p"},` +
			`"currency":"usd","taxData":[{"type":"t","id":"i"}],"metadata":{}},"offline":true}`,
		`{"body":{"tax_data":null,"address":null,"metadata":null}}`, `{"body":[]}`, `{"body":{"tax_data":[1]}}`,
		`{"credit_min":null,"due_in_days":"3"}`, `{"creditMin":"-5","dueInDays":30}`, `{"credit_min":{}}`,
		`{"id":"g","amount":"10","description":"d","metadata":{"A":{"B_c":1}}}`, `{"metadata":[1]}`,
		`{"metadata":"x"}`, `{"metadata":{"a":1e400}}`, `{"name":"n","title":"t","avatar":"a","metadata":{"k":"v"}}`,
		`{"name":"x","role":"org_admin","orgId":"o"}`, `{"description":"Keep \"Upper\": case"}`,
		`{"name":"caf\u00e9 \ud83d\ude00 \u2028"}`, "{\"name\":\"\xff\xfe\"}", `{"org_id":"o","unknown":1}`,
		`{"id":"a\"b","org_id":"\\"}`, `{"usages":[{"metadata":{"Deep":{"Deeper":[{"X":1}]}}}]}`,
		`{"usages":[[]]}`, `{"usages":{}}`, `{"offline":"true"}`, `{"a":` + strings.Repeat(`[`, 40) + strings.Repeat(`]`, 40) + `}`,
		"{\"org_id\" : \"o\" ,\n\t\"orgId\":\"p\"}", `{"":1}`, `{"_":1}`, `{"a_":1}`, `{"aB":1}`,
		`{"\u006frg_id":"o","\u0075sages":[{"\u0061mount":"1"}]}`, `{"org\u005fid":"o"}`, `{"caf\u00e9":1}`,
		`{"orgId":"o"} x`, `{"orgId":"o"}{}`, `{"orgId":"o"}]`, "{\"orgId\"\n:\"o\"}", "{\"AMOUNT\"\t:1}",
		`{"usages":[{"metadata":{"Keep":1,"x_Y":{"Z":[]}}}],"orgId":"o"}`,
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i%len(fuzzContentTypes)), uint8(modeNormal))
		f.Add([]byte(s), uint8(0), uint8(modeNormal))
	}
	f.Add([]byte(`{}`), uint8(0), uint8(modeLengthLie))
	f.Fuzz(func(t *testing.T, body []byte, ctIndex, mode uint8) {
		ct := fuzzContentTypes[int(ctIndex)%len(fuzzContentTypes)]
		checkDecodeJSON(t, body, ct.value, ct.json, mode)
	})
}

// TestDecodeJSONTooLarge checks the body limit outside the fuzz target, where a body over a
// megabyte would slow every execution: a body over the limit is ETOOLARGE whether its length is
// known or not, even if all but its first bytes are white space; a body at the limit decodes.
func TestDecodeJSONTooLarge(t *testing.T) {
	for _, known := range []bool{true, false} {
		for _, size := range []int{MaxBodyBytes, MaxBodyBytes + 1} {
			body := append([]byte(`{"org_id":"o"}`), bytes.Repeat([]byte(" "), size-14)...)
			r := newJSONRequest(body, "application/json")
			if !known {
				r.ContentLength = -1
			}
			var v frontier.CreateBillingUsageRequest
			err := decodeJSON(r, &v)
			switch {
			case size > MaxBodyBytes && billd.ErrorCode(err) != billd.ETOOLARGE:
				t.Errorf("a body of %d bytes (length known: %v) gives %v, want %s", size, known, err, billd.ETOOLARGE)
			case size <= MaxBodyBytes && (err != nil || v.OrgID != "o"):
				t.Errorf("a body of %d bytes (length known: %v) gives %+v, %v", size, known, v, err)
			}
		}
	}
}

func newJSONRequest(body []byte, contentType string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1beta1/test", bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// trimJSONSpace trims the white space JSON allows around a value.
func trimJSONSpace(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }

func checkDecodeJSON(t *testing.T, body []byte, contentType string, ctIsJSON bool, mode uint8) {
	if mode%8 == modeLengthLie {
		r := newJSONRequest(body, contentType)
		r.ContentLength = MaxBodyBytes + 1
		var v frontier.CreateBillingUsageRequest
		if err := decodeJSON(r, &v); billd.ErrorCode(err) != billd.ETOOLARGE {
			t.Fatalf("a body whose Content-Length is over the limit gives %v, want %s", err, billd.ETOOLARGE)
		}
		return
	}
	if len(body) > MaxBodyBytes {
		return // the fuzzer does not make such bodies; TestDecodeJSONTooLarge covers them
	}
	trimmed := trimJSONSpace(body)
	valid := json.Valid(body)
	isObject := valid && len(trimmed) > 0 && trimmed[0] == '{'
	// An object with a key twice is refused, naming the key, unless a key is refused first.
	duplicate, keyErr := isObject && hasDuplicateKeys(body), error(nil)
	if duplicate {
		_, keyErr = protoKeys(trimmed)
	}
	for _, newValue := range fuzzRequestTypes {
		v := newValue()
		err := decodeJSON(newJSONRequest(body, contentType), v)
		name := reflect.TypeOf(v).Elem().String()
		if err != nil {
			var e *billd.Error
			if !errors.As(err, &e) || error(e) != err {
				t.Fatalf("%s: error %v is a %T, not a *billd.Error", name, err, err)
			}
			switch e.Code {
			case billd.EINVALID, billd.EMEDIATYPE:
			default:
				t.Fatalf("%s: error code %s (%v); want %s or %s", name, e.Code, err, billd.EINVALID, billd.EMEDIATYPE)
			}
		}
		code := billd.ErrorCode(err)

		// A body of JSON white space is an empty body, which decodes as {} whatever its type.
		if len(trimmed) == 0 {
			if err != nil {
				t.Fatalf("%s: the empty body %q gives %v", name, body, err)
			}
			if !reflect.DeepEqual(v, newValue()) {
				t.Fatalf("%s: the empty body %q decodes as %+v", name, body, v)
			}
			continue
		}
		if err == nil && !valid {
			t.Fatalf("%s: decodeJSON accepts %q, which is not JSON (json.Valid is false), as %+v", name, body, v)
		}
		switch {
		case !ctIsJSON && code != billd.EMEDIATYPE:
			t.Fatalf("%s: with Content-Type %q the body %q gives %v, want %s", name, contentType, body, err, billd.EMEDIATYPE)
		case ctIsJSON && code == billd.EMEDIATYPE:
			t.Fatalf("%s: with Content-Type %q the body %q gives %v", name, contentType, body, err)
		case !ctIsJSON:
			continue
		case err == nil && !isObject:
			t.Fatalf("%s: decodeJSON accepts %q, which is not one JSON object, as %+v", name, body, v)
		case duplicate && err == nil:
			t.Fatalf("%s: decodeJSON accepts %q, an object of which holds a key twice, as %+v", name, body, v)
		case duplicate && keyErr == nil && !strings.Contains(err.Error(), "appears twice"):
			t.Fatalf("%s: %q, an object of which holds a key twice, gives %v; want the key named as appearing twice", name, body, err)
		}
		if err != nil {
			continue
		}

		// Every key names a field by its proto name or by its lowerCamelCase.
		var generic any
		if derr := decodeGeneric(body, &generic); derr != nil {
			t.Fatalf("%s: decodeJSON accepts %q, which encoding/json does not decode: %v", name, body, derr)
		}
		if kerr := checkKeySpelling(reflect.TypeOf(v), generic, "$"); kerr != nil {
			t.Fatalf("%s: decodeJSON accepts %q as %+v, but %v", name, body, v, kerr)
		}

		// Round trip: encoding the value and decoding it again gives the same value.
		enc, merr := json.Marshal(v)
		if merr != nil {
			t.Fatalf("%s: the decoded %+v does not encode: %v", name, v, merr)
		}
		v2 := newValue()
		if err := decodeJSON(newJSONRequest(enc, "application/json"), v2); err != nil {
			t.Fatalf("%s: %q decodes as %+v, which encodes as %s, which does not decode: %v", name, body, v, enc, err)
		}
		enc2, _ := json.Marshal(v2)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("%s: %q decodes as %+v, encoded %s, decoded again %+v, encoded %s", name, body, v, enc, v2, enc2)
		}
		v3 := newValue()
		if err := decodeJSON(newJSONRequest(enc2, "application/json"), v3); err != nil || !reflect.DeepEqual(v2, v3) {
			t.Fatalf("%s: %s decodes as %+v, then as %+v (%v)", name, enc2, v2, v3, err)
		}
	}
	if isObject {
		checkProtoKeys(t, body, contentType, ctIsJSON)
	}
}

// checkProtoKeys checks protoKeys, and decodeJSON as a whole, on a valid JSON object against a
// reference decoding: the object with its keys renamed by snakeKeys (its own statement of the
// proto3 rule), decoded by encoding/json with unknown fields refused, where moreover every key must
// name a field exactly (checkKeySpelling), since encoding/json alone matches names without regard
// to case.
func checkProtoKeys(t *testing.T, body []byte, contentType string, ctIsJSON bool) {
	if hasDuplicateKeys(body) {
		return // the last of two equal keys wins, which a map of the object cannot tell
	}
	var generic any
	if err := decodeGeneric(body, &generic); err != nil {
		t.Fatalf("json.Valid accepts %q but it does not decode: %v", body, err)
	}
	want, werr := snakeKeys(generic, true)
	if errors.Is(werr, errKeyCollision) {
		return
	}
	var snake []byte
	if werr == nil {
		var merr error
		if snake, merr = json.Marshal(want); merr != nil {
			t.Fatalf("%v does not encode: %v", want, merr)
		}
	}

	// The reference verdict for each request type.
	type verdict struct {
		enc []byte // the decoded value, encoded; nil if refused
		err error
	}
	refs := make([]verdict, len(fuzzRequestTypes))
	decodes := "" // a type the object decodes into, if any
	for i, newValue := range fuzzRequestTypes {
		if werr != nil {
			refs[i].err = werr
			continue
		}
		v := newValue()
		d := json.NewDecoder(bytes.NewReader(snake))
		d.DisallowUnknownFields()
		err := d.Decode(v)
		if err == nil {
			err = checkKeySpelling(reflect.TypeOf(v), generic, "$")
		}
		if err != nil {
			refs[i].err = err
			continue
		}
		refs[i].enc, _ = json.Marshal(v)
		decodes = reflect.TypeOf(v).Elem().String()
	}

	out, err := protoKeys(trimJSONSpace(body))
	switch {
	case err == nil && werr != nil:
		t.Fatalf("protoKeys(%q) = %q, but %v", body, out, werr)
	case err != nil && werr == nil && decodes != "":
		// Refusing a key that no field has would be fine, but this object is a valid %s.
		t.Fatalf("protoKeys(%q) fails: %v; but with snake_case keys it is a valid %s", body, err, decodes)
	case err == nil:
		var got any
		if derr := decodeGeneric(out, &got); derr != nil {
			t.Fatalf("protoKeys(%q) = %q, which does not decode: %v", body, out, derr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("protoKeys(%q) = %q, which decodes as %v; snake_case keys give %v", body, out, got, want)
		}
	}
	if !ctIsJSON {
		return
	}
	for i, newValue := range fuzzRequestTypes {
		v := newValue()
		err := decodeJSON(newJSONRequest(body, contentType), v)
		name := reflect.TypeOf(v).Elem().String()
		ref := refs[i]
		switch {
		case err == nil && ref.enc == nil:
			t.Fatalf("%s: decodeJSON accepts %q as %+v, but %v", name, body, v, ref.err)
		case err != nil && ref.enc != nil:
			t.Fatalf("%s: decodeJSON refuses %q (%v), but with snake_case keys it decodes as %s", name, body, err, ref.enc)
		case err == nil:
			if enc, _ := json.Marshal(v); !bytes.Equal(enc, ref.enc) {
				t.Fatalf("%s: %q decodes as %s, but with snake_case keys as %s", name, body, enc, ref.enc)
			}
		}
	}
}

// errKeySpelling marks a key that is neither a field's proto name nor its lowerCamelCase.
var errKeySpelling = errors.New("key spelling")

func decodeGeneric(b []byte, v *any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

var errKeyCollision = errors.New("two keys have the same snake_case name")

// snakeKeys returns v with every object key outside metadata in its proto name, following proto3's
// JSON mapping: a key is its proto name (no upper-case letter), or the lowerCamelCase of one (it
// starts with a lower-case letter or another non-upper-case character, has no '_', and each
// upper-case ASCII letter X stands for "_x"). Any other key is an error.
func snakeKeys(v any, rename bool) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, val := range v {
			key := k
			if rename {
				var err error
				if key, err = snakeKey(k); err != nil {
					return nil, err
				}
			}
			conv, err := snakeKeys(val, rename && key != "metadata")
			if err != nil {
				return nil, err
			}
			if _, dup := out[key]; dup {
				return nil, errKeyCollision
			}
			out[key] = conv
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			conv, err := snakeKeys(e, rename)
			if err != nil {
				return nil, err
			}
			out[i] = conv
		}
		return out, nil
	}
	return v, nil
}

func snakeKey(k string) (string, error) {
	var b strings.Builder
	upper := false
	for i := 0; i < len(k); i++ {
		c := k[i]
		if 'A' <= c && c <= 'Z' {
			upper = true
			b.WriteByte('_')
			b.WriteByte(c + ('a' - 'A'))
			continue
		}
		b.WriteByte(c)
	}
	if !upper {
		return k, nil
	}
	if 'A' <= k[0] && k[0] <= 'Z' || strings.Contains(k, "_") {
		return "", fmt.Errorf("%w: key %q is neither a proto name nor lowerCamelCase", errKeySpelling, k)
	}
	return b.String(), nil
}

// lowerCamel is proto3's JSON name of a field: "org_id" → "orgId".
func lowerCamel(name string) string {
	var b strings.Builder
	up := false
	for _, r := range name {
		switch {
		case r == '_':
			up = true
		case up && 'a' <= r && r <= 'z':
			b.WriteRune(r - ('a' - 'A'))
			up = false
		default:
			b.WriteRune(r)
			up = false
		}
	}
	return b.String()
}

var structType = reflect.TypeOf(frontier.Struct{})

// checkKeySpelling checks that every key of the JSON value v, decoded into a value of type t,
// names a field of t by its proto name (the json tag) or by that name's lowerCamelCase, exactly.
// The keys inside a Struct (metadata) are the caller's data.
func checkKeySpelling(t reflect.Type, v any, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == structType {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for k, val := range obj {
			var field *reflect.StructField
			for i := range t.NumField() {
				f := t.Field(i)
				tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if tag != "" && tag != "-" && (k == tag || k == lowerCamel(tag)) {
					field = &f
					break
				}
			}
			if field == nil {
				return fmt.Errorf("%w: key %q at %s names no field of %s by its proto or lowerCamelCase name", errKeySpelling, k, path, t)
			}
			if err := checkKeySpelling(field.Type, val, path+"."+k); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, e := range arr {
			if err := checkKeySpelling(t.Elem(), e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// hasDuplicateKeys reports whether an object in the JSON text b holds a key twice.
func hasDuplicateKeys(b []byte) bool {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	type frame struct {
		keys      map[string]bool
		object    bool
		expectKey bool
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expectKey {
			if k, ok := tok.(string); ok {
				if top.keys[k] {
					return true
				}
				top.keys[k] = true
				top.expectKey = false
				continue
			}
		}
		if top != nil && top.object {
			top.expectKey = true // the value of a key: after it comes a key or '}'
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, object: true, expectKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].expectKey = true
			}
		}
	}
}

// FuzzInt64 checks that frontier.Int64 accepts exactly what protoInt64 (protojson's rule) accepts,
// quoted or not, and that its encoding round-trips.
func FuzzInt64(f *testing.F) {
	for _, s := range []string{"0", "-0", "+0", "42", "-7", "+5", "007", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "-9223372036854775809", "1.5", "1e3", "1E3", "0x10", "1_000", " 1", "1 ", "", "-", "+",
		"x", "null", "true", `"1"`, "١٢", "１２", "\u0000", "\xff", "12\x00"} {
		f.Add(s, int64(len(s)))
	}
	f.Add("", int64(math.MinInt64))
	f.Add("", int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, s string, n int64) {
		// The encoding round-trips.
		b, err := json.Marshal(frontier.Int64(n))
		if err != nil || string(b) != `"`+strconv.FormatInt(n, 10)+`"` {
			t.Fatalf("Int64(%d) encodes as %s, %v", n, b, err)
		}
		var back frontier.Int64
		if err := json.Unmarshal(b, &back); err != nil || int64(back) != n {
			t.Fatalf("Int64(%d) encodes as %s, which decodes as %d, %v", n, b, back, err)
		}

		// Quoted, in three spellings of the same JSON string.
		q, _ := json.Marshal(s) // escapes <, > and &, and replaces invalid UTF-8
		var str string
		if err := json.Unmarshal(q, &str); err != nil {
			t.Fatalf("%s does not decode as a string: %v", q, err)
		}
		for _, text := range quotedSpellings(str) {
			checkInt64(t, text, str)
		}

		// As a JSON text of its own, and as the value of a field.
		if json.Valid([]byte(s)) {
			checkInt64Text(t, []byte(s))
			checkInt64Text(t, []byte(`{"amount":`+s+`}`))
		}
		checkInt64Text(t, []byte(s)) // whatever s is, Unmarshal must not panic or accept non-JSON
	})
}

// quotedSpellings returns JSON strings that all decode to s: encoding/json's, each rune escaped,
// and (when s needs no escape) s between quotes.
func quotedSpellings(s string) [][]byte {
	std, _ := json.Marshal(s)
	var esc strings.Builder
	esc.WriteByte('"')
	for _, r := range s {
		if r > 0xFFFF {
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&esc, `\u%04x\u%04x`, r1, r2)
		} else {
			fmt.Fprintf(&esc, `\u%04X`, r)
		}
	}
	esc.WriteByte('"')
	out := [][]byte{std, []byte(esc.String())}
	plain := utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' })
	if plain {
		out = append(out, []byte(`"`+s+`"`))
	}
	return out
}

// checkInt64 decodes the JSON text (a string whose value is s) into an Int64.
func checkInt64(t *testing.T, text []byte, s string) {
	want, werr := protoInt64(s)
	const sentinel = frontier.Int64(-4242)
	v := sentinel
	err := json.Unmarshal(text, &v)
	switch {
	case werr == nil && err != nil:
		t.Fatalf("Int64 refuses %s, but protoInt64(%q) = %d", text, s, want)
	case werr != nil && err == nil:
		t.Fatalf("Int64 accepts %s as %d, but protoInt64(%q) fails: %v", text, v, s, werr)
	case err == nil && int64(v) != want:
		t.Fatalf("Int64 decodes %s as %d, protoInt64(%q) = %d", text, v, s, want)
	case err != nil && v != sentinel:
		t.Fatalf("Int64 refuses %s but changes the value to %d", text, v)
	}
	if err == nil {
		enc, _ := json.Marshal(v)
		var back frontier.Int64
		if err := json.Unmarshal(enc, &back); err != nil || back != v {
			t.Fatalf("Int64 %d encodes as %s, which decodes as %d, %v", v, enc, back, err)
		}
	}
}

// checkInt64Text decodes the JSON text b (a value, or {"amount": value}) into an Int64 and checks
// the verdict against the value's kind.
func checkInt64Text(t *testing.T, b []byte) {
	var into struct {
		Amount frontier.Int64 `json:"amount"`
	}
	var err error
	var got frontier.Int64
	value := trimJSONSpace(b)
	field := len(value) > 0 && value[0] == '{'
	const sentinel = frontier.Int64(-4242)
	if field {
		if hasDuplicateKeys(b) {
			return // which of two amounts counts depends on where decoding stops
		}
		into.Amount = sentinel
		err = json.Unmarshal(b, &into)
		got = into.Amount
		var raw struct {
			Amount json.RawMessage `json:"amount"`
		}
		if json.Unmarshal(b, &raw) != nil || raw.Amount == nil {
			return // not {"amount": value}
		}
		value = trimJSONSpace(raw.Amount)
	} else {
		got = sentinel
		err = json.Unmarshal(b, &got)
	}
	if !json.Valid(b) {
		if err == nil {
			t.Fatalf("json.Unmarshal accepts %q, which is not JSON, as Int64 %d", b, got)
		}
		return
	}
	switch {
	case string(value) == "null":
		if err != nil || got != sentinel {
			t.Fatalf("Int64 from %s: %d, %v; want it unchanged", b, got, err)
		}
	case value[0] == '"':
		var s string
		if json.Unmarshal(value, &s) != nil {
			t.Fatalf("%s is not a JSON string", value)
		}
		want, werr := protoInt64(s)
		if (err == nil) != (werr == nil) || err == nil && int64(got) != want {
			t.Fatalf("Int64 from %s: %d, %v; protoInt64(%q) = %d, %v", b, got, err, s, want, werr)
		}
	case value[0] == '-' || '0' <= value[0] && value[0] <= '9':
		want, werr := protoInt64(string(value))
		if (err == nil) != (werr == nil) || err == nil && int64(got) != want {
			t.Fatalf("Int64 from %s: %d, %v; protoInt64(%q) = %d, %v", b, got, err, value, want, werr)
		}
	default:
		if err == nil {
			t.Fatalf("Int64 accepts %s as %d", b, got)
		}
	}
}
