package frontier

import (
	"context"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier/billdv1"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
)

// ListOrganizations lists the organizations the caller may see. billd pages with page_token, not
// page_num, and has no users to filter by.
func (s *Server) ListOrganizations(ctx context.Context, req *connect.Request[fv1.ListOrganizationsRequest]) (*connect.Response[fv1.ListOrganizationsResponse], error) {
	m := req.Msg
	if m.GetUserId() != "" {
		return nil, billd.Errorf(billd.EINVALID, "user_id is not supported: billd has API clients, not users")
	}
	page, err := numberedPageRequest(m.GetPageNum(), m.GetPageSize(), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	orgs, err := s.svc.ListOrganizations(ctx, principal(ctx), billd.OrgState(m.GetState()), page)
	if err != nil {
		return nil, err
	}
	items, next := fit(s, orgs, organization)
	return connect.NewResponse(&fv1.ListOrganizationsResponse{Organizations: items, NextPageToken: next}), nil
}

func (s *Server) CreateOrganization(ctx context.Context, req *connect.Request[fv1.CreateOrganizationRequest]) (*connect.Response[fv1.CreateOrganizationResponse], error) {
	in, err := organizationInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	o, err := s.svc.CreateOrganization(ctx, principal(ctx), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CreateOrganizationResponse{Organization: organization(o)}), nil
}

// GetOrganization finds an organization by id or by name.
func (s *Server) GetOrganization(ctx context.Context, req *connect.Request[fv1.GetOrganizationRequest]) (*connect.Response[fv1.GetOrganizationResponse], error) {
	o, err := s.svc.Organization(ctx, principal(ctx), req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.GetOrganizationResponse{Organization: organization(o)}), nil
}

func (s *Server) UpdateOrganization(ctx context.Context, req *connect.Request[fv1.UpdateOrganizationRequest]) (*connect.Response[fv1.UpdateOrganizationResponse], error) {
	in, err := organizationInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	o, err := s.svc.UpdateOrganization(ctx, principal(ctx), req.Msg.GetId(), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.UpdateOrganizationResponse{Organization: organization(o)}), nil
}

func (s *Server) ListOrganizationProjects(ctx context.Context, req *connect.Request[fv1.ListOrganizationProjectsRequest]) (*connect.Response[fv1.ListOrganizationProjectsResponse], error) {
	m := req.Msg
	page, err := pageRequest(m.GetPageSize(), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	projects, err := s.svc.ListProjects(ctx, principal(ctx), m.GetId(), billd.ProjectState(m.GetState()), page)
	if err != nil {
		return nil, err
	}
	items, next := fit(s, projects, project)
	return connect.NewResponse(&fv1.ListOrganizationProjectsResponse{Projects: items, NextPageToken: next}), nil
}

func (s *Server) EnableOrganization(ctx context.Context, req *connect.Request[fv1.EnableOrganizationRequest]) (*connect.Response[fv1.EnableOrganizationResponse], error) {
	if err := s.svc.SetOrganizationState(ctx, principal(ctx), req.Msg.GetId(), billd.OrgEnabled); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.EnableOrganizationResponse{}), nil
}

func (s *Server) DisableOrganization(ctx context.Context, req *connect.Request[fv1.DisableOrganizationRequest]) (*connect.Response[fv1.DisableOrganizationResponse], error) {
	if err := s.svc.SetOrganizationState(ctx, principal(ctx), req.Msg.GetId(), billd.OrgDisabled); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.DisableOrganizationResponse{}), nil
}

func (s *Server) DeleteOrganization(ctx context.Context, req *connect.Request[fv1.DeleteOrganizationRequest]) (*connect.Response[fv1.DeleteOrganizationResponse], error) {
	if err := s.svc.DeleteOrganization(ctx, principal(ctx), req.Msg.GetId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.DeleteOrganizationResponse{}), nil
}

func (s *Server) CreateProject(ctx context.Context, req *connect.Request[fv1.CreateProjectRequest]) (*connect.Response[fv1.CreateProjectResponse], error) {
	in, err := projectInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	p, err := s.svc.CreateProject(ctx, principal(ctx), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CreateProjectResponse{Project: project(p)}), nil
}

func (s *Server) GetProject(ctx context.Context, req *connect.Request[fv1.GetProjectRequest]) (*connect.Response[fv1.GetProjectResponse], error) {
	p, err := s.svc.Project(ctx, principal(ctx), req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.GetProjectResponse{Project: project(p)}), nil
}

func (s *Server) UpdateProject(ctx context.Context, req *connect.Request[fv1.UpdateProjectRequest]) (*connect.Response[fv1.UpdateProjectResponse], error) {
	in, err := projectInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	p, err := s.svc.UpdateProject(ctx, principal(ctx), req.Msg.GetId(), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.UpdateProjectResponse{Project: project(p)}), nil
}

func (s *Server) DeleteProject(ctx context.Context, req *connect.Request[fv1.DeleteProjectRequest]) (*connect.Response[fv1.DeleteProjectResponse], error) {
	if err := s.svc.DeleteProject(ctx, principal(ctx), req.Msg.GetId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.DeleteProjectResponse{}), nil
}

// SetOrganizationSeats sets the seats a per-seat plan charges an organization for (billd), and
// answers the organization with its seats. Platform admins only.
func (s *Server) SetOrganizationSeats(ctx context.Context, req *connect.Request[billdv1.SetOrganizationSeatsRequest]) (*connect.Response[billdv1.SetOrganizationSeatsResponse], error) {
	o, err := s.svc.SetOrganizationSeats(ctx, principal(ctx), req.Msg.GetId(), req.Msg.GetSeats())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.SetOrganizationSeatsResponse{Organization: organization(o), Seats: o.Seats}), nil
}
