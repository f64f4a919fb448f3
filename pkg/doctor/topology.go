package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/stream"
)

// How full a stream may get. A stream that refuses new messages when full
// (raw callbacks, events, document announcements, the audit trail, the
// document store) warns from NearFull of its max_bytes or max_msgs, time
// to raise them or free room, and fails from Full: the broker refuses
// writes once it is full, the ingress then answers 503 and the
// processor and downloader wait. A stream that drops its oldest messages
// when full (rejections, forgeries) loses only old records and warns from
// Full.
const (
	NearFull = 0.80
	Full     = 0.95
)

// topologyChecks checks each stream and bucket of the configured
// topology, and returns the clock samples the broker's answers gave.
func topologyChecks(ctx context.Context, d Deps) ([]Check, []sample) {
	var checks []Check
	var samples []sample
	for _, name := range stream.NewTopology(d.Config.Streams).StreamNames() {
		start := d.Now()
		s, err := d.Conn.JS.Stream(ctx, name)
		end := d.Now()
		c := Check{Name: streamLabel(name), Status: OK}
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			c.Status, c.Detail = Fail, "missing: every faxpipe service creates the topology when it starts (faxpipe all, or the processor, which owns it)"
		case err != nil:
			c.Status, c.Detail = Fail, fmt.Sprintf("no answer: %v", err)
		default:
			info := s.CachedInfo()
			c.Status, c.Detail = streamHealth(info, d.Config.Streams.Replicas)
			samples = append(samples, sample{sent: start, received: end, server: info.TimeStamp})
		}
		checks = append(checks, c)
	}
	return checks, samples
}

// streamLabel names a stream for people: a KV bucket or object store by
// its bucket's name.
func streamLabel(name string) string {
	if b, ok := strings.CutPrefix(name, "KV_"); ok {
		return "bucket " + b
	}
	if b, ok := strings.CutPrefix(name, "OBJ_"); ok {
		return "object store " + b
	}
	return "stream " + name
}

// streamHealth is how full info's stream is and how its replicas fare,
// want being the configured replicas (streams.replicas).
func streamHealth(info *jetstream.StreamInfo, want int) (Status, string) {
	st, fill := limits(info)
	rst, replicas := replicaHealth(info, want)
	return worse(st, rst), fill + "; " + replicas
}

// limits is how full info's stream is against max_bytes and max_msgs.
func limits(info *jetstream.StreamInfo) (Status, string) {
	cfg, state := info.Config, info.State
	parts := []string{size(state.Bytes)}
	if cfg.MaxBytes > 0 {
		parts[0] += fmt.Sprintf(" of %s (%.0f%%)", size(uint64(cfg.MaxBytes)), 100*ratio(state.Bytes, cfg.MaxBytes))
	}
	msgs := fmt.Sprintf("%d messages", state.Msgs)
	if cfg.MaxMsgs > 0 {
		msgs = fmt.Sprintf("%d of %d messages (%.0f%%)", state.Msgs, cfg.MaxMsgs, 100*ratio(state.Msgs, cfg.MaxMsgs))
	}
	parts = append(parts, msgs)
	fullest := max(ratio(state.Bytes, cfg.MaxBytes), ratio(state.Msgs, cfg.MaxMsgs))
	switch {
	case cfg.Discard == jetstream.DiscardOld && fullest >= Full:
		return Warn, strings.Join(parts, ", ") + ": full, its oldest messages are being dropped"
	case cfg.Discard == jetstream.DiscardOld:
		return OK, strings.Join(parts, ", ")
	case fullest >= Full:
		return Fail, strings.Join(parts, ", ") + ": full or nearly, writes are or will soon be refused: raise its max_bytes (streams.*) or free room"
	case fullest >= NearFull:
		return Warn, strings.Join(parts, ", ") + fmt.Sprintf(": over %.0f%% full, writes are refused when full", 100*NearFull)
	}
	return OK, strings.Join(parts, ", ")
}

// ratio is used/limit, 0 for no limit (limit ≤ 0).
func ratio(used uint64, limit int64) float64 {
	if limit <= 0 {
		return 0
	}
	return float64(used) / float64(limit)
}

// replicaHealth is how info's stream's replicas fare: fewer than want
// configured warns (a service updates it at start); no leader, a replica
// offline or missing fails; a replica not current (behind the leader)
// warns.
func replicaHealth(info *jetstream.StreamInfo, want int) (Status, string) {
	n := max(info.Config.Replicas, 1)
	st, notes := OK, []string{plural(n, "replica")}
	if n < max(want, 1) {
		st = Warn
		notes = append(notes, fmt.Sprintf("streams.replicas is %d: the processor updates it when it starts", want))
	}
	cl := info.Cluster
	if n == 1 || cl == nil {
		return st, strings.Join(notes, ", ")
	}
	if cl.Leader == "" {
		return Fail, strings.Join(append(notes, "no leader: the stream takes no writes"), ", ")
	}
	if peers := 1 + len(cl.Replicas); peers < n {
		st = Fail
		notes = append(notes, fmt.Sprintf("only %d in place", peers))
	}
	for _, p := range cl.Replicas {
		switch {
		case p.Offline:
			st = Fail
			notes = append(notes, fmt.Sprintf("replica %s offline (seen %s ago)", p.Name, round(p.Active)))
		case !p.Current:
			st = worse(st, Warn)
			notes = append(notes, fmt.Sprintf("replica %s not current (%d operations behind)", p.Name, p.Lag))
		}
	}
	if st == OK {
		notes = append(notes, "all current, leader "+cl.Leader)
	}
	return st, strings.Join(notes, ", ")
}

// plural is n and noun, with an s unless n is 1.
func plural(n int, noun string) string { return fmt.Sprintf("%d %s", n, pluralWord(n, noun)) }
