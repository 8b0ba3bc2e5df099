package stripetest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Sign returns the Stripe-Signature header of a webhook payload signed with secret at time at,
// in Stripe's scheme: t=<unix seconds>,v1=<hex HMAC-SHA256, keyed with the secret, of
// "<t>.<payload>">. It is written from Stripe's documentation, not taken from stripe-go, so
// that a test of billd's verification does not check stripe-go against itself.
func Sign(payload []byte, secret string, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(payload)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
