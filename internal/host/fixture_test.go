package host

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"syscall"
	"testing"
	"time"
)

// fixtures is the root of the fixture trees (see testdata/hosts/README.md).
const fixtures = "../../testdata/hosts"

func fixtureReader(t *testing.T, host, at string) *Reader {
	t.Helper()
	r, err := NewReader(TreeRoots(filepath.Join(fixtures, host, at)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestNewReaderErrors(t *testing.T) {
	dir := t.TempDir()
	for _, roots := range []Roots{
		{Proc: filepath.Join(dir, "nope"), Sys: dir},
		{Proc: dir, Sys: filepath.Join(dir, "nope")},
		{Proc: dir, Sys: dir}, // a directory, but not procfs: no stat file
		{Proc: filepath.Join(fixtures, "README.md"), Sys: dir},
	} {
		if _, err := NewReader(roots); err == nil {
			t.Errorf("NewReader(%+v): no error", roots)
		}
	}
}

func TestStaticFixtures(t *testing.T) {
	tests := []struct {
		host       string
		hostname   string
		release    string
		cpus       int
		memTotal   uint64
		installed  []string
		devices    []DeviceConfig
		nfsd       NFSDConfig
		sysctlName string
		sysctl     string
		nSysctls   int
	}{
		{
			host: "k4.9-nfsd-busy", hostname: "labstore1004", release: "4.9.0-0.bpo.3-amd64",
			cpus: 32, memTotal: 65867412 * 1024,
			installed: []string{"4.4.0-3-amd64", "4.9.0-0.bpo.3-amd64"},
			devices: []DeviceConfig{
				{Name: "dm-0", Scheduler: "none", Available: []string{"none"}, NrRequests: 128, Dev: "253:0"},
				{Name: "dm-1", Scheduler: "none", Available: []string{"none"}, NrRequests: 128, Dev: "253:1"},
				{Name: "drbd0", Scheduler: "none", Available: []string{"none"}, NrRequests: 128, Dev: "147:0"},
				{Name: "sda", Scheduler: "cfq", Available: []string{"noop", "deadline", "cfq"}, Rotational: true, NrRequests: 128, Dev: "8:0"},
				{Name: "sdb", Scheduler: "deadline", Available: []string{"noop", "deadline", "cfq"}, Rotational: true, NrRequests: 128, Dev: "8:16"},
			},
			nfsd:       NFSDConfig{Present: true, Threads: 64, Versions: "-2 +3 +4 +4.1 +4.2"},
			sysctlName: "net.ipv4.tcp_rmem", sysctl: "4096 87380 6291456", nSysctls: 22,
		},
		{
			host: "k4.9-no-nfsd", hostname: "labstore1005", release: "4.9.0-0.bpo.3-amd64",
			cpus: 32, memTotal: 65867412 * 1024,
			installed:  []string{"4.4.0-3-amd64", "4.9.0-0.bpo.3-amd64"},
			nfsd:       NFSDConfig{},
			sysctlName: "net.core.somaxconn", sysctl: "128", nSysctls: 16, // no sunrpc module, no sunrpc.*
		},
		{
			host: "k6.12-nfsd", hostname: "filer-b2", release: "6.12.57+deb12-amd64",
			cpus: 16, memTotal: 131612844 * 1024,
			installed: []string{"6.1.0-56-amd64", "6.12.57+deb12-amd64", "6.12.107+deb12-amd64"},
			devices: []DeviceConfig{
				{Name: "dm-0", Scheduler: "none", Available: []string{"none"}, NrRequests: 128, Dev: "253:0"},
				{Name: "loop0", Scheduler: "none", Available: []string{"none", "mq-deadline", "kyber", "bfq"}, NrRequests: 128, Dev: "7:0"},
				{Name: "nvme0n1", Scheduler: "none", Available: []string{"none", "mq-deadline", "kyber", "bfq"}, NrRequests: 1023, Dev: "259:0"},
				{Name: "sda", Scheduler: "mq-deadline", Available: []string{"mq-deadline", "kyber", "bfq", "none"}, Rotational: true, NrRequests: 64, Dev: "8:0"},
				{Name: "sdb", Scheduler: "bfq", Available: []string{"mq-deadline", "kyber", "bfq", "none"}, Rotational: true, NrRequests: 64, Dev: "8:16"},
			},
			nfsd:       NFSDConfig{Present: true, Threads: 32, Versions: "+3 +4 +4.1 +4.2"},
			sysctlName: "sunrpc.tcp_slot_table_entries", sysctl: "2", nSysctls: 22,
		},
		{
			host: "k6.12-no-nfsd", hostname: "build-7", release: "6.12.57+deb12-amd64",
			cpus: 16, memTotal: 131612844 * 1024,
			installed:  []string{"6.1.0-56-amd64", "6.12.57+deb12-amd64", "6.12.107+deb12-amd64"},
			sysctlName: "vm.dirty_ratio", sysctl: "20", nSysctls: 16,
		},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			st, err := fixtureReader(t, tt.host, "t0").Static()
			if err != nil {
				t.Fatal(err)
			}
			if st.Hostname != tt.hostname || st.KernelRelease != tt.release || st.CPUs != tt.cpus || st.MemTotal != tt.memTotal {
				t.Errorf("host %q kernel %q cpus %d mem %d", st.Hostname, st.KernelRelease, st.CPUs, st.MemTotal)
			}
			if st.KernelVersion == "" || st.Cmdline == "" || len(st.BootID) != 36 {
				t.Errorf("version %q cmdline %q boot id %q", st.KernelVersion, st.Cmdline, st.BootID)
			}
			if !reflect.DeepEqual(st.InstalledKernels, tt.installed) || st.NewestKernel != tt.installed[len(tt.installed)-1] {
				t.Errorf("installed %q newest %q", st.InstalledKernels, st.NewestKernel)
			}
			if tt.devices != nil && !reflect.DeepEqual(st.Devices, tt.devices) {
				t.Errorf("devices\n got  %+v\n want %+v", st.Devices, tt.devices)
			}
			if st.NFSD != tt.nfsd {
				t.Errorf("nfsd %+v, want %+v", st.NFSD, tt.nfsd)
			}
			if got := st.Sysctls[tt.sysctlName]; got != tt.sysctl || len(st.Sysctls) != tt.nSysctls {
				t.Errorf("sysctl %s = %q (want %q), %d sysctls (want %d)", tt.sysctlName, got, tt.sysctl, len(st.Sysctls), tt.nSysctls)
			}
		})
	}
}

func dCount(tasks []Task, comm, wchan string) int {
	n := 0
	for _, t := range tasks {
		if t.Comm == comm && (wchan == "" || t.WChan == wchan) {
			n++
		}
	}
	return n
}

func diskNames(disks []Disk) []string {
	var names []string
	for _, d := range disks {
		names = append(names, d.Name)
	}
	return names
}

func TestSample49Busy(t *testing.T) {
	s0, err := fixtureReader(t, "k4.9-nfsd-busy", "t0").Sample()
	if err != nil {
		t.Fatal(err)
	}
	s1, err := fixtureReader(t, "k4.9-nfsd-busy", "t1").Sample()
	if err != nil {
		t.Fatal(err)
	}
	if s1.Uptime-s0.Uptime != time.Second {
		t.Errorf("uptimes %v %v: fixtures should be one second apart", s0.Uptime, s1.Uptime)
	}
	if s1.Load != (LoadAvg{87.61, 64.92, 35.61}) || s1.ProcsRunning != 3 || s1.ProcsBlocked != 44 {
		t.Errorf("load %+v running %d blocked %d", s1.Load, s1.ProcsRunning, s1.ProcsBlocked)
	}
	// 61 in D: 58 nfsd (41 in COMMIT, 17 in WRITE), jbd2, a flusher, rsync.
	if s1.Threads != 94 || len(s1.DTasks) != 61 {
		t.Errorf("threads %d, in D %d", s1.Threads, len(s1.DTasks))
	}
	if n := dCount(s1.DTasks, "nfsd", "wait_on_page_bit"); n != 41 {
		t.Errorf("nfsd in wait_on_page_bit: %d", n)
	}
	if n := dCount(s1.DTasks, "nfsd", "call_rwsem_down_write_failed"); n != 17 {
		t.Errorf("nfsd in call_rwsem_down_write_failed: %d", n)
	}
	if n := dCount(s0.DTasks, "nfsd", ""); n != 57 {
		t.Errorf("t0: nfsd in D: %d", n)
	}
	for _, c := range []string{"jbd2/drbd0-8", "kworker/u66:2", "rsync"} {
		if dCount(s1.DTasks, c, "") != 1 {
			t.Errorf("%s not in D", c)
		}
	}
	var commit Task
	for _, task := range s1.DTasks {
		if task.WChan == "wait_on_page_bit" {
			commit = task
			break
		}
	}
	wantStack := []string{"wait_on_page_bit", "__filemap_fdatawait_range", "filemap_fdatawait_range",
		"filemap_write_and_wait_range", "ext4_sync_file", "vfs_fsync_range", "nfsd_commit", "nfsd3_proc_commit",
		"nfsd_dispatch", "svc_process_common", "svc_process", "nfsd", "kthread", "ret_from_fork"}
	if !reflect.DeepEqual(commit.Stack, wantStack) || commit.PID != commit.TID || commit.PID == 0 {
		t.Errorf("COMMIT waiter %d/%d stack %q", commit.PID, commit.TID, commit.Stack)
	}

	n := s1.NFSD
	if !n.Present || !n.Running() || n.Threads != 64 {
		t.Errorf("nfsd %+v", n)
	}
	wantPools := []Pool{{ID: 0, PacketsArrived: 3214021701, SocketsQueued: 1901331, ThreadsWoken: 38911117, ThreadsTimedout: 1021}}
	if !reflect.DeepEqual(n.Pools, wantPools) {
		t.Errorf("pools %+v", n.Pools)
	}
	if n.RPC == nil || len(n.RPC.Proc3) != 22 || len(n.RPC.Proc4Ops) != 72 || len(n.RPC.Proc2) != 18 {
		t.Fatalf("rpc %+v", n.RPC)
	}
	// The 32-bit read byte counter wrapped between t0 and t1.
	if s0.NFSD.RPC.ReadBytes != 4200000000 || n.RPC.ReadBytes != 55032704 {
		t.Errorf("read bytes %d -> %d", s0.NFSD.RPC.ReadBytes, n.RPC.ReadBytes)
	}
	if d := n.RPC.Proc3[7] - s0.NFSD.RPC.Proc3[7]; d != 1210 {
		t.Errorf("WRITE per second %d", d)
	}

	// Whole disks only: no partitions, no idle loop devices; 14 fields.
	if got, want := diskNames(s1.Disks), []string{"sda", "sdb", "drbd0", "dm-0", "dm-1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("disks %q, want %q", got, want)
	}
	for _, d := range s1.Disks {
		if d.Fields != 14 || d.DiscardIOs != 0 || d.FlushIOs != 0 {
			t.Errorf("%s: %d fields, discards %d, flushes %d", d.Name, d.Fields, d.DiscardIOs, d.FlushIOs)
		}
	}
	if s0.Disks[1].Scheduler != "deadline" || s1.Disks[1].Scheduler != "cfq" || s1.Disks[0].Scheduler != "cfq" || s1.Disks[2].Scheduler != "none" {
		t.Errorf("schedulers t0 %q t1 %q %q %q", s0.Disks[1].Scheduler, s1.Disks[0].Scheduler, s1.Disks[1].Scheduler, s1.Disks[2].Scheduler)
	}
	if s1.Disks[1].WriteIOs-s0.Disks[1].WriteIOs != 3720 || s1.Disks[1].InFlight != 29 {
		t.Errorf("sdb writes %d in flight %d", s1.Disks[1].WriteIOs-s0.Disks[1].WriteIOs, s1.Disks[1].InFlight)
	}
	if s1.IOPressure != nil {
		t.Errorf("4.9 has no PSI, got %+v", s1.IOPressure)
	}
}

func TestSample612(t *testing.T) {
	s0, err := fixtureReader(t, "k6.12-nfsd", "t0").Sample()
	if err != nil {
		t.Fatal(err)
	}
	s1, err := fixtureReader(t, "k6.12-nfsd", "t1").Sample()
	if err != nil {
		t.Fatal(err)
	}
	// 26 idle nfsd threads and the idle kworkers sleep in TASK_IDLE (I):
	// not in D.
	if len(s1.DTasks) != 7 || dCount(s1.DTasks, "nfsd", "") != 5 {
		t.Errorf("in D %d, nfsd %d", len(s1.DTasks), dCount(s1.DTasks, "nfsd", ""))
	}
	if n := dCount(s1.DTasks, "nfsd", "folio_wait_bit_common"); n != 4 {
		t.Errorf("nfsd in folio_wait_bit_common: %d", n)
	}
	if n := dCount(s1.DTasks, "kworker/u128:1+flush-8:0", "blk_mq_get_tag"); n != 1 {
		t.Errorf("flusher in blk_mq_get_tag: %d", n)
	}
	for _, task := range s1.DTasks {
		if len(task.Stack) == 0 || task.Stack[len(task.Stack)-1] != "ret_from_fork_asm" {
			t.Errorf("%s: stack %q", task.Comm, task.Stack)
		}
	}
	if got, want := diskNames(s1.Disks), []string{"loop0", "sda", "sdb", "dm-0", "nvme0n1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("disks %q, want %q", got, want)
	}
	want := map[string]string{"loop0": "none", "sda": "mq-deadline", "sdb": "bfq", "dm-0": "none", "nvme0n1": "none"}
	for _, d := range s1.Disks {
		if d.Fields != 20 || d.Scheduler != want[d.Name] {
			t.Errorf("%s: %d fields, scheduler %q", d.Name, d.Fields, d.Scheduler)
		}
	}
	sda0, sda1 := s0.Disks[1], s1.Disks[1]
	if sda1.FlushIOs-sda0.FlushIOs != 4 || sda1.FlushTicks-sda0.FlushTicks != 100 || sda1.ReadIOs-sda0.ReadIOs != 80 {
		t.Errorf("sda flushes %d ticks %d reads %d", sda1.FlushIOs-sda0.FlushIOs, sda1.FlushTicks-sda0.FlushTicks, sda1.ReadIOs-sda0.ReadIOs)
	}
	p0, p1 := s0.IOPressure, s1.IOPressure
	if p1 == nil || !p1.HasFull || p1.Some.Avg10 != 34.12 || p1.Full.Avg10 != 27.03 ||
		p1.Some.Total-p0.Some.Total != 341200 || p1.Full.Total-p0.Full.Total != 270300 {
		t.Errorf("pressure %+v -> %+v", p0, p1)
	}
	n := s1.NFSD
	if !n.Running() || n.Threads != 32 || len(n.Pools) != 2 || n.Pools[1].ID != 1 || n.Pools[1].ThreadsTimedout != 0 {
		t.Errorf("nfsd %+v", n)
	}
	if n.RPC.Proc2 != nil || len(n.RPC.Proc4Ops) != 76 {
		t.Errorf("proc2 %v, %d v4 ops", n.RPC.Proc2, len(n.RPC.Proc4Ops))
	}
}

func TestSampleWithoutNFSD(t *testing.T) {
	for _, host := range []string{"k4.9-no-nfsd", "k6.12-no-nfsd"} {
		t.Run(host, func(t *testing.T) {
			for _, at := range []string{"t0", "t1"} {
				s, err := fixtureReader(t, host, at).Sample()
				if err != nil {
					t.Fatal(err)
				}
				if s.NFSD.Present || s.NFSD.Running() || s.NFSD.RPC != nil || s.NFSD.Pools != nil {
					t.Errorf("%s: nfsd %+v", at, s.NFSD)
				}
				if len(s.DTasks) != 0 || dCount(s.DTasks, "nfsd", "") != 0 {
					t.Errorf("%s: %d tasks in D", at, len(s.DTasks))
				}
				if len(s.Disks) == 0 || s.Threads == 0 || s.Load.Load1 == 0 {
					t.Errorf("%s: disks %d threads %d load %v", at, len(s.Disks), s.Threads, s.Load)
				}
			}
		})
	}
}

// TestReadSampleReuse checks that a sample read into the memory of an older
// one holds exactly what a fresh read holds.
func TestReadSampleReuse(t *testing.T) {
	r0 := fixtureReader(t, "k4.9-nfsd-busy", "t0")
	r1 := fixtureReader(t, "k6.12-nfsd", "t1")
	var reused Sample
	if err := r0.ReadSample(&reused); err != nil {
		t.Fatal(err)
	}
	if err := r1.ReadSample(&reused); err != nil {
		t.Fatal(err)
	}
	fresh, err := fixtureReader(t, "k6.12-nfsd", "t1").Sample()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&reused, fresh) {
		t.Errorf("reused sample differs from a fresh one:\n%+v\n%+v", reused, *fresh)
	}
}

