package billd

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// Metadata is a free-form JSON object attached to an object by the API caller. Numbers are kept as
// json.Number so that they round-trip exactly.
type Metadata map[string]any

// Marshal returns the JSON text of m; an empty or nil map is "{}".
func (m Metadata) Marshal() string {
	if len(m) == 0 {
		return "{}"
	}
	b, err := json.Marshal(map[string]any(m))
	if err != nil {
		// Only values decoded from JSON are ever stored, so they always marshal.
		panic("billd: metadata does not marshal: " + err.Error())
	}
	return string(b)
}

// ParseMetadata decodes a JSON object (or null, or "") into Metadata.
func ParseMetadata(s string) (Metadata, error) {
	if s == "" || s == "null" {
		return Metadata{}, nil
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var m Metadata
	if err := d.Decode(&m); err != nil {
		return nil, Errorf(EINVALID, "metadata must be a JSON object")
	}
	if m == nil {
		m = Metadata{}
	}
	return m, nil
}

// Equal reports whether m and o hold the same keys and values. Numbers are equal when their
// values as doubles are, as the API carries them (google.protobuf.Struct): 1e2 equals 100, so a
// request retried after the API read it as a double is still the same request.
func (m Metadata) Equal(o Metadata) bool {
	return equalJSON(map[string]any(m), map[string]any(o))
}

// equalJSON compares two values decoded from JSON (or built like them).
func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !equalJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalJSON(a[i], b[i]) {
				return false
			}
		}
		return true
	case json.Number:
		b, ok := b.(json.Number)
		if !ok {
			return false
		}
		if a == b {
			return true
		}
		x, errA := strconv.ParseFloat(string(a), 64)
		y, errB := strconv.ParseFloat(string(b), 64)
		return errA == nil && errB == nil && x == y
	default:
		return reflect.DeepEqual(a, b)
	}
}

// with returns a copy of m with key set to value.
func (m Metadata) with(key string, value any) Metadata {
	c := make(Metadata, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	c[key] = value
	return c
}
