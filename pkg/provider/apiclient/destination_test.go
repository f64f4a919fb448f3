package apiclient_test

import (
	"context"
	"errors"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/provider/apiclient"
)

// TestCheckDestination: CheckDestination applies the client's own rules
// to an API base URL ahead of any request.
func TestCheckDestination(t *testing.T) {
	tests := []struct {
		name         string
		base         string
		allowPrivate bool
		ok           bool
	}{
		{"loopback, private networks allowed", "http://127.0.0.1:9601", true, true},
		{"loopback refused", "http://127.0.0.1:9601", false, false},
		{"private refused", "https://10.1.2.3", false, false},
		{"cloud metadata, even with private networks", "http://169.254.169.254/latest", true, false},
		{"IPv6 loopback allowed", "http://[::1]:9601", true, true},
		{"user info", "https://user:pass@127.0.0.1", true, false},
		{"not http", "ftp://127.0.0.1", true, false},
		{"relative", "/api", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := apiclient.CheckDestination(context.Background(), apiclient.Options{AllowPrivateNetworks: tt.allowPrivate}, tt.base)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, apiclient.ErrUntrustedDestination)) {
				t.Errorf("CheckDestination(%q) = %v, want ok %v (else ErrUntrustedDestination)", tt.base, err, tt.ok)
			}
		})
	}
}
