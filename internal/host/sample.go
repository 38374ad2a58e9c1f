package host

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// Sample is what a Reader reads every interval: gauges as they are now and
// counters as cumulative values. Two samples make a rate.
type Sample struct {
	// Uptime is /proc/uptime: time since boot, with 10 ms resolution.
	Uptime time.Duration
	Load   LoadAvg
	// ProcsRunning and ProcsBlocked are procs_running and procs_blocked of
	// /proc/stat: tasks runnable now, and tasks waiting for IO to complete.
	ProcsRunning, ProcsBlocked int
	// Threads is how many threads the D-state scan looked at; DTasks are
	// those in D state, TASK_IDLE excluded. (Kernels before 4.14 print
	// TASK_IDLE threads as D too; they are few there.)
	Threads int
	DTasks  []Task
	NFSD    NFSD
	// Disks are whole disks (those with /sys/block/NAME), without loop, ram,
	// zram and nbd devices that never did IO.
	Disks []Disk
	// IOPressure is /proc/pressure/io, nil where the kernel has none (before
	// 4.20, or booted with psi=0).
	IOPressure *Pressure
}

// LoadAvg is the first three fields of /proc/loadavg.
type LoadAvg struct {
	Load1, Load5, Load15 float64
}

// Pressure is a pressure stall information file: the share of time some or
// all non-idle tasks stalled, as averages in percent and as a cumulative
// total in microseconds.
type Pressure struct {
	Some    PressureLine
	Full    PressureLine
	HasFull bool
}

// PressureLine is one line of a PSI file.
type PressureLine struct {
	Avg10, Avg60, Avg300 float64 // percent
	Total                uint64  // microseconds, cumulative
}

// Sample reads a new sample.
func (r *Reader) Sample() (*Sample, error) {
	s := &Sample{}
	if err := r.ReadSample(s); err != nil {
		return nil, err
	}
	return s, nil
}

// ReadSample reads a sample into s, reusing the memory of its slices: a
// caller that keeps two samples and alternates between them allocates
// little once the slices have grown.
func (r *Reader) ReadSample(s *Sample) error {
	dtasks, disks, pools := s.DTasks, s.Disks, s.NFSD.Pools
	*s = Sample{}

	b, err := r.read(r.proc("uptime"))
	if err != nil {
		return err
	}
	if s.Uptime, err = parseUptime(b); err != nil {
		return fmt.Errorf("%s: %w", r.proc("uptime"), err)
	}

	la, err := r.pfs.LoadAvg()
	if err != nil {
		return fmt.Errorf("read %s: %w", r.proc("loadavg"), err)
	}
	s.Load = LoadAvg{Load1: la.Load1, Load5: la.Load5, Load15: la.Load15}

	// procfs.FS.Stat parses every CPU and interrupt line into maps (95 us and
	// 82 allocations on the CI machine, against 19 us and one allocation
	// here, read included); two counters are all a sample needs.
	if b, err = r.read(r.proc("stat")); err != nil {
		return err
	}
	st, err := parseProcStat(b)
	if err != nil {
		return fmt.Errorf("%s: %w", r.proc("stat"), err)
	}
	s.ProcsRunning, s.ProcsBlocked = st.running, st.blocked

	if s.DTasks, s.Threads, err = r.scanTasks(dtasks); err != nil {
		return err
	}
	if s.NFSD, err = r.readNFSD(pools); err != nil {
		return err
	}
	if s.Disks, err = r.readDisks(disks); err != nil {
		return err
	}
	if s.IOPressure, err = r.readPressure("io"); err != nil {
		return err
	}
	return nil
}

// readNFSD reads the nfsd files; missing files mean no nfsd.
func (r *Reader) readNFSD(pools []Pool) (NFSD, error) {
	var n NFSD
	threads, err := r.readInt(r.proc("fs", "nfsd", "threads"))
	switch {
	case err == nil:
		n.Present, n.Threads = true, threads
	case !nfsdAbsent(err):
		return n, err
	}
	if b, err := r.read(r.proc("fs", "nfsd", "pool_stats")); err == nil {
		if n.Pools, err = parsePoolStats(b, pools); err != nil {
			return n, fmt.Errorf("%s: %w", r.proc("fs", "nfsd", "pool_stats"), err)
		}
	} else if !nfsdAbsent(err) {
		return n, err
	}
	if b, err := r.read(r.proc("net", "rpc", "nfsd")); err == nil {
		n.Present = true
		if n.RPC, err = parseRPC(b); err != nil {
			return n, fmt.Errorf("%s: %w", r.proc("net", "rpc", "nfsd"), err)
		}
	} else if !nfsdAbsent(err) {
		return n, err
	}
	return n, nil
}

// nfsdAbsent reports whether err from an nfsd file means that nfsd is not
// there or not running: the file is missing, or (pool_stats on older
// kernels) opening it fails with ENODEV while the server is stopped.
func nfsdAbsent(err error) bool {
	return absent(err) || errors.Is(err, syscall.ENODEV)
}

