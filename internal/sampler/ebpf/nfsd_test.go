package ebpf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// checkAllUnavailable fails unless LoadNFSD attached nothing, reported every
// probe unavailable with a reason containing want, and returned no error.
func checkAllUnavailable(t *testing.T, n *NFSD, probes []model.Probe, err error, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("LoadNFSD error: %v", err)
	}
	if n != nil {
		n.Close()
		t.Fatal("LoadNFSD returned a collection with nothing attachable")
	}
	names := map[string]bool{}
	for _, p := range probes {
		t.Logf("%s: %s: %s", p.Name, p.Status, p.Detail)
		names[p.Name] = true
		ok := false
		for _, w := range want {
			ok = ok || strings.Contains(p.Detail, w)
		}
		if p.Status != model.ProbeUnavailable || !ok {
			t.Errorf("probe %s: %s %q, want unavailable with %q", p.Name, p.Status, p.Detail, want)
		}
	}
	for _, name := range []string{ProbeSvcProcess, ProbeSvcLatency, ProbeCompound, ProbeCompoundStatus} {
		if !names[name] {
			t.Errorf("probe %s not reported", name)
		}
	}
	// A nil collection collects nothing and closes cleanly.
	rows, st, cerr := n.Read()
	if rows != nil || st != (NFSDStats{}) || cerr != nil || n.Close() != nil {
		t.Errorf("nil NFSD: Read = %v, %+v, %v", rows, st, cerr)
	}
}

func TestLoadNFSDWithoutSunrpc(t *testing.T) {
	n, probes, err := LoadNFSD(NFSDOptions{SysFS: t.TempDir()})
	checkAllUnavailable(t, n, probes, err, "module sunrpc not loaded")
}

// TestLoadNFSDThisHost: on a host without an NFS server (this project's CI
// host), every nfsd probe is unavailable with its reason, and that is not an
// error. With sunrpc loaded the guest tests apply instead.
func TestLoadNFSDThisHost(t *testing.T) {
	if _, err := os.Stat("/sys/module/sunrpc"); err == nil {
		t.Skip("sunrpc is loaded here: see TestNFSDGuest")
	}
	n, probes, err := LoadNFSD(NFSDOptions{})
	checkAllUnavailable(t, n, probes, err, "module sunrpc not loaded")
}

// TestLoadNFSDWithoutModuleBTF pretends the modules are loaded: the programs
// then reach the loader, whose CO-RE relocations find no struct svc_rqst in
// this kernel's BTF. Each probe must come out unavailable with the load
// error (svc_drop, which reads no kernel struct, loads and then finds no
// tracepoint; the no-idle-thread counter, chosen from the kernel's BTF,
// finds neither tracepoint there), and LoadNFSD must still not fail.
func TestLoadNFSDWithoutModuleBTF(t *testing.T) {
	testenv.RequireRoot(t)
	if _, err := os.Stat("/sys/module/sunrpc"); err == nil {
		t.Skip("sunrpc is loaded here: see TestNFSDGuest")
	}
	sysfs := sysfsWithModules(t)
	n, probes, err := LoadNFSD(NFSDOptions{SysFS: sysfs})
	checkAllUnavailable(t, n, probes, err, "load: no BTF for the sunrpc/nfsd types", "no tracepoint sunrpc:svc_drop",
		"no svc_pool_thread_noidle or svc_xprt_enqueue tracepoint in the kernel's BTF",
		"no BTF for sunrpc's tracepoints; from the tracepoints' records: no tracefs",
		"reads and writes per file: no tracefs")
}

// TestLoadNFSDRecords: as above, but with a tracefs holding 5.10's sunrpc
// formats (as a 5.10 guest wrote them): the queue programs that read the
// tracepoints' records pass this kernel's verifier with the offsets set
// from those formats, and fail only at attaching, since this kernel has no
// sunrpc tracepoints.
func TestLoadNFSDRecords(t *testing.T) {
	testenv.RequireRoot(t)
	if _, err := os.Stat("/sys/module/sunrpc"); err == nil {
		t.Skip("sunrpc is loaded here: see TestNFSDGuest")
	}
	sysfs := sysfsWithModules(t)
	for _, tp := range []struct{ kernel, system, name string }{
		{"5.10", "sunrpc", "svc_xprt_do_enqueue"}, {"5.10", "sunrpc", "svc_xprt_dequeue"},
		{"6.12", "nfsd", "nfsd_read_start"}, {"6.12", "nfsd", "nfsd_write_start"},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", "tracefs", tp.kernel, tp.name+".format"))
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(sysfs, "kernel", "tracing", "events", tp.system, tp.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "format"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, probes, err := LoadNFSD(NFSDOptions{SysFS: sysfs})
	checkAllUnavailable(t, n, probes, err, "load: no BTF for the sunrpc/nfsd types", "no tracepoint sunrpc:svc_drop",
		"no svc_pool_thread_noidle or svc_xprt_enqueue tracepoint in the kernel's BTF",
		"from the tracepoints' records: attach tracepoint svc_xprt_dequeue",
		"reads and writes per file: attach tracepoint nfsd_")
	for _, p := range probes {
		if (p.Name == ProbeXprtEnqueue || p.Name == ProbeReadStart || p.Name == ProbeWriteStart) && !strings.Contains(p.Detail, "attach tracepoint") {
			t.Errorf("probe %s: %q, want the record programs loaded and only their attach failing", p.Name, p.Detail)
		}
	}
}

// TestAttachNFSD joins the nfsd probes to the core tracer: on this host they
// are all unavailable, appear in the tracer's Backend, and the tracer's
// Collect and Close still work.
func TestAttachNFSD(t *testing.T) {
	testenv.RequireRoot(t)
	if _, err := os.Stat("/sys/module/sunrpc"); err == nil {
		t.Skip("sunrpc is loaded here: see TestNFSDGuest")
	}
	tr, err := New(Options{})
	if err != nil {
		testenv.Skip(t, "core eBPF tracer unavailable: "+err.Error())
	}
	defer tr.Close()
	if err := AttachNFSD(tr, NFSDOptions{}); err != nil {
		t.Fatalf("AttachNFSD: %v", err)
	}
	found := 0
	for _, p := range tr.Backend().Probes {
		if strings.HasPrefix(p.Name, "sunrpc:") || strings.HasPrefix(p.Name, "nfsd:") {
			found++
			if p.Status != model.ProbeUnavailable || p.Detail == "" {
				t.Errorf("probe %s: %s %q, want unavailable with a reason", p.Name, p.Status, p.Detail)
			}
		}
	}
	if found != 7 {
		t.Errorf("%d nfsd probes in the tracer's Backend, want 7", found)
	}
	var snap model.Snapshot
	if err := tr.Collect(&snap); err != nil {
		t.Fatalf("Collect with the nfsd extension: %v", err)
	}
	if len(snap.RPC) != 0 {
		t.Errorf("RPC rows without nfsd: %v", snap.RPC)
	}
}

// sysfsWithModules returns a sysfs root where sunrpc and nfsd look loaded.
func sysfsWithModules(t *testing.T) string {
	t.Helper()
	sysfs := t.TempDir()
	for _, m := range []string{"sunrpc", "nfsd"} {
		if err := os.MkdirAll(filepath.Join(sysfs, "module", m), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return sysfs
}
