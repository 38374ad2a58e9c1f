package kmsg

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// readFixture returns the records of a file of testdata, one a line;
// dictionary lines (starting with a space) are skipped.
func readFixture(t *testing.T, name string) []Record {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), " ") {
			continue
		}
		r, err := ParseRecord(sc.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

var boot = time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC)

func aggregate(t *testing.T, name string) *model.KernelLog {
	t.Helper()
	a := NewAggregator(boot)
	for _, r := range readFixture(t, name) {
		a.Add(r, false)
	}
	a.Flush()
	return a.Take()
}

func TestParseRecord(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Record
		err  string
	}{
		{in: "6,1000,3063282630,-;task:dd  state:D\n SUBSYSTEM=x\n",
			want: Record{Level: 6, Seq: 1000, Time: 3063282630 * time.Microsecond, Msg: "task:dd  state:D"}},
		{in: "12,7,5,c,more;user says hi", want: Record{Facility: 1, Level: 4, Seq: 7, Time: 5 * time.Microsecond, Msg: "user says hi"}},
		{in: "6,1,0,-;a;b", want: Record{Level: 6, Seq: 1, Msg: "a;b"}},
		{in: "no separator", err: "without ';'"},
		{in: "6,1;x", err: "want PRIO,SEQ,USEC,FLAGS"},
		{in: "x,1,2,-;m", err: "priority"},
		{in: "6,-1,2,-;m", err: "sequence"},
		{in: "6,1,99999999999999999999,-;m", err: "time"},
	} {
		got, err := ParseRecord([]byte(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseRecord(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRecord(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestClassifyTemplate(t *testing.T) {
	for _, tc := range []struct{ msg, class, template string }{
		{"INFO: task dd:4385 blocked for more than 2 seconds.", model.KlogHungTask,
			"INFO: task COMM:N blocked for more than N seconds."},
		{"INFO: task kworker/u8:3:77 blocked for more than 120 seconds.", model.KlogHungTask,
			"INFO: task COMM:N blocked for more than N seconds."},
		{"EXT4-fs (loop1): unmounting filesystem aa1d9075-2fa2-4142-a111-c73fba0642be.", model.KlogFS,
			"EXT4-fs (DEV): unmounting filesystem UUID."},
		{"JBD2: Error -5 detected when updating journal superblock for sdb1-8.", model.KlogFS,
			"JBD2: Error -N detected when updating journal superblock for DEV."},
		{`XFS (dm-0): metadata I/O error in "xfs_buf_ioend+0x1a0/0x3c0 [xfs]" at daddr 0x2 len 1 error 5`, model.KlogFS,
			`XFS (DEV): metadata I/O error in "xfs_buf_ioend+0xN/0xN [xfs]" at daddr 0xN len N error N`},
		{"blk_update_request: I/O error, dev nvme0n1p2, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0", model.KlogBlock,
			"blk_update_request: I/O error, dev DEV, sector N op 0xN:(WRITE) flags 0xN phys_seg N prio class N"},
		{"sd 2:0:0:0: [sdb] tag#12 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE cmd_age=30s", model.KlogBlock,
			"sd N:N:N:N: [DEV] tag#N FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE cmd_age=Ns"},
		{"loop0: detected capacity change from 0 to 1048576", "", ""},
		{"nfsd: last server has exited, flushing export cache", model.KlogNFSD,
			"nfsd: last server has exited, flushing export cache"},
		{"NFSD: client 10.0.0.7 testing state ID with incorrect client ID", model.KlogNFSD,
			"NFSD: client N testing state ID with incorrect client ID"},
		{"svc: failed to register nfsdv3 RPC service (errno 111).", model.KlogSunRPC,
			"svc: failed to register nfsdv3 RPC service (errno N)."},
		{"lockd: cannot monitor client-7.example", model.KlogLockd, "lockd: cannot monitor client-N.example"},
		{"watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [nfsd:1240]", model.KlogSoftLockup,
			"watchdog: BUG: soft lockup - CPU#N stuck for Ns! [COMM:N]"},
		{"Out of memory: Killed process 2345 (java) total-vm:8392132kB, anon-rss:0kB", model.KlogOOM,
			"Out of memory: Killed process N (COMM) total-vm:NkB, anon-rss:NkB"},
		{"Memory cgroup out of memory: Killed process 9 (a b) total-vm:1kB", model.KlogOOM,
			"Memory cgroup out of memory: Killed process N (COMM) total-vm:NkB"},
		{"nfsd: page allocation failure: order:4, mode:0x40dc0(GFP_KERNEL|__GFP_COMP)", model.KlogAllocFail,
			"COMM: page allocation failure: order:N, mode:0xN(GFP_KERNEL|__GFP_COMP)"},
		{"usb 1-1: new high-speed USB device number 2 using xhci_hcd", "", ""},
		{"Linux version 6.18.44-fc-v782 (builder@sandboxing)", "", ""},
	} {
		class := Classify(tc.msg)
		if class != tc.class {
			t.Errorf("Classify(%q) = %q, want %q", tc.msg, class, tc.class)
			continue
		}
		if class == "" {
			continue
		}
		if got := Template(class, tc.msg); got != tc.template {
			t.Errorf("Template(%q)\n got %q\nwant %q", tc.msg, got, tc.template)
		}
	}
}

// TestHungTask618 reads the two hung-task reports the development host
// printed for dd stuck opening a file on a frozen ext4.
func TestHungTask618(t *testing.T) {
	k := aggregate(t, "hung-task-6.18.kmsg")
	if k == nil || len(k.Templates) != 2 {
		t.Fatalf("templates: %+v, want a hung task and an unmount", k)
	}
	h := k.Templates[0]
	wantSite := model.WaitSite("percpu_rwsem_wait;__percpu_down_read;mnt_want_write;path_openat;do_filp_open;do_sys_openat2;__x64_sys_openat")
	if h.Class != model.KlogHungTask || h.Count != 2 || h.WaitSite != wantSite || h.Blocked != 4*time.Second {
		t.Errorf("hung task: class %q count %d site %q blocked %v; want hung_task 2 %q 4s", h.Class, h.Count, h.WaitSite, h.Blocked, wantSite)
	}
	lines := strings.Split(h.Example, "\n")
	if lines[0] != "INFO: task dd:4385 blocked for more than 4 seconds." || strings.TrimSpace(lines[len(lines)-1]) != "</TASK>" || len(lines) != 35 {
		t.Errorf("example: first %q, last %q, %d lines; want the latest report, 35 lines to </TASK>", lines[0], lines[len(lines)-1], len(lines))
	}
	if want := boot.Add(3063277576 * time.Microsecond); !h.First.Equal(want) || !h.Last.Equal(boot.Add(3065299908*time.Microsecond)) {
		t.Errorf("first %v last %v, want %v and 2.02s later", h.First, h.Last, want)
	}
	if f := k.Templates[1]; f.Class != model.KlogFS || f.Count != 1 || f.Template != "EXT4-fs (DEV): unmounting filesystem UUID." {
		t.Errorf("second template %+v, want the ext4 unmount", f)
	}
}

func TestFormats(t *testing.T) {
	k := aggregate(t, "formats.kmsg")
	got := make(map[string]uint64)
	for _, tp := range k.Templates {
		got[tp.Class] += tp.Count
	}
	want := map[string]uint64{
		model.KlogHungTask: 1, model.KlogBlock: 3 + 1, model.KlogFS: 3, model.KlogNFSD: 2,
		model.KlogSunRPC: 2, model.KlogLockd: 2, model.KlogSoftLockup: 1, model.KlogOOM: 1, model.KlogAllocFail: 1,
	}
	for c, n := range want {
		if got[c] != n {
			t.Errorf("class %s: %d messages, want %d (all: %v)", c, got[c], n, got)
		}
	}
	h := k.Templates[0]
	wantSite := "schedule_timeout;io_schedule_timeout;wait_on_page_bit;__filemap_fdatawait_range;filemap_write_and_wait_range;" +
		"ext4_sync_file;nfsd_vfs_write;nfsd_write;nfsd3_proc_write;nfsd_dispatch;svc_process_common;svc_process"
	if h.Class != model.KlogHungTask || string(h.WaitSite) != wantSite || h.Blocked != 120*time.Second {
		t.Errorf("4.9 hung task: %s %q %v; want its stack without ? frames, cut at 12 frames, 120s", h.Class, h.WaitSite, h.Blocked)
	}
	if n := strings.Count(h.Example, "\n"); n != 22 {
		t.Errorf("4.9 hung task example has %d lines after the first, want the 22 of its report", n)
	}
	var lockd, svc int
	for _, tp := range k.Templates {
		switch tp.Class {
		case model.KlogLockd:
			lockd++
		case model.KlogSunRPC:
			svc++
			if tp.Count != 2 {
				t.Errorf("svc template counted %d, want 2", tp.Count)
			}
		}
	}
	if lockd != 1 || svc != 1 {
		t.Errorf("lockd %d and svc %d templates, want one each", lockd, svc)
	}
}

func TestMixedHost(t *testing.T) {
	k := aggregate(t, "host-6.18-mixed.kmsg")
	if len(k.Templates) != 2 {
		t.Fatalf("templates %+v, want mounted and unmounting", k.Templates)
	}
	for _, tp := range k.Templates {
		if tp.Class != model.KlogFS || tp.Count != 3 {
			t.Errorf("%q: class %s count %d, want fs 3", tp.Template, tp.Class, tp.Count)
		}
	}
}

// TestBounds floods an aggregator with more templates and longer messages
// than it keeps.
func TestBounds(t *testing.T) {
	a := NewAggregator(boot)
	var seq uint64
	add := func(msg string, earlier bool) {
		seq++
		a.Add(Record{Seq: seq, Time: time.Duration(seq) * time.Millisecond, Msg: msg}, earlier)
	}
	// Words without digits are not stripped: each is its own template.
	for i := range MaxTemplates + 10 {
		add("nfsd: storm "+strings.Repeat("x", i+1), false)
	}
	add("EXT4-fs (sda): "+strings.Repeat("long ", 2*MaxExample), false)
	k := a.Take()
	if len(k.Templates) != MaxTemplates || k.Other[model.KlogNFSD] != 10 || k.Other[model.KlogFS] != 1 {
		t.Errorf("%d templates, other %v; want %d and 11 in other", len(k.Templates), k.Other, MaxTemplates)
	}
	for _, tp := range k.Templates {
		if len(tp.Example) > MaxExample {
			t.Errorf("example of %d bytes, want at most %d", len(tp.Example), MaxExample)
		}
	}
	if k := a.Take(); k != nil {
		t.Errorf("second Take = %+v, want nil: nothing was added", k)
	}
	// A known template still counts after the cap.
	add("nfsd: storm x", false)
	if k := a.Take(); k == nil || len(k.Templates) != 1 || k.Templates[0].Count != 1 {
		t.Errorf("known template after the cap: %+v", k)
	}
}

func TestEarlier(t *testing.T) {
	a := NewAggregator(boot)
	a.Add(Record{Seq: 1, Time: time.Second, Msg: "nfsd: old one"}, true)
	k := a.Take()
	if len(k.Templates) != 1 || k.Templates[0].Earlier != 1 || k.Templates[0].Count != 0 {
		t.Fatalf("before the run: %+v, want earlier 1 count 0", k)
	}
	a.Add(Record{Seq: 2, Time: time.Second, Msg: "nfsd: old one"}, true)
	a.Add(Record{Seq: 3, Time: 5 * time.Second, Msg: "nfsd: old one"}, false)
	k = a.Take()
	tp := k.Templates[0]
	if tp.Earlier != 1 || tp.Count != 1 || !tp.First.Equal(boot.Add(5*time.Second)) {
		t.Errorf("run after earlier: %+v, want earlier 1, count 1, first at 5s", tp)
	}
}

// TestSourceGap feeds a Source the reads of /dev/kmsg around an overwrite:
// EPIPE, then a record whose sequence number skips the lost ones.
func TestSourceGap(t *testing.T) {
	reads := []struct {
		rec string
		err error
	}{
		{rec: "3,10,1000,-;nfsd: before the run"},
		{err: errAgain},
		{rec: "3,11,2000,-;nfsd: in the run"},
		{err: errPipe},
		{rec: "3,15,3000,-;nfsd: in the run"},
		{rec: "not a record"},
		{err: errAgain},
	}
	i := 0
	s := newSource("fake", func(b []byte) (int, error) {
		r := reads[i]
		i++
		if r.err != nil {
			return 0, r.err
		}
		return copy(b, r.rec), nil
	}, boot)
	if err := s.read(true); err != nil {
		t.Fatal(err)
	}
	k, err := s.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if k.Lost != 3 || len(k.Templates) != 2 {
		t.Fatalf("%+v: want 3 lost and two templates", k)
	}
	for _, tp := range k.Templates {
		before := strings.Contains(tp.Template, "before")
		if before && tp.Earlier != 1 || !before && tp.Count != 2 {
			t.Errorf("%q: earlier %d count %d", tp.Template, tp.Earlier, tp.Count)
		}
	}
}

// TestEarlierBlocked: how long a task was blocked before the run does not
// count as the run's.
func TestEarlierBlocked(t *testing.T) {
	a := NewAggregator(boot)
	report := func(seq uint64, secs int, earlier bool) {
		a.Add(Record{Seq: seq, Time: time.Duration(seq) * time.Second,
			Msg: "INFO: task dd:1 blocked for more than " + strconv.Itoa(secs) + " seconds."}, earlier)
		a.Flush()
	}
	report(1, 248, true)
	report(2, 2, false)
	k := a.Take()
	if tp := k.Templates[0]; tp.Count != 1 || tp.Earlier != 1 || tp.Blocked != 2*time.Second {
		t.Errorf("%+v: want count 1, earlier 1, blocked 2s (the run's)", tp)
	}
}

// TestReportWithoutEnd: a 4.9 report has no "</TASK>"; with nothing logged
// after it, the Source counts it once the kernel's clock is past its lines.
func TestReportWithoutEnd(t *testing.T) {
	var recs []string
	for _, r := range readFixture(t, "formats.kmsg") {
		if r.Seq > 122 {
			break
		}
		recs = append(recs, fmt.Sprintf("%d,%d,%d,-;%s", r.Level, r.Seq, r.Time/time.Microsecond, r.Msg))
	}
	i := 0
	s := newSource("fake", func(b []byte) (int, error) {
		if i == len(recs) {
			return 0, errAgain
		}
		i++
		return copy(b, recs[i-1]), nil
	}, boot)
	now := 120 * time.Second
	s.uptime = func() time.Duration { return now }
	if k, err := s.Collect(); err != nil || k != nil {
		t.Fatalf("while the report may go on: %+v, %v; want nothing yet", k, err)
	}
	now += time.Second
	k, err := s.Collect()
	if err != nil || k == nil || len(k.Templates) != 1 || k.Templates[0].Class != model.KlogHungTask {
		t.Fatalf("after a second of silence: %+v, %v; want the hung task", k, err)
	}
}

// TestWaitSite covers the frames a hung task's site leaves out: the
// unwinder's unsure ones, the scheduler's on top and the entry frames
// (model's list) at the bottom.
func TestWaitSite(t *testing.T) {
	tests := []struct {
		name  string
		trace string // Call Trace lines, separated by "|"
		want  model.WaitSite
	}{
		{"syscall through x64_sys_call",
			" <TASK>| __schedule+0x3dc/0xf60| schedule+0x23/0xa0| io_schedule+0x46/0x70| ? __pfx_x+0x10/0x10| folio_wait_bit_common+0x13d/0x350|" +
				" filemap_fdatawait_range+0x1f/0x30| __x64_sys_fsync+0x36/0x60| x64_sys_call+0x1fe2/0x2140| do_syscall_64+0x71/0x290|" +
				" entry_SYSCALL_64_after_hwframe+0x76/0x7e| </TASK>",
			"io_schedule;folio_wait_bit_common;filemap_fdatawait_range;__x64_sys_fsync"},
		{"kernel thread", " <TASK>| __schedule+0x3dc/0xf60| schedule+0x23/0xa0| jbd2_journal_commit_transaction+0x2a1/0x1a40|" +
			" kjournald2+0xab/0x280| kthread+0xef/0x230| ret_from_fork+0x31/0x50| ret_from_fork_asm+0x1a/0x30| </TASK>",
			"jbd2_journal_commit_transaction;kjournald2"},
		{"before 4.2", " [<ffffffff8160a2a9>] schedule+0x29/0x70| [<ffffffff81607f19>] schedule_timeout+0x209/0x2d0|" +
			" [<ffffffff811ccc7a>] SyS_fsync+0x1a/0x30| [<ffffffff81614f89>] system_call_fastpath+0x16/0x1b",
			"schedule_timeout;SyS_fsync"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := append([]string{"Call Trace:"}, strings.Split(tt.trace, "|")...)
			if got := WaitSite(lines); got != tt.want {
				t.Errorf("WaitSite = %q, want %q", got, tt.want)
			}
		})
	}
}
