package lab_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/report"
	"github.com/nfstrace/nfstrace/internal/testenv"
	"github.com/nfstrace/nfstrace/lab"
)

// e2eScenarios is what TestLab runs by default on the default kernels
// other than waitsKernel: the mixed baseline on v3 and v4.2, a slow device
// (D-state in nfsd), a scheduler other than the default, and a device that
// fails under the load (the kernel's messages about it).
// NFSTRACE_LAB_SCENARIOS=all runs every scenario.
var e2eScenarios = []string{"baseline", "slow-device", "sched-kyber", "device-error"}

// waitsScenarios (requests queued for too few nfsd threads, nfsd threads
// contending on one file's lock, and their reference) run by default on
// waitsKernel, where compare is checked on their pairs, after the baseline;
// the other kernels run smokeScenario, which shows both waits in one
// scenario: the trio costs about 8 minutes of guest time. waitsKernel runs
// no other scenario of e2eScenarios: their nfsd D-state waits on a slow
// device are the waits scenarios' too, and their scheduler and failing
// device are checked on the other bookworm kernel. That keeps the test's
// longest boot short enough for every kernel of the set (lab.TestKernels)
// to run in CI.
var waitsScenarios = []string{"baseline", "waits-base", "waits-few-threads", "waits-shared-file"}

const waitsKernel = "6.12"

// smokeScenario is what TestLab runs on lab.SmokeKernels, and on the
// default kernels other than waitsKernel after e2eScenarios.
const smokeScenario = "smoke"

// TestLab runs nfstrace against real nfsd in the lab guest on Debian's 6.1
// and 6.12 kernels. It takes minutes (it builds the guest on the first run),
// so outside strict mode it runs only with NFSTRACE_LAB=1.
func TestLab(t *testing.T) {
	if !testenv.Strict() && os.Getenv("NFSTRACE_LAB") != "1" {
		t.Skip("the lab boots QEMU guests for minutes; set NFSTRACE_LAB=1 (or NFSTRACE_STRICT=1) to run it")
	}
	testenv.RequireRoot(t)
	for _, tool := range []string{"qemu-system-x86_64", "debootstrap", "cpio", "depmod", "dpkg-deb", "apt-get", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Skip(t, tool+" not found: apt-get install qemu-system-x86 debootstrap cpio kmod")
		}
	}
	// NFSTRACE_LAB_SCENARIOS picks the default kernels' scenarios (all of
	// them on each); the smoke kernels run smoke whatever it says.
	picked := os.Getenv("NFSTRACE_LAB_SCENARIOS")
	scenariosFor := func(series string) []string {
		switch {
		case slices.Contains(lab.SmokeKernels, series):
			return []string{smokeScenario}
		case picked == "all":
			return lab.ScenarioNames()
		case picked != "":
			return strings.Split(picked, ",")
		case series == waitsKernel:
			return waitsScenarios
		}
		return append(slices.Clone(e2eScenarios), smokeScenario)
	}
	loaded := make(map[string]lab.Scenario)
	load := func(names []string) []lab.Scenario {
		var out []lab.Scenario
		for _, n := range names {
			if _, ok := loaded[n]; !ok {
				s, err := lab.LoadScenario(n)
				if err != nil {
					t.Fatal(err)
				}
				loaded[n] = s
			}
			out = append(out, loaded[n])
		}
		return out
	}
	// NFSTRACE_LAB_KERNELS picks kernels (a subset while iterating).
	series := lab.TestKernels
	if k := os.Getenv("NFSTRACE_LAB_KERNELS"); k != "" {
		series = strings.Split(k, ",")
	}

	// The whole test is bounded: the build by this context, each boot by
	// its deadline (lab.Run kills QEMU), so a hung guest fails, not hangs.
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	paths, err := lab.DefaultPaths()
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	b := lab.NewBuilder(paths, &log)
	kernels, err := b.Build(ctx, series)
	if err != nil {
		t.Fatalf("build the lab: %v\n%s", err, log.String())
	}
	repo, err := lab.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	nfstrace, nfsload := filepath.Join(bin, "nfstrace"), filepath.Join(bin, "nfsload")
	if err := b.BuildGo(ctx, repo, "./cmd/nfstrace", nfstrace); err != nil {
		t.Fatal(err)
	}
	if err := b.BuildGo(ctx, repo, "./lab/cmd/nfsload", nfsload); err != nil {
		t.Fatal(err)
	}
	// serve is checked in the same boots, after the scenarios, scraped from
	// inside the guest; promtool (Debian's prometheus package) checks the
	// exposition there too when the host has it.
	var files []string
	if p, err := exec.LookPath("promtool"); err == nil {
		files = append(files, p)
	} else {
		testenv.Skip(t, "promtool not found (apt-get install prometheus): the guest's scrape is checked with it")
	}
	serveScript := filepath.Join(repo, "lab", "scripts", "serve.sh")
	// The shipped systemd unit, under systemd, in a boot of its own.
	sd := prepareSystemd(ctx, t, b, repo, nfstrace)
	t.Logf("build:\n%s", log.String())

	// The group returns when its parallel subtests have, before cancel runs.
	t.Run("kernel", func(t *testing.T) {
		for _, k := range kernels {
			scenarios := load(scenariosFor(k.Series))
			if slices.Contains(lab.SmokeKernels, k.Series) {
				runKernel(ctx, t, b, paths, k, scenarios, nfstrace, nfsload, "", nil)
				continue
			}
			runKernel(ctx, t, b, paths, k, scenarios, nfstrace, nfsload, serveScript, files)
		}
		runSystemd(ctx, t, paths, kernels, sd, nfstrace, nfsload, filepath.Join(repo, "lab", "scripts", "systemd.sh"))
	})
}

