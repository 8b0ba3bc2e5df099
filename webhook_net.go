package billd

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// Headers of a webhook delivery.
const (
	WebhookIDHeader        = "Billd-Webhook-Id"
	WebhookTimestampHeader = "Billd-Webhook-Timestamp"
	WebhookSignatureHeader = "Billd-Webhook-Signature"
)

// SignWebhook returns the signature header value of a delivery's body sent at timestamp (Unix
// seconds): "v1=" and the hex HMAC-SHA256, keyed with the webhook's secret, of timestamp, ".",
// and the body.
func SignWebhook(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// errPrivateAddress is the refusal of a receiver on an address billd does not send to.
var errPrivateAddress = errors.New("the receiver's address is private, loopback or link-local; billd sends webhooks there only when the operator allows it (--webhooks-allow-private)")

// privateAddr reports whether a is an address no webhook goes to by default: loopback, private
// (RFC 1918, fc00::/7), carrier-grade NAT, link-local, multicast or unspecified.
func privateAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(a)
}

// checkWebhookURL returns the URL of a new webhook, normalized, or EINVALID: it must be an
// absolute http or https URL with a host, no credentials, at most MaxWebhookURLBytes long and,
// unless private receivers are allowed, not on a private address (an address literal, or a name
// that resolves to one; a name that does not resolve now is taken, and checked at every connect).
func (s *Service) checkWebhookURL(ctx context.Context, raw string) (string, error) {
	if len(raw) > MaxWebhookURLBytes {
		return "", Errorf(EINVALID, "the url is longer than %d bytes", MaxWebhookURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil || u.Fragment != "" {
		return "", Errorf(EINVALID, "the url must be an absolute http or https URL with a host and no credentials or fragment")
	}
	if s.hooks.allowPrivate {
		return u.String(), nil
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if privateAddr(a) {
			return "", Errorf(EINVALID, "%s", errPrivateAddress.Error())
		}
		return u.String(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, _ := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	for _, a := range addrs {
		if privateAddr(a) {
			return "", Errorf(EINVALID, "%s", errPrivateAddress.Error())
		}
	}
	return u.String(), nil
}

// refusePrivate is a net.Dialer Control that refuses to connect to a private address: the check
// runs on the address actually dialed, after name resolution, so DNS rebinding cannot pass it.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	if privateAddr(ap.Addr()) {
		return errPrivateAddress
	}
	return nil
}

// newWebhookClient returns the HTTP client of deliveries: no proxy (it would hide the receiver's
// address), no redirects (a 3xx is an answer, and not a 2xx), the timeout, few connections, and
// the private-address check unless allowPrivate.
func newWebhookClient(timeout time.Duration, conns int, allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: timeout}
	if !allowPrivate {
		d.Control = refusePrivate
	}
	tr := &http.Transport{Proxy: nil, DialContext: d.DialContext, TLSHandshakeTimeout: timeout,
		ResponseHeaderTimeout: timeout, MaxIdleConns: conns, MaxIdleConnsPerHost: 1, MaxConnsPerHost: conns,
		IdleConnTimeout: time.Minute, MaxResponseHeaderBytes: 16 << 10}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
