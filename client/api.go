package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// CreateOrganization creates an organization and returns its id.
func (c *Client) CreateOrganization(ctx context.Context, name, title string) (string, error) {
	var out struct {
		Organization struct {
			ID string `json:"id"`
		} `json:"organization"`
	}
	err := c.do(ctx, "POST", "/v1beta1/organizations", map[string]any{"name": name, "title": title}, &out, nil)
	return out.Organization.ID, err
}

// CreateBillingAccount creates the active billing account of an organization and returns its id.
func (c *Client) CreateBillingAccount(ctx context.Context, orgID, name string) (string, error) {
	var out struct {
		BillingAccount struct {
			ID string `json:"id"`
		} `json:"billing_account"`
	}
	err := c.do(ctx, "POST", "/v1beta1/organizations/"+orgID+"/billing",
		map[string]any{"body": map[string]any{"name": name}}, &out, nil)
	return out.BillingAccount.ID, err
}

// SetCreditMin sets an account's credit_min (platform admins).
func (c *Client) SetCreditMin(ctx context.Context, orgID, billingID string, creditMin int64) error {
	return c.do(ctx, "PUT", "/v1beta1/admin/organizations/"+orgID+"/billing/"+billingID+"/limits",
		map[string]any{"credit_min": Int64(creditMin)}, nil, nil)
}

// SetSpendLimits sets an account's hourly and monthly spend limits; 0 is no limit (platform admins).
func (c *Client) SetSpendLimits(ctx context.Context, orgID, billingID string, hourly, monthly int64) error {
	return c.do(ctx, "PUT", "/v1beta1/admin/organizations/"+orgID+"/billing/"+billingID+"/spend-limits",
		map[string]any{"hourly_spend_limit": Int64(hourly), "monthly_spend_limit": Int64(monthly)}, nil, nil)
}

// SetRecharge arms (auto) or disarms an account's automatic recharge between low and high
// (platform admins).
func (c *Client) SetRecharge(ctx context.Context, orgID, billingID string, auto bool, low, high int64) error {
	return c.do(ctx, "PUT", "/v1beta1/admin/organizations/"+orgID+"/billing/"+billingID+"/controls",
		map[string]any{"recharge": map[string]any{"auto_recharge": auto, "low": Int64(low), "high": Int64(high)}}, nil, nil)
}

// GrantCredits grants amount credits under the grant id (platform admins).
func (c *Client) GrantCredits(ctx context.Context, orgID, billingID, id string, amount int64) error {
	return c.do(ctx, "POST", "/v1beta1/admin/organizations/"+orgID+"/billing/"+billingID+"/credits",
		map[string]any{"id": id, "amount": Int64(amount), "description": "bench credits"}, nil, nil)
}

// Credentials are a new API client's id, secret and API key.
type Credentials struct {
	ID     string
	Secret string
	APIKey string
}

// CreateClient creates an API client (role "meter" for a metering service).
func (c *Client) CreateClient(ctx context.Context, name, role, orgID string) (Credentials, error) {
	var out struct {
		Client struct {
			ID string `json:"id"`
		} `json:"client"`
		Secret string `json:"client_secret"`
		APIKey string `json:"api_key"`
	}
	err := c.do(ctx, "POST", "/v1beta1/admin/clients", map[string]any{"name": name, "role": role, "org_id": orgID}, &out, nil)
	return Credentials{ID: out.Client.ID, Secret: out.Secret, APIKey: out.APIKey}, err
}

// Usage is one usage to report.
type Usage struct {
	ID     string `json:"id"`
	Amount Int64  `json:"amount"`
	Source string `json:"source,omitempty"`
}

// ReportUsage reports usages against an account, all or nothing.
func (c *Client) ReportUsage(ctx context.Context, orgID, billingID string, usages []Usage) error {
	return c.do(ctx, "POST", "/v1beta1/organizations/"+orgID+"/billing/"+billingID+"/usages",
		UsagesBody(usages), nil, nil)
}

// UsagesBody encodes the body of a usage report, {"usages": [...]}, without reflection: a
// metering client sends many.
func UsagesBody(usages []Usage) []byte {
	b := make([]byte, 0, 16+len(usages)*96)
	b = append(b, `{"usages":[`...)
	for i, u := range usages {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendString(b, u.ID)
		b = append(b, `,"amount":"`...)
		b = strconv.AppendInt(b, int64(u.Amount), 10)
		b = append(b, '"')
		if u.Source != "" {
			b = append(b, `,"source":`...)
			b = appendString(b, u.Source)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	enc, _ := json.Marshal(s)
	return append(b, enc...)
}

// RevertUsage gives back amount of a usage; a non-empty key makes a retry harmless.
func (c *Client) RevertUsage(ctx context.Context, orgID, usageID string, amount int64, key string) error {
	var header map[string]string
	if key != "" {
		header = map[string]string{"Idempotency-Key": key}
	}
	return c.do(ctx, "POST", "/v1beta1/organizations/billing/usages/revert",
		map[string]any{"org_id": orgID, "usage_id": usageID, "amount": Int64(amount)}, nil, header)
}

// Balance returns an account's balance.
func (c *Client) Balance(ctx context.Context, orgID, billingID string) (int64, error) {
	var out struct {
		Balance struct {
			Amount Int64 `json:"amount"`
		} `json:"balance"`
	}
	err := c.do(ctx, "GET", "/v1beta1/organizations/"+url.PathEscape(orgID)+"/billing/"+url.PathEscape(billingID)+"/balance", nil, &out, nil)
	return int64(out.Balance.Amount), err
}

// LedgerReport is the result of the server's ledger check.
type LedgerReport struct {
	Accounts  Int64 `json:"accounts"`
	Transfers Int64 `json:"transfers"`
	Problems  []struct {
		AccountID  string `json:"account_id"`
		TransferID string `json:"transfer_id"`
		Detail     string `json:"detail"`
	} `json:"problems"`
}

// VerifyLedger asks the server to re-sum its journal (platform admins).
func (c *Client) VerifyLedger(ctx context.Context) (LedgerReport, error) {
	var out LedgerReport
	err := c.do(ctx, "GET", "/v1beta1/admin/billing/verify", nil, &out, nil)
	return out, err
}

// DeleteOrganization closes an organization with its billing accounts and projects and revokes
// its clients; its journal stays.
func (c *Client) DeleteOrganization(ctx context.Context, orgID string) error {
	return c.do(ctx, "DELETE", "/v1beta1/organizations/"+orgID, nil, nil, nil)
}

// RevokeClient revokes an API client.
func (c *Client) RevokeClient(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/v1beta1/admin/clients/"+id, nil, nil, nil)
}