// runKernel boots one kernel with the scenarios, and the serve script
// unless script is "" (the smoke kernels).
func runKernel(ctx context.Context, t *testing.T, b *lab.Builder, paths lab.Paths, k lab.Kernel, scenarios []lab.Scenario, nfstrace, nfsload, script string, files []string) {
	{
		t.Run(k.Series, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			start := time.Now()
			cfg := lab.RunConfig{
				Kernel: k, Base: b.BaseCpio(), Scenarios: scenarios,
				NFSTrace: nfstrace, NFSLoad: nfsload, Dir: dir,
			}
			if script != "" {
				cfg.Script, cfg.ScriptTimeout, cfg.Files = script, 4*time.Minute, files
			}
			res, err := lab.Run(ctx, cfg)
			if err != nil {
				t.Fatalf("lab run: %v", err)
			}
			t.Logf("%s (%.0fs)", res.Summary(), time.Since(start).Seconds())
			if keep := keepRun(t, paths, dir, k.Series); keep != "" {
				defer t.Logf("results kept in %s", keep)
				res.Results = filepath.Join(keep, "results")
			}
			checkRun(t, res, scenarios, script != "", nfstrace)
		})
	}
}

// keepRun moves a run directory to the cache's runs/ when NFSTRACE_LAB_KEEP
// is set and returns where it went ("" when not kept). A temporary
// directory on another file system is copied.
func keepRun(t *testing.T, paths lab.Paths, dir, name string) string {
	if os.Getenv("NFSTRACE_LAB_KEEP") == "" {
		return ""
	}
	keep := filepath.Join(paths.Runs(), "test-"+time.Now().Format("20060102-150405")+"-"+name)
	if err := os.MkdirAll(paths.Runs(), 0o755); err != nil {
		t.Errorf("keep the run: %v", err)
		return ""
	}
	if err := os.Rename(dir, keep); err != nil {
		if out, err := exec.Command("cp", "-a", dir, keep).CombinedOutput(); err != nil {
			t.Errorf("keep the run: %v: %s", err, out)
			return ""
		}
	}
	return keep
}

// checkRun holds the assertions on one kernel's results; nfstrace is the
// binary the guest ran, run here on the captures it wrote.
func checkRun(t *testing.T, res *lab.Result, scenarios []lab.Scenario, serve bool, nfstrace string) {
	t.Run("guest", func(t *testing.T) {
		if !res.Done || res.Killed || res.Hung != "" || res.Panic != "" || len(res.Failed()) > 0 {
			t.Errorf("guest run not clean: %s", res.Summary())
		}
	})
	checkResults(t, res.Results, scenarios, serve, nfstrace)
}

