package ingress

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// The records of refused forgeries each ingress publishes at most: a
// forgery wave costs the broker no more than this, whatever its size, and
// FAXPIPE_FORGED (bounded by streams.forged) keeps a sample of it. Records
// past the rate are counted and dropped.
const (
	forgedRecordsPerSecond = 20
	forgedRecordsBurst     = 40
)

// unauthenticated is the one answer to a callback that failed verification:
// it says nothing of which check failed.
const unauthenticated = "callback not authenticated"

// newForgedLimiter is the budget of forged records of one ingress.
func newForgedLimiter() *rate.Limiter {
	return rate.NewLimiter(forgedRecordsPerSecond, forgedRecordsBurst)
}

// refuse answers 401 to env, which failed verification with err: it is
// never published to FAXPIPE_RAW and never spends the account's rate
// budget; it is counted, and recorded in FAXPIPE_FORGED when the record
// budget allows (record). A verifier error without a verification reason
// is a bug in the verifier: the callback is refused all the same (fail
// closed), and the error logged.
func (s *Server) refuse(c echo.Context, env *fax.Envelope, err error) error {
	reason, _ := fax.ReasonOf(err)
	if !fax.IsVerificationFailure(err) {
		s.deps.Log.Error("the verifier refused a callback for no verification reason; refused all the same",
			zap.String("request_id", env.ID), zap.String("provider", string(env.Provider)), zap.String("account", env.Account), zap.Error(err))
		if reason == "" {
			reason = fax.ReasonMalformed
		}
	}
	s.metrics.forgeries.WithLabelValues(string(env.Provider), env.Account, string(reason)).Inc()
	s.record(c.Request().Context(), fax.NewForged(env, reason, c.RealIP()))
	return echo.NewHTTPError(http.StatusUnauthorized, unauthenticated)
}

// record publishes f to FAXPIPE_FORGED, best-effort: when the record
// budget is spent or the publish fails, f is dropped and counted. It waits
// at most the publish timeout, and only for records within the budget.
func (s *Server) record(ctx context.Context, f fax.Forged) {
	if !s.forgedBudget.Allow() {
		s.metrics.forgedDropped.WithLabelValues("rate_limit").Inc()
		return
	}
	data, err := json.Marshal(f)
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
		defer cancel()
		_, err = s.deps.Forged.Publish(ctx, stream.NewMsg(f.Subject(), f.ID, data))
	}
	if err != nil {
		s.metrics.forgedDropped.WithLabelValues("publish_failed").Inc()
		s.deps.Log.Warn("recording a forgery failed; dropped", zap.String("request_id", f.ID), zap.Error(err))
	}
}
