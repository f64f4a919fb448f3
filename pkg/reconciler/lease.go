package reconciler

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/stream/consume"
)

// leases hand each account to one reconciler replica at a time. A lease is
// a key of the lease bucket, whose entries expire TTL after they were last
// written (the bucket's max age): a replica takes a free account with
// Create (atomic: of replicas racing, one wins), renews it with Update on
// the revision it holds, and deletes it when it stops. A replica that dies
// holding a lease loses it TTL after its last renewal.
type leases struct {
	kv     jetstream.KeyValue
	ttl    time.Duration
	holder string // this replica's name, the value of its leases
	log    *zap.Logger
}

// lease is one account held: Done is closed when the lease is lost (a
// renewal failed for too long, or another replica holds the key) or
// released.
type lease struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when renewing stopped
	rev    uint64        // written by the renewal goroutine only, read after done
	key    string
	l      *leases
}

// acquire waits until this replica holds key, trying every third of the
// TTL (jittered, so that replicas spread out), or until ctx ends.
func (l *leases) acquire(ctx context.Context, key string) (*lease, error) {
	for {
		asked := time.Now() // the lease runs from the request, not its answer
		rev, err := l.kv.Create(ctx, key, []byte(l.holder))
		if err == nil {
			return l.hold(ctx, key, rev, asked), nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && ctx.Err() == nil {
			l.log.Warn("could not take the account's lease", zap.String("lease", key), zap.Error(err))
		}
		if !consume.Sleep(ctx, jitter(l.ttl/3)) {
			return nil, ctx.Err()
		}
	}
}

// hold renews the lease of key, taken at rev by a request sent at asked,
// until it is lost or ctx ends; the lease's context ends with it.
func (l *leases) hold(parent context.Context, key string, rev uint64, asked time.Time) *lease {
	ctx, cancel := context.WithCancel(parent)
	ls := &lease{ctx: ctx, cancel: cancel, done: make(chan struct{}), rev: rev, key: key, l: l}
	go ls.renew(asked)
	return ls
}

// renew updates the key every third of the TTL. A renewal refused
// because the key moved on (another replica took it after it expired)
// loses the lease at once. Otherwise the lease is given up a margin
// before it could have expired since the last renewal request that
// succeeded (from when it was sent): each request is bounded by that
// deadline, so no replica goes on working past it.
func (ls *lease) renew(renewed time.Time) {
	defer close(ls.done)
	defer ls.cancel()
	every := ls.l.ttl / 3
	for consume.Sleep(ls.ctx, every) {
		deadline := renewed.Add(ls.l.ttl - every/2)
		asked := time.Now()
		actx, cancel := context.WithDeadline(ls.ctx, deadline)
		rev, err := ls.l.kv.Update(actx, ls.key, []byte(ls.l.holder), ls.rev)
		cancel()
		switch {
		case err == nil:
			ls.rev, renewed = rev, asked
		case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyNotFound):
			ls.l.log.Warn("lease lost to another replica", zap.String("lease", ls.key))
			return
		case !time.Now().Add(every).Before(deadline):
			ls.l.log.Warn("lease lost: it could not be renewed in time", zap.String("lease", ls.key), zap.Error(err))
			return
		}
	}
}

// release stops renewing and deletes the key, if it is still this
// replica's, so that another replica may take the account at once.
func (ls *lease) release() {
	ls.cancel()
	<-ls.done
	ctx, cancel := context.WithTimeout(context.Background(), ls.l.ttl/3)
	defer cancel()
	_ = ls.l.kv.Delete(ctx, ls.key, jetstream.LastRevision(ls.rev))
}

// jitter is d spread by ±25%.
func jitter(d time.Duration) time.Duration {
	return d*3/4 + time.Duration(rand.Int64N(int64(d)/2+1)) //nolint:gosec // G404: spreading retries needs no secret
}