// checkResults holds the assertions on what one kernel's guest left in
// its results directory.
func checkResults(t *testing.T, results string, scenarios []lab.Scenario, serve bool, nfstrace string) {
	if serve {
		t.Run("serve", func(t *testing.T) { checkServe(t, filepath.Join(results, "script")) })
	}
	t.Run("missing-probes", func(t *testing.T) { checkMissingProbes(t, results, scenarios) })
	t.Run("consumers", func(t *testing.T) { checkConsumers(t, results, scenarios, nfstrace) })
	t.Run("waits", func(t *testing.T) { checkWaits(t, results, scenarios) })
	for _, s := range scenarios {
		sdir := filepath.Join(results, "scenarios", s.Name)
		t.Run(s.Name, func(t *testing.T) {
			t.Run("check", func(t *testing.T) { checkProbes(t, sdir) })
			var sawNFSDDState, sawClient, procDState bool
			for _, v := range s.Versions {
				vdir := filepath.Join(sdir, "v"+v)
				t.Run("v"+v, func(t *testing.T) {
					f := readFrame(t, vdir)
					t.Run("threads", func(t *testing.T) {
						if !f.NFSD.Running || f.NFSD.Threads != s.NFSDThreads {
							t.Errorf("nfsd running=%v threads=%d, want running with %d", f.NFSD.Running, f.NFSD.Threads, s.NFSDThreads)
						}
					})
					t.Run("op-latency", func(t *testing.T) { checkOps(t, vdir, v, f) })
					t.Run("device", func(t *testing.T) { checkDevice(t, sdir, s, f) })
					if nfsdWaitSite(f) {
						sawNFSDDState = true
					}
					if nfsdClientSite(f, labClient) {
						sawClient = true
					}
					if b, err := os.ReadFile(filepath.Join(vdir, "dstate-stacks.txt")); err == nil && bytes.Contains(b, []byte("nfsd_dispatch")) {
						procDState = true
					}
				})
			}
			// /proc saw nfsd threads in D state under nfsd_dispatch: nfstrace must too.
			if s.Device == "nullb-delay" || procDState {
				t.Run("dstate", func(t *testing.T) {
					if !sawNFSDDState {
						t.Errorf("no D-state wait site of nfsd under nfsd_dispatch/svc_process (/proc saw one: %v)", procDState)
					}
					if !sawClient {
						t.Errorf("no D-state wait site of nfsd serving a request labelled with the client %s", labClient)
					}
				})
			}
			// A failing device: the kernel's messages about it, against
			// the baseline of the same boot.
			if s.Device == "nullb-fail" {
				t.Run("kernel-log", func(t *testing.T) {
					if !slices.ContainsFunc(scenarios, func(b lab.Scenario) bool { return b.Name == "baseline" }) {
						t.Skip("compare needs the baseline scenario in the same run")
					}
					checkKernelLog(t, nfstrace, sdir, filepath.Join(results, "scenarios", "baseline"), s)
				})
			}
		})
	}
}

func checkProbes(t *testing.T, sdir string) {
	b, err := os.ReadFile(filepath.Join(sdir, "check.txt"))
	if err != nil {
		t.Fatalf("nfstrace check did not run: %v", err)
	}
	var attached []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[1] == "attached" && (strings.Contains(f[0], "nfsd") || strings.Contains(f[0], "svc_")) {
			attached = append(attached, f[0])
		}
	}
	if len(attached) == 0 {
		t.Errorf("nfstrace check names no attached nfsd/sunrpc probe:\n%s", b)
	}
	t.Logf("nfsd probes attached: %s", strings.Join(attached, " "))
}

func readFrame(t *testing.T, vdir string) *report.Frame {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vdir, "top.json"))
	if err != nil || len(b) == 0 {
		e, _ := os.ReadFile(filepath.Join(vdir, "top.err"))
		t.Fatalf("no top --once --format json output (%v): %s", err, e)
	}
	var f report.Frame
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("top.json: %v", err)
	}
	return &f
}

