package stream

import (
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/nats-io/nats.go/jetstream"
)

// DownloaderConsumer is the durable pull consumer the downloaders share on
// FAXPIPE_EVENTS: every received inbound fax event, acknowledged one by
// one, redelivered after ackWait if a downloader dies holding it (a long
// download reports progress to keep it). JetStream never gives up
// redelivering (MaxDeliver -1): the downloader itself announces a document
// failed after its configured deliveries, and retries that announcement if
// it cannot be stored.
func DownloaderConsumer(ackWait time.Duration, maxAckPending int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       "faxpipe-downloader",
		Description:   "faxpipe downloader: fetch, store and announce fax documents",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    -1,
		MaxAckPending: maxAckPending,
		FilterSubject: fax.ReceivedFaxSubject(),
	}
}
