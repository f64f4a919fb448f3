package e2e

import (
	"os"
	"testing"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

// startSim builds a simulator for p's accounts, sending to p's ingress and
// serving the document API where p's accounts expect it, until the test
// ends. opts' Target and APIListen are set here.
func startSim(t testing.TB, p *pipeline, opts sim.Options) *sim.Simulator {
	t.Helper()
	opts.Target, opts.APIListen = p.ingressURL, p.simAPI
	return simtest.Start(t, provider.Sims, accountsOf(t, p), opts, zap.NewNop())
}

// accountsOf are the accounts of p's configuration.
func accountsOf(t testing.TB, p *pipeline) config.Accounts {
	t.Helper()
	cfg, err := config.Load(p.config, os.Getenv, provider.AccountTypes())
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Accounts
}
