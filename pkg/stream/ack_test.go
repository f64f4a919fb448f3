package stream

import (
	"errors"
	"reflect"
	"testing"
	"unsafe"

	"github.com/nats-io/nats.go/jetstream"
)

// ackForms are acknowledgements as nats-server writes them, and answers
// parseAck must leave to encoding/json.
var ackForms = []struct {
	data string
	fast bool // read by parseAck
}{
	{`{"stream":"FAXPIPE_RAW","seq":1}`, true},
	{`{"stream":"FAXPIPE_EVENTS","seq":18446744073709551615}`, true},
	{`{"stream":"FAXPIPE_EVENTS","seq":42,"duplicate": true}`, true},
	{`{"stream":"FAXPIPE_EVENTS","seq":42,"duplicate":true}`, true},
	{`{"stream":"S","domain":"hub","seq":7}`, true},
	{`{"stream":"S","domain":"","seq":7}`, true},
	{`{"stream":"S","seq":0}`, true},
	// Left to encoding/json:
	{`{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}`, false},
	{`{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"S","seq":0}`, false},
	{`{"stream":"S","seq":7,"val":"12"}`, false},
	{`{"stream":"S","seq":7,"duplicate": true,"batch":"b","count":2}`, false},
	{`{"stream":"S\u0041","seq":7}`, false},
	{`{"stream":"S","seq":18446744073709551616}`, false},
	{`{"stream":"S","seq":007}`, false},
	{`{"stream":"S","seq":-1}`, false},
	{`{"stream":"","seq":1}`, false},
	{`{"seq":1,"stream":"S"}`, false},
	{`{"stream":"S","seq":1} `, false},
	{`{"stream":"S","seq":1,"duplicate":false}`, false},
	{`{"stream":"S"`, false},
	{``, false},
	{`null`, false},
	{`{}`, false},
}

// TestParseAckAgreesWithEncodingJSON: parseAck reads exactly the forms
// it is meant for, each to what encoding/json (decodeAck) reads, and the
// Batcher's decoding of any answer is decodeAck's.
func TestParseAckAgreesWithEncodingJSON(t *testing.T) {
	for _, f := range ackForms {
		_, ok := parseAck([]byte(f.data))
		if ok != f.fast {
			t.Errorf("parseAck(%s) read it: %v, want %v", f.data, ok, f.fast)
		}
		checkAck(t, []byte(f.data))
	}
	// The broker's refusal is the API error it is.
	r := (&Batcher{}).decode([]byte(`{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}`))
	var apiErr *jetstream.APIError
	if !errors.As(r.err, &apiErr) || apiErr.ErrorCode != 10060 {
		t.Fatalf("refusal decoded to %v, want the API error 10060", r.err)
	}
}

// TestDecodeReusesTheStreamName: the acknowledgements of one stream share
// its name's string, and another stream's get their own.
func TestDecodeReusesTheStreamName(t *testing.T) {
	b := &Batcher{}
	first := b.decode([]byte(`{"stream":"FAXPIPE_RAW","seq":1}`))
	second := b.decode([]byte(`{"stream":"FAXPIPE_RAW","seq":2}`))
	other := b.decode([]byte(`{"stream":"FAXPIPE_EVENTS","seq":3}`))
	if first.ack.Stream != "FAXPIPE_RAW" || second.ack.Stream != "FAXPIPE_RAW" || other.ack.Stream != "FAXPIPE_EVENTS" || second.ack.Sequence != 2 {
		t.Fatalf("decoded %+v, %+v, %+v", first.ack, second.ack, other.ack)
	}
	if unsafe.StringData(first.ack.Stream) != unsafe.StringData(second.ack.Stream) {
		t.Error("two acknowledgements of one stream made two strings of its name")
	}
	data := []byte(`{"stream":"FAXPIPE_EVENTS","seq":4,"duplicate": true}`)
	if n := testing.AllocsPerRun(100, func() { b.decode(data) }); n != 0 {
		t.Errorf("decoding an acknowledgement of the last stream allocated %v times", n)
	}
}

func FuzzParseAck(f *testing.F) {
	for _, form := range ackForms {
		f.Add([]byte(form.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkAck(t, data) })
}

// checkAck fails t when the Batcher decodes data to anything but what
// encoding/json does.
func checkAck(t *testing.T, data []byte) {
	t.Helper()
	got, want := (&Batcher{}).decode(data), decodeAck(data)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decoded to %+v, encoding/json reads %+v", data, got, want)
	}
}
