package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/semaphore"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// maxAnswer bounds how much of faxpipe's answer is read.
const maxAnswer = 64 << 10

// deliverer sends callbacks to faxpipe as the providers do, with their
// retry policies, at most Concurrency requests at a time.
type deliverer struct {
	target   string // base URL, without a trailing slash
	client   *http.Client
	requests *semaphore.Weighted
	suspend  *suspensions
	log      *zap.Logger
	seq      atomic.Int64 // callbacks sent, to number them
}

// deliver sends f's callback and, when f is to be duplicated and the first
// delivery got its 200, sends it again. It returns f's report. A lost fax
// (Options.LoseRate) is sent nothing: its report has no callback, and its
// document is still described, for faxpipe fetches it once
// reconciliation has recovered the fax.
func (d *deliverer) deliver(ctx context.Context, f *simFax) Fax {
	r := f.report
	if f.document {
		doc := expectedDocument(docKey{fax.Provider(r.Provider), r.Account, r.FaxID}, f.docFormat)
		r.Document = &doc
	}
	if f.lost {
		r.Callbacks = []Callback{}
		d.log.Debug("callback lost: never sent", faxFields(r)...)
		return r
	}
	first := d.send(ctx, f, false)
	r.Callbacks = append(r.Callbacks, first)
	if first.Acked && f.duplicate {
		r.Callbacks = append(r.Callbacks, d.send(ctx, f, true))
	}
	for _, c := range r.Callbacks {
		r.Acked = r.Acked || c.Acked
	}
	return r
}

// send delivers f's callback once: attempts spaced by f's policy until
// one is acked, the policy is exhausted (given up), the account is
// suspended or ctx ends (interrupted).
func (d *deliverer) send(ctx context.Context, f *simFax, duplicate bool) Callback {
	cb := Callback{Duplicate: duplicate, OutOfOrder: f.outOfOrder && !duplicate}
	for attempt := range f.policy.Attempts() {
		if attempt > 0 && !sleep(ctx, f.policy.Delays[attempt-1]) {
			cb.Interrupted = true
			return cb
		}
		if d.suspend.suspended(f) {
			cb.Suspended = true
			d.log.Warn("callbacks of the account are suspended; not sent", faxFields(f.report)...)
			return cb
		}
		if ctx.Err() != nil {
			cb.Interrupted = true
			return cb
		}
		if cb.Attempts == 0 {
			cb.Seq = int(d.seq.Add(1))
		}
		d.attempt(ctx, f, &cb)
		d.suspend.record(f, cb.Acked)
		if cb.Acked {
			return cb
		}
	}
	cb.GaveUp = ctx.Err() == nil
	cb.Interrupted = !cb.GaveUp
	if cb.GaveUp {
		d.log.Warn("callback given up", append(faxFields(f.report), zap.Int("attempts", cb.Attempts), zap.Int("status", cb.Status), zap.String("error", cb.Error))...)
	}
	return cb
}

// attempt sends one request of f's callback and records its answer in cb.
func (d *deliverer) attempt(ctx context.Context, f *simFax, cb *Callback) {
	if err := d.requests.Acquire(ctx, 1); err != nil {
		cb.Error = err.Error()
		return
	}
	defer d.requests.Release(1)
	now := time.Now()
	if cb.Attempts == 0 {
		cb.FirstSentAt = now.UTC()
	}
	cb.Attempts++
	cb.LastSentAt = now.UTC()
	status, ct, body, err := d.do(ctx, f, now)
	cb.Status, cb.Error = status, ""
	if err != nil {
		cb.Error = err.Error()
	}
	cb.Acked = err == nil && f.acked(status, ct, body)
	d.log.Debug("callback attempt", append(faxFields(f.report), zap.Int("attempt", cb.Attempts), zap.Int("status", status), zap.Bool("acked", cb.Acked), zap.Error(err))...)
}

// do sends the request of f made at now, within the policy's timeout, and
// returns the answer's status, content type and (start of) body.
func (d *deliverer) do(ctx context.Context, f *simFax, now time.Time) (int, string, []byte, error) {
	req, err := f.build(now)
	if err != nil {
		return 0, "", nil, fmt.Errorf("build callback: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.policy.Timeout)
	defer cancel()
	u := d.target + f.path
	if req.RawQuery != "" {
		u += "?" + req.RawQuery
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u, bytes.NewReader(req.Body))
	if err != nil {
		return 0, "", nil, fmt.Errorf("callback request: %w", err)
	}
	hr.Header = req.Header.Clone()
	resp, err := d.client.Do(hr)
	if err != nil {
		return 0, "", nil, fmt.Errorf("callback: %w", withoutQuery(err))
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return resp.StatusCode, "", nil, fmt.Errorf("callback answer: %w", err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body, nil
}

// withoutQuery drops the query from the URL of a client error: it carries
// credentials (Sfax's apikey and token, a GoFax URL secret), and the error
// goes to logs and the report.
func withoutQuery(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL, _, _ = strings.Cut(ue.URL, "?")
	}
	return err
}

// sleep waits d or until ctx ends, reporting whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// faxFields identify a fax in logs (no phone numbers).
func faxFields(r Fax) []zap.Field {
	return []zap.Field{zap.String("provider", r.Provider), zap.String("account", r.Account), zap.String("fax_id", r.FaxID), zap.String("kind", r.Kind)}
}

// suspensions is a provider's callback suspension (Policy.Suspends; Sfax
// [doc]): after `after` consecutive failed attempts of an account, its
// callbacks are held (here: not sent) until an operator enables them
// again, which a run never does.
type suspensions struct {
	after int // <= 0: never
	mu    sync.Mutex
	fails map[string]int // by provider/account
}

func (s *suspensions) applies(f *simFax) bool { return s.after > 0 && f.policy.Suspends }

// key is f's account, by provider.
func (s *suspensions) key(f *simFax) string { return f.report.Provider + "/" + f.report.Account }

// suspended reports whether f's account is suspended.
func (s *suspensions) suspended(f *simFax) bool {
	if !s.applies(f) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fails[s.key(f)] >= s.after
}

// record counts an attempt of f's account: a success resets the count.
func (s *suspensions) record(f *simFax, acked bool) {
	if !s.applies(f) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fails == nil {
		s.fails = map[string]int{}
	}
	k := s.key(f)
	if acked {
		s.fails[k] = 0
	} else if s.fails[k] < s.after {
		s.fails[k]++
	}
}

// trimTarget is the target base URL without a trailing slash.
func trimTarget(target string) string { return strings.TrimRight(target, "/") }
