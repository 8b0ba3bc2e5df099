package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/billd/billd"
)

// SignatureHeader is the HTTP header that carries an event's signature.
const SignatureHeader = "Billd-Sandbox-Signature"

// SignatureTolerance is how far an event's signing time may be from now for it to verify.
const SignatureTolerance = 5 * time.Minute

// Sign returns the signature header value of payload signed with secret at now:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>">", Stripe's scheme.
func Sign(secret, payload []byte, now time.Time) string {
	t := strconv.FormatInt(now.Unix(), 10)
	return "t=" + t + ",v1=" + hex.EncodeToString(mac(secret, t, payload))
}

// mac is the HMAC-SHA256 of "t.payload".
func mac(secret []byte, t string, payload []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(t))
	h.Write([]byte{'.'})
	h.Write(payload)
	return h.Sum(nil)
}

// errSignature is the error of every event whose signature does not verify; its cause, for logs
// only, says why.
func errSignature(why string) error {
	return &billd.Error{Code: billd.EINVALID, Message: "sandbox: webhook signature does not verify",
		Op: "sandbox: ParseEvent", Err: errors.New(why)}
}

// verify checks payload's signature header, signed with secret, as of now. Several v1 values
// may be given (as when a secret is rolled); one must match.
func verify(secret, payload []byte, header map[string][]string, now time.Time) error {
	value, ok := headerValue(header, SignatureHeader)
	if !ok {
		return errSignature("no " + SignatureHeader + " header")
	}
	var t string
	var sigs [][]byte
	for _, part := range strings.Split(value, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			t = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil && len(sig) == sha256.Size {
				sigs = append(sigs, sig)
			}
		}
	}
	unix, err := strconv.ParseInt(t, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errSignature("garbled header")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > SignatureTolerance || d < -SignatureTolerance {
		return errSignature("timestamp outside the tolerance")
	}
	want := mac(secret, t, payload)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return errSignature("no signature matches")
}

// headerValue returns the one value of a header, looked up by its canonical name and, for maps
// not built by net/http, by any spelling.
func headerValue(header map[string][]string, name string) (string, bool) {
	values := http.Header(header).Values(name)
	if len(values) == 0 {
		for k, v := range header {
			if strings.EqualFold(k, name) {
				values = v
				break
			}
		}
	}
	if len(values) != 1 || values[0] == "" {
		return "", false
	}
	return values[0], true
}
