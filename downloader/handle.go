package downloader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// consumeOptions are the consumer's under the one message-handling policy:
// a download in progress is abandoned when the downloader stops (its
// message handed back, to be fetched again), and a message is delivered
// again after the delay its failure asks.
func (d *Downloader) consumeOptions() consume.Options {
	return consume.Options{
		Workers: d.cfg.Concurrency,
		AckWait: d.cfg.AckWait,
		Backoff: consume.Backoff{Initial: d.cfg.InitialBackoff, Max: d.cfg.MaxBackoff},
		Log:     d.deps.Log,
	}
}

// handler takes each fax event to its end, reporting it in progress
// meanwhile. A download that failed for good, or still fails on the last
// allowed delivery, is announced failed (giveUp); any other failure (the
// store or the stream unavailable, or the document store full) is retried
// however long it lasts: none is the document's fault. With tracing on,
// each delivery is a span of the callback's trace.
func (d *Downloader) handler() consume.Handler {
	retryForever := func(err error) bool { return !errors.As(err, new(*downloadError)) || stream.IsFull(err) }
	return d.deps.Tracer.Consumer("process "+fax.EventsStream,
		consume.KeepAlive(consume.Poison(d.handle, d.cfg.MaxDeliver, retryForever, d.giveUp), d.cfg.AckWait/3))
}

// downloadError is a download that failed: f says how.
type downloadError struct {
	id string
	ev fax.Event
	f  failure
}

func (e *downloadError) Error() string { return e.f.detail() }
func (e *downloadError) Unwrap() error { return e.f.err }

// handle takes one fax event to its end: an unreadable one is skipped (it
// can hold no document faxpipe could fetch); events without a document are done at once; a document already stored is
// announced again (deduped by Nats-Msg-Id) without fetching; otherwise it
// is downloaded and announced stored, or the failure is returned: permanent,
// or transient with the wait before the next delivery.
func (d *Downloader) handle(ctx context.Context, m jetstream.Msg) error {
	id, ev, err := decodeEvent(m)
	if err != nil {
		d.deps.Log.Warn("fax event unreadable; skipped", zap.String("subject", m.Subject()), zap.Error(err))
		return nil
	}
	traceEvent(ctx, id, ev)
	if !ev.Document || ev.Channel != fax.ChannelFax || ev.Direction != fax.Inbound || ev.Outcome != fax.OutcomeReceived {
		return nil
	}
	if done, err := d.announceIfStored(ctx, id, ev); done || err != nil {
		return err
	}
	st, f := d.download(ctx, ev)
	if ctx.Err() != nil {
		return ctx.Err() // stopping: another downloader takes it from the start
	}
	if f != nil {
		err := &downloadError{id: id, ev: ev, f: *f}
		if !f.transient {
			return consume.Permanent(err)
		}
		d.deps.Log.Info("document not fetched yet; retrying later", zap.String("event_id", id),
			zap.Duration("in", f.next), zap.Error(f.err))
		return consume.RetryIn(err, f.next)
	}
	return d.settle(ctx, storedAnnouncement(id, ev, st))
}

// traceEvent names ev on ctx's span: ids only, never a party.
func traceEvent(ctx context.Context, id string, ev fax.Event) {
	sp := tracing.SpanFromContext(ctx)
	sp.SetString("faxpipe.event_id", id)
	sp.SetString("faxpipe.provider", string(ev.Provider))
	sp.SetString("faxpipe.account", ev.Account)
	sp.SetString("faxpipe.fax_id", ev.FaxID)
}

// announceIfStored announces a document stored before (by an earlier
// delivery whose announcement or ack was lost) and reports whether the
// message is done; an error is transient.
func (d *Downloader) announceIfStored(ctx context.Context, id string, ev fax.Event) (bool, error) {
	sctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	st, err := d.stored(sctx, ev)
	if errors.Is(err, docstore.ErrNotFound) {
		return false, nil
	}
	if err == nil {
		err = d.announce(sctx, storedAnnouncement(id, ev, st), "already_stored")
	}
	if err != nil {
		return false, consume.RetryIn(fmt.Errorf("document store or stream unavailable: %w", err), d.cfg.InitialBackoff)
	}
	return true, nil
}

// giveUp announces the document of a download that failed for good, or
// still failed on the last allowed delivery.
func (d *Downloader) giveUp(ctx context.Context, m jetstream.Msg, cause error) error {
	var de *downloadError
	if !errors.As(cause, &de) {
		return cause
	}
	deliveries := 1
	if meta, err := m.Metadata(); err == nil {
		deliveries = int(min(meta.NumDelivered, math.MaxInt32))
	}
	f := de.f
	if f.transient {
		f = exhausted(f)
	}
	return d.settle(ctx, failedAnnouncement(de.id, de.ev, f, deliveries))
}

// settle announces a, with time of its own; an error is transient.
func (d *Downloader) settle(ctx context.Context, a fax.DocumentAnnouncement) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if err := d.announce(sctx, a, string(a.Outcome)); err != nil {
		return consume.RetryIn(fmt.Errorf("announcement not published: %w", err), d.cfg.InitialBackoff)
	}
	d.logOutcome(a)
	return nil
}

func (d *Downloader) logOutcome(a fax.DocumentAnnouncement) {
	log := d.deps.Log.With(zap.String("event_id", a.EventID), zap.String("provider", string(a.Provider)),
		zap.String("account", a.Account), zap.String("fax_id", a.FaxID))
	if a.Outcome == fax.DocumentStored {
		log.Info("document stored", zap.String("object", a.Object), zap.Int64p("size", a.Size))
		return
	}
	log.Warn("document failed", zap.String("reason", string(a.Reason)), zap.String("detail", a.Detail))
}

// stored describes ev's document if an earlier delivery stored it, under
// the name of any format; an error wraps docstore.ErrNotFound if none.
func (d *Downloader) stored(ctx context.Context, ev fax.Event) (docstore.Stored, error) {
	kinds := []kind{kindPDF, kindTIFF}
	if d.cfg.Format == "tiff" {
		kinds = []kind{kindTIFF, kindPDF}
	}
	for _, k := range kinds {
		st, err := d.store.Stat(ctx, objectName(ev, k))
		if !errors.Is(err, docstore.ErrNotFound) {
			return st, err
		}
	}
	return docstore.Stored{}, fmt.Errorf("%s/%s/%s: %w", ev.Provider, ev.Account, ev.FaxID, docstore.ErrNotFound)
}

// decodeEvent reads a fax event's CloudEvent: its id and data.
func decodeEvent(m jetstream.Msg) (string, fax.Event, error) {
	var ce struct {
		ID   string    `json:"id"`
		Data fax.Event `json:"data"`
	}
	if err := json.Unmarshal(m.Data(), &ce); err != nil {
		return "", fax.Event{}, fmt.Errorf("not a CloudEvent of a fax event: %w", err)
	}
	if _, err := uuid.Parse(ce.ID); err != nil {
		return "", fax.Event{}, fmt.Errorf("event id %q: %w", ce.ID, err)
	}
	if err := ce.Data.Validate(); err != nil {
		return "", fax.Event{}, fmt.Errorf("event data: %w", err)
	}
	return ce.ID, ce.Data, nil
}

// storedPages reads the page count stored with a document.
func storedPages(st docstore.Stored) *int {
	n, err := strconv.Atoi(st.Attributes[attrPages])
	if err != nil || n < 0 {
		return nil
	}
	return &n
}
