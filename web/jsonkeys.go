package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Proto3's JSON mapping lets parsers accept a field by its lowerCamelCase name as well as by its
// proto name (org_id or orgId). billd's request types name fields by proto name only, and Go's
// decoder would match any other spelling case-insensitively (AMOUNT for amount). So before
// decoding, keys are checked: a key with an upper-case letter is rewritten to its proto name if it
// is lowerCamelCase, and refused otherwise. The values of "metadata" are the caller's own data and
// are left as they are.

// hasUpperKey reports, in one allocation-free pass, whether any object key in body may need
// rewriting or refusing: one that holds an upper-case ASCII letter, an escape (which may hide one)
// or a non-ASCII byte (encoding/json would fold its case onto a field name: "ſource" → source).
func hasUpperKey(body []byte) bool {
	inString, escaped, upper := false, false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped, upper = true, true
			case c == '"':
				inString = false
				if upper && nextIsColon(body[i+1:]) {
					return true
				}
			case 'A' <= c && c <= 'Z' || c >= 0x80:
				upper = true
			}
			continue
		}
		if c == '"' {
			inString, upper = true, false
		}
	}
	return false
}

func nextIsColon(rest []byte) bool {
	rest = bytes.TrimLeft(rest, " \t\r\n")
	return len(rest) > 0 && rest[0] == ':'
}

// protoKeys returns body with its lowerCamelCase keys renamed to proto names, or an error naming a
// key that is neither.
func protoKeys(body []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var out bytes.Buffer
	if err := copyValue(d, &out, true); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// copyValue copies one JSON value from d to out; rename says whether object keys in it are field
// names (true) or caller data (false, inside metadata).
func copyValue(d *json.Decoder, out *bytes.Buffer, rename bool) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		out.WriteByte('{')
		for i := 0; d.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			keyTok, err := d.Token()
			if err != nil {
				return err
			}
			key := keyTok.(string)
			if rename {
				if key, err = protoName(key); err != nil {
					return err
				}
			}
			writeJSONValue(out, key)
			out.WriteByte(':')
			if err := copyValue(d, out, rename && key != "metadata"); err != nil {
				return err
			}
		}
		_, err = d.Token()
		out.WriteByte('}')
		return err
	case json.Delim('['):
		out.WriteByte('[')
		for i := 0; d.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			if err := copyValue(d, out, rename); err != nil {
				return err
			}
		}
		_, err = d.Token()
		out.WriteByte(']')
		return err
	}
	writeJSONValue(out, tok)
	return nil
}

func writeJSONValue(out *bytes.Buffer, v any) {
	if n, ok := v.(json.Number); ok {
		out.WriteString(n.String())
		return
	}
	b, _ := json.Marshal(v)
	out.Write(b)
}

// errUnknownKey is a key that is no field's name in any spelling.
var errUnknownKey = errors.New("unknown field")

// protoName maps a lowerCamelCase key to its snake_case proto name; all-lower keys pass as they
// are. A key with a non-ASCII letter is no field's name.
func protoName(key string) (string, error) {
	if strings.IndexFunc(key, func(r rune) bool { return r >= 0x80 }) >= 0 {
		return "", fmt.Errorf("%w %q", errUnknownKey, key)
	}
	if strings.IndexFunc(key, isUpper) < 0 {
		return key, nil
	}
	if key == "" || isUpper(rune(key[0])) || strings.Contains(key, "_") {
		return "", fmt.Errorf("%w %q", errUnknownKey, key)
	}
	var b strings.Builder
	for _, r := range key {
		if isUpper(r) {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

func isUpper(r rune) bool { return 'A' <= r && r <= 'Z' }

// duplicateKey returns a key that some object of the JSON text body holds twice, comparing keys
// as written. decodeJSON calls it after protoKeys, which writes every key of a body that has any
// escaped, upper-case or non-ASCII key in one spelling, so that equal keys are written alike and a
// field given by its proto name and by its lowerCamelCase name is one key twice. It assumes body
// is JSON: on anything else it may miss a duplicate, and the decoder reports the syntax error.
func duplicateKey(body []byte) (key []byte, found bool) {
	type frame struct {
		object bool
		first  int                 // keys[first:] are the object's keys so far
		set    map[string]struct{} // the same keys, once the object has many
	}
	var stack []frame
	var keys [][]byte
	expectKey := false
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{', '[':
			stack = append(stack, frame{object: body[i] == '{', first: len(keys)})
			expectKey = body[i] == '{'
		case '}', ']':
			if len(stack) == 0 {
				return nil, false
			}
			keys = keys[:stack[len(stack)-1].first]
			stack, expectKey = stack[:len(stack)-1], false
		case ',':
			expectKey = len(stack) > 0 && stack[len(stack)-1].object
		case '"':
			end := stringEnd(body, i)
			if end < 0 {
				return nil, false
			}
			if expectKey {
				k := body[i : end+1]
				if addKey(&stack[len(stack)-1].set, &keys, stack[len(stack)-1].first, k) {
					return k, true
				}
				expectKey = false
			}
			i = end
		}
	}
	return nil, false
}

// manyKeys is the number of keys past which an object's keys are kept in a set, so that an object
// with many keys costs linear time, not quadratic.
const manyKeys = 16

// addKey adds k to the keys of an object (keys[first:], and *set once there are many) and
// reports whether it was there already.
func addKey(set *map[string]struct{}, keys *[][]byte, first int, k []byte) (dup bool) {
	if *set != nil {
		if _, dup := (*set)[string(k)]; dup {
			return true
		}
		(*set)[string(k)] = struct{}{}
		return false
	}
	for _, seen := range (*keys)[first:] {
		if bytes.Equal(seen, k) {
			return true
		}
	}
	*keys = append(*keys, k)
	if len(*keys)-first > manyKeys {
		*set = make(map[string]struct{}, 2*manyKeys)
		for _, seen := range (*keys)[first:] {
			(*set)[string(seen)] = struct{}{}
		}
	}
	return false
}

// stringEnd returns the index of the quote that ends the JSON string starting at body[start], or
// -1 if it does not end.
func stringEnd(body []byte, start int) int {
	for i := start + 1; i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}
