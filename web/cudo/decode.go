package cudo

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/billd/billd"
)

// MaxBodyDepth bounds how deeply a request body's JSON may nest: the contract's messages nest
// three levels, and a deeper body is refused before it is walked.
const MaxBodyDepth = 16

// DecodeBody reads a CUDO request body into v as a gRPC gateway does: JSON whatever the
// Content-Type, an empty body as {}, field names in camelCase or snake_case (display_name is
// displayName), unknown fields ignored. Numbers keep their exact text. A body that is not a JSON
// object, nests deeper than MaxBodyDepth or does not fit v is EINVALID. The caller bounds the
// body's size.
func DecodeBody(b []byte, v any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	if b[0] != '{' {
		return billd.Errorf(billd.EINVALID, "invalid JSON body: the body must be a JSON object")
	}
	if depth(b) > MaxBodyDepth {
		return billd.Errorf(billd.EINVALID, "invalid JSON body: it nests deeper than %d levels", MaxBodyDepth)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var tree any
	if err := d.Decode(&tree); err != nil {
		return billd.Errorf(billd.EINVALID, "invalid JSON body: %v", err)
	}
	if d.More() {
		return billd.Errorf(billd.EINVALID, "invalid JSON body: more than one JSON value")
	}
	camel, err := json.Marshal(camelKeys(tree))
	if err != nil {
		return billd.Errorf(billd.EINVALID, "invalid JSON body: %v", err)
	}
	if err := json.Unmarshal(camel, v); err != nil {
		var be *billd.Error
		if errors.As(err, &be) {
			return err
		}
		return billd.Errorf(billd.EINVALID, "invalid JSON body: %s", decodeErrorText(err))
	}
	return nil
}

// depth returns how deeply the JSON text b nests (brackets inside strings not counted).
func depth(b []byte) int {
	deepest, level, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			level++
			deepest = max(deepest, level)
		case c == '}' || c == ']':
			level--
		}
	}
	return deepest
}

// camelKeys returns v with every object key in camelCase.
func camelKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[camelCase(k)] = camelKeys(e)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = camelKeys(e)
		}
		return t
	}
	return v
}

// camelCase turns snake_case into camelCase ("postal_code" is "postalCode"); other names are kept.
func camelCase(s string) string {
	if !strings.Contains(s, "_") {
		return s
	}
	var b strings.Builder
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' && i > 0:
			upper = true
		case upper && 'a' <= c && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
			upper = false
		default:
			b.WriteByte(c)
			upper = false
		}
	}
	return b.String()
}

// decodeErrorText says which field of the body has the wrong type, without echoing the body.
func decodeErrorText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field + " must be " + jsonKind(te.Type.Kind().String()) + ", not " + te.Value
	}
	return "the body does not fit the request"
}

// jsonKind names a Go kind as a JSON type.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "struct", "map", "ptr":
		return "an object"
	case "slice":
		return "an array"
	}
	return "a number"
}
