package config_test

import (
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"nats://nats:4222":                 "nats://nats:4222",
		"nats://alice:s3cret@nats:4222":    "nats://xxxxx@nats:4222",
		"nats://alice:s3c%zzret@nats:4222": "nats://xxxxx@nats:4222", // does not parse
		"nats://alice:p@ss@nats:4222":      "nats://xxxxx@nats:4222",
		"tls://s3cret-token@nats:4222":     "tls://xxxxx@nats:4222", // a token alone
	} {
		if got := config.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestURLErrorHidesPassword: a nats.url that does not parse is named in the
// error without its password.
func TestURLErrorHidesPassword(t *testing.T) {
	_, err := config.Load("", env(map[string]string{
		"FAXPIPE_NATS_URL":     "nats://alice:s3c%zzret@nats:4222",
		"FAXPIPE_PIPELINE_KEY": "",
	}), nil)
	if err == nil || !strings.Contains(err.Error(), "nats.url") || strings.Contains(err.Error(), "s3c") {
		t.Fatalf("err = %v, want a nats.url error without the password", err)
	}
}