// checkOps compares, for each operation the load generator issued, the
// count of nfstrace's latency histogram with the /proc/net/rpc/nfsd delta
// over the load.
func checkOps(t *testing.T, vdir, version string, f *report.Frame) {
	// The load's window is load.start to load.end, inside nfstrace's
	// (checked below); nfsd.after, read once nfstrace had stopped, also
	// holds what the clients sent after its last frame (results from
	// before nfsd.end was written have only that).
	last := "nfsd.end"
	if _, err := os.Stat(filepath.Join(vdir, last)); err != nil {
		last = "nfsd.after"
	}
	before, err1 := os.ReadFile(filepath.Join(vdir, "nfsd.before"))
	after, err2 := os.ReadFile(filepath.Join(vdir, last))
	if err1 != nil || err2 != nil {
		t.Fatalf("nfsd stats missing: %v %v", err1, err2)
	}
	b, err := lab.ParseNFSDOps(before)
	if err != nil {
		t.Fatal(err)
	}
	a, err := lab.ParseNFSDOps(after)
	if err != nil {
		t.Fatal(err)
	}
	delta := lab.OpDelta(b, a)
	proto := "v3"
	if strings.HasPrefix(version, "4") {
		proto = "v4"
	}
	var load struct {
		Ops map[string]uint64 `json:"ops"`
	}
	if lb, err := os.ReadFile(filepath.Join(vdir, "load.json")); err != nil || json.Unmarshal(lb, &load) != nil {
		t.Fatalf("load.json: %v", err)
	}
	// nfstrace's interval must cover the load, or the counts cannot agree.
	start, end := readTime(t, filepath.Join(vdir, "load.start")), readTime(t, filepath.Join(vdir, "load.end"))
	if f.Start.After(start) || f.End.Before(end) {
		t.Errorf("nfstrace's interval [%s, %s] does not cover the load [%s, %s]: a lab timing problem (the load overran top's window: lab/guest/init.sh trace_start)",
			f.Start.Format(time.StampMilli), f.End.Format(time.StampMilli), start.Format(time.StampMilli), end.Format(time.StampMilli))
		return
	}
	// Without nfsd:nfsd_compound (5.10: no module BTF for its CO-RE
	// relocations) nfstrace times whole COMPOUNDs, and check says why.
	if reason := unavailableProbe(filepath.Dir(vdir), "nfsd:nfsd_compound"); proto == "v4" && reason != "" {
		want := delta[lab.OpKey{Proto: "v4", Op: "compound"}]
		row := findOp(f, "v4", "COMPOUND")
		switch {
		case row == nil || row.Latency == nil:
			t.Errorf("v4: no COMPOUND latency from nfstrace (nfsd counted %d)", want)
		case float64(absDiff(row.Latency.Count, want)) > 0.01*float64(want):
			t.Errorf("v4 COMPOUND: nfstrace latency count %d, /proc/net/rpc/nfsd delta %d: differ by more than 1%%", row.Latency.Count, want)
		default:
			t.Logf("v4 operations not split (nfsd:nfsd_compound unavailable: %s); COMPOUND count %d (nfsd %d), p50 %v",
				reason, row.Latency.Count, want, time.Duration(row.Latency.P50Ns))
		}
		return
	}
	// What each kind of load turns into at the server. On NFSv4.2 the Linux
	// client reads with READ_PLUS where the server has it; an fsync whose
	// data fits one WRITE is sent FILE_SYNC, without a COMMIT.
	kinds := []struct {
		load     string
		ops      []string
		optional bool
	}{
		{"read", []string{"read", "read_plus"}, false},
		{"write", []string{"write"}, false},
		{"commit", []string{"commit"}, true},
		{"getattr", []string{"getattr"}, false},
		{"lookup", []string{"lookup"}, false},
	}
	for _, k := range kinds {
		if load.Ops[k.load] == 0 {
			continue
		}
		counted := false
		for _, op := range k.ops {
			want := delta[lab.OpKey{Proto: proto, Op: op}]
			if want == 0 {
				continue
			}
			counted = true
			row := findOp(f, proto, op)
			switch {
			case row == nil:
				t.Errorf("%s %s: no row in nfstrace's operations (nfsd counted %d)", proto, op, want)
			case row.Latency == nil:
				t.Errorf("%s %s: no latency from nfstrace (nfsd counted %d; the row's count %d is from procfs)", proto, op, want, row.Count)
			case row.Count < want:
				// row.Count is nfsd's own count over nfstrace's window,
				// which covers the load's.
				t.Errorf("%s %s: nfsd counted %d in nfstrace's window, fewer than the %d of the load's window inside it", proto, op, row.Count, want)
			default:
				// The latency samples are held to nfsd's count over the
				// same window (the load's window is shorter: a client's
				// delegation returns before it are nfstrace's too). A
				// shortfall is allowed only when nfstrace says it lost
				// samples: never silent.
				got := row.Latency.Count
				switch diff := absDiff(got, row.Count); {
				case float64(diff) <= 0.01*float64(row.Count):
					t.Logf("%s %s: count %d (nfsd %d in the window, %d during the load), p50 %v p99 %v", proto, op, got, row.Count, want,
						time.Duration(row.Latency.P50Ns), time.Duration(row.Latency.P99Ns))
				case got < row.Count && f.Header.Lost > 0:
					t.Logf("%s %s: %d latency samples for nfsd's %d; nfstrace reports %d samples lost", proto, op, got, row.Count, f.Header.Lost)
				default:
					t.Errorf("%s %s: nfstrace latency count %d, nfsd counted %d in the same window (lost %d): differ by more than 1%%", proto, op, got, row.Count, f.Header.Lost)
				}
			}
		}
		switch {
		case !counted && k.optional:
			t.Logf("%s: the load issued %d %ss; nfsd counted none (the client wrote FILE_SYNC)", proto, load.Ops[k.load], k.load)
		case !counted:
			t.Errorf("%s: the load issued %d %ss but /proc/net/rpc/nfsd counted none of %v", proto, load.Ops[k.load], k.load, k.ops)
		}
	}
}

