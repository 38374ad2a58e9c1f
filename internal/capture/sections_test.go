package capture

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestRunRoundTrip(t *testing.T) {
	sumOnly := model.Hist{Count: 40, SumNs: 12_000_000}
	tests := []struct {
		name string
		rows []model.Run
	}{
		{"none", nil},
		{"ebpf rows", []model.Run{
			{Comm: "nfsd", Op: "v3 WRITE", Client: "10.0.0.7", Threads: 8, Runnable: hist(900, 40_000, 2_000_000), OnCPU: 3 * time.Second},
			{Comm: "nfsd", Threads: 2, Runnable: hist(0), OnCPU: 0},
		}},
		{"procfs sum only", []model.Run{{Comm: "fio", Threads: 4, Runnable: sumOnly, OnCPU: 1500 * time.Millisecond}}},
		{"ebpf rows with preemptions", []model.Run{
			{Comm: "fio", Threads: 2, Runnable: hist(900, 40_000, 2_000_000), OnCPU: time.Second, Preempted: &model.Preempted{Count: 2, SumNs: 2_040_000}},
			{Comm: "fio", Op: "x", Threads: 1, Runnable: hist(5), Preempted: &model.Preempted{}},
			{Comm: "sh", Threads: 1, Runnable: hist(7)}, // unknown beside known
		}},
		{"ebpf rows with CPU holders", []model.Run{
			{Comm: "fio", Threads: 2, Runnable: hist(900, 40_000, 2_000_000), OnCPU: time.Second, Preempted: &model.Preempted{Count: 2, SumNs: 2_040_000},
				HeldBy: &model.HeldBy{Wake: model.Waits{Count: 3, SumNs: 15_000}, Idle: model.Waits{Count: 1, SumNs: 2_000_000}, Traced: model.Waits{Count: 1, SumNs: 900}, Kernel: model.Waits{Count: 1, SumNs: 40_000}}},
			{Comm: "fio", Op: "x", Threads: 1, Runnable: hist(5), HeldBy: &model.HeldBy{Other: model.Waits{Count: 1, SumNs: 5}}},
			{Comm: "sh", Threads: 1, Runnable: hist(7)}, // unknown beside known
		}},
		{"ebpf rows with waits outside calls", []model.Run{
			{Comm: "fio", Threads: 2, Runnable: hist(900, 40_000), OnCPU: time.Second, Outside: &model.Waits{Count: 4, SumNs: 3_000_000}},
			{Comm: "fio", Op: "x", Threads: 1, Runnable: hist(5), Outside: &model.Waits{}},
			{Comm: "sh", Threads: 1, Runnable: hist(7)}, // unknown beside known
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fullSnapshot(0)
			s.Run = tt.rows
			got, r, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0].Run, tt.rows) {
				t.Fatalf("run rows:\n got %+v\nwant %+v", got[0].Run, tt.rows)
			}
			if !reflect.DeepEqual(got[0], s) {
				t.Errorf("snapshot changed:\n got %s\nwant %s", describe(got[0]), describe(s))
			}
			if n := r.Notes(); len(n) != 0 {
				t.Errorf("notes: %q", n)
			}
		})
	}
}

// A preemption section must have a row for each run row.
func TestPreemptedRowsMismatch(t *testing.T) {
	rows := []model.Run{{Comm: "fio"}, {Comm: "fio"}}
	d := decoder{b: appendPreempted(nil, rows[:1])}
	if decodePreempted(&d, rows); d.err == nil {
		t.Fatal("one preemption row for two run rows: no error")
	}
}

// An outside-call section must have a row for each run row.
func TestOutsideRowsMismatch(t *testing.T) {
	rows := []model.Run{{Comm: "fio", Outside: &model.Waits{}}, {Comm: "fio"}}
	d := decoder{b: appendOutside(nil, rows[:1])}
	if decodeOutside(&d, rows); d.err == nil {
		t.Fatal("one outside-call row for two run rows: no error")
	}
}

