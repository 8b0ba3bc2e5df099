package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/console"
	"github.com/billd/billd/sandbox"
	"github.com/billd/billd/web"
)

// serve runs the HTTP API until ctx is cancelled (SIGINT or SIGTERM), then shuts down gracefully:
// it stops accepting connections and lets requests in flight finish.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [flags]", "Start the HTTP API on --addr, with the store of --data or --db (created if missing). On first\n"+
		"start it creates a platform admin: BILLD_ADMIN_CLIENT_ID and BILLD_ADMIN_CLIENT_SECRET (and\n"+
		"BILLD_ADMIN_API_KEY) choose it, else it is generated and printed once. SIGINT or SIGTERM shut\n"+
		"it down gracefully.")
	var sf storeFlags
	sf.register(fs, getenv)
	sf.registerLimits(fs)
	sf.registerService(fs)
	addr := fs.String("addr", "127.0.0.1:7400", "address to listen on")
	debugAddr := fs.String("debug-addr", "", "if set, serve Go's profiler (/debug/pprof/) on this address; keep it private")
	metricsOn := fs.Bool("metrics", true, "serve Prometheus metrics at GET /metrics on --addr, without credentials (docs/operations.md)")
	consoleOn := fs.Bool("console", true, "serve the web console at /console on --addr (docs/operations.md)")
	consoleTTL := fs.Duration("console-session-ttl", console.DefaultSessionTTL, "how long a console sign-in lasts (at most 720h)")
	var limits web.Limits
	fs.IntVar(&limits.MaxInFlight, "max-inflight", 512, "API requests served at once; past it requests get 503 at once")
	fs.Int64Var(&limits.MaxBodyBytesInFlight, "max-inflight-bytes", 64<<20, "request body bytes served at once; past it requests get 503 at once")
	fs.Int64Var(&limits.MaxBodyBytesPerPrincipal, "max-inflight-bytes-per-client", 8<<20, "request body bytes one API client has in flight at once; past it its requests get 503 at once")
	fs.IntVar(&limits.MaxResponseBytes, "max-response-bytes", 4<<20, "size of a list response; a page stops before it and hands out next_page_token for the rest")
	var trustedOrigins, corsOrigins []string
	fs.Func("trusted-origins", "comma-separated origins (https://console.example.com) whose browser pages may call the API cross-origin; other cross-origin browser writes get 403", appendOrigins(&trustedOrigins))
	fs.Func("cors-origin", "origins (https://app.example.com), comma-separated or the flag repeated, whose browser pages may call the API with CORS: REST, Connect and gRPC-Web", appendOrigins(&corsOrigins))
	var conns connLimits
	fs.IntVar(&conns.max, "max-connections", 2048, "client connections open at once; past it an idle connection is closed to make room, else the new one's request is answered 503 (health checks are answered)")
	fs.IntVar(&conns.perClient, "max-connections-per-client", 256, "once the server holds half of --max-connections, the connections one client address (IPv4 address or IPv6 /64) may hold; past it a new connection's request is answered 503; 0: no cap")
	fs.DurationVar(&conns.grace, "new-conn-grace", 2*time.Second, "with connections short, a connection that has not sent a complete request within this time may be closed to make room")
	rateLimits := registerRateLimits(fs)
	var pf paymentFlags
	pf.register(fs, getenv)
	var gc gcSettings
	fs.Int64Var(&gc.memoryLimit, "memory-limit", 192<<20, "soft limit of the Go heap in bytes, under which the garbage collector keeps it (GOMEMLIMIT overrides; 0: none)")
	fs.IntVar(&gc.percent, "gc-percent", 100, "heap growth between collections, in percent of the live heap (GOGC overrides; negative: collect only at the memory limit); higher trades memory for throughput")
	if err := parseArgs(fs, args, 0, stdout, stderr); err != nil {
		return err
	}
	if conns.max < 1 || conns.perClient < 0 || conns.grace < 0 || rateLimits.MaxClients < 1 {
		return usageError{"serve: --max-connections and --rate-limit-clients must be ≥ 1, --max-connections-per-client ≥ 0 and --new-conn-grace ≥ 0"}
	}
	if *consoleTTL <= 0 || *consoleTTL > billd.MaxSessionTTL {
		return usageError{fmt.Sprintf("serve: --console-session-ttl must be above 0 and at most %s", billd.MaxSessionTTL)}
	}
	gc.apply(getenv)
	unlock, err := lockStore(sf.dsn())
	if err != nil {
		return err
	}
	defer unlock()
	// Bind before the admin is bootstrapped: its generated credentials are printed only once, so
	// a server that cannot listen must not create them. The address is also the default base of
	// the sandbox's checkout URLs.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	var svc *billd.Service
	pay, err := pf.build(ln.Addr().String(), func(ctx context.Context, payload []byte, header map[string][]string) error {
		return svc.ReceiveEvent(ctx, sandbox.Name, payload, header)
	})
	if err != nil {
		return err
	}
	if pf.invoicing.Day < 0 || pf.invoicing.Day > 28 {
		return usageError{"--invoice-day must be between 0 and 28"}
	}
	if pf.recharge.Cooldown < 0 || pf.recharge.MonthlyCap < 1 || pf.recharge.Attempts < 1 || pf.recharge.Backoff <= 0 || pf.purgeAfter <= 0 {
		return usageError{"--recharge-cooldown must not be negative; --recharge-monthly-cap, --recharge-attempts, --recharge-backoff and --purge-after must be positive"}
	}
	if pf.recharge.Cooldown == 0 {
		pf.recharge.Cooldown = -1 // none (RechargeConfig's 0 picks its default)
	}
	sf.providers, sf.invoicing, sf.recharge, sf.purgeAfter = []billd.Provider{pay.provider}, pf.invoicing, pf.recharge, pf.purgeAfter
	obs := newObservability(*metricsOn)
	sf.observer = obs.service()
	logOut := newBufferedLog(stderr) // the access log writes a line per request
	defer logOut.Close()
	db, svc, log, err := sf.open(ctx, logOut, false)
	if err != nil {
		return err
	}
	defer db.Close()
	defer svc.Close()
	var consoleUI http.Handler
	var api *web.Handler // set below; the console's pages draw on the API's rate limits
	if *consoleOn {
		rateLimit := func(p billd.Principal) error { return api.RateLimit(p) }
		if consoleUI, err = console.New(svc, console.Config{SessionTTL: *consoleTTL, PublicURL: pf.publicURL, Logger: log,
			Admit: rateLimit}); err != nil {
			return usageError{"--console-session-ttl, --public-url: " + err.Error()}
		}
	}
	api, err = web.NewHandler(svc, log, obs.web(web.Config{Limits: limits, TrustedOrigins: trustedOrigins, CORSOrigins: corsOrigins,
		RateLimits: *rateLimits, Console: consoleUI}, svc, db))
	if err != nil {
		return usageError{err.Error()}
	}
	if err := bootstrapAdmin(ctx, svc, getenv, stdout); err != nil {
		return err
	}
	jobsCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() { defer close(jobsDone); svc.RunJobs(jobsCtx, pf.jobs) }()
	hooksDone := make(chan struct{})
	go func() { defer close(hooksDone); svc.RunWebhooks(jobsCtx) }()
	defer func() { stopJobs(); <-jobsDone; <-hooksDone }()
	srv := &http.Server{
		Handler:           pay.withPages(api, svc),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		Protocols:         serveProtocols(),
	}
	limited := newConnLimiter(ln, conns, srv.Handler)
	srv.ConnState = limited.connState
	log.Info("billd serving", "addr", ln.Addr().String(), "store", db.Dialect(), "db", redactDSN(sf.dsn()))
	fmt.Fprintf(stdout, "billd listening on http://%s\n", ln.Addr())

	if *debugAddr != "" {
		if err := serveDebug(ctx, *debugAddr, log); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(limited) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	log.Info("billd stopped")
	return err
}

