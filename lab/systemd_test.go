package lab_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/serve"
	"github.com/nfstrace/nfstrace/internal/testenv"
	"github.com/nfstrace/nfstrace/lab"
)

// systemdKernel is the one kernel the systemd boot runs on: the unit's
// hardening is systemd's and the same on both; one boot keeps CI short.
const systemdKernel = "6.12"

// systemdSetup is what the systemd boot needs besides the kernels: the
// systemd root file system and the Debian package built from the tree.
type systemdSetup struct {
	base, deb, unit string
}

// prepareSystemd builds the systemd root file system (cached) and the
// package, as make deb does, from the test's static nfstrace binary.
func prepareSystemd(ctx context.Context, t *testing.T, b *lab.Builder, repo, nfstrace string) systemdSetup {
	t.Helper()
	base, err := b.SystemdBase(ctx)
	if err != nil {
		t.Fatalf("build the systemd root file system: %v", err)
	}
	out := t.TempDir()
	cmd := exec.CommandContext(ctx, filepath.Join(repo, "dist", "deb", "build.sh"), nfstrace, "0.0~lab", out)
	cmd.Env = append(os.Environ(), "DEB_MAINTAINER=nfstrace lab <lab@localhost>")
	b2, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dist/deb/build.sh: %v\n%s", err, b2)
	}
	deb := strings.TrimSpace(string(b2))
	if _, err := os.Stat(deb); err != nil {
		t.Fatalf("dist/deb/build.sh printed %q: %v", deb, err)
	}
	return systemdSetup{base: base, deb: deb, unit: filepath.Join(repo, "dist", "nfstrace.service")}
}

// runSystemd boots systemdKernel with systemd as PID 1 and runs
// lab/scripts/systemd.sh there: the shipped unit, installed from the package.
func runSystemd(ctx context.Context, t *testing.T, paths lab.Paths, kernels []lab.Kernel, s systemdSetup, nfstrace, nfsload, script string) {
	t.Run("systemd", func(t *testing.T) {
		t.Parallel()
		var k *lab.Kernel
		for i := range kernels {
			if kernels[i].Series == systemdKernel {
				k = &kernels[i]
			}
		}
		if k == nil {
			testenv.Skip(t, "kernel "+systemdKernel+" is not among the lab's kernels")
		}
		dir := t.TempDir()
		start := time.Now()
		res, err := lab.Run(ctx, lab.RunConfig{
			Kernel: *k, Base: s.base, Systemd: true,
			NFSTrace: nfstrace, NFSLoad: nfsload, Dir: dir,
			Script: script, ScriptTimeout: 8 * time.Minute, Files: []string{s.deb},
		})
		if err != nil {
			t.Fatalf("lab run: %v", err)
		}
		t.Logf("%s (%.0fs)", res.Summary(), time.Since(start).Seconds())
		if keep := keepRun(t, paths, dir, "systemd"); keep != "" {
			defer t.Logf("results kept in %s", keep)
			res.Results = filepath.Join(keep, "results")
		}
		if !res.Done || res.Killed || res.Hung != "" || res.Panic != "" || len(res.Failed()) > 0 {
			t.Errorf("guest run not clean: %s", res.Summary())
		}
		checkSystemd(t, filepath.Join(res.Results, "script"), s.unit)
	})
}

