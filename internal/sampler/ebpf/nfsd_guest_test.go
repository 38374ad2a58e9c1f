package ebpf

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// The guest tests run inside the lab's QEMU guest, against the real nfsd of
// Debian's 6.1 and 6.12 kernels, through nfsd_guest_test.sh (see
// docs/bench/nfsd.md). NFSTRACE_LAB_GUEST=1 selects them; NFSTRACE_NFS_DIRS
// lists NFS mounts of the guest's own export, one per version
// ("/mnt/nfs-v3,/mnt/nfs-v4.2"). Outside the guest they are not applicable
// and skip; inside it a missing prerequisite fails under NFSTRACE_STRICT=1.

// nfsdCounts is the procedure and operation counters of /proc/net/rpc/nfsd:
// line label ("proc3", "proc4", "proc4ops") to counts by number.
type nfsdCounts map[string][]uint64

// parseNFSDCounts reads the procN and proc4ops lines of /proc/net/rpc/nfsd.
func parseNFSDCounts(b []byte) (nfsdCounts, error) {
	c := nfsdCounts{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.HasPrefix(f[0], "proc") {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n != len(f)-2 {
			return nil, fmt.Errorf("parse /proc/net/rpc/nfsd line %q: count %q does not match %d values", sc.Text(), f[1], len(f)-2)
		}
		vals := make([]uint64, n)
		for i := range vals {
			if vals[i], err = strconv.ParseUint(f[i+2], 10, 64); err != nil {
				return nil, fmt.Errorf("parse /proc/net/rpc/nfsd line %q: %w", sc.Text(), err)
			}
		}
		c[f[0]] = vals
	}
	return c, sc.Err()
}

func TestParseNFSDCounts(t *testing.T) {
	in := "rc 0 10 200\nproc3 22 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22\nproc4 2 3 40\nproc4ops 4 0 0 0 9\n"
	c, err := parseNFSDCounts([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(c["proc3"]) != 22 || c["proc3"][7] != 8 || c["proc4"][1] != 40 || c["proc4ops"][3] != 9 || c["rc"] != nil {
		t.Errorf("parsed %v", c)
	}
	if _, err := parseNFSDCounts([]byte("proc3 3 1 2\n")); err == nil {
		t.Error("short line: no error")
	}
}

// opDeltas returns, per NFS version group and operation name, how many
// times nfsd served it between two readings.
func opDeltas(before, after nfsdCounts) map[string]uint64 {
	d := map[string]uint64{}
	add := func(label string, name func(i uint32) string) {
		b, a := before[label], after[label]
		for i := range a {
			var prev uint64
			if i < len(b) {
				prev = b[i]
			}
			if a[i] > prev {
				d[name(uint32(i))] += a[i] - prev
			}
		}
	}
	add("proc3", func(i uint32) string { return "v3 " + model.NFSProcName(3, i) })
	add("proc4", func(i uint32) string { return "v4 " + model.NFSProcName(4, i) })
	add("proc4ops", func(i uint32) string { return "v4 " + model.NFSv4OpName(i) })
	return d
}

// rowCounts sums the rows per version group ("v3", "v4") and operation.
func rowCounts(rows []model.RPC) map[string]uint64 {
	d := map[string]uint64{}
	for _, r := range rows {
		group := r.Version
		if strings.HasPrefix(group, "v4") {
			group = "v4"
		}
		d[group+" "+r.Op] += r.Hist.Count
	}
	return d
}

// nfsWorkload creates, writes, syncs, reads, stats, lists and removes files
// under dir, and stats a name that does not exist (a LOOKUP that fails). The
// first files are larger than one WRITE, so the client writes them unstable
// and then COMMITs; the page cache is dropped before reading back, so the
// reads reach the server.
func nfsWorkload(t *testing.T, dir string) {
	t.Helper()
	d := filepath.Join(dir, "nfsd-guest-test")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("nfstrace"), 8192) // 64 KiB
	var names []string
	for i := range 16 {
		name := filepath.Join(d, fmt.Sprintf("f%02d", i))
		names = append(names, name)
		chunks := 1
		if i < 4 {
			chunks = 16 // 1 MiB: several WRITEs, then COMMIT at fsync
		}
		f, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		for range chunks {
			if _, err := f.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(name); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0); err != nil {
		t.Fatalf("drop caches: %v", err)
	}
	for _, name := range names {
		if _, err := os.ReadFile(name); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		if _, err := os.Stat(filepath.Join(d, fmt.Sprintf("missing-%d", i))); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("stat of a missing file: %v", err)
		}
	}
	if _, err := os.ReadDir(d); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(d); err != nil {
		t.Fatal(err)
	}
}

func readNFSDCounts(t *testing.T) nfsdCounts {
	t.Helper()
	b, err := os.ReadFile("/proc/net/rpc/nfsd")
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseNFSDCounts(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNFSDGuest(t *testing.T) {
	if os.Getenv("NFSTRACE_LAB_GUEST") != "1" {
		t.Skip("runs in the lab guest only (NFSTRACE_LAB_GUEST=1, see nfsd_guest_test.sh)")
	}
	testenv.RequireRoot(t)
	if _, err := os.Stat("/sys/module/nfsd"); err != nil {
		testenv.Skip(t, "nfsd module not loaded in the guest")
	}
	var dirs []string
	for _, d := range strings.Split(os.Getenv("NFSTRACE_NFS_DIRS"), ",") {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		testenv.Skip(t, "NFSTRACE_NFS_DIRS names no NFS mount")
	}
	for _, d := range dirs {
		var st unix.Statfs_t
		if err := unix.Statfs(d, &st); err != nil || st.Type != unix.NFS_SUPER_MAGIC {
			testenv.Skip(t, d+" is not an NFS mount")
		}
	}
	for _, mode := range []struct {
		name  string
		force bool
	}{{"tracepoints", false}, {"kprobe-fallback", true}} {
		t.Run(mode.name, func(t *testing.T) { guestRun(t, mode.force, dirs) })
	}
}

func guestRun(t *testing.T, forceKprobe bool, dirs []string) {
	start := time.Now()
	n, probes, err := LoadNFSD(NFSDOptions{ForceKprobe: forceKprobe})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("LoadNFSD took %v", time.Since(start)) // a figure for docs/bench/nfsd.md, not asserted
	defer n.Close()
	status := map[string]string{}
	for _, p := range probes {
		t.Logf("probe %s: %s %s", p.Name, p.Status, p.Detail)
		status[p.Name] = p.Status
	}
	want := []string{ProbeSvcProcess, ProbeSvcLatency, ProbeSvcDrop, ProbeCompound, ProbeCompoundStatus}
	if forceKprobe {
		want = []string{ProbeDispatch, ProbeCompound, ProbeCompoundStatus}
	}
	for _, name := range want {
		if status[name] != model.ProbeAttached {
			t.Errorf("probe %s: %q, want attached", name, status[name])
		}
	}
	if n == nil {
		t.Fatal("nothing attached")
	}
	if _, _, err := n.Read(); err != nil { // start from empty
		t.Fatal(err)
	}

	// While the workload runs, watch thread_op: nfsd threads must show the
	// operation they serve (the label D-state intervals get). WRITE and
	// COMMIT take milliseconds here, so polling sees them.
	seen := map[string]int{}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var tid uint32
		var op threadOpValue
		for {
			it := n.maps[nfsdMapThreadOp].Iterate()
			for it.Next(&tid, &op) {
				seen[ThreadOpName(op.Proto, op.Op)]++
			}
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	before := readNFSDCounts(t)
	for _, d := range dirs {
		nfsWorkload(t, d)
	}
	after := readNFSDCounts(t)
	close(stop)
	<-done
	t.Logf("thread_op labels seen during the workload: %v", seen)
	for _, d := range dirs {
		prefix := "v3 "
		if strings.Contains(d, "v4") {
			prefix = "v4 "
		}
		found := false
		for label := range seen {
			found = found || (strings.HasPrefix(label, prefix) && label != "v4 COMPOUND")
		}
		if !found {
			t.Errorf("no thread_op entry with a %soperation seen while nfsd served the workload", prefix)
		}
	}
	rows, st, err := n.Read()
	if err != nil {
		t.Fatal(err)
	}

	proc := opDeltas(before, after)
	got := rowCounts(rows)
	for _, r := range rows {
		t.Logf("row %-5s %-12s %-10s %-16s n=%-5d mean=%v max=%v", r.Version, r.Op, r.Client, r.Status, r.Hist.Count, r.Hist.Mean(), r.Hist.Max())
	}
	// Per operation, the probes' count agrees with nfsd's own counters
	// within 1% (at least one RPC of slack: a request in flight at either
	// reading, such as an NFSv4 lease renewal, lands on one side only).
	names := map[string]bool{}
	for k := range proc {
		names[k] = true
	}
	for k := range got {
		names[k] = true
	}
	var total uint64
	for k := range names {
		p, g := proc[k], got[k]
		total += p
		diff := max(p, g) - min(p, g)
		t.Logf("count %-20s /proc/net/rpc/nfsd %6d  probes %6d", k, p, g)
		if diff > max(1, p/100) {
			t.Errorf("%s: probes counted %d, /proc/net/rpc/nfsd %d", k, g, p)
		}
	}
	if total == 0 {
		t.Fatal("the workload reached no nfsd operation")
	}

	// What the workload must have produced, per mounted version.
	has := func(version, op, status string) bool {
		for _, r := range rows {
			if strings.HasPrefix(r.Version, version) && r.Op == op && r.Status == status && r.Hist.Count > 0 && r.Hist.SumNs > 0 {
				return true
			}
		}
		return false
	}
	for _, d := range dirs {
		switch {
		case strings.Contains(d, "v3"):
			for _, op := range []string{"CREATE", "WRITE", "COMMIT", "READ", "REMOVE"} {
				if !has("v3", op, StatusOK) {
					t.Errorf("no v3 %s ok row", op)
				}
			}
			if !has("v3", "LOOKUP", "NFS3ERR_NOENT") {
				t.Error("no v3 LOOKUP NFS3ERR_NOENT row for the missing files")
			}
		case strings.Contains(d, "v4.2"):
			for _, op := range []string{"COMPOUND", "SEQUENCE", "PUTFH", "OPEN", "WRITE", "COMMIT", "CLOSE"} {
				if !has("v4.2", op, StatusOK) {
					t.Errorf("no v4.2 %s ok row", op)
				}
			}
			// The 6.12 client reads with READ_PLUS where the server has it.
			if !has("v4.2", "READ", StatusOK) && !has("v4.2", "READ_PLUS", StatusOK) {
				t.Error("no v4.2 READ or READ_PLUS ok row")
			}
			if !has("v4.2", "LOOKUP", "NFS4ERR_NOENT") {
				t.Error("no v4.2 LOOKUP NFS4ERR_NOENT row for the missing files")
			}
		}
	}
	for _, r := range rows {
		if r.Client != "127.0.0.1" {
			t.Errorf("row %s %s: client %q, want 127.0.0.1 (the guest mounts its own export)", r.Version, r.Op, r.Client)
		}
	}
	var rpcs, ops uint64
	for _, r := range rows {
		if r.Op == "COMPOUND" || r.Op == "NULL" || r.Version == "v3" || r.Version == "v2" {
			rpcs += r.Hist.Count
		} else {
			ops += r.Hist.Count
		}
	}
	if st.RPCs != rpcs || st.Ops != ops || st.Dropped != 0 {
		t.Errorf("stats %+v, rows hold %d RPCs and %d operations", st, rpcs, ops)
	}

	// Every RPC ended, so no thread is left marked as serving one.
	var tid uint32
	var op threadOpValue
	left := 0
	it := n.maps[nfsdMapThreadOp].Iterate()
	for it.Next(&tid, &op) {
		left++
		t.Logf("thread_op left: tid %d %s since %d", tid, ThreadOpName(op.Proto, op.Op), op.StartNs)
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d thread_op entries left after the workload", left)
	}
}

// threadOpValue mirrors struct thread_op of bpf/common.h.
type threadOpValue struct {
	Proto   uint32
	Op      uint32
	StartNs uint64
}
