// Package admintest reads a service's metrics in tests.
package admintest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// CounterSum is the value of the counter name in g, summed over its label
// values; 0 when it has none yet.
func CounterSum(t testing.TB, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
