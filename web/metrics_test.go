package web

import "testing"

// TestRPCTransport: an RPC's transport is named by its Content-Type, as connect-go tells them.
func TestRPCTransport(t *testing.T) {
	for ct, want := range map[string]string{
		"application/json":           "connect",
		"application/proto":          "connect",
		"application/connect+proto":  "connect",
		"application/grpc":           "grpc",
		"application/grpc+proto":     "grpc",
		"application/grpc-web":       "grpc-web",
		"application/grpc-web-text":  "grpc-web",
		"application/grpc-web+proto": "grpc-web",
	} {
		if got := rpcTransport(ct); got != want {
			t.Errorf("rpcTransport(%q) = %s, want %s", ct, got, want)
		}
	}
}
