// Package simtest starts simulators for tests.
package simtest

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// Start builds a simulator of accounts with opts, playing sims, and serves
// its API (opts.APIListen) until the test ends; a failure to build or
// serve fails the test, and so does an error when serving ends.
func Start(t testing.TB, sims []sim.Provider, accounts config.Accounts, opts sim.Options, log *zap.Logger) *sim.Simulator {
	t.Helper()
	s, err := sim.New(sims, accounts, opts, log)
	if err != nil {
		t.Fatal(err)
	}
	stop, err := s.StartAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("simulator API: %v", err)
		}
	})
	return s
}

// Run runs s within a 30-second test deadline and returns its report; an
// error fails the test.
func Run(t testing.TB, s *sim.Simulator) *sim.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := s.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}
