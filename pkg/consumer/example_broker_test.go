package consumer_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// exampleBroker starts an in-process JetStream with faxpipe's topology
// holding a few events and a stored document, as a running faxpipe would;
// stop shuts it down. Examples have no *testing.T, so it panics on error.
func exampleBroker() (js jetstream.JetStream, stop func()) {
	dir := must(os.MkdirTemp("", "faxpipe-example-"))
	cfg := config.Default().NATS.Embedded
	cfg.Port, cfg.DataDir = -1, dir
	emb := must(stream.StartEmbedded(cfg))
	conn := must(stream.Connect(emb.URL(), config.Default().NATS, "example", zap.NewNop()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stream.NewTopology(config.Default().Streams).Ensure(ctx, conn.JS); err != nil {
		panic(err)
	}
	exampleHistory(ctx, conn.JS)
	return conn.JS, func() {
		conn.Close(time.Second)
		emb.Shutdown()
		_ = os.RemoveAll(dir)
	}
}

// exampleHistory publishes three faxes (two received by acme, one sent by
// demo) and stores the document of acme's first.
func exampleHistory(ctx context.Context, js jetstream.JetStream) {
	evs := []fax.Event{
		event(fax.EFax, "acme", "fax.inbound.received", "7e029808"),
		event(fax.Sfax, "demo", "fax.outbound.delivered", "2150102030405000000"),
		event(fax.EFax, "acme", "fax.inbound.received", "9c1d3e44"),
	}
	for _, ev := range evs {
		enc := must(ev.Encode())
		examplePublish(ctx, js, enc.Subject, enc.Data, enc.ID)
	}
	store := must(docstore.OpenJetStream(ctx, js, fax.DocumentBucket))
	st := must(store.Put(ctx, docstore.Object{Name: "efax/acme/7e029808.pdf", ContentType: "application/pdf"},
		strings.NewReader("%PDF-1.4 hello from a fax machine")))
	a := stored(evs[0], st.Name, st.Size, st.SHA256)
	examplePublish(ctx, js, a.Subject(), must(a.Encode(time.Now())), a.ID())
}

func examplePublish(ctx context.Context, js jetstream.JetStream, subject string, data []byte, id string) {
	msg := nats.NewMsg(subject)
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, id)
	must(js.PublishMsg(ctx, msg))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprint("example set-up: ", err))
	}
	return v
}
