package sim

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// maxListed bounds the given-up callbacks (and the lost ones) a summary
// names.
const maxListed = 10

// WriteSummary writes r for a person: one line of what was sent where,
// a table of callbacks and one of document answers per provider — with
// a column of lost callbacks and a table of listings when there were
// any — and the first callbacks given up and lost.
func (r *Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "faxpipe sim: %d faxes to %s in %s (seed %d)", len(r.Faxes), r.Target,
		time.Duration(r.Elapsed).Round(time.Millisecond), r.Seed)
	if r.APIURL != "" {
		fmt.Fprintf(&b, "; document API on %s", r.APIURL)
	}
	b.WriteString("\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	withLost := r.Total.Lost > 0
	rows := []string{"callbacks\tfax in\tfax out\tsms\tpings\tsent\tattempts\tretries\tacked\tduplicates\tout of order\tgiven up\tsuspended\tinterrupted\t" +
		ifString(withLost, "lost\t")}
	r.eachRow(func(name string, t Totals) {
		rows = append(rows, fmt.Sprintf("%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t", name, t.FaxesIn, t.FaxesOut, t.SMS, t.Pings,
			t.Callbacks, t.Attempts, t.Retries, t.Acked, t.Duplicates, t.OutOfOrder, t.GivenUp, t.Suspended, t.Interrupted)+
			ifString(withLost, fmt.Sprintf("%d\t", t.Lost)))
	})
	rows = append(rows, "\t", "documents\texpected\tnot fetched\tserved\tbytes\ttokens\tunauthorized\tbad requests\tfault 5xx\tfault 429\tstalls\tnot yet\tdelayed\t")
	r.eachRow(func(name string, t Totals) {
		d := t.Documents
		rows = append(rows, fmt.Sprintf("%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t", name, d.Expected, d.Missing, d.Served, d.Bytes, d.Tokens, d.Unauthorized,
			d.BadRequests, d.Faults.Errors, d.Faults.TooMany, d.Faults.Stalls, d.Faults.NotYet, d.Faults.Delayed))
	})
	if r.Total.Documents.Listings > 0 {
		rows = append(rows, "\t", "listings\trequests\tfaults\t")
		r.eachRow(func(name string, t Totals) {
			rows = append(rows, fmt.Sprintf("%s\t%d\t%d\t", name, t.Documents.Listings, t.Documents.ListingFaults))
		})
	}
	if _, err := io.WriteString(tw, strings.Join(rows, "\n")+"\n"); err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := r.Total.Documents.Missing; n > 0 {
		fmt.Fprintf(&b, "\n%d expected documents were not fetched from this simulator's API: the downloader is still\n"+
			"at work, failed them (see FAXPIPE_DOCUMENTS), or fetches from another API serving the same accounts\n"+
			"(the local cluster's own simulator does).\n", n)
		if withLost {
			b.WriteString("Lost callbacks' documents are fetched only once reconciliation has recovered their faxes.\n")
		}
	}
	if given := r.GivenUp(); len(given) > 0 {
		fmt.Fprintf(&b, "\n%d callbacks never got their 200 (given up or suspended):\n", len(given))
		writeList(&b, given)
	}
	if lost := r.Lost(); len(lost) > 0 {
		fmt.Fprintf(&b, "\n%d callbacks were lost, never sent; faxpipe owes their events by reconciliation:\n", len(lost))
		writeList(&b, lost)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeList writes the first maxListed of names, one a line.
func writeList(b *strings.Builder, names []string) {
	for _, n := range names[:min(len(names), maxListed)] {
		fmt.Fprintf(b, "  %s\n", n)
	}
}

// ifString is s when cond holds, else "".
func ifString(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

// eachRow calls row for each provider (in the simulator's order, or by
// name for a report read back), then for the total.
func (r *Report) eachRow(row func(name string, t Totals)) {
	order := r.order
	if order == nil {
		order = slices.Sorted(maps.Keys(r.Providers))
	}
	for _, p := range order {
		if t, ok := r.Providers[p]; ok {
			row(p, *t)
		}
	}
	row("total", r.Total)
}
