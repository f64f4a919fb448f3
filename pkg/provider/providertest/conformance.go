package providertest

import (
	"bytes"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Conformance runs the checks every fax.Normalizer must pass, given a raw
// message valid for a, an adapter of provider p.
func Conformance(t *testing.T, p fax.Provider, a fax.Normalizer, valid fax.RawMessage) {
	t.Run("valid message gives a valid event", func(t *testing.T) {
		ev, err := a.Normalize(valid)
		if err != nil {
			t.Fatalf("Normalize: %v", err)
		}
		env := valid.Envelope
		if ev.Provider != p || ev.Account != env.Account || ev.RawRef != (fax.RawRef{ID: env.ID, StreamSeq: valid.StreamSeq}) || !ev.ReceivedAt.Equal(env.ReceivedAt) {
			t.Errorf("event provider/account/raw_ref/received_at = %s %s %+v %s, want those of the envelope", ev.Provider, ev.Account, ev.RawRef, ev.ReceivedAt)
		}
		CheckEvent(t, ev)
	})
	t.Run("replay gives the same event id and bytes", func(t *testing.T) {
		ev1, err1 := a.Normalize(valid)
		replay := valid
		replay.StreamSeq += 1000
		ev2, err2 := a.Normalize(replay)
		if err1 != nil || err2 != nil {
			t.Fatalf("Normalize: %v, %v", err1, err2)
		}
		if ev1.ID() != ev2.ID() {
			t.Errorf("replayed event id %s, want %s", ev2.ID(), ev1.ID())
		}
		ev3, err := a.Normalize(valid)
		if err != nil {
			t.Fatal(err)
		}
		e1, _ := ev1.Encode()
		if e3, _ := ev3.Encode(); !bytes.Equal(e1.Data, e3.Data) {
			t.Errorf("the same raw message gave two encodings:\n%s\n%s", e1.Data, e3.Data)
		}
	})
	t.Run("unknown account", func(t *testing.T) {
		raw := WithEnvelope(valid, func(e *fax.Envelope) { e.Account = "no-such-account" })
		ev, err := a.Normalize(raw)
		CheckRejected(t, raw, ev, err, fax.ReasonUnknownAccount)
	})
	t.Run("envelope of another provider", func(t *testing.T) {
		other := fax.Sfax
		if p == fax.Sfax {
			other = fax.EFax
		}
		raw := WithEnvelope(valid, func(e *fax.Envelope) { e.Provider = other })
		ev, err := a.Normalize(raw)
		CheckRejected(t, raw, ev, err, fax.ReasonMalformed)
	})
	t.Run("no envelope", func(t *testing.T) {
		ev, err := a.Normalize(fax.RawMessage{StreamSeq: 1})
		if _, ok := fax.ReasonOf(err); !ok || ev.FaxID != "" {
			t.Fatalf("Normalize(no envelope) = %+v, %v; want a rejection", ev, err)
		}
	})
}

// WithEnvelope returns raw with a copy of its envelope changed by edit; raw
// itself is untouched. Headers and Body are shared with raw: replace them,
// do not modify them in place.
func WithEnvelope(raw fax.RawMessage, edit func(*fax.Envelope)) fax.RawMessage {
	env := *raw.Envelope
	edit(&env)
	raw.Envelope = &env
	return raw
}
