// Package diag generates the host part of the diagnosis benchmark: pairs of
// nfstrace captures of a fio workload on a loop device, one under a baseline
// condition and one with a known cause injected, with the ground truth
// written next to them. It is a tool of its own; the product never imports it.
package diag

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nfstrace/nfstrace/internal/kvconf"
)

// Causes is the ground-truth vocabulary: the layer where the injected
// condition holds the traced threads' time.
var causes = []string{"device", "bio", "scheduler", "writeback", "lock", "reclaim", "cpu", "workload"}

// Causes returns the ground-truth vocabulary.
func Causes() []string { return append([]string(nil), causes...) }

// setName is the name of a scenario set: dev is tuned on; heldout and
// heldout2, heldout3, ... are each scored without being tuned on, and a new
// one replaces a set that has been seen.
var setName = regexp.MustCompile(`^(dev|heldout([1-9][0-9]*)?)$`)

// HeldOut returns the number of a held-out set (1 for heldout, N for
// heldoutN) and whether name is one.
func HeldOut(name string) (int, bool) {
	m := setName.FindStringSubmatch(name)
	if m == nil || m[1] == "dev" {
		return 0, false
	}
	if m[2] == "" {
		return 1, true
	}
	n, err := strconv.Atoi(m[2])
	return n, err == nil
}

// CheckSetName checks the name of a set recordings are stored as (record
// -set): a directory name of lower-case letters, digits and dashes.
func CheckSetName(name string) error {
	if name == "" || name[0] == '-' {
		return fmt.Errorf("set name %q: want lower-case letters, digits and dashes, such as long", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("set name %q: want lower-case letters, digits and dashes, such as long", name)
		}
	}
	return nil
}

// Scenario is one incident: a workload recorded under a baseline condition
// and under an injected one that differs by the cause named in Cause.
type Scenario struct {
	Name        string
	Description string
	Cause       string // one of Causes()
	Change      string // the configuration item compare should list: "scheduler", "nr_requests", "sysctl NAME", "cgroup /nfstrace-diag FILE" or ""
	Set         string // dev, heldout or heldoutN
	Base, Inj   Condition
}

// Condition is everything the runner sets up for one capture.
type Condition struct {
	Backing    string // "tmpfs" or "disk" (a file under /var/tmp, loop --direct-io=on)
	DeviceSize int64  // bytes of the backing file
	Scheduler  string // IO scheduler of the loop device
	NrRequests int    // 0: the scheduler's default
	Sysctls    map[string]string

	// cgroup v1 limits of the workload's cgroup; 0 is no limit
	ReadIOPS, WriteIOPS int64
	ReadBPS, WriteBPS   int64
	CPUQuotaUs          int64
	CPUPeriodUs         int64
	MemLimit            int64

	CPUHogs int    // busy loops started for the capture, pinned to CPUs when set
	CPUs    string // fio's cpus_allowed and the hogs' taskset list; "" is any

	Fio Fio
}

// Fio is the fio job; the runner adds the directory, runtime and seed.
type Fio struct {
	RW         string
	RWMixRead  int // 0: fio's default
	BS         string
	IOEngine   string
	IODepth    int
	NumJobs    int
	Direct     bool
	Sync       bool // O_DSYNC writes
	Size       string
	RateIOPS   int // per job; 0 is unlimited
	Fsync      int // fsync every N writes; 0 never
	SharedFile bool
}

func defaultCondition() Condition {
	return Condition{
		Backing:    "tmpfs",
		DeviceSize: 512 << 20,
		Scheduler:  "none",
		Sysctls:    map[string]string{},
		Fio: Fio{
			RW:       "randread",
			BS:       "4k",
			IOEngine: "psync",
			IODepth:  1,
			NumJobs:  1,
			Size:     "64m",
		},
	}
}

// scenarioKeys are the keys that describe the scenario as a whole and
// cannot take a base. or inj. prefix.
var scenarioKeys = []string{"description", "cause", "change", "set"}

