package replay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/processor"
)

// Rejection is a record of FAXPIPE_REJECTED with its place in the stream.
type Rejection struct {
	Seq    uint64    `json:"seq"`    // in FAXPIPE_REJECTED
	Stored time.Time `json:"stored"` // when it was recorded
	fax.Rejected
}

// RejectionFilter selects rejections: of Provider, Account and Reason
// (empty: any), recorded at or after Since (zero: all).
type RejectionFilter struct {
	Provider fax.Provider
	Account  string
	Reason   fax.Reason
	Since    time.Time
}

// Validate reports values that are not those faxpipe records.
func (f RejectionFilter) Validate() error {
	if err := (consumer.Filter{Provider: f.Provider, Account: f.Account}).Validate(); err != nil {
		return err
	}
	names := make([]string, 0, len(fax.Reasons))
	for _, r := range fax.Reasons {
		if f.Reason == "" || f.Reason == r {
			return nil
		}
		names = append(names, string(r))
	}
	return fmt.Errorf("reason %q is not one faxpipe records (%s)", string(f.Reason), strings.Join(names, ", "))
}

func (f RejectionFilter) subject() string {
	return fax.RejectedSubject(f.Provider, f.Account, f.Reason)
}

// Rejections calls fn on each rejection f selects, oldest first, up to the
// last recorded when it starts.
func Rejections(ctx context.Context, js jetstream.JetStream, f RejectionFilter, fn func(Rejection) error) error {
	if err := f.Validate(); err != nil {
		return err
	}
	h := consumer.History{Stream: fax.RejectedStream, Subject: f.subject(), From: f.Since}
	return h.Scan(ctx, js, func(m jetstream.Msg) error {
		meta, err := m.Metadata()
		if err != nil {
			return err
		}
		r, err := decodeRejection(m.Data(), meta.Sequence.Stream, meta.Timestamp)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

// GetRejection reads the rejection of sequence seq.
func GetRejection(ctx context.Context, js jetstream.JetStream, seq uint64) (Rejection, error) {
	m, err := getMsg(ctx, js, fax.RejectedStream, seq)
	if err != nil {
		return Rejection{}, err
	}
	return decodeRejection(m.Data, m.Sequence, m.Time)
}

func decodeRejection(data []byte, seq uint64, at time.Time) (Rejection, error) {
	r := Rejection{Seq: seq, Stored: at}
	if err := json.Unmarshal(data, &r.Rejected); err != nil {
		return Rejection{}, fmt.Errorf("rejection #%d: %w", seq, err)
	}
	return r, nil
}

// ErrRawGone means a rejection's raw callback is no longer in FAXPIPE_RAW:
// it is past the stream's retention (streams.raw.max_age, or max_bytes),
// and the record, which references it rather than copying it, cannot bring
// it back.
var ErrRawGone = errors.New("raw callback no longer stored in FAXPIPE_RAW (past its retention, streams.raw)")

// RawOf returns the raw callback r rejected: the message of FAXPIPE_RAW
// it references (by sequence, checked against its id). A record written
// before rejections referenced their raw message holds a copy, used when
// the message has aged out. Otherwise a message that has aged out is
// ErrRawGone.
func RawOf(ctx context.Context, js jetstream.JetStream, r Rejection) (processor.Raw, error) {
	m, err := getMsg(ctx, js, fax.RawStream, r.RawSeq)
	if err == nil && sameCallback(m.Data, r) {
		return processor.NewRaw(m.Subject, m.Data, m.Sequence, m.Time), nil
	}
	if err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return processor.Raw{}, err
	}
	switch {
	case r.Envelope != nil:
		data, err := json.Marshal(r.Envelope)
		if err != nil {
			return processor.Raw{}, fmt.Errorf("rejection #%d: %w", r.Seq, err)
		}
		return processor.NewRaw(r.Envelope.Subject(), data, r.RawSeq, r.Envelope.ReceivedAt), nil
	case len(r.Raw) > 0:
		return processor.NewRaw(fax.RawSubject(r.Provider, r.Account), r.Raw, r.RawSeq, r.RejectedAt), nil
	}
	return processor.Raw{}, fmt.Errorf("rejection #%d: raw #%d: %w", r.Seq, r.RawSeq, ErrRawGone)
}

// sameCallback reports whether data, a raw message, is the callback r
// rejected (a stream recreated since would reuse sequences): the envelope
// id, or, for a message that is not an envelope, the SHA-256 of its bytes.
func sameCallback(data []byte, r Rejection) bool {
	id := r.RawID
	if id == "" && r.Envelope != nil {
		id = r.Envelope.ID
	}
	if id == "" {
		if r.BodySHA256 == "" {
			return true // an old record of a message that was no envelope
		}
		sum := sha256.Sum256(data)
		return hex.EncodeToString(sum[:]) == r.BodySHA256
	}
	var env struct {
		ID string `json:"id"`
	}
	return json.Unmarshal(data, &env) == nil && env.ID == id
}

func getMsg(ctx context.Context, js jetstream.JetStream, name string, seq uint64) (*jetstream.RawStreamMsg, error) {
	st, err := js.Stream(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", name, err)
	}
	m, err := st.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("%s holds no message %d: none was stored there, or its retention removed it (%w)", name, seq, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s #%d: %w", name, seq, err)
	}
	return m, nil
}

// Redrive processes the raw callbacks behind rejections through rp, as
// Replay does, and sums up. A rejection whose cause is fixed becomes its
// event; one whose event was published since counts as a duplicate; one
// still failing is rejected again. A callback that cannot be read back
// counts as failed. Repeating it is safe.
func Redrive(ctx context.Context, js jetstream.JetStream, rp Reprocessor, rejections []Rejection, opts Options) (Summary, error) {
	run, err := newRunner(ctx, rp, opts)
	if err != nil {
		return Summary{}, err
	}
	run.total(uint64(len(rejections)))
	for _, r := range rejections {
		raw, err := RawOf(run.ctx, js, r)
		if err != nil {
			if run.ctx.Err() != nil {
				return run.wait(err)
			}
			run.record(processor.NewRaw("", nil, r.RawSeq, time.Time{}), processor.Outcome{}, err)
			continue
		}
		if err := run.submit(raw); err != nil {
			return run.wait(err)
		}
	}
	return run.wait(nil)
}