// TestNFSDStopped covers a server whose files exist but which has no threads.
func TestNFSDStopped(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"proc/stat":            "cpu0 1 2 3 4\nprocs_running 1\nprocs_blocked 0\n",
		"proc/uptime":          "10.00 5.00\n",
		"proc/loadavg":         "0.00 0.00 0.00 1/1 1\n",
		"proc/diskstats":       "",
		"proc/fs/nfsd/threads": "0\n",
		"sys/block/.keep":      "",
	})
	r, err := NewReader(TreeRoots(dir))
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.Sample()
	if err != nil {
		t.Fatal(err)
	}
	if !s.NFSD.Present || s.NFSD.Running() || s.NFSD.Threads != 0 {
		t.Errorf("nfsd %+v", s.NFSD)
	}
	if s.IOPressure != nil || len(s.Disks) != 0 || s.Threads != 0 {
		t.Errorf("sample %+v", s)
	}
}

func TestSampleBadFiles(t *testing.T) {
	base := map[string]string{
		"proc/stat":       "cpu0 1 2 3 4\nprocs_running 1\nprocs_blocked 0\n",
		"proc/uptime":     "10.00 5.00\n",
		"proc/loadavg":    "0.00 0.00 0.00 1/1 1\n",
		"proc/diskstats":  "",
		"sys/block/.keep": "",
	}
	for file, content := range map[string]string{
		"proc/uptime":             "soon\n",
		"proc/loadavg":            "x\n",
		"proc/stat":               "cpu0 1\n",
		"proc/diskstats":          "8 0 sda 1\n",
		"proc/net/rpc/nfsd":       "io x\n",
		"proc/fs/nfsd/pool_stats": "0 x\n",
		"proc/fs/nfsd/threads":    "many\n",
		"proc/12/stat":            "12 (x) S 1\n",
		"proc/pressure/io":        "some avg10=x\n",
	} {
		t.Run(file, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{file: content}
			for k, v := range base {
				if _, ok := files[k]; !ok {
					files[k] = v
				}
			}
			writeTree(t, dir, files)
			r, err := NewReader(TreeRoots(dir))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Sample(); err == nil {
				t.Errorf("no error for bad %s", file)
			} else {
				t.Log(err)
			}
		})
	}
}

