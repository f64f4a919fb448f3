package consume

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// progressMsg counts the InProgress reports of a message; its other
// methods are not used by KeepAlive (nil interface: a call panics).
type progressMsg struct {
	jetstream.Msg
	reports atomic.Int64
}

func (m *progressMsg) InProgress() error {
	m.reports.Add(1)
	return nil
}

// TestKeepAlive: a message is reported in progress repeatedly while held,
// even with a zero interval (floored, not a panicking ticker), and never
// after stop has returned.
func TestKeepAlive(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
	}{
		{"short interval", 5 * time.Millisecond},
		{"zero interval floored", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &progressMsg{}
			stop := keepAlive(m, tt.interval)
			deadline := time.Now().Add(5 * time.Second)
			for m.reports.Load() < 3 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			stop()
			after := m.reports.Load()
			if after < 3 {
				t.Fatalf("%d InProgress reports in 5 s, want at least 3", after)
			}
			time.Sleep(50 * time.Millisecond)
			if got := m.reports.Load(); got != after {
				t.Errorf("%d reports after stop returned, want none", got-after)
			}
		})
	}
}

// TestKeepAliveStopBeforeInterval: a handler quicker than the interval
// causes no report at all.
func TestKeepAliveStopBeforeInterval(t *testing.T) {
	m := &progressMsg{}
	stop := keepAlive(m, time.Hour)
	stop()
	if got := m.reports.Load(); got != 0 {
		t.Errorf("%d reports, want 0", got)
	}
}