// checkSystemd checks what lab/scripts/systemd.sh left.
func checkSystemd(t *testing.T, dir, shipped string) {
	read := func(t *testing.T, name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("systemd script left no %s: %v (see %s/output.log)", name, err, dir)
		}
		return strings.TrimSpace(string(b))
	}
	t.Run("unit", func(t *testing.T) {
		if pid1 := read(t, "pid1.txt"); pid1 != "systemd" {
			t.Fatalf("PID 1 is %q, not systemd", pid1)
		}
		if rc := read(t, "dpkg.rc"); rc != "0" {
			t.Fatalf("dpkg -i exited %s:\n%s", rc, read(t, "dpkg.log"))
		}
		// The unit as the package installs it: the shipped file, with the
		// packaged binary's path.
		want, err := os.ReadFile(shipped)
		if err != nil {
			t.Fatal(err)
		}
		if got := read(t, "unit.installed"); got != strings.TrimSpace(strings.ReplaceAll(string(want), "/usr/local/bin/nfstrace", "/usr/bin/nfstrace")) {
			t.Errorf("the installed unit is not %s with /usr/bin/nfstrace:\n%s", shipped, got)
		}
		if rc := read(t, "start.rc"); rc != "0" {
			t.Errorf("systemctl start nfstrace exited %s; journal:\n%s", rc, read(t, "journal.txt"))
		}
		show := systemdProps(read(t, "show.txt"))
		if show["ActiveState"] != "active" || show["SubState"] != "running" || show["NRestarts"] != "0" {
			t.Errorf("nfstrace.service %s/%s after %s restarts, want active/running after none; journal:\n%s",
				show["ActiveState"], show["SubState"], show["NRestarts"], read(t, "journal.txt"))
		}
		if !strings.Contains(show["ExecStart"], "path=/usr/bin/nfstrace ") {
			t.Errorf("ExecStart %q does not run the packaged /usr/bin/nfstrace", show["ExecStart"])
		}
		stopped := systemdProps(read(t, "stopped.txt"))
		if stopped["Result"] != "success" || stopped["ExecMainStatus"] != "0" || stopped["ActiveState"] != "inactive" {
			t.Errorf("after systemctl stop: %v, want inactive, success, status 0; journal:\n%s", stopped, read(t, "journal.txt"))
		}
		if !strings.Contains(read(t, "captures.txt"), ".nft") {
			t.Errorf("no capture in /var/lib/nfstrace (StateDirectory):\n%s", read(t, "captures.txt"))
		}
	})
	// The daemon's own drop, read back from every thread: only CAP_SYSLOG
	// (KeepCaps of the eBPF backend) permitted, effective and bounding,
	// nothing inheritable or ambient, NO_NEW_PRIVS set.
	t.Run("capabilities", func(t *testing.T) {
		var want uint64
		for _, c := range serve.KeepCaps("ebpf") {
			want |= 1 << c
		}
		tasks := strings.Split(read(t, "tasks-status.txt"), "== ")
		n := 0
		for _, task := range tasks {
			if strings.TrimSpace(task) == "" {
				continue
			}
			n++
			head, _, _ := strings.Cut(task, "\n")
			st, err := serve.ParseCapStatus([]byte(task))
			if err != nil {
				t.Errorf("thread %s: %v", head, err)
				continue
			}
			if err := st.Check(want, want); err != nil {
				t.Errorf("thread %s: %v", head, err)
			}
		}
		if n == 0 {
			t.Errorf("no thread of the daemon was read (main PID %s)", read(t, "mainpid.txt"))
		}
		t.Logf("%d threads hold %s only, bounding set included, NoNewPrivs=1", n, strings.Join(serve.CapNames(want), ","))
	})
	// The sandbox as the unit asks for it, from the daemon's mountinfo:
	// kernel tunables and the OS read-only, captures writable, kcore and
	// the /proc kernel log hidden (an inaccessible node mounted over them),
	// kallsyms not.
	t.Run("sandbox", func(t *testing.T) {
		mounts := mountPoints(read(t, "unit-mountinfo.txt"))
		for _, m := range []struct{ path, want string }{
			{"/", "ro"}, {"/proc/sys", "ro"}, {"/sys", "ro"}, {"/sys/kernel/tracing", "ro"}, {"/proc/sysrq-trigger", "ro"},
			{"/proc/irq", "ro"}, {"/proc/fs", "ro"}, {"/var/lib/nfstrace", "rw"}, {"/proc/kcore", "hidden"}, {"/proc/kmsg", "hidden"},
		} {
			mt, ok := mounts[m.path]
			switch {
			case !ok:
				t.Errorf("%s: no mount of its own in the daemon's namespace, want %s", m.path, m.want)
			case m.want == "hidden" && !strings.Contains(mt.root, "inaccessible"):
				t.Errorf("%s: %s mounted there, want an inaccessible node", m.path, mt.root)
			case m.want != "hidden" && !strings.HasPrefix(mt.opts, m.want+","):
				t.Errorf("%s: mounted %s, want %s", m.path, mt.opts, m.want)
			}
		}
		if mt, ok := mounts["/proc/kallsyms"]; ok {
			t.Errorf("/proc/kallsyms has %s mounted over it: the daemon cannot read symbols", mt.root)
		}
	})
	after := promSamples(read(t, "after.prom"))
	t.Run("probes", func(t *testing.T) {
		if !hasSample(after, "nfstrace_info", `backend="ebpf"`) {
			t.Errorf("nfstrace_info does not name the ebpf backend")
		}
		var attached []string
		for _, s := range after {
			p := promLabel(s.labels, "probe")
			if s.name == "nfstrace_probe_status" && promLabel(s.labels, "status") == "attached" && s.value == 1 &&
				(strings.Contains(p, "nfsd") || strings.Contains(p, "svc_")) {
				attached = append(attached, p)
			}
		}
		if len(attached) == 0 {
			t.Errorf("no nfsd or sunrpc probe attached (nfstrace_probe_status)")
		}
		t.Logf("attached under the unit: %s", strings.Join(attached, " "))
	})
	// kptr_restrict=1: without CAP_SYSLOG kallsyms reads zero addresses;
	// the daemon kept it, so its wait sites are named.
	t.Run("symbols", func(t *testing.T) {
		if !strings.Contains(read(t, "sysctl.txt"), "kernel.kptr_restrict = 1") {
			t.Fatalf("kptr_restrict not set: %s", read(t, "sysctl.txt"))
		}
		root, nosys := read(t, "kallsyms-root.txt"), read(t, "kallsyms-nosyslog.txt")
		if strings.HasPrefix(root, "0000000000000000 ") || !strings.HasPrefix(nosys, "0000000000000000 ") {
			t.Errorf("kallsyms with CAP_SYSLOG %q, without %q: want an address, then zero", root, nosys)
		}
		hex := regexp.MustCompile(`\b0x[0-9a-f]+\b|^[0-9a-f]{16}$`)
		var sites []string
		for _, s := range after {
			if s.name != "nfstrace_dstate_seconds_total" || s.value <= 0 {
				continue
			}
			site := promLabel(s.labels, "site")
			sites = append(sites, site)
			for _, frame := range strings.Split(site, ";") {
				if hex.MatchString(frame) {
					t.Errorf("wait site %q has an unresolved frame %q", site, frame)
				}
			}
		}
		if len(sites) == 0 {
			t.Errorf("no D-state wait site of nfsd in the scrape")
		}
		t.Logf("wait sites: %s", strings.Join(sites, " "))
	})
	// The kernel log through the read-only /dev/kmsg: the loop mount's
	// "EXT4-fs (loop0): mounted filesystem" counts as class fs.
	t.Run("kmsg", func(t *testing.T) {
		dev := read(t, "unit-dev.txt")
		if !regexp.MustCompile(`(?m) kmsg$`).MatchString(dev) {
			t.Errorf("/dev/kmsg is not in the daemon's /dev:\n%s", dev)
		}
		if regexp.MustCompile(`(?m) (vd[a-z]|loop[0-9]+|mem)$`).MatchString(dev) {
			t.Errorf("the daemon's /dev holds block or memory devices:\n%s", dev)
		}
		fs := -1.0
		for _, s := range after {
			if s.name == "nfstrace_kernel_messages_total" && promLabel(s.labels, "class") == "fs" {
				fs = s.value
			}
		}
		switch {
		case fs < 0:
			t.Errorf("no nfstrace_kernel_messages_total: the daemon does not read the kernel log; journal:\n%s", read(t, "journal.txt"))
		case fs == 0:
			t.Errorf("nfstrace_kernel_messages_total{class=\"fs\"} is 0 after an ext4 mount")
		default:
			t.Logf("kernel messages of class fs: %.0f", fs)
		}
	})
}

