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
)

// handle takes one fax event to its end: events without a document are
// acked at once; a document already stored is announced again (deduped by
// Nats-Msg-Id) without fetching; otherwise it is downloaded and the
// outcome announced and acked, or the message handed back with a delay
// when transient faults outlast RetryBudget. A message keeps being
// reported in progress while handled.
func (d *Downloader) handle(ctx context.Context, m jetstream.Msg) {
	stop := stream.KeepAlive(m, d.cfg.AckWait/3)
	defer stop()
	id, ev, err := decodeEvent(m)
	if err != nil {
		d.deps.Log.Warn("fax event unreadable; skipped", zap.String("subject", m.Subject()), zap.Error(err))
		d.ack(m)
		return
	}
	if !ev.Document || ev.Channel != fax.ChannelFax || ev.Direction != fax.Inbound || ev.Outcome != fax.OutcomeReceived {
		d.ack(m)
		return
	}
	if done := d.announceIfStored(ctx, m, id, ev); done {
		return
	}
	st, f := d.download(ctx, ev)
	if ctx.Err() != nil {
		_ = m.Nak() // stopping: another downloader takes it from the start
		return
	}
	d.settle(ctx, m, id, ev, st, f)
}

// announceIfStored announces and acks a document stored before (by an
// earlier delivery whose announcement or ack was lost) and reports whether
// m is done.
func (d *Downloader) announceIfStored(ctx context.Context, m jetstream.Msg, id string, ev fax.Event) bool {
	sctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	st, err := d.stored(sctx, ev)
	if errors.Is(err, docstore.ErrNotFound) {
		return false
	}
	if err == nil {
		err = d.announce(sctx, storedAnnouncement(id, ev, st), "already_stored")
	}
	if err != nil {
		d.deps.Log.Warn("document store or stream unavailable; retrying", zap.Error(err))
		_ = m.NakWithDelay(d.cfg.InitialBackoff)
		return true
	}
	d.ack(m)
	return true
}

// settle announces the outcome of a download and acks m, or hands m back
// to be tried again after f.next when deliveries remain.
func (d *Downloader) settle(ctx context.Context, m jetstream.Msg, id string, ev fax.Event, st docstore.Stored, f *failure) {
	deliveries := 1
	if meta, err := m.Metadata(); err == nil {
		deliveries = int(min(meta.NumDelivered, math.MaxInt32))
	}
	var a fax.Document
	switch {
	case f == nil:
		a = storedAnnouncement(id, ev, st)
	case f.transient && deliveries < d.cfg.MaxDeliver:
		d.deps.Log.Info("document not fetched yet; retrying later", zap.String("event_id", id),
			zap.Int("deliveries", deliveries), zap.Duration("in", f.next), zap.Error(f.err))
		_ = m.NakWithDelay(f.next)
		return
	case f.transient:
		a = failedAnnouncement(id, ev, exhausted(*f), deliveries)
	default:
		a = failedAnnouncement(id, ev, *f, deliveries)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if err := d.announce(sctx, a, string(a.Outcome)); err != nil {
		d.deps.Log.Warn("announcement not published; retrying", zap.Error(err))
		_ = m.NakWithDelay(d.cfg.InitialBackoff)
		return
	}
	d.logOutcome(a)
	d.ack(m)
}

func (d *Downloader) logOutcome(a fax.Document) {
	log := d.deps.Log.With(zap.String("event_id", a.EventID), zap.String("provider", string(a.Provider)),
		zap.String("account", a.Account), zap.String("fax_id", a.FaxID))
	if a.Outcome == fax.DocumentStored {
		log.Info("document stored", zap.String("object", a.Object), zap.Int64p("size", a.Size))
		return
	}
	log.Warn("document failed", zap.String("reason", string(a.Reason)), zap.String("detail", a.Detail))
}

func (d *Downloader) ack(m jetstream.Msg) {
	if err := m.Ack(); err != nil {
		// Not acked: the message comes back and finds its document stored.
		d.deps.Log.Warn("ack failed", zap.Error(err))
	}
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
