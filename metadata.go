package billd

import (
	"bytes"
	"encoding/json"
	"reflect"
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

// Equal reports whether m and o hold the same keys and values.
func (m Metadata) Equal(o Metadata) bool {
	if len(m) == 0 && len(o) == 0 {
		return true
	}
	return reflect.DeepEqual(map[string]any(m), map[string]any(o))
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
