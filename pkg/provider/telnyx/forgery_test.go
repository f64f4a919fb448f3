package telnyx_test

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
)

// withMediaURL returns the inbound fixture with its media_url replaced
// by u (JSON), correctly signed: only the URL check can refuse it.
func withMediaURL(t testing.TB, u string) providertest.Request {
	r := providertest.LoadRequest(t, "testdata/inbound.request.json")
	i := strings.Index(r.Body, `"media_url":`)
	j := i + len(`"media_url":`) + strings.Index(r.Body[i+len(`"media_url":`):], `",`) + 1
	r.Body = r.Body[:i] + `"media_url":` + u + r.Body[j:]
	return signed(r, testKey, signedAt)
}

// TestForgeriesProduceNoEvent: a Telnyx callback signed with the wrong
// key, altered after signing, stamped too long before or after its
// receipt, or replayed — its signature under another timestamp, or the
// whole request outside the window — is refused by the ingress's check
// (Verify) and by the processor (Normalize): no event.
func TestForgeriesProduceNoEvent(t *testing.T) {
	tol := telnyx.DefaultTolerance
	tests := []struct {
		name string
		req  func(t testing.TB) providertest.Request
		at   time.Time // receipt time; zero: providertest.ReceivedAt
		want fax.Reason
	}{
		{name: "signed with another key", req: func(t testing.TB) providertest.Request {
			return signed(providertest.LoadRequest(t, "testdata/inbound.request.json"), otherKey, signedAt)
		}, want: fax.ReasonSignatureInvalid},
		{name: "body altered after signing", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Body = strings.Replace(r.Body, `"page_count":2`, `"page_count":3`, 1)
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "a byte appended to the body", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Body += " "
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "media link swapped after signing", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Body = strings.Replace(r.Body, "faxes-prod", "faxes-evil", 1)
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "replayed signature under a fresh timestamp", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Headers[telnyx.TimestampHeader] = []string{strconv.FormatInt(providertest.ReceivedAt.Unix(), 10)}
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "timestamp with a leading zero", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Headers[telnyx.TimestampHeader] = []string{"0" + r.Headers[telnyx.TimestampHeader][0]}
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "stale timestamp, genuinely signed", req: func(t testing.TB) providertest.Request {
			return signed(providertest.LoadRequest(t, "testdata/inbound.request.json"), testKey, providertest.ReceivedAt.Add(-tol-time.Second))
		}, want: fax.ReasonTokenExpired},
		{name: "timestamp in the future, genuinely signed", req: func(t testing.TB) providertest.Request {
			return signed(providertest.LoadRequest(t, "testdata/inbound.request.json"), testKey, providertest.ReceivedAt.Add(tol+time.Second))
		}, want: fax.ReasonTokenExpired},
		{name: "the whole request replayed after the window", req: func(t testing.TB) providertest.Request {
			return request(t, "inbound")
		}, at: signedAt.Add(tol + time.Second), want: fax.ReasonTokenExpired},
		{name: "signature missing", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			delete(r.Headers, telnyx.SignatureHeader)
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "timestamp missing", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			delete(r.Headers, telnyx.TimestampHeader)
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "two signatures", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Headers[telnyx.SignatureHeader] = append(r.Headers[telnyx.SignatureHeader], r.Headers[telnyx.SignatureHeader][0])
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "signature truncated", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Headers[telnyx.SignatureHeader] = []string{r.Headers[telnyx.SignatureHeader][0][:40]}
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "signature of zeros", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Headers[telnyx.SignatureHeader] = []string{base64.StdEncoding.EncodeToString(make([]byte, 64))}
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "media_url on another host", req: func(t testing.TB) providertest.Request {
			return withMediaURL(t, `"https://evil.example/f.pdf"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "media_url over http", req: func(t testing.TB) providertest.Request {
			return withMediaURL(t, `"http://s3.amazonaws.com/f.pdf"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "media_url at a metadata address", req: func(t testing.TB) providertest.Request {
			return withMediaURL(t, `"https://169.254.169.254/latest/meta-data/"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "media_url with the media host as user info", req: func(t testing.TB) providertest.Request {
			return withMediaURL(t, `"https://s3.amazonaws.com@evil.example/f.pdf"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "media_url not a string", req: func(t testing.TB) providertest.Request {
			return withMediaURL(t, `{"url":"https://s3.amazonaws.com/f.pdf"}`)
		}, want: fax.ReasonUntrustedResourceURL},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rm := raw(t, tt.req(t))
			if !tt.at.IsZero() {
				rm.Envelope.ReceivedAt = tt.at
			}
			providertest.Rejects(t, a, rm, tt.want)
			verr := a.(fax.Verifier).Verify(rm)
			if tt.want == fax.ReasonUntrustedResourceURL {
				if verr != nil {
					t.Errorf("Verify = %v: the signature is genuine; the URL is the processor's check", verr)
				}
				return
			}
			if r, _ := fax.ReasonOf(verr); r != tt.want {
				t.Errorf("Verify = %v, want %s", verr, tt.want)
			}
		})
	}
}

// TestReplayWithinTheWindowIsTheSameEvent: the very request received
// again within the tolerance verifies and gives the same event id, which
// deduplication then drops; received again later than that, it is
// refused.
func TestReplayWithinTheWindowIsTheSameEvent(t *testing.T) {
	a := newAdapter(t, account(true))
	first := raw(t, request(t, "inbound"))
	again := providertest.WithEnvelope(first, func(e *fax.Envelope) { e.ReceivedAt = signedAt.Add(telnyx.DefaultTolerance) })
	ev1, err1 := a.Normalize(first)
	ev2, err2 := a.Normalize(again)
	if err1 != nil || err2 != nil || ev1.ID() != ev2.ID() {
		t.Fatalf("within the window: %v, %v, ids %s %s; want the same event", err1, err2, ev1.ID(), ev2.ID())
	}
	late := providertest.WithEnvelope(first, func(e *fax.Envelope) { e.ReceivedAt = signedAt.Add(telnyx.DefaultTolerance + time.Second) })
	providertest.Rejects(t, a, late, fax.ReasonTokenExpired)
}

// TestVerificationOffStillGuardsMediaLinks: an account with verify: false
// takes unsigned webhooks, but never an untrusted media link.
func TestVerificationOffStillGuardsMediaLinks(t *testing.T) {
	a := newAdapter(t, account(false))
	r := withMediaURL(t, `"https://evil.example/f.pdf"`)
	delete(r.Headers, telnyx.SignatureHeader)
	providertest.Rejects(t, a, raw(t, r), fax.ReasonUntrustedResourceURL)
	unsigned := request(t, "inbound")
	delete(unsigned.Headers, telnyx.SignatureHeader)
	if _, err := a.Normalize(raw(t, unsigned)); err != nil {
		t.Errorf("verify: false, unsigned: %v", err)
	}
}

// TestPublicKeyForms: the raw base64 key, its SubjectPublicKeyInfo and
// its PEM block all read; garbage does not.
func TestPublicKeyForms(t *testing.T) {
	pub := testKey.Public()
	raw := publicKey(testKey)
	der := spki(t, pub)
	forms := map[string]string{
		"raw base64":    raw,
		"SPKI base64":   base64.StdEncoding.EncodeToString(der),
		"PEM":           "-----BEGIN PUBLIC KEY-----\n" + base64.StdEncoding.EncodeToString(der) + "\n-----END PUBLIC KEY-----\n",
		"padded spaces": "  " + raw + "\n",
	}
	for name, s := range forms {
		k, err := telnyx.ParsePublicKey(s)
		if err != nil || !k.Equal(pub) {
			t.Errorf("%s: %v, %v", name, k, err)
		}
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(make([]byte, 31))} {
		if _, err := telnyx.ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) succeeded", bad)
		}
	}
}
