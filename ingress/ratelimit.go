package ingress

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// maxClients bounds the per-client limiters kept in memory; past it, idle
// clients are forgotten first and a flood of new addresses shares one bucket.
const maxClients = 50_000

// clientIdle is how long a client's limiter is kept after its last request.
const clientIdle = 10 * time.Minute

// limiter holds a token bucket per account and per client address.
type limiter struct {
	cfg      config.RateLimit
	mu       sync.Mutex
	accounts map[accountKey]*rate.Limiter
	clients  map[string]*clientBucket
	overflow *rate.Limiter
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(cfg config.RateLimit) *limiter {
	return &limiter{
		cfg:      cfg,
		accounts: map[accountKey]*rate.Limiter{},
		clients:  map[string]*clientBucket{},
		overflow: rate.NewLimiter(rate.Limit(cfg.ClientRPS), cfg.ClientBurst),
	}
}

// allow takes a token for the account and the client; when either is out
// it returns false and how long to wait.
func (l *limiter) allow(p fax.Provider, account, client string) (time.Duration, bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg.ClientRPS > 0 {
		if lim := l.client(client, now); !lim.AllowN(now, 1) {
			return retryIn(lim), false
		}
	}
	if l.cfg.AccountRPS > 0 {
		key := accountKey{p, account}
		lim, ok := l.accounts[key]
		if !ok {
			lim = rate.NewLimiter(rate.Limit(l.cfg.AccountRPS), l.cfg.AccountBurst)
			l.accounts[key] = lim
		}
		if !lim.AllowN(now, 1) {
			return retryIn(lim), false
		}
	}
	return 0, true
}

func (l *limiter) client(addr string, now time.Time) *rate.Limiter {
	b, ok := l.clients[addr]
	if !ok {
		if len(l.clients) >= maxClients {
			return l.overflow
		}
		b = &clientBucket{lim: rate.NewLimiter(rate.Limit(l.cfg.ClientRPS), l.cfg.ClientBurst)}
		l.clients[addr] = b
	}
	b.seen = now
	return b.lim
}

func retryIn(lim *rate.Limiter) time.Duration {
	return time.Duration(float64(time.Second) / float64(lim.Limit()))
}

// sweep forgets idle clients every minute until ctx ends.
func (l *limiter) sweep(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			l.mu.Lock()
			for addr, b := range l.clients {
				if now.Sub(b.seen) > clientIdle {
					delete(l.clients, addr)
				}
			}
			l.mu.Unlock()
		}
	}
}
