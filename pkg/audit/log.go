package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// ErrNotRecorded means an audit record could not be stored in
// FAXPIPE_AUDIT (no stream, no permission to publish, the stream full, no
// answer in time): the access it was to record must not happen.
var ErrNotRecorded = errors.New("access not audited: the audit record could not be stored, so the access is refused")

// DefaultTimeout bounds a Record whose context has no deadline.
const DefaultTimeout = 5 * time.Second

// Actor is who reads: the name the audit trail records (a person's login,
// a service's name), the program used, and the host it runs on.
type Actor struct {
	Name    string // required
	Program string // required, e.g. "faxpipe tail" or a consumer's binary name
	Host    string // optional
}

// Entry is what one access did, and why.
type Entry struct {
	Action  Action
	Object  Object
	Purpose string // optional: a ticket, a reason
}

// Log appends records to FAXPIPE_AUDIT on behalf of one Actor. It is safe
// for concurrent use.
type Log struct {
	js    jetstream.JetStream
	actor Actor
	now   func() time.Time
}

// New returns the Log of actor on js. It does no I/O; it refuses an actor
// without a name or program.
func New(js jetstream.JetStream, actor Actor) (*Log, error) {
	probe := Record{Actor: actor.Name, Program: actor.Program, Host: actor.Host, Action: DocumentRead}
	if err := probe.Validate(); err != nil {
		return nil, fmt.Errorf("audit actor: %w", err)
	}
	return &Log{js: js, actor: actor, now: time.Now}, nil
}

// Record appends e to the audit trail and returns once JetStream
// acknowledged it in FAXPIPE_AUDIT; it waits at most until ctx ends, or
// DefaultTimeout if ctx has no deadline. Any failure wraps ErrNotRecorded
// (ErrInvalid too for a record that is not valid): the caller must then
// not perform the access.
func (l *Log) Record(ctx context.Context, e Entry) error {
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("%w: record id: %w", ErrNotRecorded, err)
	}
	r := Record{Schema: Schema, ID: id.String(), Time: l.now().UTC(), Actor: l.actor.Name, Action: e.Action,
		Object: e.Object, Purpose: e.Purpose, Program: l.actor.Program, Host: l.actor.Host}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	msg := nats.NewMsg(r.Action.Subject())
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, r.ID)
	if _, err := l.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(fax.AuditStream)); err != nil {
		return fmt.Errorf("%w: %s on %s: %w", ErrNotRecorded, r.Action, msg.Subject, err)
	}
	return nil
}
