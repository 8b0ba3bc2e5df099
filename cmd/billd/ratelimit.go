package main

import (
	"flag"

	"github.com/billd/billd/web"
)

// registerRateLimits adds the rate-limiting flags of serve to fs and returns what they set.
func registerRateLimits(fs *flag.FlagSet) *web.RateLimits {
	rl := &web.RateLimits{ByClass: web.DefaultRateLimits()}
	fs.Func("rate-limit", "request budget of each API client by role, comma-separated class=rate[/burst] (requests per second, at once; 0: unlimited); classes admin and meter (platform), owner, org-admin and member (organization); those not named keep their default: "+
		web.FormatRateLimits(rl.ByClass)+". Past it a client's requests get 429 with Retry-After", func(s string) error {
		return web.ParseRateLimits(s, rl.ByClass)
	})
	fs.IntVar(&rl.MaxClients, "rate-limit-clients", 10000, "API clients whose rate-limit buckets are kept; past it the least recently used is forgotten (and starts full again)")
	return rl
}
