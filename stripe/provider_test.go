package stripe

import (
	"context"
	"net/http"
	"testing"

	"github.com/billd/billd"
	stripego "github.com/stripe/stripe-go/v85"
)

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Key: "sk_test_123", APIBase: "127.0.0.1:12111"},
		{Key: "sk_test_123", APIBase: "ftp://127.0.0.1"},
		{Key: "sk_test_123", APIBase: "http://"},
	} {
		if _, err := New(cfg); billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("New(%+v) = %v, want EINVALID", cfg, err)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	p, err := New(Config{Key: "sk_test_123", WebhookSecrets: []string{"", testSecret1}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "stripe" {
		t.Errorf("Name = %q", p.Name())
	}
	if len(p.secrets) != 1 || p.secrets[0] != testSecret1 {
		t.Errorf("secrets = %q, want the one non-empty secret", p.secrets)
	}
}

// Two providers in one process keep their own key, base URL and HTTP client: one pointed at an
// unreachable address does not move the other, and stripe-go's global key stays unset.
func TestProvidersShareNoState(t *testing.T) {
	p, rec := testProvider(t)
	other, err := newProvider(Config{Key: "sk_test_other", APIBase: "http://127.0.0.1:1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.PortalURL(context.Background(), "cus_1", ""); billd.ErrorCode(err) != billd.EUNAVAILABLE {
		t.Errorf("the unreachable provider: %v, want EUNAVAILABLE", err)
	}
	if _, err := p.CreateCustomer(context.Background(), &billd.BillingAccount{ID: "acc_1"}); err != nil {
		t.Fatal(err)
	}
	req := rec.last(t, http.MethodPost, "/v1/customers")
	if got := req.Header.Get("Authorization"); got != "Bearer sk_test_123" {
		t.Errorf("Authorization = %q, want the provider's own key", got)
	}
	if stripego.Key != "" {
		t.Errorf("stripe-go's global key is %q, want it unset", stripego.Key)
	}
}
