// Package cli is the `terraform-provider-backup engine ...` command line: serving the engine as a
// daemon and the operator commands around it.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/api"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/console"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/layout"
)

// Env is what a command runs with.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the engine as a daemon serving the AWS Backup API", serve},
		{"credentials", "print the data dir's access key as export lines", printCredentials},
		{"resource", "register, list and remove protected resources (directories) of a running engine", resource},
		{"verify", "check a vault's repository for damage (exit 1 if any is found)", verify},
		{"repair", "rebuild a damaged vault's index and take recovery points that cannot be made whole out of service", repair},
		{"clock", "show or move the fake clock of a running engine (engine serve --fake-clock)", clockCommand},
		{"audit", "verify the audit trail's hash chain, or look up the API calls it recorded", auditCommand},
	}
}

// usageError is a mistake in how a command was called; the command prints its usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// Main runs `engine ARGS...` and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		default:
			fmt.Fprintf(env.Stderr, "engine %s: %v\n", c.name, err)
			var ue usageError
			if errors.As(err, &ue) {
				return 2
			}
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "engine: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: terraform-provider-backup engine COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `terraform-provider-backup engine COMMAND -h` for a command's flags.")
}

func newFlagSet(env Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("engine "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func dataDirFlag(fs *flag.FlagSet) *string {
	def, _ := engine.DefaultDataDir()
	return fs.String("data-dir", def, "directory holding the engine's state (default from $"+engine.DataDirEnv+")")
}

// configFlag is --config: the engine's configuration file (accounts, per-region storage,
// notification webhooks).
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "the engine's configuration file (default: "+config.FileName+" in the data dir)")
}

// configFile is the config file to read: the flag's, which must exist, else the data dir's, which
// need not.
func configFile(flagValue, dataDir string) (string, error) {
	if flagValue == "" {
		path, err := layout.Join(dataDir, config.FileName)
		if err != nil {
			return "", usageError{fmt.Sprintf("--data-dir %q: %v", dataDir, err)}
		}
		return path, nil
	}
	if _, err := os.Stat(flagValue); err != nil {
		return "", usageError{fmt.Sprintf("--config %s: %v", flagValue, err)}
	}
	return flagValue, nil
}

