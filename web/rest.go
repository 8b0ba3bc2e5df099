package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The legacy REST paths map onto the same RPC methods as Connect and gRPC, by grpc-gateway's rules:
// the body is the whole request message (body "*") or one field of it (body "body"), path
// wildcards set the fields of their names, and on calls without a body the query parameters set
// the fields they name (by proto name or lowerCamelCase). Responses are proto3 JSON with proto
// names and every field present.

// rpcFunc is a generated handler method: one RPC, whatever the transport.
type rpcFunc[Req, Res any] func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error)

// message is the pointer type of a generated message.
type message[T any] interface {
	*T
	proto.Message
}

// MaxBodyBytes bounds every request body, on every transport.
const MaxBodyBytes = 1 << 20

// Body bindings of a REST route.
const (
	bodyNone  = ""     // no body: query parameters set fields
	bodyWhole = "*"    // the body is the request message
	bodyField = "body" // the body is the request's field "body"
)

// restInput reads JSON request bodies as Frontier does: proto names or lowerCamelCase, int64 as a
// string or a number, unknown fields ignored (a newer client's field must not fail), and no field
// given twice.
var restInput = protojson.UnmarshalOptions{DiscardUnknown: true}

// restOutput writes responses as Frontier's REST gateway did.
var restOutput = protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}

// marshalJSON encodes m with opts, without the white space protojson adds at random after some
// commas (its output is made unstable on purpose, differently in each build), so that billd's JSON
// is the same from build to build, as documented.
func marshalJSON(opts protojson.MarshalOptions, m proto.Message) ([]byte, error) {
	b, err := opts.Marshal(m)
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(b, ' ') < 0 {
		return b, nil
	}
	var out bytes.Buffer
	out.Grow(len(b))
	if err := json.Compact(&out, b); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// wildcards finds the {name} wildcards of a route pattern.
var wildcards = regexp.MustCompile(`\{([a-z_]+)\}`)

// rest registers a REST route of an RPC: it decodes the request as the route's binding says, calls
// the RPC with the caller in the context and writes its answer.
func rest[Req, Res any, PReq message[Req], PRes message[Res]](h *Handler, pattern, orgParam, procedure, body string, rpc rpcFunc[Req, Res]) {
	perm, ok := permissions[procedure]
	if !ok {
		panic("web: no permission for " + procedure)
	}
	a := orgIn(orgParam, perm)
	var params []string
	for _, m := range wildcards.FindAllStringSubmatch(pattern, -1) {
		params = append(params, m[1])
	}
	h.handle(pattern, a, func(w http.ResponseWriter, r *http.Request, p billd.Principal) error {
		msg := PReq(new(Req))
		if err := bindRequest(r, msg, body, params); err != nil {
			return err
		}
		req := connect.NewRequest((*Req)(msg))
		if key := r.Header.Get(frontier.IdempotencyKeyHeader); key != "" {
			req.Header().Set(frontier.IdempotencyKeyHeader, key)
		}
		res, err := rpc(frontier.WithPrincipal(r.Context(), p), req)
		if err != nil {
			return err
		}
		b, err := marshalJSON(restOutput, PRes(res.Msg))
		if err != nil {
			return err
		}
		writeBody(w, http.StatusOK, b)
		return nil
	})
}

// bindRequest fills msg from the body, the query and the path wildcards params of r.
func bindRequest(r *http.Request, msg proto.Message, body string, params []string) error {
	m := msg.ProtoReflect()
	switch body {
	case bodyWhole:
		if err := decodeBody(r, m); err != nil {
			return err
		}
	case bodyField:
		if err := decodeBody(r, m.Mutable(m.Descriptor().Fields().ByName(bodyField)).Message()); err != nil {
			return err
		}
	default:
		if err := bindQuery(r, m, params); err != nil {
			return err
		}
	}
	for _, name := range params {
		if err := bindPath(m, name, r.PathValue(name)); err != nil {
			return err
		}
	}
	return nil
}

// decodeBody reads the request body as JSON into m, whatever its Content-Type, as grpc-gateway
// did (Frontier's published REST client sends JSON as text/plain). An empty body is {}.
func decodeBody(r *http.Request, m protoreflect.Message) error {
	b, err := readBody(r, MaxBodyBytes, errTooLarge)
	if err != nil {
		return err
	}
	b = bytes.Trim(b, jsonSpace)
	if len(b) == 0 {
		return nil
	}
	if b[0] != '{' {
		return billd.Errorf(billd.EINVALID, "invalid JSON body: the body must be a JSON object")
	}
	if err := unmarshalJSON(b, m.Interface()); err != nil {
		return billd.Errorf(billd.EINVALID, "invalid JSON body: %s", protojsonErrorText(err))
	}
	return nil
}

// errNotJSON is the error of a body that protojson accepted but that is not JSON: protojson skips
// the value of a field it discards (an unknown field) without checking it.
var errNotJSON = errors.New("the body is not valid JSON")

// unmarshalJSON decodes the JSON text b into m, ignoring unknown fields, whose values must still be
// JSON.
func unmarshalJSON(b []byte, m proto.Message) error {
	if err := restInput.Unmarshal(b, m); err != nil {
		return err
	}
	if !json.Valid(b) {
		return errNotJSON
	}
	return nil
}

// readBody reads r's body, at most limit bytes: a longer one fails with tooLarge.
func readBody(r *http.Request, limit int64, tooLarge error) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) || errors.Is(err, errTooLarge) {
		return nil, tooLarge
	}
	var refused *billd.Error
	if errors.As(err, &refused) {
		return nil, err // the body budgets ran out while it was read
	}
	if err != nil {
		return nil, billd.Errorf(billd.EINVALID, "cannot read request body: %v", err)
	}
	return b, nil
}

