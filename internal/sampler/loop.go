package sampler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"syscall"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
)

// Sampler turns a host into one model.Snapshot per interval: it reads the
// host's procfs and sysfs counters at the end of every interval and asks its
// Tracer, if it has one, for what counters cannot show.
type Sampler struct {
	r        *host.Reader
	tracer   Tracer // nil: host view only
	klog     KernelLog
	cgroups  Cgroups
	calls    Calls
	limits   map[string]string // the cgroup limits known so far
	interval time.Duration
	cfg      model.Config

	samples  [2]host.Sample // the previous sample and the one being read, alternately
	prev     int            // index of the previous sample in samples
	prevTime time.Time
	prevCPU  time.Duration

	// Seams for tests and Replay.
	now  func() time.Time
	wait func(ctx context.Context, d time.Duration) error
	cpu  func() (time.Duration, error)
}

// New reads the host's static configuration and a first sample from r, and
// returns a Sampler whose Next returns a snapshot every interval. t may be
// nil: the snapshots then hold the host view only.
func New(r *host.Reader, t Tracer, interval time.Duration) (*Sampler, error) {
	return newSampler(r, t, interval, time.Now, sleep, processCPU)
}

func newSampler(r *host.Reader, t Tracer, interval time.Duration,
	now func() time.Time, wait func(context.Context, time.Duration) error,
	cpu func() (time.Duration, error)) (*Sampler, error) {
	if r == nil {
		return nil, errors.New("sampler: no host reader")
	}
	if interval <= 0 {
		return nil, fmt.Errorf("sampler: interval %v is not positive", interval)
	}
	s := &Sampler{r: r, tracer: t, interval: interval, now: now, wait: wait, cpu: cpu}
	st, err := r.Static()
	if err != nil {
		return nil, fmt.Errorf("read host configuration: %w", err)
	}
	s.cfg = ConfigFrom(st)
	if t != nil {
		s.cfg.Backend = t.Backend()
	} else {
		s.cfg.Backend = model.Backend{Name: "none", Detail: "host counters only (procfs and sysfs)"}
	}
	if err := r.ReadSample(&s.samples[s.prev]); err != nil {
		return nil, fmt.Errorf("read host sample: %w", err)
	}
	host.CarryBlocked(nil, &s.samples[s.prev])
	if t != nil {
		// The tracer's first interval starts here too, not when it
		// attached: what it saw before this first sample has no counts
		// from the host to be held to, and is not the run's.
		if err := t.Collect(&model.Snapshot{}); err != nil {
			return nil, fmt.Errorf("collect from %s: %w", s.cfg.Backend.Name, err)
		}
	}
	s.prevTime = now()
	s.cfg.Start = s.prevTime
	if s.prevCPU, err = cpu(); err != nil {
		return nil, err
	}
	return s, nil
}

// KernelLog is a source of the kernel's messages (kmsg.Source): what it
// read since the previous Collect, nil if nothing of interest.
type KernelLog interface {
	Collect() (*model.KernelLog, error)
}

// SetKernelLog adds the kernel's messages to every snapshot from the next
// one on; from describes the source for the configuration ("/dev/kmsg", or
// "unavailable: REASON" with k nil).
func (s *Sampler) SetKernelLog(k KernelLog, from string) {
	s.klog = k
	s.cfg.KernelLog = from
}

// Cgroups is a source of the traced threads' cgroup limits
// (host.CgroupWatch): those of every target seen so far, read now.
type Cgroups interface {
	Limits() (map[string]string, error)
}

// SetCgroups records the cgroup limits of the traced threads: those read
// now in the configuration, and from the next snapshot on, in each
// snapshot's Host.Cgroups, the limits that are new (a target that appeared)
// or changed (a limit set) since.
func (s *Sampler) SetCgroups(c Cgroups) {
	s.cgroups = c
	l, _ := c.Limits() // none readable yet: unknown, and the next reads say more
	// Copies: the source may hand out the map it keeps, and newLimits
	// adds to s.limits.
	s.cfg.Cgroups = maps.Clone(l)
	s.limits = make(map[string]string, len(l))
	maps.Copy(s.limits, l)
}

// Calls is a counter of the traced threads' read and write system calls
// (host.CallCounter): those since the last Count, how many threads it read,
// and ok false when it did not count them.
type Calls interface {
	Count() (a host.IOAcct, threads int, ok bool, err error)
}