// readDisks reads /proc/diskstats, keeps whole disks and adds their active
// IO scheduler.
func (r *Reader) readDisks(dst []Disk) ([]Disk, error) {
	b, err := r.readLarge(r.proc("diskstats"))
	if err != nil {
		if optionalMissing(err) {
			return dst[:0], nil // no disks known
		}
		return dst[:0], err
	}
	all, err := parseDiskstats(b, dst, r.intern)
	if err != nil {
		return dst[:0], fmt.Errorf("%s: %w", r.proc("diskstats"), err)
	}
	block, err := r.listDir(r.sys("block"))
	if err != nil {
		if optionalMissing(err) {
			return dst[:0], nil // whole disks cannot be told from partitions
		}
		return dst[:0], fmt.Errorf("list block devices: %w", err)
	}
	kept := all[:0]
	for _, d := range all {
		if !keepDisk(&d, block) {
			continue
		}
		sb, err := r.read(r.sys("block", sysfsName(d.Name), "queue", "scheduler"))
		switch {
		case err == nil:
			a, err := parseScheduler(sb, nil)
			if err != nil {
				return kept, fmt.Errorf("%s scheduler: %w", d.Name, err)
			}
			d.Scheduler = r.intern(a)
		case !absent(err):
			return kept, err
		}
		kept = append(kept, d)
	}
	return kept, nil
}

// keepDisk reports whether a diskstats line is a whole disk worth showing:
// it has /sys/block/NAME (partitions do not), and it is not a loop, ram,
// zram or nbd device that never did IO (an idle host has dozens).
func keepDisk(d *Disk, block []string) bool {
	name := sysfsName(d.Name)
	found := false
	for _, b := range block {
		if b == name {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	if d.IOs() == 0 && d.InFlight == 0 {
		for _, p := range []string{"loop", "ram", "zram", "nbd"} {
			if strings.HasPrefix(d.Name, p) {
				return false
			}
		}
	}
	return true
}

// sysfsName is the /sys/block name of a device: sysfs writes '/' as '!'
// (cciss/c0d0 is /sys/block/cciss!c0d0).
func sysfsName(name string) string {
	if strings.IndexByte(name, '/') < 0 {
		return name
	}
	return strings.ReplaceAll(name, "/", "!")
}

// listDir returns the names in dir.
func (r *Reader) listDir(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// readPressure reads /proc/pressure/NAME. The procfs parser is used as is:
// a PSI file is two lines, read once per interval.
func (r *Reader) readPressure(name string) (*Pressure, error) {
	ps, err := r.pfs.PSIStatsForResource(name)
	if err != nil {
		if absent(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", r.proc("pressure", name), err)
	}
	if ps.Some == nil {
		return nil, fmt.Errorf("read %s: no \"some\" line", r.proc("pressure", name))
	}
	p := &Pressure{Some: PressureLine{
		Avg10: ps.Some.Avg10, Avg60: ps.Some.Avg60, Avg300: ps.Some.Avg300, Total: ps.Some.Total,
	}}
	if ps.Full != nil {
		p.HasFull = true
		p.Full = PressureLine{Avg10: ps.Full.Avg10, Avg60: ps.Full.Avg60, Avg300: ps.Full.Avg300, Total: ps.Full.Total}
	}
	return p, nil
}

// procStat is what is read from /proc/stat.
type procStat struct {
	running, blocked int
	cpus             int // "cpuN" lines: online CPUs
}

// parseProcStat parses the lines of /proc/stat a sample needs.
func parseProcStat(b []byte) (procStat, error) {
	var st procStat
	seen := 0
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		key, rest := nextField(line)
		running := bytes.Equal(key, []byte("procs_running"))
		switch {
		case running || bytes.Equal(key, []byte("procs_blocked")):
			f, _ := nextField(rest)
			n, ok := parseInt(f)
			if !ok || n < 0 {
				return st, errField(string(key), f)
			}
			if running {
				st.running = n
			} else {
				st.blocked = n
			}
			seen++
		case len(key) > 3 && bytes.HasPrefix(key, []byte("cpu")):
			if _, ok := parseUint(key[3:]); ok {
				st.cpus++
			}
		}
	}
	if seen < 2 {
		return st, errors.New("no procs_running or procs_blocked line")
	}
	return st, nil
}

// parseUptime parses /proc/uptime ("486.43 757.17": seconds since boot and
// idle seconds summed over CPUs).
func parseUptime(b []byte) (time.Duration, error) {
	f, _ := nextField(b)
	v, ok := parseFloat(f)
	if !ok || v < 0 || v > 1e11 {
		return 0, fmt.Errorf("bad uptime %q", trimSpace(b))
	}
	return time.Duration(v * float64(time.Second)).Round(10 * time.Millisecond), nil
}
