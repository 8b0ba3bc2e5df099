package web

import (
	"container/list"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/billd/billd"
)

// Rate limiting gives each API client (principal) a token bucket whose rate and burst its role
// sets: a request takes a token, and one that finds the bucket empty is refused with 429
// (ResourceExhausted on Connect and gRPC) and Retry-After, before its body is read or any use
// case runs. It is fairness between clients, unlike load shedding (admission.go), which protects
// the server as a whole and answers 503 whoever asks.

// RateLimit is the request budget of one API client: Rate requests per second on average and
// Burst at once. A zero Rate means unlimited.
type RateLimit struct {
	Rate  float64
	Burst int
}

// Unlimited reports whether l sets no limit.
func (l RateLimit) Unlimited() bool { return l.Rate <= 0 }

// String is the flag form of l: "0" when unlimited, else "rate/burst".
func (l RateLimit) String() string {
	if l.Unlimited() {
		return "0"
	}
	return strconv.FormatFloat(l.Rate, 'f', -1, 64) + "/" + strconv.Itoa(l.Burst)
}

// Rate-limit classes: the platform roles, and the organization roles (an organization's admin is
// "org-admin", apart from the platform's "admin").
const (
	RateClassAdmin    = "admin"
	RateClassMeter    = "meter"
	RateClassOwner    = "owner"
	RateClassOrgAdmin = "org-admin"
	RateClassMember   = "member"
)

// rateClasses lists the classes in the order --rate-limit shows them.
var rateClasses = []string{RateClassAdmin, RateClassMeter, RateClassOwner, RateClassOrgAdmin, RateClassMember}

// DefaultRateLimits are the budgets by class: platform admins and meters (the metering services,
// which report usage in bulk) are not limited; organization clients get 50 requests a second with
// bursts of 100, members 20 with bursts of 40.
func DefaultRateLimits() map[string]RateLimit {
	return map[string]RateLimit{
		RateClassAdmin:    {},
		RateClassMeter:    {},
		RateClassOwner:    {Rate: 50, Burst: 100},
		RateClassOrgAdmin: {Rate: 50, Burst: 100},
		RateClassMember:   {Rate: 20, Burst: 40},
	}
}

// FormatRateLimits is the flag form of limits: "admin=0,meter=0,owner=50/100,...".
func FormatRateLimits(limits map[string]RateLimit) string {
	parts := make([]string, 0, len(rateClasses))
	for _, c := range rateClasses {
		parts = append(parts, c+"="+limits[c].String())
	}
	return strings.Join(parts, ",")
}

// ParseRateLimits sets in limits the budgets spec names: comma-separated class=rate[/burst], where
// rate is requests per second (0: unlimited) and burst defaults to the rate rounded up. Classes it
// does not name keep their budget. It fails on an unknown class or a malformed budget.
func ParseRateLimits(spec string, limits map[string]RateLimit) error {
	for item := range strings.SplitSeq(spec, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		class, budget, ok := strings.Cut(item, "=")
		class = strings.TrimSpace(class)
		if _, known := limits[class]; !ok || !known {
			return fmt.Errorf("%q: want class=rate[/burst] with class one of %s", billd.Truncate(item, 100), strings.Join(rateClasses, ", "))
		}
		l, err := parseRateLimit(strings.TrimSpace(budget))
		if err != nil {
			return fmt.Errorf("%s: %w", class, err)
		}
		limits[class] = l
	}
	return nil
}

// parseRateLimit parses rate[/burst].
func parseRateLimit(s string) (RateLimit, error) {
	rateText, burstText, hasBurst := strings.Cut(s, "/")
	rate, err := strconv.ParseFloat(rateText, 64)
	if err != nil || math.IsNaN(rate) || math.IsInf(rate, 0) || rate < 0 || rate > 1e9 {
		return RateLimit{}, fmt.Errorf("%q: the rate must be a number of requests per second from 0 (unlimited) to 1e9", billd.Truncate(s, 100))
	}
	if rate == 0 {
		return RateLimit{}, nil
	}
	l := RateLimit{Rate: rate, Burst: int(math.Ceil(rate))}
	if hasBurst {
		if l.Burst, err = strconv.Atoi(burstText); err != nil || l.Burst < 1 || l.Burst > 1e9 {
			return RateLimit{}, fmt.Errorf("%q: the burst must be a whole number from 1 to 1e9", billd.Truncate(s, 100))
		}
	}
	return l, nil
}

