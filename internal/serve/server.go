// Package serve is the nfstrace daemon: it samples the host with a live
// source, exposes the snapshots as Prometheus metrics and keeps rolling
// capture files, one per boot and period, for `nfstrace compare --last-boot`.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/nfstrace/nfstrace/internal/model"
)

// DefaultListen is where metrics are served unless told otherwise: the
// loopback only, since the metrics name the host's kernel and wait sites.
const DefaultListen = "127.0.0.1:9753"

// Source yields one snapshot per interval; the live sampler satisfies it.
type Source interface {
	Config() model.Config
	Next(ctx context.Context) (*model.Snapshot, error)
}

// Options configure a Server.
type Options struct {
	// Listen is the TCP address of the metrics endpoint.
	Listen string
	// WebConfigFile is an exporter-toolkit web configuration (TLS, basic
	// auth); "" serves plain HTTP.
	WebConfigFile string
	// Version is the nfstrace version for nfstrace_info.
	Version string
	// MaxWaitSites bounds the wait-site label values, OtherSite aside.
	MaxWaitSites int
	// Capture, when its Dir is set, keeps rotating capture files. Its
	// Meta.Config and Meta.BootID default to the source's.
	Capture RotateOptions
	// Reopen closes the current capture and starts a new one on every
	// receive (SIGHUP).
	Reopen <-chan struct{}
	Logger *slog.Logger
	// MaxScrapes bounds the scrapes served at once; later ones get 503
	// until one ends. 0 means DefaultMaxScrapes.
	MaxScrapes int
	// IdleTimeout closes a keep-alive connection idle this long; 0 means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// CaptureRetry is how long, in snapshot time, capture writing pauses
	// after a failed write (a full disk) before a new file is tried; 0
	// means DefaultCaptureRetry.
	CaptureRetry time.Duration
}

// DefaultCaptureRetry is how often a paused capture is tried again.
const DefaultCaptureRetry = time.Minute

// HTTP limits: a scrape that reads its request slowly, takes long to gather
// or to send, or a connection left idle, cannot hold the daemon's
// resources for ever; nor can a crowd of concurrent scrapes.
const (
	DefaultMaxScrapes  = 4
	DefaultIdleTimeout = 2 * time.Minute
	readHeaderTimeout  = 10 * time.Second
	readTimeout        = 30 * time.Second
	// scrapeTimeout bounds gathering the metrics (promhttp answers 503
	// past it); writeTimeout, a little longer, the whole response.
	scrapeTimeout = 30 * time.Second
	writeTimeout  = scrapeTimeout + 10*time.Second
)

// Server is the daemon: a listener, a collector and a rotator fed by one source.
type Server struct {
	src     Source
	o       Options
	ln      net.Listener
	col     *Collector
	reg     *prometheus.Registry
	rot     *Rotator
	httpSrv *http.Server

	// Capture state, written by the sampling loop, read by scrapes.
	capPaused  error     // the write that paused capturing; nil while writing
	capRetryAt time.Time // snapshot time of the next try while paused
	capStored  atomic.Uint64
	capWriting atomic.Bool
}

// New validates the web configuration, opens the capture directory and
// listens; serving starts with Run.
func New(src Source, o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if o.MaxScrapes <= 0 {
		o.MaxScrapes = DefaultMaxScrapes
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.CaptureRetry <= 0 {
		o.CaptureRetry = DefaultCaptureRetry
	}
	if o.WebConfigFile != "" {
		if err := web.Validate(o.WebConfigFile); err != nil {
			return nil, fmt.Errorf("web config %s: %w", o.WebConfigFile, err)
		}
	}
	cfg := src.Config()
	s := &Server{src: src, o: o, col: NewCollector(cfg, o.Version, o.MaxWaitSites), reg: prometheus.NewRegistry()}
	if err := s.reg.Register(s.col); err != nil {
		return nil, fmt.Errorf("register collector: %w", err)
	}
	// The daemon's own footprint, as every exporter shows it.
	s.reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: "nfstrace"}))
	s.reg.MustRegister(collectors.NewGoCollector())

	if o.Capture.Dir != "" {
		ro := o.Capture
		if ro.Meta.BootID == "" {
			ro.Meta.BootID = cfg.BootID
		}
		if ro.Meta.Config.KernelRelease == "" {
			ro.Meta.Config = cfg
		}
		ro.Meta.Config.BootID = ro.Meta.BootID
		if ro.Logger == nil {
			ro.Logger = o.Logger
		}
		rot, err := NewRotator(ro)
		if err != nil {
			return nil, err
		}
		s.rot = rot
		s.capWriting.Store(true)
		s.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "nfstrace_capture_snapshots_total",
				Help: "Snapshots stored in capture files (written and flushed); those lost to a failed write are not counted.",
			}, func() float64 { return float64(s.capStored.Load()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "nfstrace_capture_writing",
				Help: "1 while captures are written, 0 while writing is paused after a failed write (a full disk) and retried.",
			}, func() float64 {
				if s.capWriting.Load() {
					return 1
				}
				return 0
			}),
		)
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.ln = ln
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(o.Logger.Handler(), slog.LevelError),
		MaxRequestsInFlight: o.MaxScrapes,
		Timeout:             scrapeTimeout,
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "nfstrace: metrics at /metrics")
	})
	s.httpSrv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       o.IdleTimeout,
	}
	return s, nil
}

