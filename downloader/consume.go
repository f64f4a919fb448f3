package downloader

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/stream"
)

// settleTimeout bounds announcing and acknowledging a message once its
// download is over, even while the downloader stops.
const settleTimeout = 10 * time.Second

// consume feeds messages to Concurrency workers until ctx ends, then stops
// fetching, abandons the downloads in progress (their messages are handed
// back with Nak) and hands back those fetched but not started.
func (d *Downloader) consume(ctx context.Context, cons jetstream.Consumer) error {
	return stream.ConsumeWorkers(ctx, cons, d.cfg.Concurrency, d.cfg.AckWait,
		func(m jetstream.Msg) { d.handle(ctx, m) },
		func(err error) { d.deps.Log.Debug("consume", zap.Error(err)) })
}
