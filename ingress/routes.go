package ingress

import (
	"net"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.uber.org/zap"
)

// newEcho builds the public HTTP surface. Everything the ingress answers is
// listed here.
func (s *Server) newEcho() (*echo.Echo, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	extractor, err := ipExtractor(s.cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	e.IPExtractor = extractor

	recoverPanics := middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll:   true,
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.deps.Log.Error("panic in handler", zap.String("request_id", requestIDOf(c)), zap.Error(err), zap.ByteString("stack", stack))
			return err
		},
	})
	chain := recoverPanics(toRoute)
	chain = s.accessLog(chain)
	chain = closeAfterChunked(chain)
	if s.deps.Tracer != nil { // off, tracing adds nothing to a request
		chain = s.trace(chain)
	}
	// Every request, a route's or not (Echo's own 405 too), runs the chain.
	e.Use(entry(chain))

	e.Any("/callbacks/:provider/:account", s.handleCallback())
	e.RouteNotFound("/*", notFound)
	return e, nil
}

// notFound is the one answer to any URL that is not a configured account's
// callback URL: it does not tell an unknown provider from an unknown
// account, so the URLs cannot be probed a part at a time.
func notFound(echo.Context) error {
	return echo.NewHTTPError(http.StatusNotFound, "no such callback URL")
}

// ipExtractor believes X-Forwarded-For only from the trusted proxy ranges.
func ipExtractor(cidrs []string) (echo.IPExtractor, error) {
	if len(cidrs) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, c := range cidrs {
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			return nil, err
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}
