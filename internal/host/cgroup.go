package host

import (
	"bufio"
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A cgroup hierarchy mounted on the host: the unified one (v2) or a v1
// hierarchy with its controllers.
type cgroupMount struct {
	dir         string
	v2          bool
	controllers []string
}

// cgroupLimitFiles are the files whose values bound the CPU, IO and memory
// of a cgroup's threads: in v2, or in a v1 hierarchy of controller.
func cgroupLimitFiles(v2 bool, controller string) []string {
	switch {
	case v2:
		return []string{"cpu.max", "cpu.weight", "io.max", "memory.max", "memory.high"}
	case controller == "cpu":
		return []string{"cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares"}
	case controller == "blkio":
		return []string{"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
			"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device", "blkio.weight"}
	case controller == "memory":
		return []string{"memory.limit_in_bytes", "memory.soft_limit_in_bytes"}
	}
	return nil
}

// MaxCgroups bounds how many cgroup directories a CgroupWatch reads, and
// maxLimitBytes the size of a file it keeps: the limits go into every
// capture's metadata, which must stay small.
const (
	MaxCgroups    = 32
	maxLimitBytes = 512
)

// CgroupWatch follows the cgroup limits of the threads a ThreadWatch
// picks, as they come and go: Limits reads the cgroups of threads it has
// not seen before and the limit files of every cgroup seen so far (at most
// MaxCgroups), so a limit set while it watches shows too.
type CgroupWatch struct {
	threads *ThreadWatch
	*cgroupSet
	seen map[uint32]bool // the threads whose cgroups were read
	// Every is the least time between two reads: a call sooner returns
	// the last read. Sampling intervals can be much shorter than a limit
	// takes to matter, and each read opens every limit file.
	Every time.Duration
	now   func() time.Time
	at    time.Time // the last read
	last  map[string]string
}

// NewCgroupWatch watches the cgroups of the threads of w; cgroup mount
// points under /sys are read under sysRoot. It reads at most once a second
// (Every).
func NewCgroupWatch(w *ThreadWatch, sysRoot string) *CgroupWatch {
	return &CgroupWatch{threads: w, cgroupSet: newCgroupSet(w.proc, sysRoot), seen: map[uint32]bool{},
		Every: time.Second, now: time.Now}
}

// Limits returns the limits of the cgroups of every thread selected now or
// at an earlier call; nil when there are none. They are read now, unless
// the last read is less than Every old. The map is the watch's own, handed
// out again until the next read: callers must not change it.
func (w *CgroupWatch) Limits() (map[string]string, error) {
	now := w.now()
	if !w.at.IsZero() && now.Sub(w.at) < w.Every {
		return w.last, nil
	}
	tids, _, err := w.threads.Threads()
	if err != nil {
		return nil, err
	}
	for tid := range tids {
		if !w.seen[tid] {
			w.addThread(int(tid))
		}
	}
	// Only threads still there stay remembered: the set is bounded by the
	// threads alive, and a tid reused by a new thread is read again.
	w.seen = tids
	w.at, w.last = now, w.limits()
	return w.last, nil
}

// cgroupSet is the cgroup directories of a set of threads: for each
// thread's cgroups, it and every ancestor below the root, in the unified
// hierarchy (v2) and the v1 cpu, blkio and memory hierarchies mounted
// (procRoot/self/mountinfo; mount points under /sys are read under
// sysRoot). Its limits are the values of cgroupLimitFiles keyed "PATH FILE"
// ("/bench cpu.max" → "10000 100000"). Threads in the root cgroups (kernel
// threads such as nfsd's) have none. What cannot be read (a controller not
// enabled, a thread gone) is left out: unknown, not an error.
type cgroupSet struct {
	proc   string
	mounts []cgroupMount
	dirs   map[cgroupDir]bool
}

type cgroupDir struct {
	mount int    // index in mounts
	ctrl  string // the v1 controller whose files to read
	path  string
}

func newCgroupSet(procRoot, sysRoot string) *cgroupSet {
	c := &cgroupSet{proc: procRoot, dirs: map[cgroupDir]bool{}}
	if mi, err := os.ReadFile(filepath.Join(procRoot, "self", "mountinfo")); err == nil {
		c.mounts = parseCgroupMounts(mi, sysRoot)
	}
	return c
}

// addThread adds the cgroups of thread tid and their ancestors below the
// root, up to MaxCgroups directories.
func (c *cgroupSet) addThread(tid int) {
	if len(c.mounts) == 0 {
		return
	}
	b, err := os.ReadFile(filepath.Join(c.proc, strconv.Itoa(tid), "cgroup"))
	if err != nil {
		return
	}
	add := func(m int, ctrl, p string) {
		for p != "/" && p != "." && len(c.dirs) < MaxCgroups {
			c.dirs[cgroupDir{m, ctrl, p}] = true
			p = path.Dir(p)
		}
	}
	v2, v1 := ParseProcCgroup(b)
	for i, m := range c.mounts {
		switch {
		case m.v2 && v2 != "":
			add(i, "", v2)
		case !m.v2:
			for _, ctrl := range m.controllers {
				if p := v1[ctrl]; p != "" {
					add(i, ctrl, p)
				}
			}
		}
	}
}

// limits reads the limit files of every directory of the set.
func (c *cgroupSet) limits() map[string]string {
	out := map[string]string{}
	for d := range c.dirs {
		m := c.mounts[d.mount]
		for _, f := range cgroupLimitFiles(m.v2, d.ctrl) {
			b, err := os.ReadFile(filepath.Join(m.dir, filepath.FromSlash(d.path), f))
			if err != nil || len(b) > maxLimitBytes {
				continue
			}
			text := strings.TrimSpace(string(b))
			if text == "" {
				// The per-device files (io.max, blkio.throttle.*)
				// list only the devices limited: empty is no limit,
				// which must not read as a file not read.
				out[d.path+" "+f] = "none"
				continue
			}
			lines := strings.Split(text, "\n")
			for i, l := range lines {
				lines[i] = strings.Join(strings.Fields(l), " ")
			}
			out[d.path+" "+f] = strings.Join(lines, "; ")
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// parseCgroupMounts returns the cgroup hierarchies of a mountinfo file;
// mount points under /sys are moved under sysRoot.
func parseCgroupMounts(b []byte, sysRoot string) []cgroupMount {
	var out []cgroupMount
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 3 || (g[0] != "cgroup" && g[0] != "cgroup2") {
			continue
		}
		dir := f[4]
		if rest, ok := strings.CutPrefix(dir, "/sys/"); ok {
			dir = filepath.Join(sysRoot, rest)
		}
		m := cgroupMount{dir: dir, v2: g[0] == "cgroup2"}
		if !m.v2 {
			for _, o := range strings.Split(g[2], ",") {
				if cgroupLimitFiles(false, o) != nil {
					m.controllers = append(m.controllers, o)
				}
			}
			if len(m.controllers) == 0 {
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

// ParseProcCgroup parses a /proc/PID/cgroup file: the thread's path in the
// unified hierarchy ("" when it has none) and in each v1 controller's.
func ParseProcCgroup(b []byte) (v2 string, v1 map[string]string) {
	v1 = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "/") {
			continue
		}
		p := path.Clean(strings.TrimSuffix(parts[2], " (deleted)"))
		if parts[0] == "0" && parts[1] == "" {
			v2 = p
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c != "" && !strings.HasPrefix(c, "name=") {
				v1[c] = p
			}
		}
	}
	return v2, v1
}