// verify re-sums the journal; it fails when any account drifted.
func verify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("verify", "verify [flags]", "Re-sum the whole journal in one snapshot and compare every account's stored totals and every\n"+
		"usage's reverts with it: one DRIFT line per problem, and a non-zero exit if there is any. It works\n"+
		"on an existing store, beside a running server.")
	var sf storeFlags
	sf.register(fs, getenv)
	if err := parseArgs(fs, args, 0, stdout, stderr); err != nil {
		return err
	}
	db, svc, _, err := sf.open(ctx, stderr, true)
	if err != nil {
		return err
	}
	defer db.Close()
	defer svc.Close()
	r, err := svc.VerifyLedger(ctx, billd.SystemPrincipal)
	if err != nil {
		return err
	}
	for _, p := range r.Problems {
		fmt.Fprintf(stdout, "DRIFT account=%s transfer=%s: %s\n", p.AccountID, p.TransferID, p.Detail)
	}
	fmt.Fprintf(stdout, "checked %d accounts and %d transfers: %d problems\n", r.Accounts, r.Transfers, len(r.Problems))
	if len(r.Problems) > 0 {
		return fmt.Errorf("the ledger has %d problems", len(r.Problems))
	}
	return nil
}

// bootstrapAdmin makes sure a platform admin exists (the one of BILLD_ADMIN_CLIENT_ID and
// BILLD_ADMIN_CLIENT_SECRET, if set) and prints the credentials of one it generated.
func bootstrapAdmin(ctx context.Context, svc *billd.Service, getenv func(string) string, stdout io.Writer) error {
	admin, err := svc.BootstrapAdmin(ctx, getenv("BILLD_ADMIN_CLIENT_ID"), getenv("BILLD_ADMIN_CLIENT_SECRET"), getenv("BILLD_ADMIN_API_KEY"))
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	if admin != nil {
		fmt.Fprintf(stdout, "created the platform admin client (shown only now; keep it safe):\n"+
			"  client_id:     %s\n  client_secret: %s\n  api_key:       %s\n",
			admin.Client.ID, admin.Secret, admin.APIKey)
	}
	return nil
}

// serveDebug serves net/http/pprof on addr until ctx ends.
func serveDebug(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	log.Info("profiler serving", "addr", ln.Addr().String())
	return nil
}

// serveProtocols are HTTP/1.1 and HTTP/2 without TLS (h2c, with prior knowledge), which gRPC
// clients speak, on the one port.
func serveProtocols() *http.Protocols {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return &p
}

// appendOrigins returns the Set of a flag of comma-separated origins that may be repeated: each
// value appends its origins to list. An origin holds no comma, so the environment variable and a
// configuration file's scalar can give several in one value.
func appendOrigins(list *[]string) func(string) error {
	return func(s string) error {
		for o := range strings.SplitSeq(s, ",") {
			if o = strings.TrimSpace(o); o != "" {
				*list = append(*list, o)
			}
		}
		return nil
	}
}
