package downloader

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// settleTimeout bounds announcing a message's outcome once its download is
// over, even while the downloader stops.
const settleTimeout = 10 * time.Second

// storedAnnouncement announces st as the document of the event ev (id).
func storedAnnouncement(id string, ev fax.Event, st docstore.Stored) fax.DocumentAnnouncement {
	a := newAnnouncement(id, ev, fax.DocumentStored)
	size := st.Size
	a.Bucket, a.Object, a.Size, a.SHA256, a.ContentType = st.Bucket, st.Name, &size, st.SHA256, st.ContentType
	a.Pages = storedPages(st)
	return a
}

// failedAnnouncement announces that the document of ev will not be stored.
func failedAnnouncement(id string, ev fax.Event, f failure, deliveries int) fax.DocumentAnnouncement {
	a := newAnnouncement(id, ev, fax.DocumentFailed)
	a.Reason, a.Detail, a.LastStatus = f.reason, f.detail(), f.status
	a.Attempts, a.Deliveries = &f.attempts, &deliveries
	return a
}

func newAnnouncement(id string, ev fax.Event, outcome fax.DocumentOutcome) fax.DocumentAnnouncement {
	return fax.DocumentAnnouncement{EventID: id, Provider: ev.Provider, Account: ev.Account, FaxID: ev.FaxID, Outcome: outcome}
}

// announce publishes a on FAXPIPE_DOCUMENTS with Nats-Msg-Id a.ID() and
// counts it under outcome.
func (d *Downloader) announce(ctx context.Context, a fax.DocumentAnnouncement, outcome string) error {
	data, err := a.Encode(d.deps.Now())
	if err != nil {
		return err
	}
	msg := nats.NewMsg(a.Subject())
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, a.ID())
	tracing.Inject(ctx, msg.Header)
	tracing.SpanFromContext(ctx).SetString("faxpipe.document.outcome", outcome)
	if _, err := d.deps.JS.PublishMsg(ctx, msg, jetstream.WithExpectStream(fax.DocumentsStream)); err != nil {
		return fmt.Errorf("publish announcement: %w", err)
	}
	d.metrics.documents.WithLabelValues(string(a.Provider), outcome, string(a.Reason)).Inc()
	return nil
}