// mountPoint is one line of /proc/PID/mountinfo: what is mounted (root,
// the path inside its file system) and the per-mount options.
type mountPoint struct{ root, opts string }

// mountPoints maps each mount point of a /proc/PID/mountinfo to its mount;
// the last mount at a point wins, as it hides the others.
func mountPoints(mountinfo string) map[string]mountPoint {
	m := map[string]mountPoint{}
	for _, line := range strings.Split(mountinfo, "\n") {
		if f := strings.Fields(line); len(f) >= 6 {
			m[f[4]] = mountPoint{root: f[3], opts: f[5]}
		}
	}
	return m
}

// systemdProps parses systemctl show's KEY=VALUE lines.
func systemdProps(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

// promSample is one line of a Prometheus text exposition with labels.
type promSample struct {
	name, labels string
	value        float64
}

// promSamples parses the labelled samples of a scrape.
func promSamples(text string) []promSample {
	var out []promSample
	for _, line := range strings.Split(text, "\n") {
		name, rest, ok := strings.Cut(line, "{")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		out = append(out, promSample{name: name, labels: labels, value: v})
	}
	return out
}

func hasSample(samples []promSample, name, label string) bool {
	for _, s := range samples {
		if s.name == name && strings.Contains(s.labels, label) {
			return true
		}
	}
	return false
}
