package sim

import (
	"time"
)

// Report is what a simulator sent and served. Faxes are in the order they
// were generated (Seq); Callbacks within a fax in the order sent.
type Report struct {
	Target    string    `json:"target"`
	APIURL    string    `json:"api_url,omitempty"` // the document API, when served
	Seed      uint64    `json:"seed"`
	StartedAt time.Time `json:"started_at"`
	Elapsed   Duration  `json:"elapsed"`
	Faxes     []Fax     `json:"faxes"`
	// Providers holds the totals of each provider (by name); Total their sum.
	Providers map[string]*Totals `json:"providers"`
	Total     Totals             `json:"total"`

	order []string // the providers, in the simulator's order (for the summary)
}

// Fax is one fax, SMS or ping the simulator announced, with the event
// faxpipe should make of it. Every callback of a fax (the first and its
// duplicates) yields the same event, and so does the fax's entry in its
// provider's listing: faxpipe must produce exactly one event with EventID
// once it is owed (Owed).
type Fax struct {
	Seq       int    `json:"seq"`
	Provider  string `json:"provider"`
	Account   string `json:"account"`
	Kind      string `json:"kind"`      // fax, sms or ping
	Direction string `json:"direction"` // inbound or outbound
	// Channel, Outcome, Success and Test are the event's data fields.
	Channel string `json:"channel"`
	Outcome string `json:"outcome"`
	Success bool   `json:"success"`
	Test    bool   `json:"test"`
	// FaxID is the event's fax_id (for an eFax ping, its notification_id).
	FaxID string `json:"fax_id"`
	// From and To are the numbers in E.164 as faxpipe should normalize
	// them; empty where the callback has no such number.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Pages is the page count the callback announces; 0 when it announces
	// none (GoFax sent faxes, SMS, pings).
	Pages int `json:"pages,omitempty"`
	// CompletedAt is when the fax completed at the provider: when the
	// simulator generated it, in UTC, truncated to the second. Callbacks
	// that carry a completion time carry this one, and the provider's
	// listing (API.Received) places the fax by it, from the moment it is
	// generated.
	CompletedAt time.Time `json:"completed_at"`
	// EventID, EventType and Subject are the CloudEvents id and type and
	// the NATS subject of the event faxpipe should publish.
	EventID   string `json:"event_id"`
	EventType string `json:"event_type"`
	Subject   string `json:"subject"`
	// Document is what the API serves for a received fax whose event
	// expects a document (data.document true), in Options.Format where the
	// provider offers a choice; nil otherwise.
	Document *Document `json:"document,omitempty"`
	// DocumentServed counts the times this simulator's API served that
	// document in full (faxpipe's downloader fetched it).
	DocumentServed int `json:"document_served,omitempty"`
	// Callbacks are the deliveries of the fax's callback; empty for a
	// lost fax, whose callback was never sent.
	Callbacks []Callback `json:"callbacks"`
	// Acked is true when at least one callback of the fax got its 200:
	// faxpipe then owes exactly one event.
	Acked bool `json:"acked"`
	// Listed is true when the provider lists the fax in its listing API of
	// received faxes (API.Received), where faxpipe's reconciler finds it.
	Listed bool `json:"listed"`
	// Lost is true when the provider never sent the fax's callback
	// (Options.LoseRate): no callback was attempted, and the fax is not
	// given up. Only a listed fax is lost.
	Lost bool `json:"lost"`
}

// Owed reports whether faxpipe owes the fax's event (and, for a fax with
// a Document, that document): a callback got its 200, or the callback was
// lost but the provider lists the fax, so reconciliation recovers it. A
// callback given up or suspended is not owed, listed or not: faxpipe may
// still recover its fax by reconciliation, but need not have by the time
// the report is read.
func (f Fax) Owed() bool { return f.Acked || (f.Lost && f.Listed) }

// Callback is one delivery of a fax's callback with all its attempts.
type Callback struct {
	Seq        int  `json:"seq"`          // order sent, across the run
	Duplicate  bool `json:"duplicate"`    // sent again after an earlier one got its 200
	OutOfOrder bool `json:"out_of_order"` // held back behind faxes completed after it
	Attempts   int  `json:"attempts"`
	// Status is the HTTP status of the last attempt; 0 when it got none.
	Status int    `json:"status"`
	Error  string `json:"error,omitempty"` // of the last attempt, when it got no answer
	Acked  bool   `json:"acked"`
	GaveUp bool   `json:"gave_up"` // every attempt failed
	// Suspended is an Sfax callback not sent because the account's
	// callbacks were suspended after too many failures.
	Suspended bool `json:"suspended,omitempty"`
	// Interrupted is a callback the run's end stopped before it was acked
	// or given up.
	Interrupted bool      `json:"interrupted,omitempty"`
	FirstSentAt time.Time `json:"first_sent_at,omitzero"`
	LastSentAt  time.Time `json:"last_sent_at,omitzero"`
}

