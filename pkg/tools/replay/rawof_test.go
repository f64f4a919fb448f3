package replay_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/replay"
)

// TestRawOfFollowsTheReference: a rejection names its raw message by
// sequence and id; RawOf reads it from FAXPIPE_RAW, says ErrRawGone when it
// is no longer there (or the sequence holds another callback), and still
// reads the copy inside a record of the older format.
func TestRawOfFollowsTheReference(t *testing.T) {
	js := broker(t)
	env := &fax.Envelope{Schema: fax.EnvelopeSchema, ID: "01890f5e-2b4c-7d3e-8f00-0123456789ab", Provider: fax.EFax,
		Account: "demo", ReceivedAt: time.Now().UTC(), Body: []byte(`{"fax_id":"1"}`)}
	data, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(t.Context(), env.Subject(), data); err != nil {
		t.Fatal(err)
	}
	ref := fax.NewRejected(fax.RawMessage{Envelope: env, StreamSeq: 1}, fax.ReasonSignatureInvalid, time.Now())
	other := ref
	other.RawID = "01890f5e-2b4c-7d3e-8f00-0000000000ff"
	gone := ref
	gone.RawSeq = 99
	old := gone
	old.RawID, old.Envelope = "", env
	cases := []struct {
		name    string
		r       fax.Rejected
		wantErr error
		wantSeq uint64
	}{
		{"referenced message stored", ref, nil, 1},
		{"sequence holds another callback", other, replay.ErrRawGone, 0},
		{"past retention", gone, replay.ErrRawGone, 0},
		{"older record with the envelope inside", old, nil, 99},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := replay.RawOf(t.Context(), js, replay.Rejection{Seq: 1, Rejected: c.r})
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("RawOf = %v, want %v", err, c.wantErr)
			}
			if err != nil {
				return
			}
			var got fax.Envelope
			if err := json.Unmarshal(raw.Data(), &got); err != nil || got.ID != env.ID || raw.Seq() != c.wantSeq {
				t.Errorf("raw #%d %s (%v), want #%d the envelope %s", raw.Seq(), raw.Data(), err, c.wantSeq, env.ID)
			}
		})
	}
}

// TestGetRejectionNotStoredSaysSo: `rejected show SEQ` of a sequence
// FAXPIPE_REJECTED does not hold says so in words, and the error is still
// jetstream.ErrMsgNotFound.
func TestGetRejectionNotStoredSaysSo(t *testing.T) {
	js := broker(t)
	_, err := replay.GetRejection(t.Context(), js, 42)
	if !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Fatalf("GetRejection = %v, want jetstream.ErrMsgNotFound", err)
	}
	if want := "FAXPIPE_REJECTED holds no message 42"; !strings.Contains(err.Error(), want) {
		t.Errorf("GetRejection = %q, want it to say %q", err, want)
	}
}