// conditionKeys are the keys of a Condition, besides sysctl.NAME.
var conditionKeys = []string{
	"device", "device_size", "scheduler", "nr_requests",
	"blkio_read_iops", "blkio_write_iops", "blkio_read_bps", "blkio_write_bps",
	"cpu_quota_us", "cpu_period_us", "memory_limit", "cpu_hogs", "cpus",
	"rw", "rwmixread", "bs", "ioengine", "iodepth", "numjobs", "direct", "sync",
	"size", "rate_iops", "fsync", "shared_file",
}

type entry struct {
	val  string
	line int
}

// ParseScenario parses a scenario file's contents; name is the file's base
// name without ".conf" and src names the file in errors, as src:line.
func ParseScenario(name, src string, b []byte) (Scenario, error) {
	if !regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`).MatchString(name) {
		return Scenario{}, fmt.Errorf("%s: scenario name %q: want lower-case letters, digits, - and _", src, name)
	}
	s := Scenario{Name: name}
	// scope "" holds plain keys, which apply to both conditions; "base" and
	// "inj" hold the prefixed ones, which override them
	scoped := map[string]map[string]entry{"": {}, "base": {}, "inj": {}}
	seenScenario := map[string]bool{}
	err := kvconf.Each(src, b, func(line int, key, val string) error {
		if contains(scenarioKeys, key) {
			if seenScenario[key] {
				return fmt.Errorf("%s set twice", key)
			}
			seenScenario[key] = true
			if err := s.set(key, val); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			return nil
		}
		scope, bare := "", key
		if p, rest, ok := strings.Cut(key, "."); ok && (p == "base" || p == "inj") {
			scope, bare = p, rest
			if contains(scenarioKeys, bare) {
				return fmt.Errorf("%s applies to the whole scenario and takes no %s. prefix", bare, p)
			}
		}
		if !contains(conditionKeys, bare) && !strings.HasPrefix(bare, "sysctl.") {
			return fmt.Errorf("unknown key %q (want %s, sysctl.NAME, each optionally prefixed base. or inj.)",
				key, strings.Join(append(append([]string(nil), scenarioKeys...), conditionKeys...), ", "))
		}
		if _, dup := scoped[scope][bare]; dup {
			return fmt.Errorf("%s set twice", key)
		}
		scoped[scope][bare] = entry{val, line}
		return nil
	})
	if err != nil {
		return Scenario{}, err
	}
	for _, k := range []string{"description", "cause", "set"} {
		if !seenScenario[k] {
			return Scenario{}, fmt.Errorf("%s: %s is required", src, k)
		}
	}
	for _, c := range []struct {
		scope string
		dst   *Condition
	}{{"base", &s.Base}, {"inj", &s.Inj}} {
		cond := defaultCondition()
		for _, scope := range []string{"", c.scope} {
			for _, k := range sortedKeys(scoped[scope]) {
				e := scoped[scope][k]
				if err := cond.set(k, e.val); err != nil {
					key := k
					if scope != "" {
						key = scope + "." + k
					}
					return Scenario{}, fmt.Errorf("%s:%d: %s: %w", src, e.line, key, err)
				}
			}
		}
		if err := cond.check(); err != nil {
			return Scenario{}, fmt.Errorf("%s: %s: %w", src, c.scope, err)
		}
		*c.dst = cond
	}
	if err := s.check(); err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", src, err)
	}
	return s, nil
}

func (s *Scenario) set(key, val string) error {
	switch key {
	case "description":
		s.Description = val
	case "cause":
		if !contains(causes, val) {
			return fmt.Errorf("%q: want one of %s", val, strings.Join(causes, ", "))
		}
		s.Cause = val
	case "change":
		s.Change = val
	case "set":
		if !setName.MatchString(val) {
			return fmt.Errorf("%q: want dev, heldout or heldout followed by a number", val)
		}
		s.Set = val
	}
	return nil
}

// check makes sure the two conditions differ and that the change the
// scenario names is one of the differences.
func (s *Scenario) check() error {
	if reflect.DeepEqual(s.Base, s.Inj) {
		return fmt.Errorf("base and inj are the same condition: nothing is injected")
	}
	switch {
	case s.Change == "":
	case s.Change == "scheduler":
		if s.Base.Scheduler == s.Inj.Scheduler {
			return fmt.Errorf("change = scheduler, but both conditions use %s", s.Base.Scheduler)
		}
	case s.Change == "nr_requests":
		if s.Base.NrRequests == s.Inj.NrRequests {
			return fmt.Errorf("change = nr_requests, but both conditions set %d", s.Base.NrRequests)
		}
	case strings.HasPrefix(s.Change, "sysctl "):
		n := strings.TrimPrefix(s.Change, "sysctl ")
		if s.Base.Sysctls[n] == s.Inj.Sysctls[n] {
			return fmt.Errorf("change = %s, but the conditions do not differ in it", s.Change)
		}
	case strings.HasPrefix(s.Change, "cgroup "):
		file := s.Change[strings.LastIndexByte(s.Change, ' ')+1:]
		limit := func(c Condition) (int64, bool) {
			switch file {
			case "blkio.throttle.read_iops_device":
				return c.ReadIOPS, true
			case "blkio.throttle.write_iops_device":
				return c.WriteIOPS, true
			case "blkio.throttle.read_bps_device":
				return c.ReadBPS, true
			case "blkio.throttle.write_bps_device":
				return c.WriteBPS, true
			case "cpu.cfs_quota_us":
				return c.CPUQuotaUs, true
			case "memory.limit_in_bytes":
				return c.MemLimit, true
			}
			return 0, false
		}
		a, ok := limit(s.Base)
		b, _ := limit(s.Inj)
		if !ok {
			return fmt.Errorf("change = %s: not a limit the workload's cgroup gets", s.Change)
		}
		if a == b {
			return fmt.Errorf("change = %s, but the conditions do not differ in it", s.Change)
		}
	default:
		return fmt.Errorf("change %q: want scheduler, nr_requests, sysctl NAME, cgroup /%s FILE or nothing", s.Change, diagName)
	}
	return nil
}

func (c *Condition) set(key, val string) error {
	var err error
	if name, ok := strings.CutPrefix(key, "sysctl."); ok {
		if !regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`).MatchString(name) {
			return fmt.Errorf("sysctl name %q: want dotted lower-case words such as vm.dirty_bytes", name)
		}
		if !regexp.MustCompile(`^[0-9A-Za-z_ .-]+$`).MatchString(val) {
			return fmt.Errorf("%q: unexpected characters", val)
		}
		c.Sysctls[name] = val
		return nil
	}
	switch key {
	case "device":
		if val != "tmpfs" && val != "disk" {
			return fmt.Errorf("%q: want tmpfs or disk", val)
		}
		c.Backing = val
	case "device_size":
		c.DeviceSize, err = positiveSize(val)
	case "scheduler":
		if !contains([]string{"none", "mq-deadline", "kyber", "bfq"}, val) {
			return fmt.Errorf("%q: want none, mq-deadline, kyber or bfq", val)
		}
		c.Scheduler = val
	case "nr_requests":
		c.NrRequests, err = positiveInt(val)
	case "blkio_read_iops":
		c.ReadIOPS, err = positiveInt64(val)
	case "blkio_write_iops":
		c.WriteIOPS, err = positiveInt64(val)
	case "blkio_read_bps":
		c.ReadBPS, err = positiveSize(val)
	case "blkio_write_bps":
		c.WriteBPS, err = positiveSize(val)
	case "cpu_quota_us":
		c.CPUQuotaUs, err = positiveInt64(val)
	case "cpu_period_us":
		c.CPUPeriodUs, err = positiveInt64(val)
	case "memory_limit":
		c.MemLimit, err = positiveSize(val)
	case "cpu_hogs":
		c.CPUHogs, err = strconv.Atoi(val)
		if err != nil || c.CPUHogs < 0 {
			return fmt.Errorf("%q: want a count of zero or more", val)
		}
	case "cpus":
		if !regexp.MustCompile(`^[0-9]+([-,][0-9]+)*$`).MatchString(val) {
			return fmt.Errorf("%q: want a CPU list such as 0 or 0-1", val)
		}
		c.CPUs = val
	case "rw":
		if !contains([]string{"read", "write", "randread", "randwrite", "rw", "randrw"}, val) {
			return fmt.Errorf("%q: want read, write, randread, randwrite, rw or randrw", val)
		}
		c.Fio.RW = val
	case "rwmixread":
		c.Fio.RWMixRead, err = strconv.Atoi(val)
		if err != nil || c.Fio.RWMixRead < 0 || c.Fio.RWMixRead > 100 {
			return fmt.Errorf("%q: want a percentage", val)
		}
	case "bs":
		_, err = positiveSize(val)
		c.Fio.BS = val
	case "size":
		_, err = positiveSize(val)
		c.Fio.Size = val
	case "ioengine":
		if !contains([]string{"psync", "sync", "libaio", "io_uring"}, val) {
			return fmt.Errorf("%q: want psync, sync, libaio or io_uring", val)
		}
		c.Fio.IOEngine = val
	case "iodepth":
		c.Fio.IODepth, err = positiveInt(val)
	case "numjobs":
		c.Fio.NumJobs, err = positiveInt(val)
	case "rate_iops":
		c.Fio.RateIOPS, err = positiveInt(val)
	case "fsync":
		c.Fio.Fsync, err = positiveInt(val)
	case "direct":
		c.Fio.Direct, err = parseBool(val)
	case "sync":
		c.Fio.Sync, err = parseBool(val)
	case "shared_file":
		c.Fio.SharedFile, err = parseBool(val)
	}
	return err
}

