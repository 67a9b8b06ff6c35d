// Package limit bounds what one client of the explorer, known by its
// remote address, may hold at once (sockets, API slots) or do per second
// (room joins), so that one machine on the network cannot take what the
// others need.
package limit

import (
	"net"
	"sync"
	"time"
)

// Client returns the client a remote address (http.Request.RemoteAddr)
// belongs to: its IP, without the port, so that every connection from one
// machine counts together.
func Client(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

// A PerClient counts what each client holds and refuses more than Max.
// Its methods may be called from any goroutine.
type PerClient struct {
	max  int
	mu   sync.Mutex
	held map[string]int
}

// NewPerClient returns a PerClient allowing max per client; max ≤ 0
// allows any number.
func NewPerClient(max int) *PerClient {
	return &PerClient{max: max, held: map[string]int{}}
}

// Max returns the most one client may hold (≤ 0: no bound).
func (p *PerClient) Max() int { return p.max }

// Take reserves one for the client at remoteAddr and returns the function
// that gives it back (once; later calls do nothing), or reports false
// when the client already holds Max.
func (p *PerClient) Take(remoteAddr string) (release func(), ok bool) {
	c := Client(remoteAddr)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.max > 0 && p.held[c] >= p.max {
		return nil, false
	}
	p.held[c]++
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.held[c]--; p.held[c] <= 0 {
				delete(p.held, c)
			}
		})
	}, true
}

// Held returns how many the client at remoteAddr holds.
func (p *PerClient) Held(remoteAddr string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held[Client(remoteAddr)]
}

// A Rate allows each client Burst events at once and then one every
// Every (a token bucket per client). Its methods may be called from any
// goroutine.
type Rate struct {
	every time.Duration
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens  float64
	at      time.Time // when tokens was last brought up to date
	refused bool      // the last event was refused
}

// NewRate returns a Rate of burst events at once, then one per every.
func NewRate(burst int, every time.Duration) *Rate {
	return &Rate{every: every, burst: float64(burst), now: time.Now, buckets: map[string]*bucket{}}
}

// maxBuckets is how many clients a Rate remembers before it forgets the
// ones whose buckets have refilled (they would be allowed anyway).
const maxBuckets = 4096

// Allow reports whether the client at remoteAddr may act now, spending one
// event if so. first reports a refusal after an allowed event (or the
// client's first event), so that a caller can log one line per burst of
// refusals rather than one per refusal.
func (r *Rate) Allow(remoteAddr string) (ok, first bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bucketLocked(remoteAddr)
	if b.tokens >= 1 {
		b.tokens--
		b.refused = false
		return true, false
	}
	first = !b.refused
	b.refused = true
	return false, first
}

// Ready reports whether the client at remoteAddr has an event to spend,
// without spending it: with Spend, a caller can count only the events
// that fail (wrong room codes) and still refuse a client that ran out.
func (r *Rate) Ready(remoteAddr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bucketLocked(remoteAddr).tokens >= 1
}

// Spend spends one event of the client at remoteAddr, and reports whether
// that used up its last one.
func (r *Rate) Spend(remoteAddr string) (exhausted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bucketLocked(remoteAddr)
	b.tokens = max(0, b.tokens-1)
	return b.tokens < 1
}

// bucketLocked returns the client's bucket, brought up to date; r.mu is
// held.
func (r *Rate) bucketLocked(remoteAddr string) *bucket {
	c := Client(remoteAddr)
	now := r.now()
	b := r.buckets[c]
	if b == nil {
		if len(r.buckets) >= maxBuckets {
			r.forgetFull(now)
		}
		b = &bucket{tokens: r.burst, at: now}
		r.buckets[c] = b
	}
	r.refill(b, now)
	return b
}

func (r *Rate) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(r.burst, b.tokens+float64(d)/float64(r.every))
		b.at = now
	}
}

func (r *Rate) forgetFull(now time.Time) {
	for c, b := range r.buckets {
		r.refill(b, now)
		if b.tokens >= r.burst {
			delete(r.buckets, c)
		}
	}
}
