package consumer_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// A downstream consumer continues the fax's trace from the event's
// headers, as the README shows.
func TestMessageCarriesTheTrace(t *testing.T) {
	js := broker(t)
	ev := event(fax.EFax, "acme", "fax.inbound.received", "f1")
	enc, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	msg := newMsg(enc.Subject, enc.Data, enc.ID)
	msg.Header["traceparent"] = []string{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	publishMsg(t, js, msg)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, fax.EventsStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got, err := consumer.Decode[fax.Event](m)
	if err != nil {
		t.Fatal(err)
	}
	sc := trace.SpanContextFromContext(tracing.Extract(ctx, got.Header))
	if sc.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || sc.SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("continued trace %s span %s, want the event's traceparent", sc.TraceID(), sc.SpanID())
	}
}