// SetCalls counts the traced threads' read and write system calls in every
// snapshot from the next one on (Snapshot.Calls).
func (s *Sampler) SetCalls(c Calls) { s.calls = c }

// Config returns the host's configuration and the run's backend and start.
// Targets is left for the caller, which knows what the tracer traces.
func (s *Sampler) Config() model.Config { return s.cfg }

// Interval returns the sampling interval.
func (s *Sampler) Interval() time.Duration { return s.interval }

// Next waits until the current interval ends, reads the host, collects from
// the tracer and returns the interval's snapshot. An interval starts where
// the previous one ended; if the caller is late, Next returns at once with a
// longer interval. A failed read leaves the interval open: the next call
// covers it.
func (s *Sampler) Next(ctx context.Context) (*model.Snapshot, error) {
	if d := s.prevTime.Add(s.interval).Sub(s.now()); d > 0 {
		if err := s.wait(ctx, d); err != nil {
			return nil, err
		}
	}
	cur := 1 - s.prev
	if err := s.r.ReadSample(&s.samples[cur]); err != nil {
		return nil, fmt.Errorf("read host sample: %w", err)
	}
	host.CarryBlocked(&s.samples[s.prev], &s.samples[cur])
	end := s.now()
	snap := &model.Snapshot{
		Start: s.prevTime,
		End:   end,
		Host:  HostView(&s.samples[s.prev], &s.samples[cur], end.Sub(s.prevTime), end),
	}
	snap.Host.NFSD.Versions = s.cfg.NFSDVersions
	if s.tracer != nil {
		if err := s.tracer.Collect(snap); err != nil {
			return nil, fmt.Errorf("collect from %s: %w", s.cfg.Backend.Name, err)
		}
	}
	if s.klog != nil {
		k, err := s.klog.Collect()
		if err != nil {
			return nil, fmt.Errorf("read kernel log: %w", err)
		}
		snap.Kernel = k
	}
	if s.cgroups != nil {
		snap.Host.Cgroups = s.newLimits()
	}
	if s.calls != nil {
		// A failed count leaves the interval without calls: unknown, not
		// zero, and the next count covers it.
		if a, n, ok, err := s.calls.Count(); err == nil && ok {
			snap.Calls = &model.Calls{Reads: a.SysR, Writes: a.SysW, ReadBytes: a.RChar, WriteBytes: a.WChar, Threads: n}
			if a.CPU {
				snap.Calls.CPU = &model.ThreadCPU{UserNs: a.UserNs, SysNs: a.SysNs}
			}
		}
	}
	cpu, err := s.cpu()
	if err != nil {
		return nil, err
	}
	snap.Stats.CPU = cpu - s.prevCPU
	s.prev, s.prevTime, s.prevCPU = cur, end, cpu
	return snap, nil
}

// newLimits reads the cgroup limits and returns those new or changed since
// the last read; nil when none, or when they cannot be read now (a passing
// failure: the targets stay known and the next read says more).
func (s *Sampler) newLimits() map[string]string {
	cur, err := s.cgroups.Limits()
	if err != nil {
		return nil
	}
	var out map[string]string
	for k, v := range cur {
		if old, ok := s.limits[k]; ok && old == v {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
		s.limits[k] = v
	}
	return out
}

// Replay returns the configuration and the one snapshot a Sampler produces
// over an interval that starts with a sample of first and ends, interval
// later, with a sample of second, without waiting: for fixture trees such as
// testdata/hosts/NAME/t0 and t1, and for tests of what is built on
// snapshots. The configuration is read from first. Times are start and
// start+interval, and Stats.CPU is zero, so the result is deterministic.
// The Tracer may be nil.
func Replay(first, second *host.Reader, t Tracer, start time.Time, interval time.Duration) (model.Config, *model.Snapshot, error) {
	clock := start
	s, err := newSampler(first, t, interval,
		func() time.Time { return clock },
		func(_ context.Context, d time.Duration) error { clock = clock.Add(d); return nil },
		func() (time.Duration, error) { return 0, nil })
	if err != nil {
		return model.Config{}, nil, err
	}
	s.r = second
	snap, err := s.Next(context.Background())
	if err != nil {
		return model.Config{}, nil, err
	}
	return s.cfg, snap, nil
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
