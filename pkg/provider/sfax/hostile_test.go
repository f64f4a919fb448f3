package sfax_test

import (
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

// TestCapturedCallbackReplayed: an attacker who captured a genuine
// callback (its token made tokenAge before the original receipt) sends it
// again, byte for byte. The ingress stamps the replay with its own receipt
// time, so within the token window it is the same event (same id: the
// dedupe absorbs it) and past the window it is token_expired.
func TestCapturedCallbackReplayed(t *testing.T) {
	a := newAdapter(t, account(true))
	genuine := raw(t, request(t, "inbound"))
	original, err := a.Normalize(genuine)
	if err != nil {
		t.Fatalf("the genuine callback: %v", err)
	}
	tests := []struct {
		name  string
		after time.Duration // from the original receipt
		want  fax.Reason    // "" for the original event again
	}{
		{name: "a minute later", after: time.Minute},
		{name: "at the end of the window", after: 15*time.Minute - tokenAge},
		{name: "a second past the window", after: 15*time.Minute - tokenAge + time.Second, want: fax.ReasonTokenExpired},
		{name: "an hour later", after: time.Hour, want: fax.ReasonTokenExpired},
		{name: "a month later", after: 30 * 24 * time.Hour, want: fax.ReasonTokenExpired},
		{name: "with a receipt time before the token's", after: -(15*time.Minute + tokenAge + time.Second), want: fax.ReasonTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			replay := providertest.WithEnvelope(genuine, func(e *fax.Envelope) {
				e.ID = "01890f5e-2b4c-7d3e-8f00-0000000000ff" // a new request
				e.ReceivedAt = e.ReceivedAt.Add(tt.after)
			})
			ev, err := a.Normalize(replay)
			if tt.want != "" {
				providertest.CheckRejected(t, replay, ev, err, tt.want)
				return
			}
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if ev.ID() != original.ID() {
				t.Fatalf("replayed event id %s, want the original's %s (so the dedupe absorbs it)", ev.ID(), original.ID())
			}
		})
	}
}

// TestCallbackReplayedToAnotherAccount: a genuine callback of one account
// sent to another account's URL is refused, whether the other account has
// its own encryption key or shares this one.
func TestCallbackReplayedToAnotherAccount(t *testing.T) {
	ownKey := account(true)
	ownKey.ID, ownKey.Username, ownKey.APIKey = "globex", "globex-master", config.Literal(otherKey)
	ownKey.EncryptionKey = config.Literal(otherKey)
	sharedKey := ownKey
	sharedKey.ID, sharedKey.EncryptionKey = "initech", account(true).EncryptionKey
	a := newAdapter(t, account(true), ownKey, sharedKey)
	tests := []struct {
		name    string
		account string
		want    fax.Reason
	}{
		{name: "an account with its own key", account: "globex", want: fax.ReasonSignatureInvalid},
		{name: "an account sharing the key", account: "initech", want: fax.ReasonCredentialsMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(t, "inbound")
			r.Account = tt.account
			providertest.Rejects(t, a, raw(t, r), tt.want)
		})
	}
}

// TestSmuggledParameters: a credential parameter sent twice with different
// values, in any order or letter case, is ambiguous: no credential was
// presented, and the callback is refused as not authentic (by the ingress
// too, so it is never stored); the adapter never picks the value that
// happens to verify.
func TestSmuggledParameters(t *testing.T) {
	good := token(t, goodToken(t), vectorKey, vectorIV)
	forged := token(t, goodToken(t), otherKey, vectorIV)
	tests := []struct {
		name string
		edit func(q string) string
		want fax.Reason
	}{
		{name: "apikey forged then genuine", edit: func(q string) string { return "apikey=" + otherKey + "&" + q }, want: fax.ReasonCredentialsMismatch},
		{name: "apikey genuine then forged", edit: func(q string) string { return q + "&apikey=" + otherKey }, want: fax.ReasonCredentialsMismatch},
		{name: "APIKEY in capitals beside apikey", edit: func(q string) string { return q + "&APIKEY=" + otherKey }, want: fax.ReasonCredentialsMismatch},
		{name: "forged token first", edit: func(q string) string { return "token=" + escapeToken(forged) + "&" + q }, want: fax.ReasonSignatureInvalid},
		{name: "Token in another case beside token", edit: func(q string) string { return q + "&Token=" + escapeToken(forged) }, want: fax.ReasonSignatureInvalid},
		{name: "token percent-encoded beside it raw, differently", edit: func(q string) string {
			return strings.Replace(q, "token="+good, "token="+good+"&token="+escapeToken(forged), 1)
		}, want: fax.ReasonSignatureInvalid},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(t, "inbound")
			r.Query = tt.edit(r.Query)
			providertest.Rejects(t, a, raw(t, r), tt.want)
			providertest.CheckVerify(t, a, raw(t, r), false)
		})
	}
}

func escapeToken(tok string) string {
	return strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(tok)
}
