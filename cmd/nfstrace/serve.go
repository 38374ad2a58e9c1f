package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/exporter-toolkit/web"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/serve"
)

// runServe is the daemon: it samples like record, serves Prometheus metrics
// and, with --capture-dir, keeps a rolling capture per boot and period. It
// stops cleanly on SIGINT or SIGTERM (the capture is closed with its
// footer) and starts a new capture file on SIGHUP.
func runServe(ctx context.Context, io stdio, args []string) error {
	fs := newFlagSet(io, "serve")
	var sf sourceFlags
	sf.register(fs)
	listen := fs.String("listen", serve.DefaultListen, "address of the Prometheus metrics endpoint")
	webConfig := fs.String("web.config.file", "", "exporter-toolkit web configuration file (TLS, basic auth)")
	maxSites := fs.Int("max-wait-sites", 20, "wait sites with a label of their own; later ones are counted as \"other\"")
	dir := fs.String("capture-dir", "", "keep rotating capture files in this directory (e.g. "+capture.DefaultDir+"; default: no captures)")
	keep := fs.Duration("keep", 48*time.Hour, "delete captures that ended longer ago than this (0: keep)")
	maxTotal := fs.String("max-total", "", "delete the oldest captures while all of them exceed this size, e.g. 2G (default: no limit)")
	rotate := fs.Duration("rotate", time.Hour, "start a new capture file after this long")
	bootID := fs.String("boot-id", "", "name captures after this boot ID instead of the running boot's (for tests)")
	dropCaps := fs.Bool("drop-caps", true, "drop the capabilities no longer needed once the probes are attached")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := parseFlags(io, fs, args); err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{fmt.Sprintf("serve: --log-level %q: want debug, info, warn or error", *logLevel)}
	}
	if *maxSites < 0 {
		return usageError{fmt.Sprintf("serve: --max-wait-sites %d is negative", *maxSites)}
	}
	if *keep < 0 {
		return usageError{fmt.Sprintf("serve: --keep %v is negative", *keep)}
	}
	if *rotate < time.Second {
		return usageError{fmt.Sprintf("serve: --rotate %v is too short (minimum 1s)", *rotate)}
	}
	total, err := parseSize(*maxTotal)
	if err != nil {
		return usageError{fmt.Sprintf("serve: --max-total: %v", err)}
	}
	if total > 0 && total < 1<<20 {
		return usageError{fmt.Sprintf("serve: --max-total %s is too small (minimum 1M)", *maxTotal)}
	}
	if strings.ContainsAny(*bootID, "/\x00") {
		return usageError{fmt.Sprintf("serve: --boot-id %q cannot be part of a file name", *bootID)}
	}
	tg, err := sf.validate(io.err)
	if err != nil {
		return err
	}
	if err := checkListen("listen", *listen); err != nil {
		return err
	}
	if err := web.Validate(*webConfig); err != nil {
		return usageError{fmt.Sprintf("--web.config.file %s: %v", *webConfig, err)}
	}
	if st, err := os.Stat(*dir); *dir != "" && err == nil && !st.IsDir() {
		return usageError{fmt.Sprintf("--capture-dir: %s is not a directory", *dir)}
	}
	log := slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: lvl}))

	src, err := sf.open(tg, log)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer src.Close()
	cfg := src.Config()
	log.Info("probes attached", "backend", cfg.Backend.Name, "detail", cfg.Backend.Detail,
		"kernel", cfg.KernelRelease, "targets", cfg.Targets)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reopen := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reopen <- struct{}{}:
			default: // one pending reopen is enough
			}
		}
	}()

	opts := serve.Options{
		Listen:        *listen,
		WebConfigFile: *webConfig,
		Version:       version,
		MaxWaitSites:  *maxSites,
		Reopen:        reopen,
		Logger:        log,
	}
	if *dir != "" {
		id := cfg.BootID
		if *bootID != "" {
			id = *bootID
		}
		opts.Capture = serve.RotateOptions{
			Dir:      *dir,
			Period:   *rotate,
			Keep:     *keep,
			MaxTotal: total,
			Meta: capture.Meta{
				ToolVersion: version,
				BootID:      id,
				Interval:    sf.interval,
				MinDState:   sf.minDState,
				Args:        append([]string{"serve"}, args...),
				Config:      cfg,
			},
		}
	}
	srv, err := serve.New(src, opts)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if *dropCaps {
		before, after, err := serve.DropCapabilities(serve.KeepCaps(cfg.Backend.Name))
		if err != nil {
			// Running on with every capability would be the silent
			// failure --drop-caps is there to prevent.
			return fmt.Errorf("serve: capabilities not dropped, refusing to run with them (--drop-caps=false to run anyway): %w", err)
		}
		// read back from /proc/self/task/*/status: effective, permitted
		// and bounding sets hold only these, no_new_privs is set
		log.Info("capabilities dropped", "effective_before", fmt.Sprintf("%#x", before),
			"kept", strings.Join(serve.CapNames(after), ","), "no_new_privs", true)
	}
	log.Info("serving metrics", "address", srv.Addr().String(), "path", "/metrics", "capture_dir", *dir)
	if err := srv.Run(ctx); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}