func TestFixtureTreesComplete(t *testing.T) {
	// Every tree is read by the tests above at t0 and t1; this checks that
	// the four hosts exist with both moments, so a missing regeneration
	// shows up as a clear failure.
	hosts := []string{"k4.9-nfsd-busy", "k4.9-no-nfsd", "k6.12-nfsd", "k6.12-no-nfsd"}
	for _, h := range hosts {
		for _, at := range []string{"t0", "t1"} {
			if _, err := fixtureReader(t, h, at).Static(); err != nil {
				t.Errorf("%s/%s: %v", h, at, err)
			}
		}
	}
}

// writeTree writes files (path relative to dir: content) below dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestScanTasksEdgeCases(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"proc/stat":    "cpu0 1 2 3 4\nprocs_running 1\nprocs_blocked 0\n",
		"proc/self/x":  "", // not a PID
		"proc/7/.keep": "", // exited between the listing and the read: no stat
		// A process whose leader sleeps and whose second thread is in D.
		"proc/10/stat":              stat("10 (app) S", "2"),
		"proc/10/task/10/stat":      stat("10 (app) S", "2"),
		"proc/10/task/11/stat":      stat("11 (app worker) D", "2"),
		"proc/10/task/11/wchan":     "jbd2_log_wait_commit",
		"proc/10/task/11/stack":     "[<0>] jbd2_log_wait_commit+0xb8/0x110 [jbd2]\n[<0>] ext4_sync_file+0x2e0/0x390 [ext4]\n",
		"proc/10/task/11/schedstat": "260292322 11128044 727\n",
		// No schedstat (a kernel without CONFIG_SCHED_INFO): the status
		// counts serve.
		"proc/20/status":        "Name:\tdd\nState:\tD (disk sleep)\nvoluntary_ctxt_switches:\t636\nnonvoluntary_ctxt_switches:\t91\n",
		"proc/10/task/12/.keep": "", // a thread that exited
		// A single-threaded process in D whose stack is unreadable (no root).
		"proc/20/stat":         stat("20 (dd) D", "1"),
		"proc/20/wchan":        "0",
		"proc/20/task/20/stat": stat("20 (dd) D", "1"),
		// TASK_IDLE and TASK_KILLABLE|... as printed: only D counts.
		"proc/30/stat": stat("30 (kworker/0:1) I", "1"),
		"proc/31/stat": stat("31 (zombie) Z", "1"),
	})
	r, err := NewReader(Roots{Proc: filepath.Join(dir, "proc"), Sys: dir})
	if err != nil {
		t.Fatal(err)
	}
	tasks, scanned, err := r.scanTasks(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Task{
		{PID: 10, TID: 11, Comm: "app worker", WChan: "jbd2_log_wait_commit", Stack: []string{"jbd2_log_wait_commit", "ext4_sync_file"}, Switches: 727, HasSwitches: true},
		{PID: 20, TID: 20, Comm: "dd", Switches: 727, HasSwitches: true},
	}
	slices.SortFunc(tasks, func(a, b Task) int { return a.TID - b.TID })
	if !reflect.DeepEqual(tasks, want) || scanned != 5 {
		t.Errorf("scanned %d, tasks %+v", scanned, tasks)
	}
}

func TestGone(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&fs.PathError{Op: "open", Path: "/proc/7/stat", Err: syscall.ENOENT}, true},
		{&fs.PathError{Op: "read", Path: "/proc/7/stat", Err: syscall.ESRCH}, true},
		{&fs.PathError{Op: "open", Path: "/proc/7/stat", Err: syscall.EACCES}, true}, // hidepid=1
		{&fs.PathError{Op: "read", Path: "/proc/7/stat", Err: syscall.EIO}, false},
	} {
		if got := gone(tt.err); got != tt.want {
			t.Errorf("gone(%v) = %v", tt.err, got)
		}
	}
}
