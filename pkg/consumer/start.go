package consumer

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Start is where a new consumer begins in a stream's history. It applies
// when the consumer is created; a durable consumer that already exists
// resumes where it left off, whatever Start says. The zero Start is
// StartAll.
type Start struct {
	policy jetstream.DeliverPolicy
	at     time.Time
	seq    uint64
}

// StartAll begins with the first message the stream still holds.
func StartAll() Start { return Start{policy: jetstream.DeliverAllPolicy} }

// StartNew begins with the first message stored after the consumer is
// created.
func StartNew() Start { return Start{policy: jetstream.DeliverNewPolicy} }

// StartTime begins with the first message stored at or after t.
func StartTime(t time.Time) Start {
	return Start{policy: jetstream.DeliverByStartTimePolicy, at: t}
}

// StartSeq begins with the message of stream sequence seq (or the first
// after it that matches the filter).
func StartSeq(seq uint64) Start {
	return Start{policy: jetstream.DeliverByStartSequencePolicy, seq: seq}
}

// apply sets the delivery start of cc.
func (s Start) apply(cc *jetstream.ConsumerConfig) {
	cc.DeliverPolicy, cc.OptStartTime, cc.OptStartSeq = s.policy, nil, 0
	switch s.policy {
	case jetstream.DeliverByStartTimePolicy:
		at := s.at.UTC()
		cc.OptStartTime = &at
	case jetstream.DeliverByStartSequencePolicy:
		cc.OptStartSeq = max(s.seq, 1)
	}
}

// resume copies the delivery start of an existing consumer into cc, since
// JetStream refuses to change it.
func resume(cc *jetstream.ConsumerConfig, existing jetstream.ConsumerConfig) {
	cc.DeliverPolicy, cc.OptStartTime, cc.OptStartSeq = existing.DeliverPolicy, existing.OptStartTime, existing.OptStartSeq
}