// Totals count what a simulator did, for one provider or all.
type Totals struct {
	FaxesIn  int `json:"faxes_in"`
	FaxesOut int `json:"faxes_out"`
	SMS      int `json:"sms"`
	Pings    int `json:"pings"`
	// Callbacks counts deliveries (first and duplicate), Attempts their
	// HTTP requests, Retries the attempts after each delivery's first.
	Callbacks   int `json:"callbacks"`
	Attempts    int `json:"attempts"`
	Retries     int `json:"retries"`
	Acked       int `json:"acked"`
	Duplicates  int `json:"duplicates"`
	OutOfOrder  int `json:"out_of_order"`
	GivenUp     int `json:"given_up"`
	Suspended   int `json:"suspended"`
	Interrupted int `json:"interrupted"`
	// Lost counts the faxes whose callback was never sent (Fax.Lost).
	Lost int `json:"lost"`
	// Documents counts the document API's answers.
	Documents DocumentTotals `json:"documents"`
}

// DocumentTotals count the document API's answers for one provider,
// listings of received faxes included.
type DocumentTotals struct {
	// Expected counts the received faxes with a document to fetch whose
	// event is owed (Fax.Owed: acknowledged, or lost and listed); Missing
	// those of them whose document was never served.
	Expected     int         `json:"expected"`
	Missing      int         `json:"missing"`
	Served       int         `json:"served"` // complete documents sent
	Bytes        int64       `json:"bytes"`  // of the documents served, as decoded
	Tokens       int         `json:"tokens"` // eFax API tokens issued
	Unauthorized int         `json:"unauthorized"`
	BadRequests  int         `json:"bad_requests"`
	Faults       FaultTotals `json:"faults"`
	// Listings counts the listing requests of received faxes that reached
	// the API with valid credentials (API.ServeListing); ListingFaults
	// those of them an outage failed (Simulator.FailListings).
	Listings      int `json:"listings"`
	ListingFaults int `json:"listing_faults"`
}

// FaultTotals count injected faults by kind.
type FaultTotals struct {
	Errors  int `json:"errors"`   // 5xx
	TooMany int `json:"too_many"` // 429
	Stalls  int `json:"stalls"`   // half a body, then silence
	NotYet  int `json:"not_yet"`  // not available yet
	Delayed int `json:"delayed"`  // answers delayed by the latency fault
}

// Sum is the number of faults injected, latency aside.
func (f FaultTotals) Sum() int { return f.Errors + f.TooMany + f.Stalls + f.NotYet }

// GivenUp lists the callbacks that never got their 200 (given up or
// suspended), as "provider/account/fax_id". A lost fax's callback was
// never sent, so it is not among them (see Lost).
func (r *Report) GivenUp() []string {
	var out []string
	for _, f := range r.Faxes {
		for _, c := range f.Callbacks {
			if c.GaveUp || c.Suspended {
				out = append(out, f.Provider+"/"+f.Account+"/"+f.FaxID)
			}
		}
	}
	return out
}

// Lost lists the faxes whose callback was never sent (Fax.Lost), as
// "provider/account/fax_id": faxpipe learns of them only by
// reconciliation.
func (r *Report) Lost() []string {
	var out []string
	for _, f := range r.Faxes {
		if f.Lost {
			out = append(out, f.Provider+"/"+f.Account+"/"+f.FaxID)
		}
	}
	return out
}

// Duration is a time.Duration written in JSON as Go's text ("1.5s").
type Duration time.Duration

// MarshalText writes d as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads what MarshalText writes.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// add counts f and its callbacks.
func (t *Totals) add(f Fax) {
	switch {
	case f.Kind == KindPing:
		t.Pings++
	case f.Kind == "sms":
		t.SMS++
	case f.Direction == "inbound":
		t.FaxesIn++
	default:
		t.FaxesOut++
	}
	t.Lost += b2i(f.Lost)
	if f.Document != nil && f.Owed() {
		t.Documents.Expected++
		t.Documents.Missing += b2i(f.DocumentServed == 0)
	}
	for _, c := range f.Callbacks {
		t.Callbacks++
		t.Attempts += c.Attempts
		t.Retries += max(c.Attempts-1, 0)
		t.Acked += b2i(c.Acked)
		t.Duplicates += b2i(c.Duplicate)
		t.OutOfOrder += b2i(c.OutOfOrder)
		t.GivenUp += b2i(c.GaveUp)
		t.Suspended += b2i(c.Suspended)
		t.Interrupted += b2i(c.Interrupted)
	}
}

// sum adds o to t.
func (t *Totals) sum(o Totals) {
	t.FaxesIn += o.FaxesIn
	t.FaxesOut += o.FaxesOut
	t.SMS += o.SMS
	t.Pings += o.Pings
	t.Callbacks += o.Callbacks
	t.Attempts += o.Attempts
	t.Retries += o.Retries
	t.Acked += o.Acked
	t.Duplicates += o.Duplicates
	t.OutOfOrder += o.OutOfOrder
	t.GivenUp += o.GivenUp
	t.Suspended += o.Suspended
	t.Interrupted += o.Interrupted
	t.Lost += o.Lost
	d, od := &t.Documents, o.Documents
	d.Expected += od.Expected
	d.Missing += od.Missing
	d.Served += od.Served
	d.Bytes += od.Bytes
	d.Tokens += od.Tokens
	d.Unauthorized += od.Unauthorized
	d.BadRequests += od.BadRequests
	d.Faults.Errors += od.Faults.Errors
	d.Faults.TooMany += od.Faults.TooMany
	d.Faults.Stalls += od.Faults.Stalls
	d.Faults.NotYet += od.Faults.NotYet
	d.Faults.Delayed += od.Faults.Delayed
	d.Listings += od.Listings
	d.ListingFaults += od.ListingFaults
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