// A CPU holder section must have a row for each run row.
func TestHeldRowsMismatch(t *testing.T) {
	rows := []model.Run{{Comm: "fio", HeldBy: &model.HeldBy{}}, {Comm: "fio"}}
	d := decoder{b: appendHeld(nil, rows[:1])}
	if decodeHeld(&d, rows); d.err == nil {
		t.Fatal("one holder row for two run rows: no error")
	}
}

// A section whose count promises more rows than its bytes can hold is an
// error, not an allocation.
func TestRunDecodeBounded(t *testing.T) {
	body := appendUvarint(nil, 1<<40)
	d := decoder{b: body}
	if rows := decodeRun(&d, &strReader{}); rows != nil || d.err == nil {
		t.Fatalf("decodeRun of a huge count: %d rows, err %v", len(rows), d.err)
	}
}

// The rows of sections 10 to 13 are charged to the read budget: a count
// that the section's bytes can hold but the file's size cannot pay for is
// ErrLimit, not an allocation.
func TestNewSectionsBudget(t *testing.T) {
	const n = 1000
	tests := []struct {
		name   string
		min    int // bytes a row takes at least
		decode func(*decoder) int
	}{
		{"run", 9, func(d *decoder) int { return len(decodeRun(d, &strReader{})) }},
		{"queue", 5, func(d *decoder) int { return len(decodeQueue(d)) }},
		{"locks", 13, func(d *decoder) int { return len(decodeLocks(d, &strReader{})) }},
		{"wakers", 5, func(d *decoder) int { return len(decodeWakers(d, &strReader{})) }},
		{"holders", 4, func(d *decoder) int { return len(decodeHolders(d, &strReader{})) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := append(appendUvarint(nil, n), make([]byte, n*tt.min)...)
			d := decoder{b: body, bud: &budget{limit: n}}
			if rows := tt.decode(&d); rows != 0 || !errors.Is(d.err, ErrLimit) {
				t.Fatalf("%d rows in a budget of %d bytes: %d rows, err %v, want %v", n, n, rows, d.err, ErrLimit)
			}
		})
	}
}

// Files written before the run and wakers sections read with no such rows.
func TestNewSectionsFirstReleaseFile(t *testing.T) {
	data, err := os.ReadFile("testdata/first-release.nft")
	if err != nil {
		t.Fatal(err)
	}
	snaps, _, err := readAll(data, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) == 0 {
		t.Fatal("no snapshots")
	}
	for i, s := range snaps {
		if s.Run != nil || s.Wakers != nil || s.Locks != nil || s.Queue != nil || s.Threads != nil || s.Calls != nil {
			t.Fatalf("snapshot %d of a file without run and wakers sections has rows: %+v %+v", i, s.Run, s.Wakers)
		}
	}
}

func TestWakersRoundTrip(t *testing.T) {
	for _, rows := range [][]model.Waker{
		nil,
		{
			{Comm: "nfsd", WaitSite: "jbd2_log_wait_commit;ext4_sync_file", Waker: "jbd2/vda-8", Count: 17, Time: 3 * time.Second},
			{Comm: "nfsd", WaitSite: "io_schedule;folio_wait_bit", Waker: model.WakerIRQ, Count: 400, Time: 90 * time.Millisecond},
		},
	} {
		s := fullSnapshot(1)
		s.Wakers = rows
		got, _, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], s) {
			t.Fatalf("wakers:\n got %+v\nwant %+v", got[0].Wakers, rows)
		}
	}
	d := decoder{b: appendUvarint(nil, 1<<40)}
	if rows := decodeWakers(&d, &strReader{}); rows != nil || d.err == nil {
		t.Fatalf("decodeWakers of a huge count: %d rows, err %v", len(rows), d.err)
	}
}

