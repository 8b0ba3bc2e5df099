package frontier

import "github.com/billd/billd"

// Client is an API client as billd's admin API shows it (never with its secret).
type Client struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	OrgID     string    `json:"org_id"`
	CreatedAt Timestamp `json:"created_at"`
}

// NewClient encodes a client.
func NewClient(c *billd.APIClient) *Client {
	return &Client{ID: c.ID, Name: c.Name, Role: string(c.Role), OrgID: c.OrgID, CreatedAt: Timestamp(c.CreatedAt)}
}

// CreateClientRequest is the body of POST /v1beta1/admin/clients.
type CreateClientRequest struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	OrgID string `json:"org_id"`
}

// Input converts the body to the domain's input.
func (r *CreateClientRequest) Input() billd.ClientInput {
	return billd.ClientInput{Name: r.Name, Role: billd.Role(r.Role), OrgID: r.OrgID}
}

// CreateClientResponse shows a new client with its secret and API key, once.
type CreateClientResponse struct {
	Client       *Client `json:"client"`
	ClientSecret string  `json:"client_secret"`
	APIKey       string  `json:"api_key"`
}

// Status is google.rpc.Status, the error body of the Frontier dialect.
type Status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []any  `json:"details"`
}
