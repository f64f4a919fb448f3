package reconciler

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/faxpipe/faxpipe/pkg/admin"
)

type metrics struct {
	listed      *prometheus.CounterVec
	missed      *prometheus.CounterVec
	errors      *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	reconciled  *prometheus.GaugeVec
	leaseHeld   *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		listed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "reconciler", Name: "listed_total",
			Help: "Received faxes the provider's API listed, by provider and account (a fax is listed again on every pass whose window covers it).",
		}, []string{"provider", "account"}),
		missed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "reconciler", Name: "missed_webhooks_total",
			Help: "Received faxes found only through the provider's API and fed in: their webhook never reached faxpipe. A rate above zero means the account's webhooks are broken.",
		}, []string{"provider", "account"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "reconciler", Name: "errors_total",
			Help: "Failed attempts at reconciling a window (listing the provider's API, or the broker); each is retried with backoff.",
		}, []string{"provider", "account"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "faxpipe", Subsystem: "reconciler", Name: "last_success_timestamp_seconds",
			Help: "When the last pass over the account completed, Unix time.",
		}, []string{"provider", "account"}),
		reconciled: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "faxpipe", Subsystem: "reconciler", Name: "reconciled_to_timestamp_seconds",
			Help: "Every fax of the account completed before this time (Unix) has been reconciled.",
		}, []string{"provider", "account"}),
		leaseHeld: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "faxpipe", Subsystem: "reconciler", Name: "lease_held",
			Help: "1 while this replica holds the account's lease and reconciles it.",
		}, []string{"provider", "account"}),
	}
	if err := admin.Register(reg, m.listed, m.missed, m.errors, m.lastSuccess, m.reconciled, m.leaseHeld); err != nil {
		return nil, err
	}
	return m, nil
}