func serve(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "serve")
	listen := fs.String("listen", "127.0.0.1:9191", "address to listen on (host:port; port 0 picks a free one)")
	dataDir := dataDirFlag(fs)
	region := fs.String("region", engine.DefaultRegion, "region that clients are told to use; the engine serves AWS's regions and those its config declares")
	account := fs.String("account-id", "", "12-digit account the engine acts for (default "+credentials.DefaultAccountID+" for a new data dir)")
	akid := fs.String("access-key-id", "", "access key ID clients must sign with (default: a key pair kept in the data dir)")
	secret := fs.String("secret-access-key", "", "secret access key that goes with --access-key-id")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "text or json")
	configPath := configFlag(fs)
	fakeClock := fs.String("fake-clock", "", "run on a fake clock starting at this RFC 3339 time, moved only by `engine clock`; a data dir already on a fake clock continues from its own time (or jumps forward to this one if it is later)")
	readTimeout := fs.Duration("read-timeout", api.DefaultServerLimits().BodyTimeout, "how long a client may take to send a request body; a slower (trickling) connection is closed")
	var allowPaths []string
	fs.Func("allow-path", "a directory callers of the data dir's own account may register as an EFS resource and restore into (with what is below it); repeat for more. Without one (and none in config.json's filesystem.allowed_paths), EFS registration is refused", func(v string) error {
		allowPaths = append(allowPaths, v)
		return nil
	})
	metricsListen := fs.String("metrics-listen", "", "serve Prometheus metrics at /metrics on this address (host:port) instead of on --listen; either way /metrics needs no signature")
	pprofListen := fs.String("pprof-listen", "", "serve Go's profiler (net/http/pprof) at /debug/pprof/ on this loopback address (host:port), for profiling under load; off by default")
	maxJobs := fs.Int("max-concurrent-jobs", 2, "how many backup, restore and copy jobs run at once; scheduled jobs beyond that wait (and expire if their start window ends first)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *readTimeout <= 0 {
		return usageError{fmt.Sprintf("--read-timeout must be a positive duration such as 30s, got %s", *readTimeout)}
	}
	if *maxJobs < 1 {
		return usageError{fmt.Sprintf("--max-concurrent-jobs must be at least 1, got %d", *maxJobs)}
	}
	var fakeStart *time.Time
	if *fakeClock != "" {
		t, err := time.Parse(time.RFC3339, *fakeClock)
		if err != nil {
			return usageError{fmt.Sprintf("--fake-clock %q is not an RFC 3339 time such as 2025-01-01T00:00:00Z", *fakeClock)}
		}
		fakeStart = &t
	}
	if (*akid == "") != (*secret == "") {
		return usageError{"--access-key-id and --secret-access-key must be given together"}
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return usageError{fmt.Sprintf("--listen %q: %v", *listen, err)}
	}
	if *metricsListen != "" {
		if _, _, err := net.SplitHostPort(*metricsListen); err != nil {
			return usageError{fmt.Sprintf("--metrics-listen %q: %v", *metricsListen, err)}
		}
	}
	if *pprofListen != "" {
		// The profiler shows memory and stacks and needs no signature: never off the loopback.
		if h, _, err := net.SplitHostPort(*pprofListen); err != nil || !isLoopback(h) {
			return usageError{fmt.Sprintf("--pprof-listen %q must be a loopback host:port such as 127.0.0.1:6060", *pprofListen)}
		}
	}
	if *akid == "" && !isLoopback(host) {
		return usageError{fmt.Sprintf("refusing to listen on non-loopback address %s without explicit keys: pass --access-key-id and --secret-access-key, or listen on 127.0.0.1", *listen)}
	}
	log, err := newLogger(env.Stderr, *logLevel, *logFormat)
	if err != nil {
		return usageError{err.Error()}
	}

	cfgFile, err := configFile(*configPath, *dataDir)
	if err != nil {
		return err
	}
	if cfg, err := config.Load(cfgFile); err != nil {
		return err
	} else if err := checkRegionFlag(*region, cfg); err != nil {
		return err
	}
	if _, err := engine.CheckAllowedPaths(allowPaths); err != nil {
		return usageError{"--allow-path: " + err.Error()}
	}
	opts := engine.Options{DataDir: *dataDir, AccountID: *account, Log: log, ConfigPath: cfgFile, FakeClock: fakeStart,
		Filesystem: engine.FilesystemAccess{AllowedPaths: allowPaths}}
	opts.Jobs.Concurrency = *maxJobs
	if *akid != "" {
		acct := *account
		if acct == "" {
			acct = credentials.DefaultAccountID
		}
		opts.Keys = []credentials.Key{{AccessKeyID: *akid, SecretAccessKey: *secret, AccountID: acct}}
	}
	e, err := engine.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer func() { _ = e.Close() }()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	limits := api.DefaultServerLimits()
	limits.BodyTimeout = *readTimeout
	limits.HeaderTimeout = min(limits.HeaderTimeout, *readTimeout)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// The console calls the API handler in-process, signed as its user: it adds no way in.
	con, err := console.New(console.Options{API: e.Handler(), Region: *region, Log: log})
	if err != nil {
		_ = ln.Close()
		return err
	}
	apiAndConsole := withConsole(e.Handler(), con)
	errc := make(chan error, 2)
	var srv, metricsSrv *http.Server
	if *metricsListen == "" {
		srv = api.NewServer(withMetrics(apiAndConsole, e.Metrics()), limits)
	} else {
		srv = api.NewServer(apiAndConsole, limits)
		mln, err := net.Listen("tcp", *metricsListen)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen for metrics: %w", err)
		}
		metricsSrv = api.NewServer(withMetrics(http.NotFoundHandler(), e.Metrics()), limits)
		go func() { errc <- metricsSrv.Serve(mln) }()
		log.Info("metrics serving", slog.String("endpoint", "http://"+mln.Addr().String()+metricsPath))
		fmt.Fprintf(env.Stdout, "metrics on http://%s%s\n", mln.Addr(), metricsPath)
	}
	if *pprofListen != "" {
		pln, err := net.Listen("tcp", *pprofListen)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen for pprof: %w", err)
		}
		pprofSrv := api.NewServer(pprofHandler(), limits)
		defer func() { _ = pprofSrv.Close() }()
		go func() { errc <- pprofSrv.Serve(pln) }()
		fmt.Fprintf(env.Stdout, "pprof on http://%s/debug/pprof/\n", pln.Addr())
	}
	go func() { errc <- srv.Serve(ln) }()
	endpoint := "http://" + ln.Addr().String()
	log.Info("engine serving", slog.String("endpoint", endpoint), slog.String("data_dir", e.DataDir()),
		slog.String("region", *region), slog.String("account_id", e.PrimaryKey().AccountID), slog.Time("clock", e.Clock().Now()),
		slog.Int("max_concurrent_jobs", *maxJobs))
	fmt.Fprintf(env.Stdout, "engine listening on %s\n", endpoint)
	fmt.Fprintf(env.Stdout, "console on %s%s/\n", endpoint, console.Prefix)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutdownCtx)
	}
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// metricsPath is where engine serve exposes Prometheus metrics.
const metricsPath = "/metrics"

// withMetrics serves GET metricsPath from metrics, unauthenticated, and everything else from next.
// No AWS Backup API path is /metrics, so it shadows no operation.
func withMetrics(next, metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == metricsPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metrics.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// pprofHandler serves net/http/pprof's pages on a mux of its own, not http.DefaultServeMux, so
// nothing else registered there is exposed.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// withConsole serves console.Prefix and below from the console, and everything else from next.
// No AWS Backup API path starts with /console.
func withConsole(next, con http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == console.Prefix || strings.HasPrefix(r.URL.Path, console.Prefix+"/") {
			con.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
}

func printCredentials(_ context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "credentials")
	dataDir := dataDirFlag(fs)
	region := fs.String("region", engine.DefaultRegion, "region to export as AWS_DEFAULT_REGION and AWS_REGION")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfgFile, err := configFile("", *dataDir)
	if err != nil {
		return err
	}
	cfg, err := config.Load(cfgFile)
	if err != nil {
		return err
	}
	if err := checkRegionFlag(*region, cfg); err != nil {
		return err
	}
	keys, err := credentials.Load(*dataDir)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s has no credentials yet: start `engine serve --data-dir %s` once, or pass your own keys to it", *dataDir, *dataDir)
	}
	if err != nil {
		return err
	}
	fmt.Fprint(env.Stdout, credentials.ExportLines(keys[0], *region))
	return nil
}
