package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/billd/billd"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// This file fuzzes how a REST route reads its request (bindRequest, decodeBody) on the route
// that reports usage, whose body is the whole CreateBillingUsageRequest: proto names or
// lowerCamelCase, int64 as a string or a number, unknown fields ignored, no field given twice,
// metadata as a google.protobuf.Struct, whatever the Content-Type. Every check holds for every
// input: a failure is a bug to fix, never a class of failures to look past.

// fuzzContentTypes are the Content-Type headers a fuzzed body is sent with: none, JSON with and
// without parameters, and types that are not JSON at all. The body is JSON whatever they say.
var fuzzContentTypes = []string{
	"application/json",
	"",
	"text/plain;charset=UTF-8",
	"application/json; charset=utf-8",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=x",
	"Application/JSON",
	"application/json; charset", // a malformed parameter
	"application/merge-patch+json",
	"application/octet-stream",
	"application/grpc",
	"text/html; charset=iso-8859-1",
}

// The path wildcards of the usage route the fuzz target binds; the body may name them too.
const (
	fuzzOrgID     = "7f3c2a10-5b1e-4c6d-9a8b-0e1f2a3b4c5d"
	fuzzBillingID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// decodeUsage reads body, sent with contentType, as the route POST
// /v1beta1/organizations/{org_id}/billing/{billing_id}/usages does (withPath), or as POST
// /v1beta1/organizations/billing/usages, which has no wildcard, does.
func decodeUsage(body []byte, contentType string, withPath bool) (*fv1.CreateBillingUsageRequest, error) {
	target := "/v1beta1/organizations/billing/usages"
	var params []string
	if withPath {
		target = "/v1beta1/organizations/" + fuzzOrgID + "/billing/" + fuzzBillingID + "/usages"
		params = []string{"org_id", "billing_id"}
	}
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if withPath {
		r.SetPathValue("org_id", fuzzOrgID)
		r.SetPathValue("billing_id", fuzzBillingID)
	}
	msg := new(fv1.CreateBillingUsageRequest)
	return msg, bindRequest(r, msg, bodyWhole, params)
}

func FuzzDecodeREST(f *testing.F) {
	usage := func(fields string) string {
		return `{"org_id":"o","usages":[{"id":"u",` + fields + `}]}`
	}
	seeds := []string{
		// Empty bodies, white space, and what is not one JSON object.
		``, ` `, "\n\t\r ", `{}`, ` {} `, "{}\n", `null`, `[]`, `[{}]`, `"x"`, `1`, `true`, `{`, `}`, `{"a":1} x`,
		`{"org_id":"o"}{"org_id":"p"}`, `{"org_id":"o"} {}`, `{"org_id":"o",}`, `{'org_id':"o"}`, `{"org_id":"o"}]`,
		"{\"org_id\":\"o\"}\u00a0", "\ufeff{}", "{\"org_id\":\"o\"}\x00", `{"org_id" "o"}`, `{"org_id":}`,
		// Every field, by proto name and by lowerCamelCase.
		`{"org_id":"o","billing_id":"b","project_id":"p","usages":[{"id":"u1","customer_id":"c","source":"s",` +
			`"description":"d","type":"credit","amount":"5","user_id":"x","metadata":{"Keep":1e2,"x":[null,1.5]},` +
			`"created_at":"2024-01-01T00:00:00Z","updated_at":null}]}`,
		`{"orgId":"o","billingId":"b","projectId":"p","usages":[{"userId":"u","amount":5,"customerId":"c",` +
			`"createdAt":"2024-01-01T00:00:00.123+02:00","updatedAt":"2024-02-29T23:59:59.999999999Z"}]}`,
		// Other spellings are unknown fields, ignored: upper case, mixed, escaped, folded.
		`{"AMOUNT":1}`, `{"Amount":1}`, `{"org_Id":"o"}`, `{"orgID":"o"}`, `{"ORG_ID":"o"}`, `{"OrgId":"o"}`,
		`{"\u006frg_id":"o","\u0075sages":[{"\u0061mount":"1"}]}`, `{"org\u005fid":"o"}`,
		`{"org_id":"o","usages":[{"id":"u","\u0041mount":"5"}]}`, `{"usages":[{"id":"u","amount":"5","ſource":"x"}]}`,
		// Unknown fields of every JSON type, nested, and given twice.
		`{"org_id":"o","unknown":1}`, `{"extra":{"deep":[1,{"x":null}],"more":"s"},"org_id":"o"}`,
		`{"extra":1,"extra":2}`, `{"extra":tru}`, `{"extra":[1,}`, usage(`"amount":1,"colour":"red","colour":"blue"`),
		`{"a":` + strings.Repeat(`[`, 40) + strings.Repeat(`]`, 40) + `}`, `{"":1}`, `{"_":1}`, `{"a_":1}`, `{"aB":1}`,
		// Duplicates of known fields: by the same name, by both names, in a nested message, in metadata.
		`{"org_id":"o","org_id":"o"}`, `{"org_id":"o","orgId":"p"}`, `{"orgId":"o","org_id":"o"}`,
		usage(`"amount":1,"amount":2`), usage(`"amount":1,"amount":1`), usage(`"user_id":"a","userId":"a"`),
		`{"usages":[],"usages":[]}`, `{"usages":null,"usages":[]}`, `{"org_id":null,"orgId":"o"}`,
		usage(`"metadata":{"k":1,"k":2}`), usage(`"metadata":{"a":{"k":1,"k":1}}`), usage(`"metadata":{},"metadata":{}`),
		// int64: strings, numbers, exponents, fractions, bounds, and what is no int64.
		usage(`"amount":"9223372036854775807"`), usage(`"amount":"9223372036854775808"`), usage(`"amount":-9223372036854775808`),
		usage(`"amount":-9223372036854775809`), usage(`"amount":9223372036854775807`), usage(`"amount":1e2`),
		usage(`"amount":"1e3"`), usage(`"amount":1E+2`), usage(`"amount":15e-1`), usage(`"amount":1.5`), usage(`"amount":10.0`),
		usage(`"amount":"\u0034\u0032"`), usage(`"amount":null`), usage(`"amount":true`), usage(`"amount":"+7"`),
		usage(`"amount":"-0"`), usage(`"amount":-0`), usage(`"amount":"007"`), usage(`"amount":007`), usage(`"amount":"5 x"`),
		usage(`"amount":" 5"`), usage(`"amount":"5 "`), usage(`"amount":"1 000"`), usage(`"amount":""`), usage(`"amount":{}`),
		usage(`"amount":[1]`), usage(`"amount":"0x10"`), usage(`"amount":1e19`), usage(`"amount":"1e-400"`),
		// NaN-like and infinite values, as int64s and as metadata.
		usage(`"amount":"NaN"`), usage(`"amount":"Infinity"`), usage(`"amount":"-Infinity"`), usage(`"amount":NaN`),
		usage(`"metadata":{"n":"NaN","i":"Infinity","m":"-Infinity"}`), usage(`"metadata":{"n":NaN}`),
		usage(`"metadata":{"n":Infinity}`), usage(`"metadata":{"big":1e308,"huge":1e400,"tiny":1e-400}`),
		// Metadata: nested objects and arrays, every value type, keys of any spelling kept.
		usage(`"metadata":{"Deep":{"Deeper":[{"X":1},[],{}]},"n":null,"t":true,"s":"","f":-0,"e":2E-3}`),
		usage(`"metadata":{"jobId":"J","job_id":"j","JOB":1,"":0}`), usage(`"metadata":null`), usage(`"metadata":[1]`),
		usage(`"metadata":"x"`), usage(`"metadata":{"a":12345678901234567890123,"b":1.50,"c":9007199254740993}`),
		// Timestamps, strings and lists of the wrong type.
		usage(`"created_at":"2024-13-01T00:00:00Z"`), usage(`"created_at":"0000-01-01T00:00:00Z"`), usage(`"created_at":1`),
		usage(`"created_at":"2024-01-01T00:00:00"`), `{"usages":[[]]}`, `{"usages":{}}`, `{"usages":[null]}`, `{"usages":"x"}`,
		`{"org_id":5}`, `{"org_id":["o"]}`, `{"org_id":{"x":1}}`, `{"org_id":true}`,
		// Strings: escapes, non-ASCII, invalid UTF-8, lone surrogates.
		`{"org_id":"caf\u00e9 \ud83d\ude00 \u2028"}`, "{\"org_id\":\"\xff\xfe\"}", `{"org_id":"\ud800"}`,
		`{"org_id":"a\"b\\c\/d"}`, `{"org_id":"\u0000"}`, "{\"org_id\":\"tab\there\"}", `{"org_id":"\x"}`,
		// The path's wildcards in the body: equal (in any case), different, empty.
		`{"org_id":"` + fuzzOrgID + `","billing_id":"` + fuzzBillingID + `"}`,
		`{"orgId":"` + strings.ToUpper(fuzzOrgID) + `","billingId":"` + strings.ToUpper(fuzzBillingID) + `"}`,
		`{"org_id":"` + fuzzBillingID + `"}`, `{"billing_id":"other"}`, `{"org_id":""}`,
		// Syntax around keys.
		"{\"org_id\" : \"o\" ,\n\t\"orgId\":\"p\"}", "{\"orgId\"\n:\"o\"}", "{\"AMOUNT\"\t:1}", "\v", "{\"org_id\":\"o\"}\v",
	}
	for i, s := range seeds {
		f.Add([]byte(s), byte(i))
	}
	f.Fuzz(func(t *testing.T, body []byte, ct byte) {
		checkDecodeREST(t, body, fuzzContentTypes[int(ct)%len(fuzzContentTypes)])
	})
}

// checkDecodeREST checks the properties of reading body, sent with contentType, on the usage
// routes.
func checkDecodeREST(t *testing.T, body []byte, contentType string) {
	msg, err := decodeUsage(body, contentType, false)
	checkRESTError(t, body, err)

	// The Content-Type does not matter: the body is read as JSON whatever it says.
	ref, refErr := decodeUsage(body, "application/json", false)
	if !sameDecoding(msg, err, ref, refErr) {
		t.Fatalf("%q: with Content-Type %q it gives %v, %v; with application/json %v, %v", body, contentType, msg, err, ref, refErr)
	}

	// The path's wildcards set their fields after the body is read, and a body that names them
	// otherwise is refused.
	pathMsg, pathErr := decodeUsage(body, contentType, true)
	checkRESTError(t, body, pathErr)
	switch {
	case err != nil:
		if pathErr == nil || pathErr.Error() != err.Error() {
			t.Fatalf("%q: refused (%v) without wildcards, but with them gives %v, %v", body, err, pathMsg, pathErr)
		}
	case pathErr != nil:
		if !strings.Contains(pathErr.Error(), "does not match the path") ||
			msg.OrgId == "" && msg.BillingId == "" ||
			(msg.OrgId == "" || strings.EqualFold(msg.OrgId, fuzzOrgID)) && (msg.BillingId == "" || strings.EqualFold(msg.BillingId, fuzzBillingID)) {
			t.Fatalf("%q: decodes as %v without wildcards, but with them gives %v", body, msg, pathErr)
		}
	case msg.OrgId != "" && !strings.EqualFold(msg.OrgId, fuzzOrgID),
		msg.BillingId != "" && !strings.EqualFold(msg.BillingId, fuzzBillingID):
		t.Fatalf("%q: names an organization or account other than the path's, but is accepted as %v", body, pathMsg)
	default:
		want := proto.Clone(msg).(*fv1.CreateBillingUsageRequest)
		want.OrgId, want.BillingId = fuzzOrgID, fuzzBillingID
		if !proto.Equal(pathMsg, want) {
			t.Fatalf("%q: with the wildcards decodes as %v, want %v", body, pathMsg, want)
		}
	}
	if err != nil {
		return
	}

	// An accepted body is empty, or one valid JSON object with no known field twice.
	trimmed := bytes.Trim(body, " \t\r\n")
	if len(trimmed) == 0 {
		if !proto.Equal(msg, new(fv1.CreateBillingUsageRequest)) {
			t.Fatalf("the empty body %q decodes as %v, want the zero request", body, msg)
		}
		return
	}
	if !json.Valid(body) || trimmed[0] != '{' {
		t.Fatalf("%q is accepted as %v, but it is not one JSON object", body, msg)
	}
	tree, perr := parseJSONTree(body)
	if perr != nil {
		t.Fatalf("%q is accepted, and json.Valid, but does not parse: %v", body, perr)
	}
	if dup := duplicateField(msg.ProtoReflect().Descriptor(), tree, "$"); dup != "" {
		t.Fatalf("%q is accepted as %v, but %s", body, msg, dup)
	}

	// An unknown field, of any value, changes nothing: a newer client's field must not fail.
	withUnknown := []byte(`{"fuzz_unknown_field":{"a":[1,"x",null,{"b":true}]}}`)
	if len(tree.keys) > 0 {
		withUnknown = append([]byte(`{"fuzz_unknown_field":[{},-1.5e300,"\u00e9"],`), trimmed[1:]...)
	}
	if got, uerr := decodeUsage(withUnknown, contentType, false); uerr != nil || !proto.Equal(got, msg) {
		t.Fatalf("%q decodes as %v, but with an unknown field, %q, as %v (%v)", body, msg, withUnknown, got, uerr)
	}
	// A known field given once more, even as null, is refused.
	for _, k := range tree.keys {
		fd := msg.ProtoReflect().Descriptor().Fields().ByJSONName(k)
		if fd == nil {
			fd = msg.ProtoReflect().Descriptor().Fields().ByTextName(k)
		}
		if fd == nil {
			continue
		}
		key, _ := json.Marshal(k)
		twice := append(append(bytes.Clone(trimmed[:len(trimmed)-1]), ","...), key...)
		twice = append(twice, `:null}`...)
		if got, terr := decodeUsage(twice, contentType, false); billd.ErrorCode(terr) != billd.EINVALID || !strings.Contains(terr.Error(), "duplicate field") {
			t.Fatalf("%q decodes as %v, and %q, which gives %s twice, as %v (%v)", body, msg, twice, fd.Name(), got, terr)
		}
		break
	}

	// What is accepted re-encodes, as billd writes its answers, and decodes again to itself.
	out, merr := restOutput.Marshal(msg)
	if merr != nil {
		t.Fatalf("%q decodes as %v, which does not encode: %v", body, msg, merr)
	}
	again, aerr := decodeUsage(out, contentType, false)
	if aerr != nil || !proto.Equal(again, msg) {
		t.Fatalf("%q decodes as %v, encoded %s, decoded again as %v (%v)", body, msg, out, again, aerr)
	}
}

// checkRESTError checks that a decoding error is a billd error that says the request is invalid
// or too large.
func checkRESTError(t *testing.T, body []byte, err error) {
	if err == nil {
		return
	}
	var e *billd.Error
	if !errors.As(err, &e) || error(e) != err {
		t.Fatalf("%q: error %v is a %T, not a *billd.Error", body, err, err)
	}
	if e.Code != billd.EINVALID && e.Code != billd.ETOOLARGE {
		t.Fatalf("%q: error code %s (%v), want %s or %s", body, e.Code, err, billd.EINVALID, billd.ETOOLARGE)
	}
}

// sameDecoding reports whether two decodings agree: equal messages, or the same error.
func sameDecoding(a proto.Message, aErr error, b proto.Message, bErr error) bool {
	if aErr != nil || bErr != nil {
		return aErr != nil && bErr != nil && aErr.Error() == bErr.Error()
	}
	return proto.Equal(a, b)
}

// jsonNode is a parsed JSON value that keeps an object's keys in order, duplicates included,
// which a Go map cannot.
type jsonNode struct {
	keys   []string    // an object's keys
	values []*jsonNode // an object's values, or an array's elements
	object bool
	array  bool
}

// parseJSONTree parses one JSON value.
func parseJSONTree(b []byte) (*jsonNode, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	n, err := parseJSONValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the value: %v", err)
	}
	return n, nil
}

