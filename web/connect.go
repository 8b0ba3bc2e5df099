package web

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
	"github.com/billd/billd/web/frontier/billdv1/billdv1connect"
	"github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// The RPC transports: Connect (JSON and binary), gRPC and gRPC-Web, all through connect-go, on
// POST /<package>.<Service>/<Method>. Every RPC is authenticated, and its permission checked,
// before connect-go reads its body, as on the REST paths; errors keep billd's codes and messages.

// services are the RPC services billd serves, for reflection and health.
var services = []string{
	frontierv1beta1connect.FrontierServiceName,
	frontierv1beta1connect.AdminServiceName,
	billdv1connect.BilldServiceName,
}

// mountRPC registers the RPC services of s, gRPC reflection and gRPC health. It panics if an RPC
// of the services has neither a permission nor a place among the public ones: connect-go would
// serve it without credentials.
func (h *Handler) mountRPC(s *frontier.Server) {
	for _, procedure := range procedures() {
		if _, ok := permissions[procedure]; !ok && !public[procedure] {
			panic("web: no permission for " + procedure)
		}
	}
	opts := connect.WithHandlerOptions(
		connect.WithCodec(rpcJSON{"json"}),
		connect.WithCodec(rpcJSON{"json; charset=utf-8"}),
		connect.WithReadMaxBytes(MaxBodyBytes),
		// Compress only what is worth it: gzip of the small answers of the money path (an empty
		// CreateBillingUsageResponse) cost more CPU than serving them (docs/benchmarks.md).
		connect.WithCompressMinBytes(rpcCompressMinBytes),
		connect.WithInterceptors(connect.UnaryInterceptorFunc(h.rpcErrors)),
		connect.WithRecover(h.rpcPanic),
	)
	for _, mount := range []func() (string, http.Handler){
		func() (string, http.Handler) { return frontierv1beta1connect.NewFrontierServiceHandler(s, opts) },
		func() (string, http.Handler) { return frontierv1beta1connect.NewAdminServiceHandler(s, opts) },
		func() (string, http.Handler) { return billdv1connect.NewBilldServiceHandler(s, opts) },
	} {
		path, handler := mount()
		h.mux.Handle("POST "+path, h.rpcAdmission(handler))
	}
	reflector := grpcreflect.NewStaticReflector(services...)
	for _, mount := range []func() (string, http.Handler){
		func() (string, http.Handler) { return grpcreflect.NewHandlerV1(reflector) },
		func() (string, http.Handler) { return grpcreflect.NewHandlerV1Alpha(reflector) },
		func() (string, http.Handler) { return grpchealth.NewHandler(h.healthChecker()) },
	} {
		path, handler := mount()
		h.mux.Handle("POST "+path, handler)
	}
}

// procedures returns the procedure of every RPC of the services, from their descriptors.
func procedures() []string {
	var out []string
	for _, name := range services {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			panic("web: service " + name + ": " + err.Error())
		}
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		for i := range methods.Len() {
			out = append(out, "/"+name+"/"+string(methods.Get(i).Name()))
		}
	}
	return out
}

// rpcCompressMinBytes is the size from which an RPC's answer is gzipped for clients that accept
// it (lists; not a balance or a usage's empty answer).
const rpcCompressMinBytes = 1024

// rpcErrorWriter writes errors in the protocol of the request: Connect, gRPC or gRPC-Web.
var rpcErrorWriter = connect.NewErrorWriter()

// rpcAdmission authenticates an RPC and checks the permission its procedure needs (permissions)
// before the body is read, but for the public ones, and counts the request and its body against
// the server's budgets.
func (h *Handler) rpcAdmission(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		perm, known := permissions[r.URL.Path]
		if !known && !public[r.URL.Path] {
			next.ServeHTTP(w, r) // connect-go answers Unimplemented
			return
		}
		if err := h.admit.enter(); err != nil {
			h.refuseRPC(w, r, err)
			return
		}
		defer h.admit.leave()
		p, budget, err := h.admitRPC(w, r, perm, known)
		if err != nil {
			h.refuseRPC(w, r, err)
			return
		}
		defer budget.release()
		r.Body = newRPCBody(r)
		next.ServeHTTP(w, r.WithContext(frontier.WithPrincipal(r.Context(), p)))
	})
}

// admitRPC admits an RPC's body as admitBody does, with the caller's credentials and perm when
// authenticated, else without credentials, against the webhooks' budget.
func (h *Handler) admitRPC(w http.ResponseWriter, r *http.Request, perm billd.Permission, authenticated bool) (billd.Principal, *bodyBudget, error) {
	if authenticated {
		return h.admitBody(w, r, anyOrg(perm))
	}
	budget, err := h.admit.admitBody(r, webhookBudget)
	return billd.Principal{}, budget, err
}

