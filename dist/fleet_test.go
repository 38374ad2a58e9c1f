package dist_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/testenv"
)

// TestFleetPrometheus runs the whole fleet path on this host: the real
// nfstrace binary's serve traces three writers (this test binary, re-executed)
// writing with O_DIRECT to a
// loop device (so that they sleep in D state), a real Prometheus (Debian's
// package) scrapes it every second and evaluates dist's rules with their
// for: durations cut to 2s and rate windows to 10s, and the test asks
// Prometheus' HTTP API for the firing alert, a recording rule's samples and
// every dashboard query.
func TestFleetPrometheus(t *testing.T) {
	testenv.RequireRoot(t)
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		testenv.Skip(t, "no kernel BTF: serve's eBPF backend needs /sys/kernel/btf/vmlinux")
	}
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		testenv.Skip(t, "prometheus not installed (Debian package prometheus)")
	}
	for _, tool := range []string{"go", "losetup"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Skip(t, tool+" not installed")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	dir := t.TempDir()

	bin := filepath.Join(dir, "nfstrace")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../cmd/nfstrace").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dev := loopDevice(t, dir)
	// Three writers: each is in D for about half its time on a virtio disk
	// (loop with direct IO), so together well above the rule's half thread.
	for i := range 3 {
		writer(ctx, t, dir, dev, i)
	}

	serveAddr := startServe(ctx, t, bin)
	promAddr := startPrometheus(ctx, t, prom, dir, serveAddr)
	api := promAPI{t: t, ctx: ctx, base: "http://" + promAddr}

	// The alert for the traced threads in D fires; the procfs fallback's does not.
	firing := api.waitFor("NfstraceTracedThreadsInD to fire", 60*time.Second, func() bool {
		for _, a := range api.alerts() {
			if a.Labels["alertname"] == "NfstraceTracedThreadsInD" && a.State == "firing" {
				t.Logf("firing: %v, value %s", a.Labels, a.Value)
				return true
			}
		}
		return false
	})
	if !firing {
		t.Errorf("NfstraceTracedThreadsInD did not fire; alerts: %+v; D-time: %v", api.alerts(),
			api.query(`instance:nfstrace_dstate_threads:rate5m`))
	}
	for _, a := range api.alerts() {
		if a.Labels["alertname"] == "NfstraceProcfsBackend" {
			t.Errorf("NfstraceProcfsBackend is %s with serve on the eBPF backend", a.State)
		}
	}
	// The recording rule has samples, and they say what the alert says.
	rec := api.query(`instance:nfstrace_dstate_threads:rate5m`)
	if len(rec) != 1 || rec[0].value() <= 0.5 {
		t.Errorf("instance:nfstrace_dstate_threads:rate5m = %v, want one sample above 0.5 (three writers in D)", rec)
	}
	// The probe states reach Prometheus: on this kernel the scheduler probes attach.
	if got := api.query(`nfstrace_probe_status{probe="sched_switch",status="attached"} == 1`); len(got) != 1 {
		t.Errorf("sched_switch attached: %v, want one series", got)
	}

	// Every dashboard query is valid PromQL to this Prometheus, and those
	// that this host's load feeds return data.
	_, panels := readDashboard(t)
	feeds := map[string]bool{
		"Kernel and backend per host":                         true,
		"Device queue vs service latency p99 by IO scheduler": true,
		"Lost events": true,
		"Tracer CPU":  true,
	}
	for _, p := range panels {
		for _, tg := range p.Targets {
			expr := strings.NewReplacer(`$host`, `.+`, `$__rate_interval`, `1m`).Replace(tg.Expr)
			res := api.query(expr)
			if feeds[p.Title] && len(res) == 0 {
				t.Errorf("panel %q: %s returned nothing", p.Title, expr)
			}
		}
	}
}

// loopDevice attaches a loop device with direct IO over a file in dir
// (a disk, not tmpfs: the writes must wait for a device) and detaches it at
// cleanup.
func loopDevice(t *testing.T, dir string) string {
	t.Helper()
	img := filepath.Join(dir, "loop.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 64<<20); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("losetup", "-f", "--show", "--direct-io=on", img).CombinedOutput()
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("losetup failed (no loop devices?): %v: %s", err, out))
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := exec.Command("losetup", "-d", dev).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v: %s", dev, err, out)
		}
	})
	return dev
}

// writerEnv names the device and offset a re-executed test binary writes
// to; see TestMain.
const writerEnv = "NFSTRACE_FLEET_WRITER"

