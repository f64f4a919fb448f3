package ingress_test

import (
	"io"
	"testing"

	"github.com/faxpipe/faxpipe/ingress"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/prometheus/client_golang/prometheus"
)

func BenchmarkExp(b *testing.B) {
	for r := 0; r < 3; r++ {
		b.Run("ingress-bare", func(b *testing.B) {
			cfg := testIngressConfig()
			cfg.RateLimit = config.RateLimit{AccountRPS: 1e9, AccountBurst: 1e9, ClientRPS: 1e9, ClientBurst: 1e9}
			log, _ := logging.New(io.Discard, "info", "json")
			pub := benchPublisher(b)
			deps := ingress.Deps{Publisher: pub, Forged: pub, Log: log, Registry: prometheus.NewRegistry()}
			deps.Accounts, deps.Callbacks = testAccounts(), provider.Callbacks
			deps.Verifier, deps.Digester = testVerifier(b), testDigester(b)
			srv, err := ingress.New(cfg, deps)
			if err != nil {
				b.Fatal(err)
			}
			base := serveBench(b, srv.Handler())
			loadHTTP(b, base+"/callbacks/efax/demo", efaxInbound)
		})
		b.Run("ingress", func(b *testing.B) {
			cfg := testIngressConfig()
			cfg.RateLimit = config.RateLimit{AccountRPS: 1e9, AccountBurst: 1e9, ClientRPS: 1e9, ClientBurst: 1e9}
			log, _ := logging.New(io.Discard, "info", "json")
			base, _ := startIngressLogging(b, cfg, benchPublisher(b), log)
			loadHTTP(b, base+"/callbacks/efax/demo", efaxInbound)
		})
	}
}
