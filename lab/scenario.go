package lab

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/kvconf"
)

// Scenario is one lab experiment, read from a scenarios/NAME.conf file: the
// device under the export and its IO scheduler, sysctls, the NFS versions to
// mount and the client load to run on each for Duration.
//
// The file format is one "key = value" per line; "#" starts a comment; the
// key "sysctl" may repeat. Unknown keys are errors, so a typo does not
// silently run a different experiment. See lab/scenarios/README.md.
type Scenario struct {
	Name        string
	Description string
	Versions    []string      // NFS versions: "3", "4.0", "4.1", "4.2"
	Duration    time.Duration // load per version
	Settle      time.Duration // after starting nfstrace, before the load
	TraceSlack  time.Duration // time budgeted after the load for nfstrace to stop and the load to overrun
	Device      string        // "virtio", "nullb", "nullb-delay" or "nullb-fail"
	Scheduler   string        // IO scheduler of the device under the export; "" keeps the default
	DelayMs     int           // nullb-delay: dm-delay's delay for reads and writes
	NullbGB     int           // nullb*: size
	NullbParams string        // nullb*: extra null_blk module parameters
	// FailAfter is, for nullb-fail, how long into the load every read
	// and write of the device under the export starts failing.
	FailAfter   time.Duration
	Sysctls     []string // "key=value", applied before the load, restored after
	Clients     int      // client processes
	Mix         string   // nfsload -mix
	IOSize      string   // nfsload -io-size
	FileSize    string   // nfsload -file-size
	MountOpts   string   // extra NFS mount options
	NFSDThreads int
	// SharedFile makes every client work on one data file, so that nfsd
	// threads serve writes to one inode (and contend on its lock).
	SharedFile bool
	// ClientMounts is how the clients mount the export: "one" mount that
	// every client process works through (the client kernel then
	// serialises writes to a shared file on its inode lock before they
	// reach nfsd), or "each" client its own mount (nosharecache), as
	// separate client machines would.
	ClientMounts string
	// WriteDirect makes the clients write with O_DIRECT: each write goes
	// to nfsd as it is made and never dirties the client's page cache.
	// The lab's clients share the guest's kernel, and so its dirty-page
	// limits, with nfsd; buffered client writes are throttled by those
	// limits on the client side too, which a real server's clients,
	// on kernels of their own, are not.
	WriteDirect bool
	// StackSamples is which kernel threads the guest samples the stacks of
	// during the load: "d" (nfsd threads in D, once a second) or "all"
	// (every nfsd and jbd2 thread in any state, ten times a second: the
	// ground truth for lock owners).
	StackSamples string
}

//go:embed scenarios/*.conf
var builtinScenarios embed.FS