func TestLocksRoundTrip(t *testing.T) {
	rows := []model.LockWait{
		{Comm: "nfsd", WaitSite: "rwsem_down_write_slowpath;down_write;ext4_buffered_write_iter", Lock: "0xffff88820e6cedb8",
			Kind: model.LockRWSemWrite, Waits: 170, Time: 9 * time.Second, MaxWaiters: 17, Owner: "nfsd", OwnerTID: 4242,
			OwnerWaits: 160, OwnerState: "D", OwnerSite: "rwsem_down_write_slowpath;vfs_rename",
			Chain: []model.LockHop{
				{Lock: "0xffff88820e6c0000", Kind: model.LockRWSemWrite, Owner: "nfsd", OwnerTID: 4243, OwnerState: "D", OwnerSite: "mutex_lock;ext4_sync_file"},
				{Lock: "0xffff88820e6c1000", Kind: model.LockMutex, Owner: "jbd2/vda-8", OwnerTID: 99, OwnerState: "D", OwnerSite: "jbd2_log_wait_commit"},
			}},
		{Comm: "rsync", WaitSite: "mutex_lock;do_unlinkat", Lock: "0xffff8881e0b0b220", Kind: model.LockMutex, Waits: 1, Time: time.Millisecond, MaxWaiters: 1},
		{Comm: "dd", WaitSite: "rwsem_down_read_slowpath", Lock: "0x1", Kind: model.LockRWSemRead, Waits: 2, ReaderOwned: true, Owner: "git", OwnerTID: 7, OwnerWaits: 2, OwnerState: "R"},
	}
	s := fullSnapshot(2)
	s.Locks = rows
	got, _, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !reflect.DeepEqual(got[0], s) {
		t.Fatalf("locks:\n got %+v\nwant %+v", got[0].Locks, rows)
	}
	d := decoder{b: appendUvarint(nil, 1<<40)}
	if rows := decodeLocks(&d, &strReader{}); rows != nil || d.err == nil {
		t.Fatalf("decodeLocks of a huge count: %d rows, err %v", len(rows), d.err)
	}
}

// TestLockChainsHostile: a chains section that does not match the rows
// before it, or has a chain longer than the kernel follows, is an error,
// not chains on the wrong rows or an allocation the file asks for.
func TestLockChainsHostile(t *testing.T) {
	rows := func() []model.LockWait { return make([]model.LockWait, 2) }
	for _, tc := range []struct {
		name string
		p    []byte
	}{
		{"more chains than rows", []byte{3, 0, 0, 0}},
		{"chains before the rows", []byte{2, 0, 0}},
		{"too many hops", append(appendUvarint(nil, 2), appendUvarint(nil, model.MaxLockChain+1)...)},
		{"truncated hop", append(appendUvarint(nil, 2), 1, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rows()
			if tc.name == "chains before the rows" {
				r = nil
			}
			d := decoder{b: tc.p}
			decodeLockChains(&d, r, newStrReader(false, nil))
			if d.err == nil {
				t.Fatalf("no error; rows %+v", r)
			}
		})
	}
}

func TestQueueRoundTrip(t *testing.T) {
	s := fullSnapshot(3)
	s.Queue = []model.PoolQueue{{Pool: 0, Wait: hist(20_000, 3_000_000, 80_000_000)}, {Pool: 3, Wait: hist(1)}}
	got, _, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !reflect.DeepEqual(got[0], s) {
		t.Fatalf("queue:\n got %+v\nwant %+v", got[0].Queue, s.Queue)
	}
	d := decoder{b: appendUvarint(nil, 1<<40)}
	if rows := decodeQueue(&d); rows != nil || d.err == nil {
		t.Fatalf("decodeQueue of a huge count: %d rows, err %v", len(rows), d.err)
	}
}

func TestThreadsRoundTrip(t *testing.T) {
	for _, u := range []*model.ThreadUse{
		nil,
		{BusyNs: 7_500_000_000},
		{BusyNs: 1, Wakeups: 1200, NoIdle: 340, NoIdleFrom: "sunrpc:svc_pool_thread_noidle"},
	} {
		s := fullSnapshot(4)
		s.Threads = u
		got, _, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], s) {
			t.Fatalf("threads:\n got %+v\nwant %+v", got[0].Threads, u)
		}
	}
	d := decoder{b: appendUvarint(nil, 5)} // busy ns, then the payload ends
	if u := decodeThreads(&d, &strReader{}); u != nil || d.err == nil {
		t.Fatalf("decodeThreads of a truncated payload: %+v, err %v", u, d.err)
	}
}

