package processor

import (
	"context"
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Reject records m in FAXPIPE_REJECTED with the reason cause wraps (see
// fax.NewRejected): a reference to m, never a copy of it. nil means the
// rejection is stored and m is done; an error is transient.
func (p *Pipeline) Reject(ctx context.Context, m Message, cause error) (Outcome, error) {
	raw, _ := decode(m)
	r := fax.NewRejected(raw, cause, p.now())
	msgID := "rejected-" + r.Reason.Error() + "-"
	if raw.Envelope == nil {
		r.SetBody(m.Data())
		if p, account, err := fax.ParseRawSubject(m.Subject()); err == nil {
			r.Provider, r.Account = p, account
		}
		msgID += "seq-" + fmt.Sprint(raw.StreamSeq)
	} else {
		msgID += raw.Envelope.ID
	}
	if !validToken(string(r.Provider)) || !validToken(r.Account) {
		r.Provider, r.Account = "unknown", "unknown"
	}
	out := Outcome{Kind: Rejected, Provider: r.Provider, Subject: r.Subject(), Reason: r.Reason, Detail: r.Detail}
	if err := p.emitter.Reject(ctx, r, msgID); err != nil {
		return Outcome{}, err
	}
	return out, nil
}

// validToken reports whether s can be one token of a NATS subject.
func validToken(s string) bool {
	return fax.ValidateAccountID(s) == nil
}
