package consumer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// An EHR integration reads every fax received by eFax accounts, from the
// beginning of the stream, with a durable consumer of its own: it resumes
// where it stopped after a restart, and a handler error retries later.
func ExampleEvents() {
	js, stop := exampleBroker()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	seen := 0
	err := consumer.Events(js, consumer.Config{
		Durable: "ehr",
		Filter:  consumer.Filter{Provider: fax.EFax, Outcome: string(fax.OutcomeReceived)},
		Start:   consumer.StartAll(),
	}).Run(ctx, func(_ context.Context, m consumer.Message[fax.Event]) error {
		fmt.Println(m.Type, m.Data.Account, m.Data.FaxID, "document expected:", m.Data.Document)
		if seen++; seen == 2 {
			cancel() // an example stops; a service runs until shut down
		}
		return nil
	})
	fmt.Println("stopped:", err)
	// Output:
	// faxpipe.fax.inbound.received acme 7e029808 document expected: true
	// faxpipe.fax.inbound.received acme 9c1d3e44 document expected: true
	// stopped: <nil>
}

// A document router reads each stored fax document as it is announced.
// It says who it is: every opening is recorded in the access audit trail
// (FAXPIPE_AUDIT) before a byte is read, and refused if it cannot be.
func ExampleDocumentReader() {
	js, stop := exampleBroker()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	docs := consumer.DocumentReader{JS: js, Actor: "ehr-router", Purpose: "file into the patient record"}
	_ = consumer.Documents(js, consumer.Config{Durable: "router", Filter: consumer.Filter{Outcome: string(fax.DocumentStored)}}).
		Run(ctx, func(ctx context.Context, m consumer.Message[fax.DocumentAnnouncement]) error {
			defer cancel()
			r, err := docs.Open(ctx, m.Data)
			if err != nil {
				return err // retried later
			}
			defer func() { _ = r.Close() }()
			pdf, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			fmt.Printf("%s (%s, %d bytes): %q\n", m.Data.Object, m.Data.ContentType, *m.Data.Size, pdf)
			return nil
		})

	// The audit trail, as an auditor reads it.
	trail := consumer.History{Stream: fax.AuditStream}
	_ = trail.Scan(context.Background(), js, func(m jetstream.Msg) error {
		var r audit.Record
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			return err
		}
		fmt.Println(m.Subject(), r.Actor, r.Object.Document, r.Purpose)
		return nil
	})
	// Output:
	// efax/acme/7e029808.pdf (application/pdf, 33 bytes): "%PDF-1.4 hello from a fax machine"
	// faxpipe.audit.document.read ehr-router efax/acme/7e029808.pdf file into the patient record
}

// Rebuilding state from history: read the events stream once, from its
// start, and count the faxes each account received.
func ExampleHistory() {
	js, stop := exampleBroker()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	received := map[string]int{}
	h := consumer.History{Stream: fax.EventsStream, Subject: "faxpipe.events.*.*.fax.inbound.received"}
	err := h.Scan(ctx, js, func(m jetstream.Msg) error {
		ev, err := consumer.Decode[fax.Event](m)
		if err != nil {
			return err
		}
		received[ev.Data.Account]++
		return nil
	})
	fmt.Println(received, err)
	// Output:
	// map[acme:2] <nil>
}
