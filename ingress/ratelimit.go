package ingress

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// maxClientsPerShard bounds the per-client limiters kept in memory; past it,
// a flood of new addresses shares one bucket per shard until idle clients
// are forgotten.
const maxClientsPerShard = 2048

// clientShards spreads client limiters over independent locks so that
// concurrent callbacks do not queue on one mutex.
const clientShards = 32

// clientIdle is how long a client's limiter is kept after its last request.
const clientIdle = 10 * time.Minute

// limiter holds a token bucket per account and per client address. It is
// safe for concurrent use.
type limiter struct {
	cfg      config.RateLimit
	accounts map[accountKey]*rate.Limiter // fixed at start: read without a lock
	seed     maphash.Seed
	shards   [clientShards]clientShard
}

type clientShard struct {
	mu       sync.Mutex
	clients  map[string]*clientBucket
	overflow *rate.Limiter
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(cfg config.RateLimit, accounts []accountKey) *limiter {
	l := &limiter{cfg: cfg, accounts: map[accountKey]*rate.Limiter{}, seed: maphash.MakeSeed()}
	if cfg.AccountRPS > 0 {
		for _, a := range accounts {
			l.accounts[a] = rate.NewLimiter(rate.Limit(cfg.AccountRPS), cfg.AccountBurst)
		}
	}
	for i := range l.shards {
		l.shards[i].clients = map[string]*clientBucket{}
		l.shards[i].overflow = rate.NewLimiter(rate.Limit(cfg.ClientRPS), cfg.ClientBurst)
	}
	return l
}

// allowClient takes a token from client's bucket; when it is out it
// returns false and how long to wait. It is the first check of a request,
// before the body is read.
func (l *limiter) allowClient(client string, now time.Time) (time.Duration, bool) {
	if l.cfg.ClientRPS <= 0 {
		return 0, true
	}
	if lim := l.client(client, now); !lim.AllowN(now, 1) {
		return retryIn(lim), false
	}
	return 0, true
}

// allowAccount takes a token from the account's bucket; when it is out it
// returns false and how long to wait. Only a callback that passed
// verification spends it, so a stranger cannot spend a provider's budget.
func (l *limiter) allowAccount(account accountKey) (time.Duration, bool) {
	now := time.Now()
	if lim, ok := l.accounts[account]; ok && !lim.AllowN(now, 1) {
		return retryIn(lim), false
	}
	return 0, true
}

func (l *limiter) client(addr string, now time.Time) *rate.Limiter {
	sh := &l.shards[maphash.String(l.seed, addr)%clientShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b, ok := sh.clients[addr]
	if !ok {
		if len(sh.clients) >= maxClientsPerShard {
			return sh.overflow
		}
		b = &clientBucket{lim: rate.NewLimiter(rate.Limit(l.cfg.ClientRPS), l.cfg.ClientBurst)}
		sh.clients[addr] = b
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
			for i := range l.shards {
				l.shards[i].forgetIdle(now)
			}
		}
	}
}

func (sh *clientShard) forgetIdle(now time.Time) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for addr, b := range sh.clients {
		if now.Sub(b.seen) > clientIdle {
			delete(sh.clients, addr)
		}
	}
}