// check rejects combinations the runner cannot set up.
func (c *Condition) check() error {
	if c.CPUPeriodUs != 0 && c.CPUQuotaUs == 0 {
		return fmt.Errorf("cpu_period_us needs cpu_quota_us")
	}
	if c.CPUHogs > 0 && c.CPUs == "" {
		return fmt.Errorf("cpu_hogs needs cpus, so that the hogs and fio share them")
	}
	size, _ := positiveSize(c.Fio.Size)
	files := int64(c.Fio.NumJobs)
	if c.Fio.SharedFile {
		files = 1
	}
	if size*files > c.DeviceSize*8/10 {
		return fmt.Errorf("fio needs %d bytes of files on a %d-byte device: raise device_size", size*files, c.DeviceSize)
	}
	return nil
}

// LoadScenarios reads every NAME.conf in dir, sorted by name.
func LoadScenarios(dir string) ([]Scenario, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.conf"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no scenario (*.conf) in %s", dir)
	}
	sort.Strings(paths)
	var out []Scenario
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read scenario: %w", err)
		}
		s, err := ParseScenario(strings.TrimSuffix(filepath.Base(p), ".conf"), p, b)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Select picks scenarios by comma-separated name; "all" or "" is every one,
// the name of a set (Sets) every one of that set.
func Select(all []Scenario, names string) ([]Scenario, error) {
	if names == "" || names == "all" {
		return all, nil
	}
	byName := map[string]Scenario{}
	var known []string
	for _, s := range all {
		byName[s.Name] = s
		known = append(known, s.Name)
	}
	var out []Scenario
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		if setName.MatchString(n) {
			for _, s := range all {
				if s.Set == n {
					out = append(out, s)
				}
			}
			continue
		}
		s, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("no scenario %q (have %s)", n, strings.Join(known, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func positiveInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: want a positive integer", s)
	}
	return n, nil
}

func positiveInt64(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: want a positive integer", s)
	}
	return n, nil
}

// positiveSize parses a byte count with an optional binary suffix k, m or g.
func positiveSize(s string) (int64, error) {
	mult := int64(1)
	num := strings.ToLower(s)
	switch {
	case strings.HasSuffix(num, "k"):
		mult, num = 1<<10, strings.TrimSuffix(num, "k")
	case strings.HasSuffix(num, "m"):
		mult, num = 1<<20, strings.TrimSuffix(num, "m")
	case strings.HasSuffix(num, "g"):
		mult, num = 1<<30, strings.TrimSuffix(num, "g")
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<50)/mult {
		return 0, fmt.Errorf("%q: want a positive size such as 4k, 64m or 1g", s)
	}
	return n * mult, nil
}

func parseBool(s string) (bool, error) {
	switch s {
	case "1", "true", "yes":
		return true, nil
	case "0", "false", "no":
		return false, nil
	}
	return false, fmt.Errorf("%q: want true or false", s)
}
