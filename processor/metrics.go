package processor

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/faxpipe/faxpipe/pkg/admin"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// verificationReasons are the rejections that mean "not from the provider".
var verificationReasons = map[fax.Reason]bool{
	fax.ReasonSignatureInvalid: true, fax.ReasonTokenExpired: true,
	fax.ReasonCredentialsMismatch: true, fax.ReasonUntrustedResourceURL: true,
}

type metrics struct {
	messages     *prometheus.CounterVec
	dedupeHits   *prometheus.CounterVec
	verifyFailed *prometheus.CounterVec
	lag          prometheus.Gauge
	unacked      prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "processor", Name: "messages_total",
			Help: "Raw callbacks processed, by provider, outcome (event, duplicate, rejected) and rejection reason.",
		}, []string{"provider", "outcome", "reason"}),
		dedupeHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "processor", Name: "dedupe_hits_total",
			Help: "Callbacks whose event was already published (provider retries, duplicates, replays).",
		}, []string{"provider"}),
		verifyFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "processor", Name: "verification_failures_total",
			Help: "Callbacks that failed authentication: forged, expired or mis-configured.",
		}, []string{"provider", "reason"}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "faxpipe", Subsystem: "processor", Name: "consumer_pending",
			Help: "Raw callbacks not yet delivered to a processor (consumer lag).",
		}),
		unacked: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "faxpipe", Subsystem: "processor", Name: "consumer_ack_pending",
			Help: "Raw callbacks delivered and not yet acknowledged.",
		}),
	}
	if err := admin.Register(reg, m.messages, m.dedupeHits, m.verifyFailed, m.lag, m.unacked); err != nil {
		return nil, err
	}
	return m, nil
}

// outcome counts what processing a callback came to.
func (m *metrics) outcome(out Outcome) {
	m.messages.WithLabelValues(string(out.Provider), string(out.Kind), string(out.Reason)).Inc()
	switch {
	case out.Kind == Duplicate:
		m.dedupeHits.WithLabelValues(string(out.Provider)).Inc()
	case verificationReasons[out.Reason]:
		m.verifyFailed.WithLabelValues(string(out.Provider), string(out.Reason)).Inc()
	}
}