func TestSubmitsRoundTrip(t *testing.T) {
	for _, c := range []*model.Submits{
		nil,
		{}, // counted, none submitted: not the same as not counted
		{AIO: 1 << 40, URing: 3},
	} {
		s := fullSnapshot(4)
		s.Submits = c
		got, _, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], s) {
			t.Fatalf("submits:\n got %+v\nwant %+v", got[0].Submits, c)
		}
	}
	d := decoder{b: appendUvarint(nil, 5)} // iocbs, then the payload ends
	if c := decodeSubmits(&d); c != nil || d.err == nil {
		t.Fatalf("decodeSubmits of a truncated payload: %+v, err %v", c, d.err)
	}
}

func TestFilesRoundTrip(t *testing.T) {
	for _, c := range []*model.Files{
		nil,
		{}, // counted, none read or written: not the same as not counted
		{Count: 1, Ops: 1 << 40, Lost: 9, Top: []model.FileIO{{FH: 1<<32 - 1, Reads: 1, Writes: 1 << 40, ReadBytes: 8, WriteBytes: 1 << 50}}},
	} {
		s := fullSnapshot(4)
		s.Files = c
		got, _, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], s) {
			t.Fatalf("files:\n got %+v\nwant %+v", got[0].Files, c)
		}
	}
	row := func(fh uint64) []byte {
		return appendUvarint(appendUvarint(appendUvarint(appendUvarint(appendUvarint(nil, fh), 1), 2), 3), 4)
	}
	head := func(n uint64) []byte {
		return appendUvarint(appendUvarint(appendUvarint(appendUvarint(nil, 2), 3), 0), n)
	}
	tooMany := head(model.MaxTopFiles + 1)
	for range model.MaxTopFiles + 1 {
		tooMany = append(tooMany, row(1)...)
	}
	for name, p := range map[string][]byte{
		"truncated":     appendUvarint(nil, 5),
		"row truncated": append(head(1), row(1)[:3]...),
		"wide hash":     append(head(1), row(1<<32)...),
		"too many rows": tooMany,
	} {
		d := decoder{b: p}
		if f := decodeFiles(&d); f != nil || d.err == nil {
			t.Errorf("decodeFiles, %s: %+v, err %v", name, f, d.err)
		}
	}
}

// TestURingRoundTrip: the io_uring and libaio latency sections (21, 22),
// each alone and together.
func TestURingRoundTrip(t *testing.T) {
	for _, rows := range [][]model.AsyncLat{
		nil,
		{{Kind: model.AsyncWrite, Lat: hist(1)}},
		{{Kind: model.AsyncRead, Lat: hist(50e3, 60e3, 1e9)}, {Kind: model.AsyncWrite, Lat: hist(70e3)}, {Kind: model.AsyncSync, Lat: hist(3e6)}},
	} {
		for _, set := range []func(s *model.Snapshot){
			func(s *model.Snapshot) { s.URing, s.AIO = rows, nil },
			func(s *model.Snapshot) { s.URing, s.AIO = nil, rows },
			func(s *model.Snapshot) { s.URing, s.AIO = rows, slices.Clone(rows) },
		} {
			s := fullSnapshot(4)
			set(s)
			got, _, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], s) {
				t.Fatalf("uring, aio:\n got %+v, %+v\nwant %+v, %+v", got[0].URing, got[0].AIO, s.URing, s.AIO)
			}
		}
	}
	d := decoder{b: appendUvarint(appendUvarint(nil, 2), 0)} // two rows, a kind, then the payload ends
	if rows := decodeURing(&d, &strReader{}); rows != nil || d.err == nil {
		t.Fatalf("decodeURing of a truncated payload: %+v, err %v", rows, d.err)
	}
}