// jsonSpace is the white space JSON allows around values.
const jsonSpace = " \t\r\n"

var errTooLarge = billd.Errorf(billd.ETOOLARGE, "request body is larger than %d bytes", MaxBodyBytes)

// protojsonErrorText makes protojson's error readable: without its "proto: " prefix and with the
// offending text cut short.
func protojsonErrorText(err error) string {
	s := strings.TrimPrefix(err.Error(), "proto:")
	s = strings.TrimLeft(s, "\u00a0 ")
	return billd.Truncate(s, 200)
}

// bindPath sets the string field name of m to the path's value. A value the body gave must agree
// (ids compare without regard to case).
func bindPath(m protoreflect.Message, name, value string) error {
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		return nil // a wildcard the message does not hold, such as usage_id of a route
	}
	if given := m.Get(fd).String(); given != "" && !strings.EqualFold(given, value) {
		return billd.Errorf(billd.EINVALID, "%s in the body (%s) does not match the path (%s)", name,
			billd.Truncate(given, 64), billd.Truncate(value, 64))
	}
	m.Set(fd, protoreflect.ValueOfString(value))
	return nil
}

// bindQuery sets the fields of m that the query names, but for the path's. Names the message
// does not know are ignored, as Frontier's gateway ignored them.
func bindQuery(r *http.Request, m protoreflect.Message, params []string) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	fields := m.Descriptor().Fields()
	seen := map[protoreflect.Name]string{}
	for key, values := range r.URL.Query() {
		fd := fields.ByName(protoreflect.Name(key))
		if fd == nil {
			fd = fields.ByJSONName(key)
		}
		if fd == nil || slices.Contains(params, string(fd.Name())) {
			continue
		}
		if other, twice := seen[fd.Name()]; twice {
			return billd.Errorf(billd.EINVALID, "the query names %s twice, as %s and as %s", fd.Name(), other, key)
		}
		seen[fd.Name()] = key
		if err := setQueryField(m, fd, values); err != nil {
			return err
		}
	}
	return nil
}

func isPathParam(name string, params []string) bool {
	for _, p := range params {
		if p == name {
			return true
		}
	}
	return false
}

// setQueryField sets one field from its query values: the last one for a single field, each for a
// repeated one.
func setQueryField(m protoreflect.Message, fd protoreflect.FieldDescriptor, values []string) error {
	if fd.IsList() {
		list := m.Mutable(fd).List()
		for _, s := range values {
			v, err := queryValue(fd, s)
			if err != nil {
				return err
			}
			list.Append(v)
		}
		return nil
	}
	s := values[len(values)-1]
	if s == "" {
		return nil
	}
	v, err := queryValue(fd, s)
	if err != nil {
		return err
	}
	m.Set(fd, v)
	return nil
}

// queryValue parses one query value for a field of the kinds billd's requests have.
func queryValue(fd protoreflect.FieldDescriptor, s string) (protoreflect.Value, error) {
	name := fd.Name()
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(s), nil
	case protoreflect.BoolKind:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return protoreflect.Value{}, billd.Errorf(billd.EINVALID, "%s must be true or false, got %q", name, billd.Truncate(s, 32))
		}
		return protoreflect.ValueOfBool(b), nil
	case protoreflect.Int32Kind:
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return protoreflect.Value{}, billd.Errorf(billd.EINVALID, "%s must be an integer, got %q", name, billd.Truncate(s, 32))
		}
		return protoreflect.ValueOfInt32(int32(n)), nil
	case protoreflect.Int64Kind:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return protoreflect.Value{}, billd.Errorf(billd.EINVALID, "%s must be an integer, got %q", name, billd.Truncate(s, 32))
		}
		return protoreflect.ValueOfInt64(n), nil
	case protoreflect.MessageKind:
		if fd.Message().FullName() == "google.protobuf.Timestamp" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return protoreflect.Value{}, billd.Errorf(billd.EINVALID, "%s must be an RFC 3339 timestamp, got %q", name, billd.Truncate(s, 40))
			}
			return protoreflect.ValueOfMessage(timestamppb.New(t).ProtoReflect()), nil
		}
	}
	return protoreflect.Value{}, billd.Errorf(billd.EINVALID, "%s cannot be set in the query", name)
}