var (
	sysctlRE = regexp.MustCompile(`^[a-z0-9_.]+=[^ '"]+$`)
	wordRE   = regexp.MustCompile(`^[A-Za-z0-9_.,:=+-]*$`)
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

var (
	validVersions   = []string{"3", "4.0", "4.1", "4.2"}
	validDevices    = []string{"virtio", "nullb", "nullb-delay", "nullb-fail"}
	validSchedulers = []string{"none", "mq-deadline", "kyber", "bfq"}
)

func defaultScenario(name string) Scenario {
	return Scenario{
		Name:         name,
		Versions:     []string{"3", "4.2"},
		Duration:     20 * time.Second,
		Settle:       15 * time.Second,
		TraceSlack:   10 * time.Second,
		Device:       "virtio",
		NullbGB:      1,
		Clients:      4,
		Mix:          "write:3,commit:1,read:3,getattr:2,lookup:2",
		IOSize:       "64k",
		FileSize:     "8m",
		MountOpts:    "actimeo=0,lookupcache=none",
		NFSDThreads:  8,
		StackSamples: "d",
		ClientMounts: "one",
	}
}

// ParseScenario parses a scenario file's contents; name is the file's base
// name without ".conf" and src names it in errors.
func ParseScenario(name, src string, b []byte) (Scenario, error) {
	if !nameRE.MatchString(name) {
		return Scenario{}, fmt.Errorf("%s: scenario name %q: want lower-case letters, digits, - and _", src, name)
	}
	s := defaultScenario(name)
	seen := map[string]bool{}
	err := kvconf.Each(src, b, func(_ int, key, val string) error {
		if seen[key] && key != "sysctl" {
			return fmt.Errorf("%s set twice", key)
		}
		seen[key] = true
		if err := s.set(key, val); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return Scenario{}, err
	}
	if s.Device == "nullb-delay" && s.DelayMs <= 0 {
		return Scenario{}, fmt.Errorf("%s: device nullb-delay needs delay_ms > 0", src)
	}
	if s.Device == "virtio" && (seen["delay_ms"] || seen["nullb_gb"] || seen["nullb_params"]) {
		return Scenario{}, fmt.Errorf("%s: delay_ms, nullb_gb and nullb_params need device nullb, nullb-delay or nullb-fail", src)
	}
	if (s.Device == "nullb-fail") != seen["fail_after"] {
		return Scenario{}, fmt.Errorf("%s: device nullb-fail and fail_after go together", src)
	}
	if s.Device == "nullb-fail" {
		// The failed device stays failed: a second version would find
		// its export broken before its load began.
		if len(s.Versions) != 1 {
			return Scenario{}, fmt.Errorf("%s: device nullb-fail takes one NFS version (the device stays failed)", src)
		}
		if s.FailAfter >= s.Duration {
			return Scenario{}, fmt.Errorf("%s: fail_after %v: want less than duration %v", src, s.FailAfter, s.Duration)
		}
	}
	return s, nil
}

func (s *Scenario) set(key, val string) error {
	var err error
	switch key {
	case "description":
		s.Description = val
		return nil
	case "versions":
		s.Versions = strings.Fields(strings.ReplaceAll(val, ",", " "))
		if len(s.Versions) == 0 {
			return fmt.Errorf("no version")
		}
		for _, v := range s.Versions {
			if !contains(validVersions, v) {
				return fmt.Errorf("version %q: want %s", v, strings.Join(validVersions, ", "))
			}
		}
		return nil
	case "duration":
		s.Duration, err = positiveDuration(val)
		return err
	case "settle":
		s.Settle, err = time.ParseDuration(val)
		if err == nil && s.Settle < 0 {
			err = fmt.Errorf("negative")
		}
		return err
	case "trace_slack":
		s.TraceSlack, err = time.ParseDuration(val)
		if err == nil && s.TraceSlack < 0 {
			err = fmt.Errorf("negative")
		}
		return err
	case "device":
		if !contains(validDevices, val) {
			return fmt.Errorf("%q: want %s", val, strings.Join(validDevices, ", "))
		}
		s.Device = val
		return nil
	case "scheduler":
		if !contains(validSchedulers, val) {
			return fmt.Errorf("%q: want %s", val, strings.Join(validSchedulers, ", "))
		}
		s.Scheduler = val
		return nil
	case "delay_ms":
		s.DelayMs, err = positiveInt(val)
		return err
	case "fail_after":
		s.FailAfter, err = positiveDuration(val)
		return err
	case "nullb_gb":
		s.NullbGB, err = positiveInt(val)
		return err
	case "nullb_params":
		for _, f := range strings.Fields(val) {
			if !regexp.MustCompile(`^[a-z_]+=[0-9a-z,]+$`).MatchString(f) {
				return fmt.Errorf("%q: want name=value module parameters", f)
			}
		}
		s.NullbParams = val
		return nil
	case "sysctl":
		if !sysctlRE.MatchString(val) {
			return fmt.Errorf("%q: want name=value, such as vm.dirty_bytes=1048576", val)
		}
		s.Sysctls = append(s.Sysctls, val)
		return nil
	case "clients":
		s.Clients, err = positiveInt(val)
		return err
	case "nfsd_threads":
		s.NFSDThreads, err = positiveInt(val)
		return err
	case "shared_file":
		s.SharedFile, err = strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("%q: want true or false", val)
		}
		return nil
	case "write_direct":
		s.WriteDirect, err = strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("%q: want true or false", val)
		}
		return nil
	case "client_mounts":
		if val != "one" && val != "each" {
			return fmt.Errorf("%q: want one or each", val)
		}
		s.ClientMounts = val
		return nil
	case "stack_samples":
		if val != "d" && val != "all" {
			return fmt.Errorf("%q: want d or all", val)
		}
		s.StackSamples = val
		return nil
	case "mix", "io_size", "file_size", "mount_options":
		if !wordRE.MatchString(val) {
			return fmt.Errorf("%q: unexpected characters", val)
		}
		switch key {
		case "mix":
			s.Mix = val
		case "io_size":
			s.IOSize = val
		case "file_size":
			s.FileSize = val
		case "mount_options":
			s.MountOpts = val
		}
		return nil
	}
	return fmt.Errorf("unknown key (want description, versions, duration, settle, trace_slack, device, scheduler, delay_ms, fail_after, nullb_gb, nullb_params, sysctl, clients, nfsd_threads, shared_file, client_mounts, write_direct, stack_samples, mix, io_size, file_size, mount_options)")
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func positiveInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: want a positive integer", s)
	}
	return n, nil
}

func positiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a positive duration such as 20s", s)
	}
	return d, nil
}

// Budget is how long the guest may spend on the scenario before the host
// gives up on it: generous, since TCG emulation is slow, but finite.
func (s Scenario) Budget() time.Duration {
	// Attaching the probes may take minutes on a loaded host.
	perVersion := s.Settle + s.Duration + s.TraceSlack + 4*time.Minute
	return 2*time.Minute + time.Duration(len(s.Versions))*perVersion
}

// Env renders the scenario as shell variable assignments for the guest.
func (s Scenario) Env() string {
	var b strings.Builder
	kv := func(k, v string) { fmt.Fprintf(&b, "LAB_%s=%s\n", k, shellQuote(v)) }
	kv("NAME", s.Name)
	kv("VERSIONS", strings.Join(s.Versions, " "))
	kv("DURATION", strconv.Itoa(int(s.Duration.Seconds()+0.5)))
	kv("SETTLE", strconv.Itoa(int(s.Settle.Seconds()+0.5)))
	kv("TRACE_SLACK", strconv.Itoa(int(s.TraceSlack.Seconds()+0.5)))
	kv("DEVICE", s.Device)
	kv("SCHEDULER", s.Scheduler)
	kv("DELAY_MS", strconv.Itoa(s.DelayMs))
	kv("FAIL_AFTER", strconv.Itoa(int(s.FailAfter.Seconds()+0.5)))
	kv("NULLB_GB", strconv.Itoa(s.NullbGB))
	kv("NULLB_PARAMS", s.NullbParams)
	kv("SYSCTLS", strings.Join(s.Sysctls, " "))
	kv("CLIENTS", strconv.Itoa(s.Clients))
	kv("MIX", s.Mix)
	kv("IO_SIZE", s.IOSize)
	kv("FILE_SIZE", s.FileSize)
	kv("MOUNT_OPTS", s.MountOpts)
	kv("NFSD_THREADS", strconv.Itoa(s.NFSDThreads))
	kv("SHARED_FILE", strconv.FormatBool(s.SharedFile))
	kv("CLIENT_MOUNTS", s.ClientMounts)
	kv("WRITE_DIRECT", strconv.FormatBool(s.WriteDirect))
	kv("STACK_SAMPLES", s.StackSamples)
	kv("BUDGET", strconv.Itoa(int(s.Budget().Seconds())))
	return b.String()
}

// LoadScenario reads a scenario by name from the built-in set, or from a file
// when the argument contains a slash or ends in ".conf".
func LoadScenario(arg string) (Scenario, error) {
	if strings.Contains(arg, "/") || strings.HasSuffix(arg, ".conf") {
		b, err := os.ReadFile(arg)
		if err != nil {
			return Scenario{}, fmt.Errorf("read scenario: %w", err)
		}
		return ParseScenario(strings.TrimSuffix(filepath.Base(arg), ".conf"), arg, b)
	}
	b, err := builtinScenarios.ReadFile("scenarios/" + arg + ".conf")
	if err != nil {
		return Scenario{}, fmt.Errorf("no scenario %q (built in: %s)", arg, strings.Join(ScenarioNames(), ", "))
	}
	return ParseScenario(arg, "scenarios/"+arg+".conf", b)
}

// ScenarioNames lists the built-in scenarios.
func ScenarioNames() []string {
	ents, err := fs.Glob(builtinScenarios, "scenarios/*.conf")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(filepath.Base(e), ".conf"))
	}
	sort.Strings(names)
	return names
}
