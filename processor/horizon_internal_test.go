package processor

import (
	"errors"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func TestHorizon(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	week := NewHorizon(7 * 24 * time.Hour)
	short := NewHorizon(8 * time.Second)
	at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	tests := []struct {
		name      string
		h         Horizon
		received  time.Duration // before now
		completed *time.Time
		want      error
	}{
		{"a week: margin 12h, received 6d ago", week, 6 * 24 * time.Hour, nil, nil},
		{"a week: received 6.5d and 1s ago", week, 156*time.Hour + time.Second, nil, fax.ReasonBeyondDedupeHorizon},
		{"a week: completed 6d ago", week, 0, at(6 * 24 * time.Hour), nil},
		{"a week: completed 7d ago, received now", week, 0, at(7 * 24 * time.Hour), fax.ReasonStale},
		{"a week: no provider time", week, 0, nil, nil},
		{"8s: margin 2s, received 5s ago", short, 5 * time.Second, nil, nil},
		{"8s: received 7s ago", short, 7 * time.Second, nil, fax.ReasonBeyondDedupeHorizon},
		{"8s: completed 7s ago", short, 0, at(7 * time.Second), fax.ReasonStale},
		{"no TTL: forever", NewHorizon(0), 400 * 24 * time.Hour, at(400 * 24 * time.Hour), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.h.checkReceived(&fax.Envelope{ReceivedAt: now.Add(-tt.received)}, now)
			if err == nil {
				err = tt.h.checkCompleted(fax.Event{CompletedAt: tt.completed}, now)
			}
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}
