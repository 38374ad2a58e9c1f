package ebpf

import (
	"reflect"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// A lock wait that slept has its site from the switch into D, one that did
// not from contention_end: both name the same site.
func TestLockSite(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"schedule_preempt_disabled;rwsem_down_write_slowpath;down_write;ext4_file_write_iter", "rwsem_down_write_slowpath;down_write;ext4_file_write_iter"},
		{"rwsem_down_write_slowpath;down_write;ext4_file_write_iter", "rwsem_down_write_slowpath;down_write;ext4_file_write_iter"},
		{"schedule;schedule_preempt_disabled;__mutex_lock;do_unlinkat", "__mutex_lock;do_unlinkat"},
		{"schedule", "schedule"},
		{"", ""},
	} {
		if got := lockSite(model.WaitSite(tc.in)); got != tc.want {
			t.Errorf("lockSite(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Every owner of a lock gets a row of its own waits, most waits first, up
// to maxOwnerRows; the waits of the owners beyond it count with those whose
// owner is unknown, so the rows add up to every wait.
func TestLockOwnerRows(t *testing.T) {
	base := model.LockWait{Comm: "nfsd", WaitSite: "rwsem_down_write_slowpath;nfsd_vfs_write", Lock: "0xffff1", Kind: model.LockRWSemWrite}
	for _, tc := range []struct {
		name      string
		unknown   uint64 // waits with no owner, 1 ms each
		owners    int    // owners 1..n, owner i held the lock for i waits of 1 ms
		wantRows  int
		wantFirst int // tid of the first row's owner
		wantRest  uint64
	}{
		{"one owner", 0, 1, 1, 1, 0},
		{"unknown only", 5, 0, 1, 0, 5},
		{"owners in turn", 3, 6, 7, 6, 3},
		{"beyond the bound", 0, maxOwnerRows + 4, maxOwnerRows + 1, maxOwnerRows + 4, 1 + 2 + 3 + 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &lockAcc{row: base, owners: map[uint32]*lockOwner{}}
			a.row.Waits, a.row.Time = tc.unknown, time.Duration(tc.unknown)*time.Millisecond
			var total uint64 = tc.unknown
			for i := 1; i <= tc.owners; i++ {
				n := uint64(i)
				a.owners[uint32(i)] = &lockOwner{tid: uint32(i), comm: "nfsd", waits: n, ns: n * 1e6, state: "D", maxWaiters: 2}
				total += n
			}
			rows := a.rows()
			if len(rows) != tc.wantRows {
				t.Fatalf("%d rows, want %d: %+v", len(rows), tc.wantRows, rows)
			}
			if rows[0].OwnerTID != tc.wantFirst {
				t.Errorf("first row's owner %d, want %d", rows[0].OwnerTID, tc.wantFirst)
			}
			var waits, rest uint64
			var ns time.Duration
			for i, r := range rows {
				waits += r.Waits
				ns += r.Time
				if r.Comm != base.Comm || r.Lock != base.Lock || r.WaitSite != base.WaitSite {
					t.Errorf("row %d lost its names: %+v", i, r)
				}
				if r.OwnerTID == 0 {
					rest += r.Waits
					continue
				}
				if r.OwnerWaits != r.Waits || r.Time != time.Duration(r.Waits)*time.Millisecond || r.OwnerState != "D" {
					t.Errorf("row %d does not carry its owner's own waits: %+v", i, r)
				}
				if i > 0 && rows[i-1].OwnerTID != 0 && rows[i-1].Waits < r.Waits {
					t.Errorf("row %d has more waits than the one before it", i)
				}
			}
			if waits != total || ns != time.Duration(total)*time.Millisecond {
				t.Errorf("rows add up to %d waits, %v; want %d, %v", waits, ns, total, time.Duration(total)*time.Millisecond)
			}
			if rest != tc.wantRest {
				t.Errorf("%d waits without a named owner, want %d", rest, tc.wantRest)
			}
		})
	}
}

// A key's chain is named hop by hop up to the first hop with no lock; a
// hop whose lock had no owner keeps the lock, with no owner.
func TestLockChainHops(t *testing.T) {
	comm := func(s string) (c [16]int8) {
		for i := range s {
			c[i] = int8(s[i])
		}
		return c
	}
	var t0 Tracer
	for _, tc := range []struct {
		name  string
		chain [model.MaxLockChain]coreLhop
		want  []model.LockHop
	}{
		{"none", [model.MaxLockChain]coreLhop{}, nil},
		{"one hop", [model.MaxLockChain]coreLhop{{Lock: 0xf0, OwnerComm: comm("mv"), OwnerTid: 20, OwnerState: 2, OwnerStackId: -1, Flags: lcbWrite}},
			[]model.LockHop{{Lock: "0xf0", Kind: model.LockRWSemWrite, Owner: "mv", OwnerTID: 20, OwnerState: "D"}}},
		{"two hops, the last without owner", [model.MaxLockChain]coreLhop{
			{Lock: 0xf0, OwnerComm: comm("git"), OwnerTid: 5, OwnerState: 1, OwnerStackId: -1, Flags: lcbRead | lkeyReaderOwns},
			{Lock: 0xe0, OwnerStackId: -1, Flags: lcbMutex}},
			[]model.LockHop{{Lock: "0xf0", Kind: model.LockRWSemRead, Owner: "git", OwnerTID: 5, ReaderOwned: true, OwnerState: "S"},
				{Lock: "0xe0", Kind: model.LockMutex}}},
		{"a gap ends it", [model.MaxLockChain]coreLhop{{}, {Lock: 0xe0, OwnerTid: 3, OwnerStackId: -1, Flags: lcbMutex}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := t0.lockChain(&tc.chain); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("lockChain = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
