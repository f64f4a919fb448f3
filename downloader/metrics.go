package downloader

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/faxpipe/faxpipe/pkg/admin"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Results of one fetch attempt, for the attempts metric.
const (
	attemptOK        = "ok"
	attemptTransient = "transient"
	attemptPermanent = "permanent"
)

type metrics struct {
	attempts       *prometheus.CounterVec
	documents      *prometheus.CounterVec
	bytes          *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	tokenRefreshes *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "downloader", Name: "attempts_total",
			Help: "Document fetch attempts, by provider and result (ok, transient, permanent).",
		}, []string{"provider", "result"}),
		documents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "downloader", Name: "documents_total",
			Help: "Documents announced, by provider, outcome (stored, already_stored, failed) and failure reason.",
		}, []string{"provider", "outcome", "reason"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "downloader", Name: "bytes_total",
			Help: "Document bytes stored, by provider.",
		}, []string{"provider"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "faxpipe", Subsystem: "downloader", Name: "fetch_duration_seconds",
			Help:    "Time of one successful fetch-and-store attempt, by provider.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"provider"}),
		tokenRefreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "downloader", Name: "token_refreshes_total",
			Help: "API tokens obtained from providers, by provider.",
		}, []string{"provider"}),
	}
	if err := admin.Register(reg, m.attempts, m.documents, m.bytes, m.latency, m.tokenRefreshes); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *metrics) tokenRefreshed(p fax.Provider, _ string) {
	m.tokenRefreshes.WithLabelValues(string(p)).Inc()
}
