package stream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// msgIDBatch is how many headers MsgIDs pulls at a time.
const msgIDBatch = 1000

// MsgIDs is the set of Nats-Msg-Id headers of the messages of stream on
// filter stored at since or later: on FAXPIPE_EVENTS, whose duplicate
// window is the dedupe horizon, the ids of the events published since.
// It reads headers only, through an ephemeral consumer it deletes after,
// and reads what was stored when it began: a message stored while it
// reads may or may not be in the set.
func MsgIDs(ctx context.Context, js jetstream.JetStream, stream, filter string, since time.Time) (map[string]bool, error) {
	cons, err := js.CreateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Description:       "faxpipe: published ids",
		FilterSubject:     filter,
		DeliverPolicy:     jetstream.DeliverByStartTimePolicy,
		OptStartTime:      &since,
		AckPolicy:         jetstream.AckNonePolicy,
		HeadersOnly:       true,
		MemoryStorage:     true,
		Replicas:          1,
		InactiveThreshold: time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("%s ids: %w", stream, err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = js.DeleteConsumer(dctx, stream, cons.CachedInfo().Name) // else it goes after InactiveThreshold
	}()
	ids := map[string]bool{}
	left := cons.CachedInfo().NumPending
	for left > 0 {
		batch, err := cons.Fetch(int(min(left, msgIDBatch)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("%s ids: %w", stream, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if id := m.Headers().Get(jetstream.MsgIDHeader); id != "" {
				ids[id] = true
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%s ids: %w", stream, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s ids: %w", stream, err)
		}
		if n == 0 { // aged out meanwhile, or the broker did not answer
			return nil, fmt.Errorf("%s ids: %d more announced, none delivered", stream, left)
		}
		left -= uint64(n)
	}
	return ids, nil
}
