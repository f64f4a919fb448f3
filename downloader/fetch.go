package downloader

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// attrPages is the stored attribute holding a document's page count.
const attrPages = "pages"

// attempt fetches ev's document once, within the provider's concurrency
// limit and RequestTimeout, and streams it into the store, in a span of
// its own.
func (d *Downloader) attempt(ctx context.Context, ev fax.Event) (st docstore.Stored, err error) {
	ctx, sp := d.deps.Tracer.Start(ctx, "fetch document")
	defer func() { traceStored(sp, st, err) }()
	release, err := d.limits.acquire(ctx, ev.Provider)
	if err != nil {
		return docstore.Stored{}, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, d.cfg.RequestTimeout)
	defer cancel()
	start := time.Now()
	body, err := d.fetcher.Fetch(ctx, docfetch.Request{Event: ev, Format: docfetch.Format(d.cfg.Format)})
	if err != nil {
		return docstore.Stored{}, err
	}
	defer func() { _ = body.Close() }()
	st, err = d.put(ctx, ev, body)
	if err != nil {
		return docstore.Stored{}, err
	}
	d.metrics.bytes.WithLabelValues(string(ev.Provider)).Add(float64(st.Size))
	d.metrics.latency.WithLabelValues(string(ev.Provider)).Observe(time.Since(start).Seconds())
	return st, nil
}

// traceStored ends the span of an attempt that stored st or failed with
// err.
func traceStored(sp tracing.Span, st docstore.Stored, err error) {
	if err == nil {
		sp.SetString("faxpipe.document.object", st.Name)
		sp.SetString("faxpipe.document.content_type", st.ContentType)
		sp.SetInt("faxpipe.document.size", st.Size)
	}
	sp.End(err)
}

// put sniffs the format from the first bytes of body, then streams body
// into the store, at most MaxDocumentSize bytes, counting pages on the way.
func (d *Downloader) put(ctx context.Context, ev fax.Event, body io.Reader) (docstore.Stored, error) {
	br := bufio.NewReaderSize(&limitReader{r: body, left: int64(d.cfg.MaxDocumentSize)}, 32<<10)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) {
		return docstore.Stored{}, err
	}
	k, err := sniff(head)
	if err != nil {
		return docstore.Stored{}, err
	}
	pc := newPageCounter(k)
	obj := docstore.Object{Name: objectName(ev, k), ContentType: k.contentType, Attributes: func() map[string]string {
		attrs := map[string]string{}
		if n := pc.pages(); n >= 0 {
			attrs[attrPages] = strconv.Itoa(n)
		}
		return attrs
	}}
	return d.store.Put(ctx, obj, io.TeeReader(br, pc))
}

// limitReader reads r and fails with errTooLarge once it has more than
// left bytes.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
