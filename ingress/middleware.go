package ingress

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
)

const unknownLabel = "unknown"

// requestInfo is what the middleware and the handler share about one
// request.
type requestInfo struct {
	id string
	// start is when the request reached the ingress's handlers: its
	// envelope's received_at, its log line's latency, its client's rate.
	start time.Time
	acct  *account // set once the account is known
}

// requestContext is the echo.Context every middleware of the ingress and
// the handler get: Echo's context with the request's info beside it (one
// small allocation, where echo's Set would make a map per request).
type requestContext struct {
	echo.Context
	info requestInfo
	// idHeader is the X-Request-Id answered, without a slice of its own.
	idHeader [1]string
	// route is the handler Echo found for the request.
	route echo.HandlerFunc
}

func infoOf(c echo.Context) *requestInfo {
	if rc, ok := c.(*requestContext); ok {
		return &rc.info
	}
	return &requestInfo{}
}

// entry is the ingress's one Echo middleware. It gives every request a
// UUIDv7, answered in X-Request-Id (for a callback it is also the envelope
// id, so a log line leads to the stream), then runs chain, the ingress's
// own middleware composed once at start, around the route Echo found: Echo
// applies each middleware given to Use anew to every request, an
// allocation and a call each.
func entry(chain echo.HandlerFunc) echo.MiddlewareFunc {
	return func(route echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, err := uuid.NewV7()
			if err != nil {
				return err
			}
			rc := &requestContext{Context: c, route: route}
			rc.info.id, rc.info.start = id.String(), time.Now()
			rc.idHeader[0] = rc.info.id
			c.Response().Header()[echo.HeaderXRequestID] = rc.idHeader[:]
			return chain(rc)
		}
	}
}

// toRoute is the end of the composed chain: the route Echo found.
func toRoute(c echo.Context) error {
	if rc, ok := c.(*requestContext); ok {
		return rc.route(c)
	}
	return notFound(c)
}

func requestIDOf(c echo.Context) string { return infoOf(c).id }

// closeAfterChunked closes the connection after answering a request sent
// with a transfer coding. A request carrying both Transfer-Encoding and
// Content-Length is the means of request smuggling, and RFC 9112 §6.1
// requires the connection be closed after it; net/http drops the
// Content-Length before any handler runs and keeps the connection, so the
// two cannot be told apart here and every chunked request (rare among
// providers) closes its connection. Bytes that a proxy in front framed
// differently are then never read as a further callback.
func closeAfterChunked(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if len(c.Request().TransferEncoding) > 0 {
			c.Response().Header().Set(echo.HeaderConnection, "close")
		}
		return next(c)
	}
}

// setAccount records which known account a request is for; requests to
// unknown ones are counted as "unknown" to keep metric cardinality bounded.
func setAccount(c echo.Context, acct *account) { infoOf(c).acct = acct }

func labelsOf(c echo.Context) (string, string) {
	if a := infoOf(c).acct; a != nil {
		return string(a.Provider), a.ID
	}
	return unknownLabel, unknownLabel
}

// accessLog writes one line per request and counts it. The query string is
// never logged: it may carry a credential.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err != nil {
			// Answered here with c, which carries the request's info (echo's
			// c.Error would hand the handler its own context instead).
			s.errorHandler(err, c)
		}
		status := c.Response().Status
		provider, account := labelsOf(c)
		if a := infoOf(c).acct; status == http.StatusOK && a != nil {
			a.ok.Inc()
		} else {
			s.metrics.requests.WithLabelValues(provider, account, strconv.Itoa(status)).Inc()
		}
		// A callback answered 200 is recorded in FAXPIPE_RAW (its envelope
		// has the request id, time, path and client): its line is debug.
		lvl := zap.InfoLevel
		switch {
		case status >= 500:
			lvl = zap.WarnLevel
		case status == http.StatusOK:
			lvl = zap.DebugLevel
		}
		ce := s.deps.Log.Check(lvl, "callback")
		if ce == nil {
			return nil
		}
		ce.Write(
			zap.String("request_id", requestIDOf(c)),
			zap.String("provider", provider),
			zap.String("account", account),
			zap.String("method", c.Request().Method),
			zap.String("path", c.Request().URL.EscapedPath()),
			zap.Int("status", status),
			zap.Duration("latency", time.Since(infoOf(c).start)),
			zap.Int64("bytes_in", c.Request().ContentLength),
			zap.String("client", c.RealIP()),
		)
		return nil
	}
}

// errorHandler answers errors as small JSON documents without internals.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg := http.StatusInternalServerError, "internal error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		}
	} else {
		s.deps.Log.Error("unhandled error", zap.String("request_id", requestIDOf(c)), zap.Error(err))
	}
	if err := c.JSON(code, map[string]string{"error": msg, "request_id": requestIDOf(c)}); err != nil {
		s.deps.Log.Debug("writing error answer", zap.Error(err))
	}
}

// trace runs the request in a server span, a child of the provider's
// traceparent if it sent one; the span's context then travels in the raw
// message (publish). It is installed only when tracing is on. Its
// attributes name the route, the known account and the answer, never the
// query or a header: they may carry credentials.
func (s *Server) trace(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ctx, sp := s.deps.Tracer.StartServer(r.Context(), r.Header, r.Method+" "+c.Path())
		c.SetRequest(r.WithContext(ctx))
		sp.SetString("http.request.method", r.Method)
		sp.SetString("http.route", c.Path())
		sp.SetString("faxpipe.request_id", requestIDOf(c))
		err := next(c) // the access log below answered any error
		provider, account := labelsOf(c)
		sp.SetString("faxpipe.provider", provider)
		sp.SetString("faxpipe.account", account)
		status := c.Response().Status
		sp.SetInt("http.response.status_code", int64(status))
		if status >= http.StatusInternalServerError {
			sp.Fail(errors.New(http.StatusText(status)))
		}
		sp.End(err)
		return err
	}
}
