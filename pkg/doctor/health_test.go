package doctor

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestLimits(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name    string
		discard jetstream.DiscardPolicy
		bytes   uint64
		maxB    int64
		msgs    uint64
		maxM    int64
		want    Status
	}{
		{"empty", jetstream.DiscardNew, 0, 100 * mib, 0, 0, OK},
		{"79% of max_bytes", jetstream.DiscardNew, 79 * mib, 100 * mib, 10, 0, OK},
		{"80% of max_bytes", jetstream.DiscardNew, 80 * mib, 100 * mib, 10, 0, Warn},
		{"94% of max_bytes", jetstream.DiscardNew, 94 * mib, 100 * mib, 10, 0, Warn},
		{"95% of max_bytes", jetstream.DiscardNew, 95 * mib, 100 * mib, 10, 0, Fail},
		{"full", jetstream.DiscardNew, 100 * mib, 100 * mib, 10, 0, Fail},
		{"85% of max_msgs", jetstream.DiscardNew, 1, 100 * mib, 85, 100, Warn},
		{"96% of max_msgs", jetstream.DiscardNew, 1, 100 * mib, 96, 100, Fail},
		{"no limits", jetstream.DiscardNew, 1 << 40, -1, 1 << 30, -1, OK},
		{"drops its oldest, 90%", jetstream.DiscardOld, 90 * mib, 100 * mib, 10, 0, OK},
		{"drops its oldest, full", jetstream.DiscardOld, 100 * mib, 100 * mib, 10, 0, Warn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := &jetstream.StreamInfo{
				Config: jetstream.StreamConfig{Discard: tt.discard, MaxBytes: tt.maxB, MaxMsgs: tt.maxM},
				State:  jetstream.StreamState{Bytes: tt.bytes, Msgs: tt.msgs},
			}
			if got, detail := limits(info); got != tt.want {
				t.Errorf("limits = %s (%q), want %s", got, detail, tt.want)
			}
		})
	}
}

func TestReplicaHealth(t *testing.T) {
	peer := func(name string, current, offline bool) *jetstream.PeerInfo {
		return &jetstream.PeerInfo{Name: name, Current: current, Offline: offline, Lag: 7, Active: time.Second}
	}
	tests := []struct {
		name     string
		replicas int
		want     int // streams.replicas
		cluster  *jetstream.ClusterInfo
		status   Status
		says     string
	}{
		{"single server", 1, 1, &jetstream.ClusterInfo{Leader: "n1"}, OK, "1 replica"},
		{"three current", 3, 3, &jetstream.ClusterInfo{Leader: "n1", Replicas: []*jetstream.PeerInfo{peer("n2", true, false), peer("n3", true, false)}}, OK, "all current, leader n1"},
		{"one lagging", 3, 3, &jetstream.ClusterInfo{Leader: "n1", Replicas: []*jetstream.PeerInfo{peer("n2", true, false), peer("n3", false, false)}}, Warn, "replica n3 not current (7 operations behind)"},
		{"one offline", 3, 3, &jetstream.ClusterInfo{Leader: "n1", Replicas: []*jetstream.PeerInfo{peer("n2", true, false), peer("n3", false, true)}}, Fail, "replica n3 offline"},
		{"one missing", 3, 3, &jetstream.ClusterInfo{Leader: "n1", Replicas: []*jetstream.PeerInfo{peer("n2", true, false)}}, Fail, "only 2 in place"},
		{"no leader", 3, 3, &jetstream.ClusterInfo{Replicas: []*jetstream.PeerInfo{peer("n2", true, false), peer("n3", true, false)}}, Fail, "no leader"},
		{"fewer than configured", 1, 3, &jetstream.ClusterInfo{Leader: "n1"}, Warn, "streams.replicas is 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := &jetstream.StreamInfo{Config: jetstream.StreamConfig{Replicas: tt.replicas}, Cluster: tt.cluster}
			got, detail := replicaHealth(info, tt.want)
			if got != tt.status || !strings.Contains(detail, tt.says) {
				t.Errorf("replicaHealth = %s %q, want %s saying %q", got, detail, tt.status, tt.says)
			}
		})
	}
}

func TestClockCheck(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(rtt, skew time.Duration) sample {
		return sample{sent: t0, received: t0.Add(rtt), server: t0.Add(rtt / 2).Add(skew)}
	}
	tests := []struct {
		name    string
		samples []sample
		want    Status
		says    string
	}{
		{"in step", []sample{at(time.Millisecond, 0)}, OK, "0s ahead of"},
		{"half a second behind", []sample{at(time.Millisecond, -500*time.Millisecond)}, OK, "500ms behind"},
		{"two seconds ahead", []sample{at(time.Millisecond, 2*time.Second)}, Warn, "2s ahead of"},
		{"a minute behind", []sample{at(time.Millisecond, -time.Minute)}, Fail, "1m0s behind"},
		// 31 s off, but a 4 s round trip leaves it within 29 s: the
		// doubt goes to the clock.
		{"within half the round trip", []sample{at(4*time.Second, 31*time.Second)}, Warn, "± 2s"},
		{"the shortest round trip counts", []sample{at(4*time.Second, 31*time.Second), at(time.Millisecond, 0)}, OK, "± 500µs"},
		{"no server time", []sample{{sent: t0, received: t0}}, Warn, "not checked"},
		{"no sample", nil, Warn, "not checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clockCheck(tt.samples)
			if c.Status != tt.want || !strings.Contains(c.Detail, tt.says) {
				t.Errorf("clockCheck = %s %q, want %s saying %q", c.Status, c.Detail, tt.want, tt.says)
			}
		})
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1024: "1 KiB", 1536: "1.5 KiB", 512 << 20: "512 MiB", 3 << 30: "3 GiB"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}
