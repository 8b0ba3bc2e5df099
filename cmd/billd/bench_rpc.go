package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/billd/billd/client"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
)

// transports are the ways the measured operations of `billd bench` can reach the server, and what
// each is.
var transports = map[string]string{
	"rest":          "REST (Frontier's paths, JSON over HTTP/1.1)",
	"connect-json":  "Connect, JSON over HTTP/1.1",
	"connect-proto": "Connect, binary protobuf over HTTP/1.1",
	"grpc":          "gRPC, binary protobuf over HTTP/2 without TLS (h2c)",
}

// rpcClient is a benchClient that sends through the generated connect-go clients of
// FrontierService and AdminService, in one of the RPC transports.
type rpcClient struct {
	frontier fc.FrontierServiceClient
	admin    fc.AdminServiceClient
	auth     string // the Authorization header
	http     *http.Client
}

// newRPCClient returns a client of the server at target speaking transport (connect-json,
// connect-proto or grpc) with the credentials; conns is the number of connections an HTTP/1.1
// transport keeps open to the server (gRPC multiplexes its requests over HTTP/2).
func newRPCClient(transport, target, clientID, secret string, conns int) (*rpcClient, error) {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
	}
	var opts []connect.ClientOption
	switch transport {
	case "connect-json":
		opts = append(opts, connect.WithProtoJSON())
	case "connect-proto": // connect-go's default: Connect with binary protobuf
	case "grpc":
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		tr.Protocols = &p
		tr.MaxConnsPerHost = 0 // HTTP/2 opens another connection only when one's streams are all taken
		opts = append(opts, connect.WithGRPC())
	default:
		return nil, fmt.Errorf("no RPC transport %q", transport)
	}
	hc := &http.Client{Timeout: 60 * time.Second, Transport: tr}
	return &rpcClient{
		frontier: fc.NewFrontierServiceClient(hc, target, opts...),
		admin:    fc.NewAdminServiceClient(hc, target, opts...),
		auth:     "Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+secret)),
		http:     hc,
	}, nil
}

// request wraps msg in a request with the client's credentials.
func rpcRequest[T any](c *rpcClient, msg *T) *connect.Request[T] {
	r := connect.NewRequest(msg)
	r.Header().Set("Authorization", c.auth)
	return r
}

// ReportUsage implements benchClient with FrontierService.CreateBillingUsage.
func (c *rpcClient) ReportUsage(ctx context.Context, orgID, billingID string, usages []client.Usage) error {
	msg := &fv1.CreateBillingUsageRequest{OrgId: orgID, BillingId: billingID, Usages: make([]*fv1.Usage, len(usages))}
	for i, u := range usages {
		msg.Usages[i] = &fv1.Usage{Id: u.ID, Amount: int64(u.Amount), Source: u.Source}
	}
	_, err := c.frontier.CreateBillingUsage(ctx, rpcRequest(c, msg))
	return err
}

// RevertUsage implements benchClient with AdminService.RevertBillingUsage; a non-empty key goes in
// the Idempotency-Key header, as on the REST path.
func (c *rpcClient) RevertUsage(ctx context.Context, orgID, usageID string, amount int64, key string) error {
	r := rpcRequest(c, &fv1.RevertBillingUsageRequest{OrgId: orgID, UsageId: usageID, Amount: amount})
	if key != "" {
		r.Header().Set("Idempotency-Key", key)
	}
	_, err := c.admin.RevertBillingUsage(ctx, r)
	return err
}

// Balance implements benchClient with FrontierService.GetBillingBalance.
func (c *rpcClient) Balance(ctx context.Context, orgID, billingID string) (int64, error) {
	res, err := c.frontier.GetBillingBalance(ctx, rpcRequest(c, &fv1.GetBillingBalanceRequest{OrgId: orgID, Id: billingID}))
	if err != nil {
		return 0, err
	}
	return res.Msg.GetBalance().GetAmount(), nil
}

// close closes the client's idle connections.
func (c *rpcClient) close() { c.http.CloseIdleConnections() }

// answerStatus returns the HTTP status of err if it is the server's error answer: a REST answer's
// own status, or the status the Connect protocol gives an RPC error's code (so that a refusal to
// queue is 503 and a duplicate 409 whatever the transport). It returns false for anything else: a
// transport failure, a timeout, or an error the RPC client made up itself.
func answerStatus(err error) (int, bool) {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Status, true
	}
	var ce *connect.Error
	if errors.As(err, &ce) && connect.IsWireError(ce) {
		if status, ok := rpcStatus[ce.Code()]; ok {
			return status, true
		}
		return http.StatusInternalServerError, true
	}
	return 0, false
}

// rpcStatus is the Connect protocol's HTTP status for each code.
var rpcStatus = map[connect.Code]int{
	connect.CodeCanceled:           499,
	connect.CodeUnknown:            http.StatusInternalServerError,
	connect.CodeInvalidArgument:    http.StatusBadRequest,
	connect.CodeDeadlineExceeded:   http.StatusGatewayTimeout,
	connect.CodeNotFound:           http.StatusNotFound,
	connect.CodeAlreadyExists:      http.StatusConflict,
	connect.CodePermissionDenied:   http.StatusForbidden,
	connect.CodeResourceExhausted:  http.StatusTooManyRequests,
	connect.CodeFailedPrecondition: http.StatusBadRequest,
	connect.CodeAborted:            http.StatusConflict,
	connect.CodeOutOfRange:         http.StatusBadRequest,
	connect.CodeUnimplemented:      http.StatusNotImplemented,
	connect.CodeInternal:           http.StatusInternalServerError,
	connect.CodeUnavailable:        http.StatusServiceUnavailable,
	connect.CodeDataLoss:           http.StatusInternalServerError,
	connect.CodeUnauthenticated:    http.StatusUnauthorized,
}

// rpcErrorKind names the kind of an RPC's error answer: its code and message; false if err is not
// one.
func rpcErrorKind(err error) (string, bool) {
	var ce *connect.Error
	if !errors.As(err, &ce) || !connect.IsWireError(ce) {
		return "", false
	}
	return fmt.Sprintf("RPC code %d (%s): %s", ce.Code(), ce.Code(), ce.Message()), true
}