// Addr is the address the metrics are served on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Collector is the server's metric collector.
func (s *Server) Collector() *Collector { return s.col }

// CapturePath is the capture file being written, "" if none.
func (s *Server) CapturePath() string {
	if s.rot == nil {
		return ""
	}
	return s.rot.Path()
}

// Run serves metrics and samples until ctx ends, then closes the capture
// with its footer and stops the HTTP server. A context ending is a clean
// stop, not an error.
func (s *Server) Run(ctx context.Context) error {
	// A failing HTTP server (a TLS certificate that cannot be read, say)
	// stops the daemon rather than leaving it sampling unseen.
	loopCtx, stopLoop := context.WithCancelCause(ctx)
	defer stopLoop(nil)
	httpErr := make(chan error, 1)
	go func() {
		ws := false
		flags := &web.FlagConfig{
			WebListenAddresses: &[]string{s.ln.Addr().String()},
			WebSystemdSocket:   &ws,
			WebConfigFile:      &s.o.WebConfigFile,
		}
		err := web.Serve(s.ln, s.httpSrv, flags, s.o.Logger)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		if err != nil {
			err = fmt.Errorf("http: %w", err)
			stopLoop(err)
		}
		httpErr <- err
	}()
	runErr := s.loop(loopCtx)
	if s.rot != nil {
		if err := s.rot.Close(); err != nil {
			runErr = errors.Join(runErr, err)
		}
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.httpSrv.Shutdown(shutCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("http shutdown: %w", err))
	}
	if err := <-httpErr; err != nil {
		runErr = errors.Join(runErr, err)
	}
	return runErr
}

func (s *Server) loop(ctx context.Context) error {
	lastFlush := time.Now()
	for {
		snap, err := s.src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				s.o.Logger.Info("stopping", "reason", context.Cause(ctx))
				return nil
			}
			return fmt.Errorf("sample: %w", err)
		}
		s.col.Update(snap)
		if s.rot == nil {
			continue
		}
		flush := false
		if now := time.Now(); now.Sub(lastFlush) >= time.Second {
			flush, lastFlush = true, now
		}
		s.capture(snap, flush)
	}
}

// capture writes snap to the rotating captures. A failed write (a full
// disk, an IO error) does not stop the daemon: the file is closed as well
// as it can be, writing pauses (logged once) while metrics are still
// served, and a new file is tried every CaptureRetry of snapshot time until
// one works (logged again).
func (s *Server) capture(snap *model.Snapshot, flush bool) {
	defer func() { s.capStored.Store(s.rot.Stored()) }()
	if s.capPaused != nil && snap.End.Before(s.capRetryAt) {
		return
	}
	reopen := false
	select {
	case <-s.o.Reopen:
		reopen = true
	default:
	}
	var err error
	if reopen && s.capPaused == nil {
		s.o.Logger.Info("reopening capture")
		err = s.rot.Reopen()
	}
	if err == nil {
		err = s.rot.Write(snap)
	}
	if err == nil && (flush || s.capPaused != nil) {
		err = s.rot.Flush()
	}
	if err != nil {
		if cerr := s.rot.Reopen(); cerr != nil {
			s.o.Logger.Debug("closing the failed capture", "err", cerr)
		}
		if s.capPaused == nil {
			s.o.Logger.Error("capture writing paused; metrics are still served, writing is retried",
				"err", err, "retry_every", s.o.CaptureRetry)
		}
		s.capPaused, s.capRetryAt = err, snap.End.Add(s.o.CaptureRetry)
		s.capWriting.Store(false)
		return
	}
	if s.capPaused != nil {
		s.o.Logger.Info("capture writing resumed", "path", s.rot.Path(), "paused_by", s.capPaused)
		s.capPaused = nil
		s.capWriting.Store(true)
	}
}
