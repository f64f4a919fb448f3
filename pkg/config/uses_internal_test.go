package config

import "testing"

// TestUsesOfPath: who uses a secret outside the accounts, by its path; a
// path the rules do not know is used by every process.
func TestUsesOfPath(t *testing.T) {
	tests := []struct {
		field string
		want  Uses
	}{
		{"pipeline.key", SealsEnvelopes},
		{"pipeline.previous_keys[2]", SealsEnvelopes},
		{"nats.password", UseNATS},
		{"nats.token", UseNATS},
		{"nats.embedded.encryption.key", UseEmbeddedBroker},
		{"nats.embedded.users[0].password", UseEmbeddedBroker},
		{"admin.metrics_token", RunsAdminServer},
		{"ingress.token", UseAll},
		{"pipeline.keyring", UseAll},
	}
	for _, tt := range tests {
		if got := usesOfPath(tt.field); got != tt.want {
			t.Errorf("usesOfPath(%q) = %s, want %s", tt.field, got, tt.want)
		}
	}
	if RunsAdminServer&(UseNATS|UseSimulator) != 0 {
		t.Errorf("a tool runs the admin server: %s", RunsAdminServer)
	}
	if SealsEnvelopes&UseDownloader != 0 {
		t.Errorf("the downloader uses the pipeline key: %s", SealsEnvelopes)
	}
}
