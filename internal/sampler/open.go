package sampler

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/sampler/ebpf"
	"github.com/nfstrace/nfstrace/internal/sampler/procfs"
)

// Backend names for Options.Backend.
const (
	BackendAuto   = "auto"
	BackendEBPF   = model.BackendEBPF
	BackendProcfs = model.BackendProcfs
)

// Options choose a tracing backend and what it traces.
type Options struct {
	Backend      string // BackendAuto, BackendEBPF or BackendProcfs
	Proc, Sys    string
	host.Targets               // the zero value: the nfsd kernel threads
	Rate         int           // procfs samples per second
	MinDState    time.Duration // eBPF event threshold
	KernelBTF    string
	// NoIdle picks the no-idle-thread tracepoint (ebpf.NoIdle*; "" auto).
	NoIdle string
	// BlockHists picks how block latency is aggregated (ebpf.BlockHists*; "" auto).
	BlockHists string
	// NoURing leaves the selected threads' io_uring requests untimed.
	NoURing bool
	// NoAIO leaves the selected threads' libaio requests untimed.
	NoAIO  bool
	Logger *slog.Logger
}

// OpenTracer opens the backend opts ask for. With BackendAuto it tries eBPF
// first and falls back to the procfs sampler, and the returned tracer's
// Backend().Detail says why, so the header of every screen and capture tells
// the engineer what resolution they are looking at.
func OpenTracer(opts Options) (Tracer, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	switch opts.Backend {
	case BackendEBPF:
		t, err := OpenEBPF(opts)
		if err != nil {
			return nil, fmt.Errorf("ebpf backend: %w", err)
		}
		return t, nil
	case BackendProcfs:
		return openProcfs(opts, "")
	case BackendAuto, "":
		t, err := OpenEBPF(opts)
		if err == nil {
			return t, nil
		}
		log.Warn("eBPF backend unavailable, falling back to the procfs sampler", "err", err)
		return openProcfs(opts, "eBPF unavailable: "+err.Error())
	default:
		return nil, fmt.Errorf("unknown backend %q (want auto, ebpf or procfs)", opts.Backend)
	}
}

// OpenEBPF loads the core programs (D-state, block) and attaches the nfsd
// programs to them; nfsd probes that cannot attach (no nfsd module, no
// tracepoint) are reported as unavailable, not as an error. `nfstrace check`
// calls it directly; everything else goes through OpenTracer.
func OpenEBPF(opts Options) (*ebpf.Tracer, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	var disabled []string
	if opts.NoURing {
		disabled = append(disabled, "uring")
	}
	if opts.NoAIO {
		disabled = append(disabled, "aio")
	}
	start := time.Now()
	t, err := ebpf.New(ebpf.Options{
		Proc:       opts.Proc,
		Sys:        opts.Sys,
		Targets:    opts.Targets,
		MinDState:  opts.MinDState,
		KernelBTF:  opts.KernelBTF,
		BlockHists: opts.BlockHists,
		Disable:    disabled,
		Logger:     log,
	})
	if err != nil {
		return nil, err
	}
	if err := ebpf.AttachNFSD(t, ebpf.NFSDOptions{SysFS: opts.Sys, NoIdle: opts.NoIdle}); err != nil {
		return nil, errors.Join(fmt.Errorf("nfsd probes: %w", err), t.Close())
	}
	for _, p := range t.Backend().Probes {
		log.Info("probe", "name", p.Name, "status", p.Status, "detail", p.Detail)
	}
	log.Info("eBPF backend ready", "load_and_attach", time.Since(start).Round(time.Millisecond))
	return t, nil
}

func openProcfs(opts Options, why string) (Tracer, error) {
	t, err := procfs.New(procfs.Options{
		Proc:    opts.Proc,
		Targets: opts.Targets,
		Rate:    opts.Rate,
	})
	if err != nil {
		return nil, fmt.Errorf("procfs backend: %w", err)
	}
	if why == "" {
		return t, nil
	}
	return &explained{Tracer: t, why: why}, nil
}

// explained is a fallback tracer whose header says why it is in use.
type explained struct {
	Tracer
	why string
}

func (e *explained) Backend() model.Backend {
	b := e.Tracer.Backend()
	b.Detail += ": " + e.why
	return b
}