// refuseRPC answers err to an RPC whose body the server does not read, in the RPC's protocol.
func (h *Handler) refuseRPC(w http.ResponseWriter, r *http.Request, err error) {
	if !rpcErrorWriter.IsSupported(r) {
		h.refuse(w, r, err)
		return
	}
	m := h.logError(r.URL.Path, requestIDOf(w), err)
	unreadBody(w, r, m)
	setErrorHeaders(w.Header(), m)
	rpcErrorWriter.Write(w, r, connectError(err))
}

// rpcErrors turns the billd errors of an RPC into Connect errors of the same code and message,
// logging the internal ones.
func (h *Handler) rpcErrors(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		if err != nil {
			h.logError(req.Spec().Procedure, req.Header().Get(requestIDHeader), err)
			return nil, connectError(err)
		}
		return res, nil
	}
}

// rpcPanic answers an RPC whose handler panicked with Internal, and logs the panic.
func (h *Handler) rpcPanic(_ context.Context, spec connect.Spec, _ http.Header, v any) error {
	h.log.Error("panic", "route", spec.Procedure, "panic", v)
	return connect.NewError(connect.CodeInternal, errInternal)
}

// errInternal is what an error without a code shows.
var errInternal = billd.Errorf(billd.EINTERNAL, "internal server error")

// rpcJSON is the JSON codec of the RPC transports, as Frontier's: proto field names, zero values
// left out; input as on the REST paths (either name form, unknown fields ignored, no field twice).
type rpcJSON struct{ name string }

func (c rpcJSON) Name() string { return c.name }

func (rpcJSON) Marshal(v any) ([]byte, error) {
	return marshalJSON(rpcOutput, v.(proto.Message))
}

// rpcOutput writes Connect JSON as Frontier's codec does.
var rpcOutput = protojson.MarshalOptions{UseProtoNames: true}

func (rpcJSON) Unmarshal(b []byte, v any) error {
	if len(b) == 0 {
		b = []byte("{}") // an empty request message
	}
	return unmarshalJSON(b, v.(proto.Message))
}

// healthChecker answers gRPC health checks as /readyz does: serving while the store answers.
func (h *Handler) healthChecker() grpchealth.Checker {
	return checkerFunc(func(ctx context.Context, req *grpchealth.CheckRequest) (*grpchealth.CheckResponse, error) {
		if req.Service != "" && !knownService(req.Service) {
			return nil, connect.NewError(connect.CodeNotFound, billd.Errorf(billd.ENOTFOUND, "unknown service %q", billd.Truncate(req.Service, 100)))
		}
		if err := h.readiness.check(ctx, h.svc.Ready); err != nil {
			return &grpchealth.CheckResponse{Status: grpchealth.StatusNotServing}, nil
		}
		return &grpchealth.CheckResponse{Status: grpchealth.StatusServing}, nil
	})
}

type checkerFunc func(context.Context, *grpchealth.CheckRequest) (*grpchealth.CheckResponse, error)

func (f checkerFunc) Check(ctx context.Context, req *grpchealth.CheckRequest) (*grpchealth.CheckResponse, error) {
	return f(ctx, req)
}

func knownService(name string) bool {
	for _, s := range services {
		if s == name {
			return true
		}
	}
	return false
}

// rpcBody bounds an RPC's body as REST bodies are bounded, and fails with billd's own errors:
// connect-go passes a *connect.Error that the body returns through as the call's error, so a body
// past MaxBodyBytes or past the body budgets gets the same code and message on every transport.
// For gRPC and gRPC-Web it also reads the length prefix of the (unary) message and fails its read
// when that length is past MaxBodyBytes, before connect-go judges it with its own words. (A
// compressed message that inflates past MaxBodyBytes is still refused by connect-go, with its.)
type rpcBody struct {
	io.ReadCloser
	limit     int64 // of the raw body: MaxBodyBytes, and the prefix of an enveloped message
	read      int64
	enveloped bool
	prefix    [5]byte
	err       error // once failed, every read fails
}

// envelopePrefix is the size of the gRPC message prefix: a flags byte and a big-endian length.
const envelopePrefix = 5

func newRPCBody(r *http.Request) *rpcBody {
	b := &rpcBody{ReadCloser: r.Body, limit: MaxBodyBytes}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/grpc") {
		b.enveloped, b.limit = true, MaxBodyBytes+envelopePrefix
	}
	return b
}

var errRPCTooLarge = connectError(errTooLarge)

func (b *rpcBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if room := b.limit + 1 - b.read; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.ReadCloser.Read(p)
	if b.enveloped && b.read < envelopePrefix {
		copy(b.prefix[b.read:], p[:n])
		if b.read+int64(n) >= envelopePrefix && binary.BigEndian.Uint32(b.prefix[1:]) > MaxBodyBytes {
			// Fail the read of the prefix itself: one that completes it would lose the error.
			b.err = errRPCTooLarge
			return 0, b.err
		}
	}
	b.read += int64(n)
	if b.read > b.limit {
		b.err = errRPCTooLarge
		return 0, b.err
	}
	var refused *billd.Error
	if errors.As(err, &refused) {
		b.err = connectError(err) // the body budgets ran out
		return n, b.err
	}
	return n, err
}