// unavailableProbe returns the reason nfstrace check gave for a probe it
// could not attach in a scenario (sdir/check.txt), "" when it attached.
func unavailableProbe(sdir, probe string) string {
	b, err := os.ReadFile(filepath.Join(sdir, "check.txt"))
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == probe && f[1] == "unavailable" {
			return strings.Join(f[2:], " ")
		}
	}
	return ""
}

func readTime(t *testing.T, path string) time.Time {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("load window: %v", err)
	}
	sec, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil {
		t.Fatalf("load window %s: %v", path, err)
	}
	return time.Unix(0, int64(sec*1e9))
}

func findOp(f *report.Frame, proto, op string) *report.OpRow {
	for i := range f.Ops {
		r := &f.Ops[i]
		if strings.HasPrefix(strings.ToLower(r.Proto), proto) && strings.EqualFold(r.Op, op) {
			return r
		}
	}
	return nil
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// checkDevice wants block latency on the device under the export, labelled
// with the IO scheduler the scenario set.
func checkDevice(t *testing.T, sdir string, s lab.Scenario, f *report.Frame) {
	b, err := os.ReadFile(filepath.Join(sdir, "scheduler.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dev, _, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	if s.Scheduler == "" {
		return
	}
	var rows []string
	for _, r := range f.Devices {
		rows = append(rows, fmt.Sprintf("%s/%s(service=%v)", r.Name, r.Scheduler, r.Service != nil))
		if r.Name == dev && r.Scheduler == s.Scheduler && r.Service != nil && r.Service.Count > 0 {
			t.Logf("%s under %s: %d requests, service p50 %v", dev, s.Scheduler, r.Service.Count, time.Duration(r.Service.P50Ns))
			return
		}
	}
	t.Errorf("no block latency for %s under %s; devices: %s", dev, s.Scheduler, strings.Join(rows, " "))
}

// nfsdWaitSite reports whether nfstrace found nfsd threads in D state at a
// stack through nfsd's request processing.
func nfsdWaitSite(f *report.Frame) bool {
	for _, w := range f.WaitSites {
		nfsd := false
		for _, c := range w.Comms {
			nfsd = nfsd || strings.HasPrefix(c, "nfsd")
		}
		site := string(w.Site)
		if nfsd && (strings.Contains(site, "nfsd_dispatch") || strings.Contains(site, "svc_process") || strings.Contains(site, "nfsd3_proc_") || strings.Contains(site, "nfsd4_proc_")) {
			return true
		}
	}
	return false
}

// labClient is the address the guest's NFS mounts come from.
const labClient = "127.0.0.1"

// nfsdClientSite reports whether a wait site inside an NFS procedure or
// operation holds D-time labelled with client.
func nfsdClientSite(f *report.Frame, client string) bool {
	for _, w := range f.WaitSites {
		site := string(w.Site)
		if !strings.Contains(site, "nfsd3_proc_") && !strings.Contains(site, "nfsd4_") {
			continue
		}
		for _, c := range w.Clients {
			if c.Client == client && c.SumNs > 0 {
				return true
			}
		}
	}
	return false
}

// checkServe checks what lab/scripts/serve.sh left: the daemon exited 0 on
// SIGTERM, wrote two captures (SIGHUP started the second), its scrape passes
// promtool, names the eBPF backend and this kernel, and holds nfsd latency
// histograms for operations of both NFS versions the load issued, with
// D-state time of nfsd threads.
func checkServe(t *testing.T, dir string) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("serve script left no %s: %v (see %s/output.log)", name, err, dir)
		}
		return strings.TrimSpace(string(b))
	}
	if rc := read("serve.rc"); rc != "0" {
		t.Errorf("serve exited %s on SIGTERM; log:\n%s", rc, read("serve.log"))
	}
	if caps := strings.Fields(read("captures.txt")); len(caps) < 2 {
		t.Errorf("captures %q: want two (SIGHUP starts a new one)", caps)
	}
	if rc := read("promtool.rc"); rc != "0" {
		t.Errorf("promtool check metrics exited %s:\n%s", rc, read("promtool.out"))
	}
	after := read("after.prom")
	if !strings.Contains(after, `backend="ebpf"`) {
		t.Errorf("nfstrace_info does not name the ebpf backend")
	}
	counts := map[string]float64{} // version/op -> requests
	var dstate float64
	for _, s := range promSamples(after) {
		switch s.name {
		case "nfstrace_nfsd_op_latency_seconds_count":
			counts[promLabel(s.labels, "version")+"/"+promLabel(s.labels, "op")] += s.value
		case "nfstrace_dstate_seconds_total":
			dstate += s.value
		}
	}
	for _, want := range [][2]string{{"v3", "WRITE"}, {"v3", "GETATTR"}, {"v4.2", "WRITE"}, {"v4.2", "SEQUENCE"}} {
		if counts[want[0]+"/"+want[1]] == 0 {
			t.Errorf("no %s %s latency in the scrape; ops seen: %v", want[0], want[1], counts)
		}
	}
	if dstate <= 0 {
		t.Errorf("no D-state seconds of nfsd threads in the scrape")
	}
}

