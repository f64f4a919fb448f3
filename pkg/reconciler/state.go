package reconciler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// The reconciler's buckets: its own state, which no other service reads.
const (
	// StateBucket holds each account's progress and the faxes fed in;
	// entries expire after reconciler.memory unless rewritten.
	StateBucket = "faxpipe-reconciler"
	// LeaseBucket holds the lease of each account being reconciled.
	LeaseBucket = "faxpipe-reconciler-leases"
)

// target is one account to reconcile.
type target struct {
	provider fax.Provider
	account  string
}

func (t target) String() string { return string(t.provider) + "/" + t.account }

// key is the account's part of a bucket key: {provider}.{account}.
func (t target) key() string { return string(t.provider) + "." + t.account }

// progress is how far an account is reconciled: every fax completed
// before To has been listed and, if faxpipe had not heard of it, fed in.
type progress struct {
	To      time.Time `json:"reconciled_to"`
	Updated time.Time `json:"updated_at"`
	Holder  string    `json:"holder"`
}

// state is the reconciler's memory in StateBucket: progress.{provider}.{account}
// and fed.{provider}.{account}.{digest of the listed item}.
type state struct {
	kv jetstream.KeyValue
}

// load returns the account's progress and its revision; the zero
// progress (revision 0) for an account never reconciled, or whose
// progress expired.
func (s state) load(ctx context.Context, t target) (progress, uint64, error) {
	e, err := s.kv.Get(ctx, "progress."+t.key())
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return progress{}, 0, nil
	}
	if err != nil {
		return progress{}, 0, fmt.Errorf("load progress of %s: %w", t, err)
	}
	var p progress
	if err := json.Unmarshal(e.Value(), &p); err != nil {
		// Unreadable progress is no progress: the next pass lists the
		// whole catch-up window, which loses nothing.
		return progress{}, e.Revision(), nil
	}
	return p, e.Revision(), nil
}

// save writes the account's progress over revision rev (0: none yet) and
// returns the new revision. It fails if the entry changed or expired
// since rev was read; the caller reads the revision again and retries
// (only the lease holder writes an account's progress).
func (s state) save(ctx context.Context, t target, p progress, rev uint64) (uint64, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	key := "progress." + t.key()
	if rev == 0 {
		rev, err = s.kv.Create(ctx, key, data)
	} else {
		rev, err = s.kv.Update(ctx, key, data, rev)
	}
	if err != nil {
		return 0, fmt.Errorf("save progress of %s: %w", t, err)
	}
	return rev, nil
}

// fedKey names a listed fax in the bucket: the account and the SHA-256
// of its event id — or, for an item the processor cannot read (no event
// id), of the item as listed.
func fedKey(t target, eventID string, body []byte) string {
	sum := sha256.Sum256(body)
	if eventID != "" {
		sum = sha256.Sum256([]byte(eventID))
	}
	return "fed." + t.key() + "." + hex.EncodeToString(sum[:16])
}

// fed reports whether the item of key was fed in already (and not yet
// forgotten): the processor has it, or will.
func (s state) fed(ctx context.Context, key string) (bool, error) {
	if s.kv == nil { // a dry run before any reconciler ran
		return false, nil
	}
	_, err := s.kv.Get(ctx, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("look up %s: %w", key, err)
	}
}

// markFed remembers that the item of key was fed in as event id.
func (s state) markFed(ctx context.Context, key, eventID string) error {
	_, err := s.kv.Create(ctx, key, []byte(eventID))
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("remember %s: %w", key, err)
	}
	return nil
}
