// Package monitoring holds what faxpipe's operators load into their
// monitoring: a Grafana dashboard (grafana-dashboard.json), the alert rules
// (faxpipe.rules.yml, and the same rules as a Prometheus Operator
// PrometheusRule in prometheusrule.yaml) and their tests. The tests run the
// rules' unit tests, written in promtool's `test rules` format, through
// Prometheus's own rule and PromQL packages (the loop of promtool's
// unittest.go, which lives in a main package and cannot be imported), check
// that the PrometheusRule is the rules file, and check that every query of
// the dashboard and the rules names a metric that faxpipe or the NATS
// exporter exports. The package has no non-test code beyond this comment.
package monitoring
