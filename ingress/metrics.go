package ingress

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/faxpipe/faxpipe/pkg/admin"
)

type metrics struct {
	requests       *prometheus.CounterVec
	publishSeconds prometheus.Histogram
	inFlight       prometheus.Gauge
	forgeries      *prometheus.CounterVec
	forgedDropped  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "ingress", Name: "requests_total",
			Help: "Callback requests by provider, account and HTTP status code (unknown accounts count as provider=account=\"unknown\").",
		}, []string{"provider", "account", "code"}),
		publishSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "faxpipe", Subsystem: "ingress", Name: "publish_duration_seconds",
			Help:    "Time from publishing a raw envelope to JetStream's acknowledgement (or failure).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "faxpipe", Subsystem: "ingress", Name: "in_flight_publishes",
			Help: "Raw envelopes published and not yet acknowledged.",
		}),
		forgeries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "ingress", Name: "forgeries_total",
			Help: "Callbacks refused (401) because they failed verification, by provider, account and reason; none reached FAXPIPE_RAW.",
		}, []string{"provider", "account", "reason"}),
		forgedDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "faxpipe", Subsystem: "ingress", Name: "forged_records_dropped_total",
			Help: "Records of refused forgeries not written to FAXPIPE_FORGED, by cause: rate_limit (past the record budget) or publish_failed.",
		}, []string{"cause"}),
	}
	if err := admin.Register(reg, m.requests, m.publishSeconds, m.inFlight, m.forgeries, m.forgedDropped); err != nil {
		return nil, err
	}
	return m, nil
}