func parseJSONValue(d *json.Decoder) (*jsonNode, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		n := &jsonNode{object: true}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := parseJSONValue(d)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k.(string))
			n.values = append(n.values, v)
		}
		_, err := d.Token() // '}'
		return n, err
	case json.Delim('['):
		n := &jsonNode{array: true}
		for d.More() {
			v, err := parseJSONValue(d)
			if err != nil {
				return nil, err
			}
			n.values = append(n.values, v)
		}
		_, err := d.Token() // ']'
		return n, err
	}
	return &jsonNode{}, nil
}

// duplicateField describes the first field of message md that n, the JSON of the message at path,
// gives twice, by one name or by both (proto name and lowerCamelCase), or the first key a
// google.protobuf.Struct in it holds twice; "" if there is none. Unknown fields are not looked
// into: they are ignored, even twice.
func duplicateField(md protoreflect.MessageDescriptor, n *jsonNode, path string) string {
	switch md.FullName() {
	case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue":
		return duplicateKey(n, path)
	}
	if !n.object {
		return ""
	}
	fields := md.Fields()
	seen := map[protoreflect.FieldNumber]string{}
	for i, k := range n.keys {
		fd := fields.ByJSONName(k)
		if fd == nil {
			fd = fields.ByTextName(k)
		}
		if fd == nil {
			continue
		}
		if first, ok := seen[fd.Number()]; ok {
			return fmt.Sprintf("field %s is given twice at %s, as %q and %q", fd.Name(), path, first, k)
		}
		seen[fd.Number()] = k
		if fd.Message() == nil {
			continue
		}
		v := n.values[i]
		if fd.IsList() {
			for j, e := range v.values {
				if dup := duplicateField(fd.Message(), e, fmt.Sprintf("%s.%s[%d]", path, k, j)); dup != "" {
					return dup
				}
			}
			continue
		}
		if dup := duplicateField(fd.Message(), v, path+"."+k); dup != "" {
			return dup
		}
	}
	return ""
}

