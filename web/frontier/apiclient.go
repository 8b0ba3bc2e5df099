package frontier

import (
	"context"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier/billdv1"
)

// CreateClient creates an API client; the answer holds its secret and API key, shown only now.
func (s *Server) CreateClient(ctx context.Context, req *connect.Request[billdv1.CreateClientRequest]) (*connect.Response[billdv1.CreateClientResponse], error) {
	m := req.Msg
	c, err := s.svc.CreateClient(ctx, principal(ctx), billd.ClientInput{Name: m.GetName(), Role: billd.Role(m.GetRole()), OrgID: m.GetOrgId()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.CreateClientResponse{Client: apiClient(c.Client), ClientSecret: c.Secret, ApiKey: c.APIKey}), nil
}

func (s *Server) ListClients(ctx context.Context, req *connect.Request[billdv1.ListClientsRequest]) (*connect.Response[billdv1.ListClientsResponse], error) {
	m := req.Msg
	page, err := pageRequest(m.GetPageSize(), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	clients, err := s.svc.ListClients(ctx, principal(ctx), m.GetOrgId(), page)
	if err != nil {
		return nil, err
	}
	items, next := fit(s, clients, apiClient)
	return connect.NewResponse(&billdv1.ListClientsResponse{Clients: items, NextPageToken: next}), nil
}

func (s *Server) RevokeClient(ctx context.Context, req *connect.Request[billdv1.RevokeClientRequest]) (*connect.Response[billdv1.RevokeClientResponse], error) {
	if err := s.svc.RevokeClient(ctx, principal(ctx), req.Msg.GetId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.RevokeClientResponse{}), nil
}