// TestMain runs the test binary as a writer when writerEnv is set: it
// writes 4 KiB with O_DIRECT to its own 16 MiB of a device, round and round,
// until it is killed. One long-lived process per writer: dd in a shell loop
// lives about 0.1 s per run here, too short for serve's once-a-second walk
// of /proc to find most of them.
func TestMain(m *testing.M) {
	if spec := os.Getenv(writerEnv); spec != "" {
		if err := writeForever(spec); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// writeForever parses "DEV:OFFSET" and writes to it until an error.
func writeForever(spec string) error {
	dev, off, ok := strings.Cut(spec, ":")
	if !ok {
		return fmt.Errorf("%s=%q: want DEV:OFFSET", writerEnv, spec)
	}
	base, err := strconv.ParseInt(off, 10, 64)
	if err != nil {
		return fmt.Errorf("%s=%q: %w", writerEnv, spec, err)
	}
	f, err := os.OpenFile(dev, os.O_WRONLY|syscall.O_DIRECT, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	// O_DIRECT wants an aligned buffer: an anonymous mapping is page aligned.
	buf, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return err
	}
	const region = 16 << 20
	for i := int64(0); ; i = (i + 4096) % region {
		if _, err := f.WriteAt(buf, base+i); err != nil {
			return err
		}
	}
}

// writer starts the test binary through a symlink named "fleetwriter" in
// dir (a task's comm is the name it was executed by, so serve can select
// it), writing to the i-th 16 MiB of dev until the test ends.
func writer(ctx context.Context, t *testing.T, dir, dev string, i int) {
	t.Helper()
	bin := filepath.Join(dir, "fleetwriter")
	if _, err := os.Lstat(bin); err != nil {
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(self, bin); err != nil {
			t.Fatal(err)
		}
	}
	cmd := orphanKill(exec.CommandContext(ctx, bin, "-test.run=^$"))
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s:%d", writerEnv, dev, i*16<<20))
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop(t, cmd)
}

// stop kills cmd at cleanup and waits for it; before the loop device
// is detached, since cleanups run last in first out. Call it after
// cmd.Start; start cmd with orphanKill.
func stop(t *testing.T, cmd *exec.Cmd) {
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// startServe starts serve tracing the writers and returns the address
// it serves metrics on, read from its log.
func startServe(ctx context.Context, t *testing.T, bin string) string {
	t.Helper()
	cmd := orphanKill(exec.CommandContext(ctx, bin, "serve", "--listen", "127.0.0.1:0", "--backend", "ebpf",
		"--comm", "^fleetwriter$", "--interval", "1s", "--drop-caps=false"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop(t, cmd)
	addrRE := regexp.MustCompile(`msg="serving metrics" address=(\S+)`)
	sc := bufio.NewScanner(stderr)
	var log strings.Builder
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stderr)
			return m[1]
		}
	}
	t.Fatalf("serve exited before serving metrics:\n%s", log.String())
	return ""
}

// startPrometheus starts Prometheus with a config scraping serveAddr every
// second and dist's rules, their for: durations cut to 2s and their rate
// windows to 10s, evaluated every second; it returns Prometheus' address
// once it is ready.
func startPrometheus(ctx context.Context, t *testing.T, prom, dir, serveAddr string) string {
	t.Helper()
	rules, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	short := regexp.MustCompile(`(?m)^(\s+for:) \S+$`).ReplaceAll(rules, []byte("$1 2s"))
	// rate() divides by the whole range: over 5m, a few seconds of samples
	// would read as a rate a hundred times too small.
	short = bytes.ReplaceAll(short, []byte("[5m]"), []byte("[10s]"))
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), short, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: nfstrace
    static_configs:
      - targets: [%q]
`, filepath.Join(dir, "rules.yml"), serveAddr)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := orphanKill(exec.CommandContext(ctx, prom, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"), "--web.listen-address="+addr))
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop(t, cmd)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log.String())
		}
	})
	api := promAPI{t: t, ctx: ctx, base: "http://" + addr}
	if !api.waitFor("Prometheus to be ready", 20*time.Second, func() bool {
		resp, err := http.Get(api.base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}) {
		t.Fatalf("prometheus not ready:\n%s", log.String())
	}
	return addr
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// promAPI queries a Prometheus server's HTTP API.
type promAPI struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// waitFor polls cond every 500ms until it holds, for at most max; it
// reports whether cond held.
func (p promAPI) waitFor(what string, max time.Duration, cond func() bool) bool {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, max)
	defer cancel()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			p.t.Logf("gave up waiting %v for %s", max, what)
			return false
		case <-tick.C:
		}
	}
	return true
}

// get decodes the data of an API response into v; an API error fails the test.
func (p promAPI) get(path string, v any) {
	p.t.Helper()
	resp, err := http.Get(p.base + path)
	if err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&r); err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
	if r.Status != "success" {
		p.t.Fatalf("GET %s: %s: %s", path, r.Status, r.Error)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		p.t.Fatalf("GET %s: data: %v", path, err)
	}
}

type alert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
	Value  string            `json:"value"`
}

func (p promAPI) alerts() []alert {
	var d struct {
		Alerts []alert `json:"alerts"`
	}
	p.get("/api/v1/alerts", &d)
	return d.Alerts
}

// sample is one element of an instant vector.
type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s sample) value() float64 {
	var v float64
	if str, ok := s.Value[1].(string); ok {
		fmt.Sscan(str, &v)
	}
	return v
}

// query evaluates an instant query; a query that is not valid PromQL
// fails the test.
func (p promAPI) query(expr string) []sample {
	p.t.Helper()
	var d struct {
		ResultType string   `json:"resultType"`
		Result     []sample `json:"result"`
	}
	p.get("/api/v1/query?query="+url.QueryEscape(expr), &d)
	if d.ResultType != "vector" {
		p.t.Fatalf("query %s: result type %q, want vector", expr, d.ResultType)
	}
	return d.Result
}

// orphanKill makes the kernel kill cmd if the test binary dies before its
// cleanups run (a killed go test), so no daemon or writer outlives it.
func orphanKill(cmd *exec.Cmd) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}
