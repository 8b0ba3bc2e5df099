package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/billd/billd"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// jsonSpace is the white space JSON allows around values (bytes.TrimSpace would also take \v, \f
// and Unicode spaces, which JSON refuses).
const jsonSpace = " \t\r\n"

// decodeJSON reads the request body into v. The body must be JSON (Content-Type application/json),
// at most MaxBodyBytes, exactly one object with no unknown fields and no object that holds a key
// twice. Fields may be named by their proto names or in lowerCamelCase, as proto3's JSON mapping
// allows, but not by both at once. An empty body decodes as {}.
func decodeJSON(r *http.Request, v any) error {
	if r.ContentLength > MaxBodyBytes {
		return billd.Errorf(billd.ETOOLARGE, "request body is larger than %d bytes", MaxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return billd.Errorf(billd.ETOOLARGE, "request body is larger than %d bytes", MaxBodyBytes)
	}
	if err != nil {
		return billd.Errorf(billd.EINVALID, "cannot read request body: %v", err)
	}
	trimmed := bytes.Trim(body, jsonSpace)
	if len(trimmed) == 0 {
		return nil
	}
	if ct := r.Header.Get("Content-Type"); ct == "" {
		return billd.Errorf(billd.EMEDIATYPE, "Content-Type must be application/json")
	} else if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return billd.Errorf(billd.EMEDIATYPE, "Content-Type must be application/json, got %q", ct)
	}
	if trimmed[0] != '{' {
		if !json.Valid(trimmed) {
			return billd.Errorf(billd.EINVALID, "invalid JSON body: %s", syntaxErrorText(trimmed))
		}
		return billd.Errorf(billd.EINVALID, "invalid JSON body: the body must be a JSON object")
	}
	if hasUpperKey(trimmed) {
		if !json.Valid(trimmed) { // the rewrite reads one value: refuse anything after it first
			return billd.Errorf(billd.EINVALID, "invalid JSON body: %s", syntaxErrorText(trimmed))
		}
		if trimmed, err = protoKeys(trimmed); err != nil {
			return billd.Errorf(billd.EINVALID, "invalid JSON body: %s", jsonErrorText(err))
		}
	}
	if key, dup := duplicateKey(trimmed); dup {
		return billd.Errorf(billd.EINVALID, "invalid JSON body: the key %s appears twice in one object", billd.Truncate(string(key), 66))
	}
	d := json.NewDecoder(bytes.NewReader(trimmed))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return billd.Errorf(billd.EINVALID, "invalid JSON body: %s", jsonErrorText(err))
	}
	// The decoder stops after the object; anything but white space after it is an error.
	if rest := bytes.Trim(trimmed[d.InputOffset():], jsonSpace); len(rest) > 0 {
		return billd.Errorf(billd.EINVALID, "invalid JSON body: %s", syntaxErrorText(trimmed))
	}
	return nil
}

// syntaxErrorText explains why body is not one JSON value.
func syntaxErrorText(body []byte) string {
	d := json.NewDecoder(bytes.NewReader(body))
	var v any
	if err := d.Decode(&v); err != nil {
		return jsonErrorText(err)
	}
	return "unexpected data after the JSON object"
}

// jsonErrorText makes a decoding error readable for API callers.
func jsonErrorText(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			return "the body must be a JSON object"
		}
		return field + ": expected " + typeErr.Type.String() + ", got JSON " + typeErr.Value
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return "malformed JSON at byte " + strconv.FormatInt(syntaxErr.Offset, 10) + ": " + syntaxErr.Error()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "malformed JSON: unexpected end of input"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// writeJSON writes v with the status as application/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":13,"message":"internal server error","details":[]}`)
	}
	writeBody(w, status, b)
}

// writeBody writes the JSON text b, and a newline, with the status as application/json.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// queryBool reads a boolean query parameter ("", true, false, 1, 0).
func queryBool(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, billd.Errorf(billd.EINVALID, "%s must be true or false, got %q", name, s)
	}
	return b, nil
}

// queryInt reads a non-negative integer query parameter.
func queryInt(r *http.Request, name string) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, billd.Errorf(billd.EINVALID, "%s must be a non-negative integer, got %q", name, s)
	}
	return n, nil
}

// queryTime reads an RFC 3339 timestamp query parameter.
func queryTime(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, billd.Errorf(billd.EINVALID, "%s must be an RFC 3339 timestamp, got %q", name, s)
	}
	return t.UTC(), nil
}

// queryExpand reads the repeated expand parameter (expand=a&expand=b or expand=a,b).
func queryExpand(r *http.Request) map[string]bool {
	out := map[string]bool{}
	for _, v := range r.URL.Query()["expand"] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out[strings.ToLower(part)] = true
			}
		}
	}
	return out
}

// pageRequest reads page_size and page_token.
func pageRequest(r *http.Request) (billd.PageRequest, error) {
	size, err := queryInt(r, "page_size")
	return billd.PageRequest{PageSize: size, PageToken: r.URL.Query().Get("page_token")}, err
}

// samePath checks that an id given in the body, if any, agrees with the path.
func samePath(field, body, path string) error {
	if body != "" && !strings.EqualFold(body, path) {
		return billd.Errorf(billd.EINVALID, "%s in the body (%s) does not match the path (%s)", field, body, path)
	}
	return nil
}
