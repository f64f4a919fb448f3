package processor

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/reprocess"
)

// reject records raw in FAXPIPE_REJECTED with the reason cause wraps. It
// returns nil once the rejection is stored (the raw message is then done),
// or a transient error.
func (p *Processor) reject(ctx context.Context, m rawMsg, raw fax.RawMessage, cause error) (reprocess.Outcome, error) {
	r := fax.NewRejected(raw, cause, p.deps.Now())
	msgID := "rejected-" + r.Reason.Error() + "-"
	if raw.Envelope == nil {
		r.Raw = m.Data()
		r.Provider, r.Account = subjectAccount(m.Subject())
		msgID += "seq-" + fmt.Sprint(raw.StreamSeq)
	} else {
		msgID += raw.Envelope.ID
	}
	if !validToken(string(r.Provider)) || !validToken(r.Account) {
		r.Provider, r.Account = "unknown", "unknown"
	}
	out := reprocess.Outcome{Kind: reprocess.Rejected, Subject: r.Subject(), Reason: r.Reason, Detail: r.Detail}
	data, err := json.Marshal(r)
	if err != nil {
		return out, fmt.Errorf("encode rejection: %w", err)
	}
	if p.dry != nil {
		return out, nil
	}
	msg := nats.NewMsg(r.Subject())
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	if _, err := p.deps.JS.PublishMsg(ctx, msg, jetstream.WithExpectStream(fax.RejectedStream)); err != nil {
		return out, fmt.Errorf("publish rejection: %w", err)
	}
	p.metrics.outcome(r.Provider, outcomeRejected, r.Reason)
	p.deps.Log.Info("callback rejected",
		zap.String("provider", string(r.Provider)), zap.String("account", r.Account),
		zap.String("reason", string(r.Reason)), zap.String("detail", r.Detail), zap.Uint64("raw_seq", r.RawSeq))
	return out, nil
}

// validToken reports whether s can be one token of a NATS subject.
func validToken(s string) bool {
	return fax.ValidateAccountID(s) == nil
}
