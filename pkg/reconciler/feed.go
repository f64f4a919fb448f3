package reconciler

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// Publisher publishes a raw envelope on FAXPIPE_RAW and waits for its
// acknowledgement (stream.Publisher).
type Publisher interface {
	Publish(ctx context.Context, msg *nats.Msg) (uint64, error)
}

// Tally counts what listing found.
type Tally struct {
	Listed  int `json:"listed"`  // faxes the provider's API listed
	Seen    int `json:"seen"`    // of them, faxes faxpipe had an event of
	Pending int `json:"pending"` // fed in earlier, not processed yet
	Missing int `json:"missing"` // faxpipe had never heard of: fed in (or, in a dry run, would be)
}

// Add adds u to t.
func (t *Tally) Add(u Tally) {
	t.Listed += u.Listed
	t.Seen += u.Seen
	t.Pending += u.Pending
	t.Missing += u.Missing
}

// Found is a fax faxpipe had never heard of.
type Found struct {
	Provider    fax.Provider `json:"provider"`
	Account     string       `json:"account"`
	FaxID       string       `json:"fax_id"`
	CompletedAt time.Time    `json:"completed_at,omitzero"`
	EventID     string       `json:"event_id,omitempty"` // empty when the processor will reject the item
	Problem     string       `json:"problem,omitempty"`  // why the processor will reject it
}

// feeder reconciles windows: it lists a window's faxes and feeds in those
// faxpipe never heard of, as sealed API envelopes on FAXPIPE_RAW.
type feeder struct {
	listers    map[fax.Provider]listing.Lister
	normalizer fax.Normalizer
	digester   *fax.Digester
	js         jetstream.JetStream // FAXPIPE_EVENTS: the event ids published
	state      state
	publisher  Publisher
	now        func() time.Time
	log        *zap.Logger
	found      func(Found) // each fax fed in (or found, in a dry run); may be nil
	replicas   int         // of the reconciler's buckets
}

// storedSlack is how long before a fax completed (by the provider's
// clock) its event may have been stored (by the broker's): the ids of the
// account's events stored from a window's start less this are read.
const storedSlack = time.Hour

// window lists t's faxes completed in w and feeds in each one faxpipe
// never heard of — unless dry, when it only counts and reports them. A
// fax is known when FAXPIPE_EVENTS holds its event id (an event of the
// account stored since the window began), or when the reconciler fed it in
// before. On any error the caller lists the window again (the service
// until it succeeds), which feeds nothing twice. Should a fax be fed in
// whose event exists after all, the processor drops the second event as a
// duplicate (the events stream's duplicate window).
func (f *feeder) window(ctx context.Context, t target, w listing.Window, dry bool) (Tally, error) {
	lister, ok := f.listers[t.provider]
	if !ok {
		return Tally{}, fmt.Errorf("provider %s has no listing API", t.provider)
	}
	published, err := stream.MsgIDs(ctx, f.js, fax.EventsStream, fax.EventSubject(t.provider, t.account, "", "", ""), w.From.Add(-storedSlack))
	if err != nil {
		return Tally{}, fmt.Errorf("published event ids: %w", err)
	}
	var tally Tally
	err = lister.List(ctx, t.account, w, func(item listing.Item) error {
		tally.Listed++
		kind, err := f.item(ctx, t, item, published, dry)
		switch kind {
		case seen:
			tally.Seen++
		case pending:
			tally.Pending++
		case missing:
			tally.Missing++
		}
		return err
	})
	return tally, err
}

type itemKind int

const (
	unknownKind itemKind = iota
	seen
	pending
	missing
)

// item reconciles one listed fax. It makes the envelope first and runs the
// processor's own normalizer on it, so that the event id it looks up is
// the one the processor would publish.
func (f *feeder) item(ctx context.Context, t target, item listing.Item, published map[string]bool, dry bool) (itemKind, error) {
	env, err := listing.Envelope(f.digester, t.provider, t.account, item, f.now())
	if err != nil {
		return unknownKind, err
	}
	found := Found{Provider: t.provider, Account: t.account, FaxID: item.FaxID, CompletedAt: item.CompletedAt}
	ev, nerr := f.normalizer.Normalize(fax.RawMessage{Envelope: env})
	if nerr == nil {
		found.EventID = ev.ID()
		if published[found.EventID] {
			return seen, nil
		}
	} else {
		// Fed in all the same: the processor records it as rejected, with
		// the reason, where an operator sees it.
		found.Problem = nerr.Error()
	}
	key := fedKey(t, found.EventID, item.Body)
	if done, err := f.state.fed(ctx, key); err != nil {
		return unknownKind, err
	} else if done {
		return pending, nil
	}
	if !dry {
		if err := f.feed(ctx, env, key, found); err != nil {
			return unknownKind, err
		}
	}
	if f.found != nil {
		f.found(found)
	}
	return missing, nil
}

// feed publishes env on FAXPIPE_RAW, then remembers it fed. Its
// Nats-Msg-Id names the listed item, so that a replica repeating the
// publish within the stream's duplicate window stores it once.
func (f *feeder) feed(ctx context.Context, env *fax.Envelope, key string, found Found) error {
	data, err := json.Marshal(env)
	if err != nil {
		return err
	}
	msg := stream.NewMsg(env.Subject(), "api-"+key, data)
	tracing.Inject(ctx, msg.Header)
	seq, err := f.publisher.Publish(ctx, msg)
	if err != nil {
		return fmt.Errorf("publish the listed fax: %w", err)
	}
	if err := f.state.markFed(ctx, key, found.EventID); err != nil {
		return err
	}
	f.log.Info("fax found only through the provider's API: fed in",
		zap.String("provider", string(found.Provider)), zap.String("account", found.Account),
		zap.String("fax_id", found.FaxID), zap.String("event_id", found.EventID), zap.Uint64("raw_seq", seq),
		zap.Time("completed_at", found.CompletedAt), zap.String("problem", found.Problem))
	return nil
}
