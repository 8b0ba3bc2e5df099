package frontier

import "github.com/billd/billd"

// Organization is v1beta1Organization.
type Organization struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Title     string    `json:"title"`
	Metadata  Struct    `json:"metadata"`
	CreatedAt Timestamp `json:"created_at"`
	UpdatedAt Timestamp `json:"updated_at"`
	State     string    `json:"state"`
	Avatar    string    `json:"avatar"`
}

// NewOrganization encodes an organization.
func NewOrganization(o *billd.Organization) *Organization {
	return &Organization{ID: o.ID, Name: o.Name, Title: o.Title, Metadata: Struct(o.Metadata),
		CreatedAt: Timestamp(o.CreatedAt), UpdatedAt: Timestamp(o.UpdatedAt), State: string(o.State), Avatar: o.Avatar}
}

// OrganizationRequestBody is frontierv1beta1OrganizationRequestBody, the body of create and update.
type OrganizationRequestBody struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	Metadata Struct `json:"metadata"`
	Avatar   string `json:"avatar"`
}

// Input converts the body to the domain's input.
func (b *OrganizationRequestBody) Input() billd.OrganizationInput {
	return billd.OrganizationInput{Name: b.Name, Title: b.Title, Metadata: b.Metadata.metadata(), Avatar: b.Avatar}
}

// OrganizationResponse is the response of create, get and update.
type OrganizationResponse struct {
	Organization *Organization `json:"organization"`
}

// Project is frontierv1beta1Project.
type Project struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Title        string    `json:"title"`
	OrgID        string    `json:"org_id"`
	Metadata     Struct    `json:"metadata"`
	CreatedAt    Timestamp `json:"created_at"`
	UpdatedAt    Timestamp `json:"updated_at"`
	MembersCount int32     `json:"members_count"`
}

// NewProject encodes a project. billd has no members, so members_count is 0.
func NewProject(p *billd.Project) *Project {
	return &Project{ID: p.ID, Name: p.Name, Title: p.Title, OrgID: p.OrgID, Metadata: Struct(p.Metadata),
		CreatedAt: Timestamp(p.CreatedAt), UpdatedAt: Timestamp(p.UpdatedAt)}
}

// ProjectRequestBody is v1beta1ProjectRequestBody.
type ProjectRequestBody struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	Metadata Struct `json:"metadata"`
	OrgID    string `json:"org_id"`
}

// Input converts the body to the domain's input.
func (b *ProjectRequestBody) Input() billd.ProjectInput {
	return billd.ProjectInput{Name: b.Name, Title: b.Title, Metadata: b.Metadata.metadata(), OrgID: b.OrgID}
}

// ProjectResponse is the response of create, get and update.
type ProjectResponse struct {
	Project *Project `json:"project"`
}

// Empty is the response of calls that return nothing: {}.
type Empty struct{}
