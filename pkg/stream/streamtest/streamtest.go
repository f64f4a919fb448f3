// Package streamtest runs an in-process JetStream server for tests, with
// its store in a temporary directory, and reads back what landed in it.
package streamtest

import (
	"context"
	"net"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// Server is an embedded JetStream server owned by one test.
type Server struct {
	t   testing.TB
	cfg config.Embedded
	emb *stream.Embedded
}

// Start starts a server on a free loopback port; t.Cleanup stops it.
func Start(t testing.TB) *Server {
	t.Helper()
	cfg := config.Default().NATS.Embedded
	cfg.Port = FreePort(t)
	cfg.DataDir = t.TempDir()
	s := &Server{t: t, cfg: cfg}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start() {
	s.t.Helper()
	emb, err := stream.StartEmbedded(s.cfg)
	if err != nil {
		s.t.Fatalf("start nats-server: %v", err)
	}
	s.emb = emb
}

// URL is the server's client URL; it survives Restart.
func (s *Server) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(s.cfg.Port) }

// Stop shuts the server down (the broker is "down" until Restart).
func (s *Server) Stop() {
	if s.emb != nil {
		s.emb.Shutdown()
		s.emb = nil
	}
}

// Restart starts the server again on the same port with the same store.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Connect returns a connection to s with the topology of streams ensured;
// t.Cleanup closes it.
func Connect(t testing.TB, s *Server, streams config.Streams, opts ...jetstream.JetStreamOpt) *stream.Conn {
	t.Helper()
	cfg := config.Default().NATS
	cfg.ReconnectWait = 50 * time.Millisecond
	c, err := stream.Connect(s.URL(), cfg, "test", zap.NewNop(), opts...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stream.NewTopology(streams).Ensure(ctx, c.JS); err != nil {
		t.Fatalf("topology: %v", err)
	}
	return c
}

// Messages returns every message stored in the named stream, in order.
func Messages(t testing.TB, js jetstream.JetStream, name string) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatalf("stream %s info: %v", name, err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("stream %s seq %d: %v", name, seq, err)
		}
		out = append(out, m)
	}
	return out
}

// FreePort is a loopback port free at the time of the call and not handed
// out before by this process. The kernel may give a port it has just
// given again once its listener is closed, so two calls in a row can
// return the same port: a test that asked for an admin and an ingress
// port then saw both on one (a CI failure), which the set of ports
// already handed out prevents.
func FreePort(t testing.TB) int {
	t.Helper()
	handedOut.mu.Lock()
	defer handedOut.mu.Unlock()
	for range 100 {
		ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		if !handedOut.ports[port] {
			handedOut.ports[port] = true
			return port
		}
	}
	t.Fatal("free port: the kernel gave only ports already handed out")
	return 0
}

// FreeAddr is FreePort as a 127.0.0.1:port address.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return "127.0.0.1:" + strconv.Itoa(FreePort(t))
}

var handedOut = struct {
	mu    sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// ProcessCPU is the CPU time the process has used so far, user and system:
// with the broker in process, the whole cost of a benchmark's load on one
// machine.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Median is the middle of xs (the mean of the middle two for an even
// count), for benchmarks' verdicts over rounds; xs is sorted in place.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}