func TestCallsRoundTrip(t *testing.T) {
	for _, c := range []*model.Calls{
		nil,
		{}, // counted, none made: not the same as not counted
		{Reads: 335_229, Writes: 335_563, ReadBytes: 1 << 40, WriteBytes: 4096, Threads: 3},
		{Reads: 9, Writes: 1, Threads: 1, CPU: &model.ThreadCPU{UserNs: 60e6, SysNs: 0}},
	} {
		s := fullSnapshot(4)
		s.Calls = c
		got, _, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], s) {
			t.Fatalf("calls:\n got %+v\nwant %+v", got[0].Calls, c)
		}
	}
	d := decoder{b: appendUvarint(appendUvarint(nil, 5), 6)} // reads, writes, then the payload ends
	if c := decodeCalls(&d); c != nil || d.err == nil {
		t.Fatalf("decodeCalls of a truncated payload: %+v, err %v", c, d.err)
	}
	// The CPU times cut after the user time.
	p := appendCalls(nil, &model.Calls{Reads: 1, CPU: &model.ThreadCPU{UserNs: 1 << 40, SysNs: 1 << 40}})
	d = decoder{b: p[:len(p)-3]}
	if c := decodeCalls(&d); c != nil || d.err == nil {
		t.Fatalf("decodeCalls of CPU times cut short: %+v, err %v", c, d.err)
	}
	// A reader from before the CPU times reads the five fields and stops:
	// what it decodes is the calls without them.
	d = decoder{b: p}
	old := &model.Calls{Reads: d.uvarint(), Writes: d.uvarint(), ReadBytes: d.uvarint(), WriteBytes: d.uvarint(), Threads: d.int()}
	if d.err != nil || *old != (model.Calls{Reads: 1}) {
		t.Fatalf("the fields before the CPU times: %+v, err %v", old, d.err)
	}
}

func TestHoldersRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		rows []model.CPUHolder
	}{
		{"none", nil},
		{"every kind", []model.CPUHolder{
			{Name: "loop0", Kernel: true, Work: true, Waits: model.Waits{Count: 40, SumNs: 9_000_000}},
			{Name: "nfst-hog", Waits: model.Waits{Count: 300, SumNs: 2_000_000}},
			{Name: "ksoftirqd", Kernel: true, Waits: model.Waits{Count: 7, SumNs: 70_000}},
			{Name: "", Waits: model.Waits{Count: 1, SumNs: 1}}, // a task with no name
		}},
		// A name shared with other rows' strings, and the largest figures.
		{"shared names", []model.CPUHolder{
			{Name: "nfsd", Kernel: true, Waits: model.Waits{Count: 1<<64 - 1, SumNs: 1<<64 - 1}},
			{Name: "nfsd", Kernel: true, Work: true, Waits: model.Waits{Count: 0, SumNs: 0}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := fullSnapshot(3)
			s.Holders = tt.rows
			got, r, err := readAll(writeCapture(t, []*model.Snapshot{s, fullSnapshot(4)}, true), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || !reflect.DeepEqual(got[0].Holders, tt.rows) {
				t.Fatalf("holders:\n got %+v\nwant %+v", got[0].Holders, tt.rows)
			}
			if !reflect.DeepEqual(got[0], s) {
				t.Errorf("snapshot changed:\n got %s\nwant %s", describe(got[0]), describe(s))
			}
			if n := r.Notes(); len(n) != 0 {
				t.Errorf("notes: %q", n)
			}
		})
	}
}

// A holders section that lies about its rows is an error, not rows: a
// count its bytes cannot hold, a row cut short, a name not in the string
// table. Flag bits this version does not know are left out.
func TestHoldersDecode(t *testing.T) {
	row := func(name, flags, count, ns uint64) []byte {
		return appendUvarint(appendUvarint(appendUvarint(appendUvarint(nil, name), flags), count), ns)
	}
	st := newStrReader(false, nil)
	if err := st.add(append(appendUvarint(appendUvarint(appendUvarint(nil, 1), 1), 5), "loop0"...)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		p       []byte
		want    []model.CPUHolder
		wantErr bool
	}{
		{"huge count", appendUvarint(nil, 1<<40), nil, true},
		{"more rows than bytes", append(appendUvarint(nil, 3), row(1, 3, 1, 1)...), nil, true},
		{"row cut short", append(appendUvarint(nil, 1), row(1, 3, 1, 1<<40)[:6]...), nil, true},
		{"unknown string", append(appendUvarint(nil, 1), row(9, 0, 1, 1)...), nil, true},
		{"unknown flag bits", append(appendUvarint(nil, 1), row(1, 0xfd, 2, 3)...),
			[]model.CPUHolder{{Name: "loop0", Kernel: true, Waits: model.Waits{Count: 2, SumNs: 3}}}, false},
		{"bytes after the rows", append(append(appendUvarint(nil, 1), row(1, 2, 2, 3)...), 7),
			[]model.CPUHolder{{Name: "loop0", Work: true, Waits: model.Waits{Count: 2, SumNs: 3}}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder{b: tt.p, bud: &budget{limit: 1 << 20}}
			got := decodeHolders(&d, st)
			if (d.err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, err %v; want %+v, error %v", got, d.err, tt.want, tt.wantErr)
			}
		})
	}
}

// A reader from before the holders section skips it as an unknown section
// and reads the rest of the snapshot as it was.
func TestHoldersSkippedByOlderReader(t *testing.T) {
	s := fullSnapshot(2)
	var e snapEncoder
	st := newStrWriter()
	p := e.append(nil, 7, s, st)
	// Rename the section to a tag no reader knows, as this one is to a
	// reader from before it.
	d := decoder{b: p}
	out := appendUvarint(nil, d.uvarint())
	found := false
	for len(d.b) > 0 {
		tag := d.uvarint()
		body := d.bytes(d.count(1))
		if tag == secHolders {
			tag, found = 250, true
		}
		out = append(appendUvarint(appendUvarint(out, tag), uint64(len(body))), body...)
	}
	if d.err != nil || !found {
		t.Fatalf("snapshot payload: err %v, holders section found %v", d.err, found)
	}
	sr := newStrReader(false, nil)
	if err := sr.add(st.appendPending(nil)); err != nil {
		t.Fatal(err)
	}
	var got model.Snapshot
	if seq, err := decodeSnapshot(out, sr, &got, nil); err != nil || seq != 7 {
		t.Fatalf("decode: seq %d, err %v", seq, err)
	}
	want := *s
	want.Holders = nil
	want.Stats = model.Stats{} // travels in its own frame
	if !reflect.DeepEqual(got, want) {
		t.Errorf("snapshot without its holders:\n got %+v\nwant %+v", got, want)
	}
}

// The longest waits of the task groups travel in their own section, only
// when a group has one, and must match the groups one for one.
func TestDLongest(t *testing.T) {
	groups := []model.TaskGroup{
		{Comm: "nfsd", WaitChan: "folio_wait_bit_common", Count: 4, Longest: 169 * time.Second},
		{Comm: "jbd2", WaitChan: "jbd2_journal_commit_transaction", Count: 1}, // first seen: unknown
	}
	for _, tt := range []struct {
		name   string
		groups []model.TaskGroup
	}{
		{"one known", groups},
		{"none known", []model.TaskGroup{{Comm: "nfsd", Count: 2}}},
		{"no groups", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := fullSnapshot(1)
			s.Host.Load.DGroups = tt.groups
			got, _, err := readAll(writeCapture(t, []*model.Snapshot{s}, true), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0].Host.Load.DGroups, tt.groups) {
				t.Fatalf("groups:\n got %+v\nwant %+v", got[0].Host.Load.DGroups, tt.groups)
			}
		})
	}
	// A section for more or fewer groups than secLoad held, or with a
	// duration past int64, is an error.
	for _, body := range [][]byte{
		appendUvarint(appendUvarint(nil, 1), 5),
		appendUvarint(appendUvarint(appendUvarint(appendUvarint(nil, 3), 5), 6), 7),
		appendUvarint(appendUvarint(appendUvarint(nil, 2), 1<<63), 1),
	} {
		var e snapEncoder
		st := newStrWriter()
		s := fullSnapshot(1)
		s.Host.Load.DGroups = slices.Clone(groups)
		p := e.append(nil, 1, s, st)
		p = e.section(p, secDLongest, body)
		sr := newStrReader(false, nil)
		if err := sr.add(st.appendPending(nil)); err != nil {
			t.Fatal(err)
		}
		var got model.Snapshot
		if _, err := decodeSnapshot(p, sr, &got, nil); err == nil {
			t.Errorf("section %x: no error", body)
		}
	}
}