// duplicateKey describes the first key that an object in n (a google.protobuf.Value: every
// object in it is a Struct) holds twice; "" if there is none.
func duplicateKey(n *jsonNode, path string) string {
	seen := map[string]bool{}
	for i, v := range n.values {
		at := fmt.Sprintf("%s[%d]", path, i)
		if n.object {
			k := n.keys[i]
			if seen[k] {
				return fmt.Sprintf("key %q is given twice in the metadata object at %s", k, path)
			}
			seen[k] = true
			at = path + "." + k
		}
		if dup := duplicateKey(v, at); dup != "" {
			return dup
		}
	}
	return ""
}

// TestDecodeRESTTooLarge checks the body limit outside the fuzz target, where a body over a
// megabyte would slow every execution: a body over the limit is ETOOLARGE whether its length is
// known or not, even if all but its first bytes are white space, and whatever its Content-Type; a
// body at the limit decodes.
func TestDecodeRESTTooLarge(t *testing.T) {
	for _, contentType := range []string{"application/json", "", "text/plain;charset=UTF-8"} {
		for _, known := range []bool{true, false} {
			for _, size := range []int{MaxBodyBytes, MaxBodyBytes + 1} {
				body := append([]byte(`{"org_id":"o"}`), bytes.Repeat([]byte(" "), size-14)...)
				r := httptest.NewRequest(http.MethodPost, "/v1beta1/organizations/billing/usages", bytes.NewReader(body))
				r.Header.Set("Content-Type", contentType)
				if !known {
					r.ContentLength = -1
				}
				msg := new(fv1.CreateBillingUsageRequest)
				err := bindRequest(r, msg, bodyWhole, nil)
				switch {
				case size > MaxBodyBytes && billd.ErrorCode(err) != billd.ETOOLARGE:
					t.Errorf("%q, a body of %d bytes (length known: %v), gives %v, want %s", contentType, size, known, err, billd.ETOOLARGE)
				case size <= MaxBodyBytes && (err != nil || msg.OrgId != "o"):
					t.Errorf("%q, a body of %d bytes (length known: %v), gives %v, %v", contentType, size, known, msg, err)
				}
			}
		}
	}
	// A Content-Length over the limit is refused before the body is read.
	r := httptest.NewRequest(http.MethodPost, "/v1beta1/organizations/billing/usages", strings.NewReader(`{}`))
	r.ContentLength = MaxBodyBytes + 1
	if err := bindRequest(r, new(fv1.CreateBillingUsageRequest), bodyWhole, nil); billd.ErrorCode(err) != billd.ETOOLARGE {
		t.Errorf("a Content-Length of %d gives %v, want %s", r.ContentLength, err, billd.ETOOLARGE)
	}
}
