package frontier

import (
	"context"
	"strings"

	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier/billdv1/billdv1connect"
	"github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Server implements FrontierService, AdminService and billd's BilldService over svc. Its methods
// take the caller from the context (WithPrincipal) and return billd errors, which each transport
// maps to its own shape through one table.
type Server struct {
	svc              *billd.Service
	maxResponseBytes int
}

var (
	_ frontierv1beta1connect.FrontierServiceHandler = (*Server)(nil)
	_ frontierv1beta1connect.AdminServiceHandler    = (*Server)(nil)
	_ billdv1connect.BilldServiceHandler            = (*Server)(nil)
)

// NewServer returns the dialect's handlers over svc. A list answer stops before the item that
// would take its JSON encoding past maxResponseBytes, and hands out next_page_token for the rest.
func NewServer(svc *billd.Service, maxResponseBytes int) *Server {
	return &Server{svc: svc, maxResponseBytes: maxResponseBytes}
}

type principalKey struct{}

// WithPrincipal returns ctx carrying the authenticated caller of a request.
func WithPrincipal(ctx context.Context, p billd.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principal returns the caller WithPrincipal stored; none is a principal with no rights.
func principal(ctx context.Context) billd.Principal {
	p, _ := ctx.Value(principalKey{}).(billd.Principal)
	return p
}

// IdempotencyKeyHeader is the request header that makes a retried revert or grant harmless when
// the request itself carries no id.
const IdempotencyKeyHeader = "Idempotency-Key"

// pageRequest reads the paging fields billd adds to list requests.
func pageRequest(size int32, token string) (billd.PageRequest, error) {
	if size < 0 {
		return billd.PageRequest{}, billd.Errorf(billd.EINVALID, "page_size must be a non-negative integer, got %d", size)
	}
	return billd.PageRequest{PageSize: int(size), PageToken: token}, nil
}

// numberedPageRequest is pageRequest for Frontier's admin lists, whose requests also carry
// page_num: billd pages with tokens, so only the first page (page_num 0 or 1) can be asked by
// number.
func numberedPageRequest(num, size int32, token string) (billd.PageRequest, error) {
	if num < 0 {
		return billd.PageRequest{}, billd.Errorf(billd.EINVALID, "page_num must be a non-negative integer, got %d", num)
	}
	if num > 1 {
		return billd.PageRequest{}, billd.Errorf(billd.EINVALID, "page_num is not supported: pass next_page_token as page_token")
	}
	return pageRequest(size, token)
}

// expands reads expand values, each of which may list several names separated by commas.
func expands(values []string) map[string]bool {
	out := map[string]bool{}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out[strings.ToLower(part)] = true
			}
		}
	}
	return out
}

// expandsOrganization reports whether expand asks for the organization (as "organization" or "org").
func expandsOrganization(values []string) bool {
	e := expands(values)
	return e["organization"] || e["org"]
}

// listJSON measures list items as REST writes them, the largest of the wire forms.
var listJSON = protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}

// listTailBytes is room for what follows a list's items: the closing bytes and the page token
// (a base64 cursor of about 100 bytes).
const listTailBytes = 256

// fit encodes a page's items with encode and cuts the page before the item that would take the
// answer past the server's response budget (a page holds one item at least), so that a caller
// walking the pages gets every item exactly once. It returns the messages and the page's token.
func fit[T any, M proto.Message](s *Server, page billd.Page[T], encode func(T) M) ([]M, string) {
	out := make([]M, 0, len(page.Items))
	budget := s.maxResponseBytes - listTailBytes
	for _, item := range page.Items {
		m := encode(item)
		size := proto.Size(m)
		if len(page.Items) > 1 {
			if b, err := listJSON.Marshal(m); err == nil {
				size = len(b) + 1
			}
		}
		if len(out) > 0 && size > budget {
			break
		}
		budget -= size
		out = append(out, m)
	}
	return out, page.Truncate(len(out)).NextPageToken
}