// promLabel returns the value of label name in a Prometheus label set.
func promLabel(labels, name string) string {
	for _, kv := range strings.Split(labels, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// TestLabResults checks a kept run again without booting anything:
// NFSTRACE_LAB_RESULTS=RUN/results (kept by NFSTRACE_LAB_KEEP=1) and the
// scenarios found there, with nfstrace built from the tree.
func TestLabResults(t *testing.T) {
	results := os.Getenv("NFSTRACE_LAB_RESULTS")
	if results == "" {
		t.Skip("set NFSTRACE_LAB_RESULTS=RUN/results to check a kept lab run again")
	}
	ents, err := os.ReadDir(filepath.Join(results, "scenarios"))
	if err != nil {
		t.Fatal(err)
	}
	var scenarios []lab.Scenario
	for _, e := range ents {
		s, err := lab.LoadScenario(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		scenarios = append(scenarios, s)
	}
	repo, err := lab.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	nfstrace := filepath.Join(t.TempDir(), "nfstrace")
	var log bytes.Buffer
	if err := lab.NewBuilder(lab.Paths{}, &log).BuildGo(context.Background(), repo, "./cmd/nfstrace", nfstrace); err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat(filepath.Join(results, "script", "serve.rc"))
	checkResults(t, results, scenarios, err == nil, nfstrace)
}