// rateClass returns the class of p's budget.
func rateClass(p billd.Principal) string {
	switch {
	case p.OrgID == "" && p.Role == billd.RoleMeter:
		return RateClassMeter
	case p.OrgID == "":
		return RateClassAdmin
	case p.Role == billd.RoleAdmin:
		return RateClassOrgAdmin
	}
	return string(p.Role)
}

// RateLimits configure rate limiting: the budget of each class, how many clients' buckets are
// kept, and the clock.
type RateLimits struct {
	// ByClass is the budget of each class (RateClassAdmin, ...); a class it leaves out is not
	// limited. Nil picks DefaultRateLimits.
	ByClass map[string]RateLimit
	// MaxClients bounds the buckets kept (default 10000): past it the least recently used one is
	// dropped (that of the client idle the longest, most likely full again), so that memory stays
	// bounded whatever the number of clients.
	MaxClients int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (c RateLimits) withDefaults() RateLimits {
	if c.ByClass == nil {
		c.ByClass = DefaultRateLimits()
	}
	if c.MaxClients <= 0 {
		c.MaxClients = 10000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// rateLimiter holds a token bucket per client, at most cfg.MaxClients of them, in LRU order.
type rateLimiter struct {
	cfg RateLimits

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket, by client id
	lru     *list.List               // front: the most recently used
}

// bucket is one client's tokens as of last.
type bucket struct {
	client string
	tokens float64
	last   time.Time
}

// newRateLimiter returns a limiter of cfg, whose defaults are set.
func newRateLimiter(cfg RateLimits) *rateLimiter {
	return &rateLimiter{cfg: cfg, buckets: map[string]*list.Element{}, lru: list.New()}
}

// allow takes a token of p's bucket, or returns an ERATELIMITED error that says when to retry.
func (rl *rateLimiter) allow(p billd.Principal) error {
	limit := rl.cfg.ByClass[rateClass(p)]
	if limit.Unlimited() {
		return nil
	}
	wait, ok := rl.take(p.ClientID, limit, rl.cfg.Now())
	if ok {
		return nil
	}
	return &billd.Error{Code: billd.ERATELIMITED, RetryAfter: wait,
		Message: fmt.Sprintf("too many requests: this client may make %s per second, %d at once; retry in %d s", strconv.FormatFloat(limit.Rate, 'f', -1, 64), limit.Burst, billd.RetrySeconds(wait))}
}

// RateLimit takes a token of p's rate-limit bucket, the one p's API requests draw on, or returns
// an ERATELIMITED error that says when to retry: for pages served beside the API (the console).
func (h *Handler) RateLimit(p billd.Principal) error { return h.rate.allow(p) }

// take takes a token of client's bucket at now, refilled at limit's rate up to its burst. When
// the bucket holds less than one token it returns how long until it does, and false.
func (rl *rateLimiter) take(client string, limit RateLimit, now time.Time) (time.Duration, bool) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	b := rl.bucket(client, limit, now)
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens += elapsed.Seconds() * limit.Rate
		b.last = now
	}
	b.tokens = min(b.tokens, float64(limit.Burst))
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration(math.Ceil((1 - b.tokens) / limit.Rate * float64(time.Second))), false
}

// bucket returns client's bucket, made most recently used; a new one is full, and takes the place
// of the least recently used one when MaxClients are kept.
func (rl *rateLimiter) bucket(client string, limit RateLimit, now time.Time) *bucket {
	if e, ok := rl.buckets[client]; ok {
		rl.lru.MoveToFront(e)
		return e.Value.(*bucket)
	}
	if rl.lru.Len() >= rl.cfg.MaxClients {
		oldest := rl.lru.Back()
		rl.lru.Remove(oldest)
		delete(rl.buckets, oldest.Value.(*bucket).client)
	}
	b := &bucket{client: client, tokens: float64(limit.Burst), last: now}
	rl.buckets[client] = rl.lru.PushFront(b)
	return b
}

// tracked returns the number of buckets kept.
func (rl *rateLimiter) tracked() int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.lru.Len()
}
