// Package frontier holds the request and response types of the Raystack Frontier v1beta1 billing
// REST dialect and their encoders: proto3 JSON with proto field names, int64 as strings, RFC 3339
// timestamps, and every field present in responses (unset messages as null).
package frontier

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/billd/billd"
)

// Int64 is a proto3 int64: written as a JSON string, read from a string or a number.
type Int64 int64

// MarshalJSON writes the value as a quoted decimal.
func (v Int64) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 22)
	b = append(b, '"')
	b = strconv.AppendInt(b, int64(v), 10)
	return append(b, '"'), nil
}

// UnmarshalJSON reads the value as protojson reads an int64: a JSON number, or a JSON string that
// holds one and nothing else (not even white space), whose value is an integer in range. The
// number may have an exponent or a fraction when its value is integral ("1e3", "10.0"); a leading
// + or leading zeros ("+5", "007") are no JSON number. (protojson itself reads only the first
// token of a string, so that "5 x" is 5; billd refuses it.) null leaves the value unchanged.
func (v *Int64) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	text := b
	if len(b) >= 2 && b[0] == '"' {
		if bytes.IndexByte(b, '\\') < 0 {
			text = b[1 : len(b)-1] // a plain quoted number: no escapes to decode
		} else {
			var s string
			if err := json.Unmarshal(b, &s); err != nil {
				return err
			}
			text = []byte(s)
		}
	}
	n, err := parseInt64(text)
	if err != nil {
		return err
	}
	*v = Int64(n)
	return nil
}

// Timestamp is a google.protobuf.Timestamp: RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits,
// or null when unset.
type Timestamp time.Time

// MarshalJSON writes the time as protojson does.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	tt = tt.UTC()
	layout := `"2006-01-02T15:04:05Z"`
	switch ns := tt.Nanosecond(); {
	case ns == 0:
	case ns%1e6 == 0:
		layout = `"2006-01-02T15:04:05.000Z"`
	case ns%1e3 == 0:
		layout = `"2006-01-02T15:04:05.000000Z"`
	default:
		layout = `"2006-01-02T15:04:05.000000000Z"`
	}
	return []byte(tt.Format(layout)), nil
}

// Struct is a google.protobuf.Struct: a JSON object, written as {} when empty. Numbers are kept
// exactly as written.
type Struct map[string]any

// MarshalJSON writes the object; an empty or nil Struct is {}.
func (s Struct) MarshalJSON() ([]byte, error) {
	if len(s) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(map[string]any(s))
}

// UnmarshalJSON reads an object or null.
func (s *Struct) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return errors.New("metadata must be a JSON object")
	}
	*s = m
	return nil
}

// metadata converts a decoded Struct to billd.Metadata.
func (s Struct) metadata() billd.Metadata {
	if s == nil {
		return billd.Metadata{}
	}
	return billd.Metadata(s)
}
