package consumer_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// TestHistory: a scan reads exactly the messages of its time range and
// subject, in order, and Count agrees with it.
func TestHistory(t *testing.T) {
	js := broker(t)
	var times []time.Time
	for _, id := range []string{"a", "b", "c", "d"} {
		p := fax.EFax
		if id == "c" {
			p = fax.Sfax
		}
		_, at := publishEvent(t, js, event(p, "demo", "fax.inbound.received", id))
		times = append(times, at)
		time.Sleep(2 * time.Millisecond) // distinct storage times
	}
	cases := []struct {
		name string
		h    consumer.History
		want []string
	}{
		{"everything", consumer.History{}, []string{"a", "b", "c", "d"}},
		{"from", consumer.History{From: times[1]}, []string{"b", "c", "d"}},
		{"until, inclusive", consumer.History{Until: times[2]}, []string{"a", "b", "c"}},
		{"from and until", consumer.History{From: times[1], Until: times[2]}, []string{"b", "c"}},
		{"subject", consumer.History{Subject: "faxpipe.events.efax.>"}, []string{"a", "b", "d"}},
		{"empty range", consumer.History{From: times[3].Add(time.Millisecond)}, nil},
		{"range before everything", consumer.History{Until: times[0].Add(-time.Second)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.h.Stream = fax.EventsStream
			var got []string
			err := c.h.Scan(t.Context(), js, func(m jetstream.Msg) error {
				got = append(got, faxIDOf(t, m))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			n, err := c.h.Count(t.Context(), js)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) || n != uint64(len(c.want)) {
				t.Errorf("scanned %v (count %d), want %v", got, n, c.want)
			}
		})
	}
}

func faxIDOf(t *testing.T, m jetstream.Msg) string {
	t.Helper()
	var ev struct {
		Data fax.Event `json:"data"`
	}
	if err := json.Unmarshal(m.Data(), &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Data.FaxID
}
