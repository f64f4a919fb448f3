package ingress

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// handleCallback captures one provider callback, verifies it, publishes
// its envelope and answers as the provider expects. The order of checks is
// the order of the answers: 404 unknown provider or account, 405 method,
// 429 client rate, 413 size, 401 not authentic (recorded in
// FAXPIPE_FORGED, see refuse), 400 a body where the provider sends none,
// 429 account rate, 503 broker, 200 stored. Nothing reaches FAXPIPE_RAW
// unless the answer is 200 or 503; the account's rate budget is spent only
// by callbacks that passed verification.
func (s *Server) handleCallback() echo.HandlerFunc {
	return func(c echo.Context) error {
		// One lookup answers both an unknown provider and an unknown account.
		acct, ok := s.accounts[accountKey{fax.Provider(c.Param("provider")), c.Param("account")}]
		if !ok {
			return notFound(c)
		}
		setAccount(c, acct)
		if !slices.Contains(acct.spec.Methods, c.Request().Method) {
			c.Response().Header().Set("Allow", strings.Join(acct.spec.Methods, ", "))
			return echo.NewHTTPError(http.StatusMethodNotAllowed, "method not allowed")
		}
		if retry, ok := s.limits.allowClient(c.RealIP(), infoOf(c).start); !ok {
			return tooMany(c, retry)
		}
		buf := bodyBuffers.Get().(*[]byte)
		defer putBody(buf)
		body, err := readBody(c.Response().Writer, c.Request(), int64(s.cfg.BodyLimit), (*buf)[:0])
		*buf = body[:0] // a buffer it grew is kept
		if err != nil {
			var he *echo.HTTPError
			if errors.As(err, &he) && he.Code == http.StatusServiceUnavailable {
				s.retryLater(c)
			}
			return err
		}
		return s.accept(c, acct, body)
	}
}

// accept verifies a callback whose body was read and stores it, or refuses
// it.
func (s *Server) accept(c echo.Context, acct *account, body []byte) error {
	env := capture(c, infoOf(c), acct, body, s.deps.Digester)
	if err := s.deps.Verifier.Verify(fax.RawMessage{Envelope: env}); err != nil {
		return s.refuse(c, env, err)
	}
	if acct.spec.NoBody && len(body) > 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "this provider's callbacks carry no body")
	}
	if retry, ok := s.limits.allowAccount(acct.key); !ok {
		return tooMany(c, retry)
	}
	err := s.publish(c.Request().Context(), acct.subject, env)
	if errors.Is(err, fax.ErrEnvelopeTooLarge) {
		s.deps.Log.Error("envelope over the broker's max_payload; raise it or lower ingress.body_limit", zap.String("request_id", env.ID), zap.Error(err))
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "body too large")
	}
	if err != nil {
		s.deps.Log.Warn("publish failed; answering 503", zap.String("request_id", env.ID), zap.Error(err))
		s.retryLater(c)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unable to store the callback; retry later")
	}
	return answer(c, acct.spec.Answer)
}

// publish stores env in the raw stream, or fails within the publish
// timeout (see Publisher). Its message has no headers (but the trace's,
// when tracing is on): the envelope is the whole record, its id inside,
// and a header would make the broker parse the headers of every callback.
// Nor is it published with a Nats-Msg-Id. Its id is new to every request,
// and nothing ever publishes a callback's envelope again: the client only
// repeats a publish that no stream received. So the broker's duplicate
// check could never find a repeat, and it would keep every id of the
// duplicate window in memory for nothing. A callback the provider sends
// again is a new request and a new envelope either way; the processor
// drops its second event.
func (s *Server) publish(ctx context.Context, subject string, env *fax.Envelope) error {
	buf := envelopeBuffers.Get().(*[]byte)
	msg := &nats.Msg{Subject: subject, Data: env.AppendJSON((*buf)[:0])}
	if s.deps.Tracer != nil {
		msg.Header = nats.Header{}
		s.deps.Tracer.Inject(ctx, msg.Header)
	}
	s.metrics.inFlight.Inc()
	start := time.Now()
	_, err := s.deps.Publisher.Publish(ctx, msg)
	s.metrics.publishSeconds.Observe(time.Since(start).Seconds())
	s.metrics.inFlight.Dec()
	if err == nil {
		// Acknowledged: the client holds msg no longer (it may resend a
		// message until then, so a failed one's buffer is left to the GC).
		*buf = msg.Data[:0]
		envelopeBuffers.Put(buf)
	}
	return err
}

// envelopeBuffers hold encoded envelopes between callbacks.
var envelopeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// bodyBuffers hold callbacks' bodies between callbacks. A body is used only
// while its callback is handled: its envelope is encoded into a buffer of
// its own (publish) and a forgery's record is encoded before refuse
// returns.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledBody is the largest body buffer kept for reuse; a larger body's
// is left to the garbage collector, so a few large callbacks do not pin
// their memory.
const maxPooledBody = 64 << 10

func putBody(buf *[]byte) {
	if cap(*buf) <= maxPooledBody {
		*buf = (*buf)[:0]
		bodyBuffers.Put(buf)
	}
}

// retryLater sets the Retry-After of a 503: every 503 asks the provider to
// retry, after the configured delay.
func (s *Server) retryLater(c echo.Context) {
	c.Response().Header().Set("Retry-After", seconds(s.cfg.RetryAfter))
}

// tooMany is the 429 of a spent bucket, with the wait for its next token.
func tooMany(c echo.Context, retry time.Duration) error {
	c.Response().Header().Set("Retry-After", seconds(retry))
	return echo.NewHTTPError(http.StatusTooManyRequests, "rate limit exceeded")
}

func answer(c echo.Context, a fax.Answer) error {
	if a.ContentType == "" {
		return c.NoContent(http.StatusOK)
	}
	return c.Blob(http.StatusOK, a.ContentType, a.Body)
}

// seconds formats d for Retry-After, rounding up to at least one second.
func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}
