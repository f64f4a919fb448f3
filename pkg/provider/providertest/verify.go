package providertest

import (
	"slices"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// CheckVerify fails t unless a's Verify (fax.Verifier) agrees with its
// Normalize on raw: when Verify refuses raw, Normalize rejects it for the
// same reason, a verification reason unless raw is no webhook of a's
// accounts at all (unknown_account, say); when Normalize rejects raw for a verification
// reason, Verify refuses it for the same one — unless lenient, for a
// provider whose Normalize checks a credential Verify leaves to it (eFax's
// app id, read from a body the signature already authenticated).
func CheckVerify(t testing.TB, a fax.Normalizer, raw fax.RawMessage, lenient bool) {
	t.Helper()
	v, ok := a.(fax.Verifier)
	if !ok {
		t.Fatalf("%T is no fax.Verifier: the ingress could not refuse forgeries", a)
	}
	verr := v.Verify(raw)
	_, nerr := a.Normalize(raw)
	vr, _ := fax.ReasonOf(verr)
	nr, _ := fax.ReasonOf(nerr)
	switch {
	case verr != nil && nr != vr:
		t.Errorf("Verify refuses (%v) but Normalize gives %v", verr, nerr)
	case verr != nil && !fax.IsVerificationFailure(verr) && vr != fax.ReasonUnknownAccount && vr != fax.ReasonMalformed:
		t.Errorf("Verify = %v, want nil or a verification reason %v", verr, fax.VerificationReasons)
	case verr == nil && fax.IsVerificationFailure(nerr) && !lenient:
		t.Errorf("Verify accepts what Normalize rejects as %s: %v", nr, nerr)
	}
}

// VerifierConformance runs the checks every provider's fax.Verifier must
// pass, given a raw webhook valid for a (a verifying adapter of provider p)
// and credentials that strip every credential from an envelope (headers,
// query parameters) as a stranger who does not know them would send it.
// Whatever a stranger's request holds — nothing, garbage, a well-formed
// body — it is refused for a verification reason, never for a parsing one.
func VerifierConformance(t *testing.T, a fax.Normalizer, valid fax.RawMessage, strip func(*fax.Envelope)) {
	v, ok := a.(fax.Verifier)
	if !ok {
		t.Fatalf("%T is no fax.Verifier", a)
	}
	t.Run("a genuine webhook passes", func(t *testing.T) {
		if err := v.Verify(valid); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
	stranger := map[string]func(*fax.Envelope){
		"the genuine request without credentials": func(*fax.Envelope) {},
		"nothing at all": func(e *fax.Envelope) {
			e.Query, e.Headers, e.Body = "", map[string][]string{}, nil
		},
		"a garbage body":  func(e *fax.Envelope) { e.Body = []byte("\x00\xff{[%%garbage=&&=") },
		"a garbage query": func(e *fax.Envelope) { e.Query = "%zz&&=;==&token&apikey=%&secret" },
		"every field twice": func(e *fax.Envelope) {
			if e.Query != "" {
				e.Query += "&" + e.Query + "x"
			}
		},
		"a JSON body": func(e *fax.Envelope) { e.Body = []byte(`{"fax_id":"1","app_id":"x"}`) },
	}
	for name, edit := range stranger {
		t.Run("stranger: "+name, func(t *testing.T) {
			raw := WithEnvelope(valid, func(e *fax.Envelope) {
				e.Headers = cloneHeaders(e.Headers)
				strip(e)
				edit(e)
			})
			err := v.Verify(raw)
			if !fax.IsVerificationFailure(err) {
				t.Fatalf("Verify = %v, want a verification reason %v", err, fax.VerificationReasons)
			}
			CheckVerify(t, a, raw, false)
		})
	}
	t.Run("unknown account", func(t *testing.T) {
		raw := WithEnvelope(valid, func(e *fax.Envelope) { e.Account = "no-such-account" })
		if r, _ := fax.ReasonOf(v.Verify(raw)); r != fax.ReasonUnknownAccount {
			t.Errorf("Verify reason %q, want unknown_account", r)
		}
	})
	t.Run("no envelope", func(t *testing.T) {
		if _, ok := fax.ReasonOf(v.Verify(fax.RawMessage{StreamSeq: 1})); !ok {
			t.Error("Verify(no envelope) gave no reason")
		}
	})
}

func cloneHeaders(h map[string][]string) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Strip returns an edit that removes from an envelope the query parameters
// and headers named (case-insensitively): the credentials a stranger lacks.
func Strip(params, headers []string) func(*fax.Envelope) {
	return func(e *fax.Envelope) {
		var kept []string
		for _, part := range strings.Split(e.Query, "&") {
			name, _, _ := strings.Cut(part, "=")
			if part != "" && !slices.ContainsFunc(params, func(p string) bool { return strings.EqualFold(p, name) }) {
				kept = append(kept, part)
			}
		}
		e.Query = strings.Join(kept, "&")
		for k := range e.Headers {
			if slices.ContainsFunc(headers, func(h string) bool { return strings.EqualFold(h, k) }) {
				delete(e.Headers, k)
			}
		}
	}
}
