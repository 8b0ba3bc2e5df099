package stripe

import (
	"net/http"
	"net/url"
	"time"

	"github.com/billd/billd"
	stripego "github.com/stripe/stripe-go/v85"
)

// DefaultHTTPTimeout bounds each request to Stripe when Config.HTTPClient is nil.
const DefaultHTTPTimeout = 30 * time.Second

// Config configures a Provider.
type Config struct {
	// Key is the secret API key (sk_live_…, sk_test_… or rk_…). Required.
	Key string
	// APIBase is the base URL of the API; empty is Stripe's. stripe-mock listens at
	// http://127.0.0.1:12111 by default.
	APIBase string
	// WebhookSecrets are the signing secrets (whsec_…) of the webhook endpoint; a delivery
	// verifies if any of them verifies it, so that a secret can be rolled. With none, every
	// delivery is refused.
	WebhookSecrets []string
	// HTTPClient makes the requests; nil is a client with DefaultHTTPTimeout.
	HTTPClient *http.Client
}

// Provider is the Stripe billd.Provider. It is safe for concurrent use.
type Provider struct {
	api     *stripego.Client
	secrets []string
	now     func() time.Time // the clock of checkout expiry; time.Now
}

var _ billd.Provider = (*Provider)(nil)

// New returns a Provider of cfg. It returns an EINVALID error if the key is missing or the API
// base is not an http(s) URL; it makes no request.
func New(cfg Config) (*Provider, error) {
	return newProvider(cfg, stripego.DefaultMaxNetworkRetries)
}

// newProvider is New with the number of times stripe-go retries a request that failed on the
// network or with a retryable status (tests of an unreachable API set it to 0).
func newProvider(cfg Config, retries int64) (*Provider, error) {
	if cfg.Key == "" {
		return nil, billd.Errorf(billd.EINVALID, "stripe: an API key is required")
	}
	backend := &stripego.BackendConfig{
		HTTPClient:        cfg.HTTPClient,
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull}, // errors are returned, and logged by billd
		MaxNetworkRetries: stripego.Int64(retries),
	}
	if backend.HTTPClient == nil {
		backend.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if cfg.APIBase != "" {
		u, err := url.Parse(cfg.APIBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, billd.Errorf(billd.EINVALID, "stripe: API base %q is not an http(s) URL", cfg.APIBase)
		}
		backend.URL = stripego.String(cfg.APIBase)
	}
	var secrets []string
	for _, s := range cfg.WebhookSecrets {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	backends := stripego.NewBackendsWithConfig(backend)
	return &Provider{
		api:     stripego.NewClient(cfg.Key, stripego.WithBackends(backends)),
		secrets: secrets,
		now:     time.Now,
	}, nil
}

// Name is "stripe".
func (p *Provider) Name() string { return "stripe" }

// optional is s for a Stripe parameter, nil (left out) when it is empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// unix is a Stripe timestamp as a time; 0 is the zero time.
func unix(t int64) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0).UTC()
}

// idempotencyKey is the Idempotency-Key of a create request for billd's object id, so that a
// retried call makes one Stripe object; nil (stripe-go makes one per call) when id is empty.
func idempotencyKey(kind, id string, parts ...string) *string {
	if id == "" {
		return nil
	}
	key := "billd-" + kind + "-" + id
	for _, p := range parts {
		key += "-" + p
	}
	return &key
}
