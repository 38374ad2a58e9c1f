package compare

import (
	"math"
	"reflect"
	"testing"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

func TestLockOwners(t *testing.T) {
	site := model.WaitSite("io_schedule;bit_wait_io;nfsd4_write")
	capture := func(lockNs float64, owners map[model.LockHolder]float64) *Capture {
		return &Capture{lockNs: lockNs, owners: owners}
	}
	tests := []struct {
		name       string
		a, b       *Capture
		denA, denB float64
		want       []LockOwnerRow
	}{
		{
			name: "no lock waits on either side",
			a:    capture(0, nil), b: capture(0, nil), denA: 10, denB: 10,
		},
		{
			name: "nfsd threads of both runs meet in one row; the rest has no owner",
			a:    capture(100, map[model.LockHolder]float64{{Comm: "nfsd", TID: 11, State: "R", Site: ""}: 60, {Comm: "nfsd", TID: 12, State: "R", Site: ""}: 20}),
			b: capture(1000, map[model.LockHolder]float64{
				{Comm: "nfsd", TID: 21, State: "R", Site: ""}: 400, {Comm: "nfsd", TID: 22, State: "R", Site: ""}: 200,
				{Comm: "nfsd", TID: 23, State: "D", Site: site}: 300,
			}),
			denA: 10, denB: 20,
			want: []LockOwnerRow{
				{Comm: "nfsd", State: "R", A: 8, B: 30, ShareA: 0.8, ShareB: 0.6, Threads: 2},
				{Comm: "nfsd", State: "D", Site: shortSite(site, 5), B: 15, ShareB: 0.3, Threads: 1},
				{A: 2, B: 5, ShareA: 0.2, ShareB: 0.1},
			},
		},
		{
			name: "an owner only in A keeps A's thread count",
			a:    capture(50, map[model.LockHolder]float64{{Comm: "jbd2/dm-0-8", TID: 300, State: "D", Site: site}: 50}),
			b:    capture(0, nil), denA: 5, denB: 5,
			want: []LockOwnerRow{{Comm: "jbd2/dm-0-8", State: "D", Site: shortSite(site, 5), A: 10, ShareA: 1, Threads: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lockOwners(tt.a, tt.b, tt.denA, tt.denB)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d rows %+v, want %d %+v", len(got), got, len(tt.want), tt.want)
			}
			near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
			for i, w := range tt.want {
				g := got[i]
				if g.Comm != w.Comm || g.State != w.State || g.Site != w.Site || g.Threads != w.Threads ||
					!near(g.A, w.A) || !near(g.B, w.B) || !near(g.ShareA, w.ShareA) || !near(g.ShareB, w.ShareB) {
					t.Errorf("row %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

// TestOwnerText: the lock owner's sentence and the LOCK OWNERS table word
// its state the same way.
func TestOwnerText(t *testing.T) {
	site := "io_schedule;folio_wait_bit_common;ext4_da_write_begin;generic_perform_write;ext4_buffered_write_iter"
	tests := []struct {
		o    LockOwner
		want string
	}{
		{LockOwner{Comm: "nfsd", TID: 154, Share: 0.2, State: "D", Site: site}, "nfsd/154 (20% of the lock waits), itself in D at " + compactSite(site)},
		{LockOwner{Comm: "nfsd", TID: 154, Share: 0.5, State: "D"}, "nfsd/154 (50% of the lock waits), itself in D"},
		{LockOwner{Comm: "fio", Share: 1, State: "R"}, "fio (100% of the lock waits), itself running or runnable"},
		{LockOwner{Comm: "jbd2/dm-0-8", TID: 9, Share: 0.31, State: "S"}, "jbd2/dm-0-8/9 (31% of the lock waits), itself asleep (S)"},
		{LockOwner{Comm: "kworker/0:1", TID: 7, Share: 0.1, State: "I"}, "kworker/0:1/7 (10% of the lock waits), itself in state I"},
		{LockOwner{Comm: "nfsd", TID: 3, Share: 0.1}, "nfsd/3 (10% of the lock waits)"},
		{LockOwner{Comm: "fio", Threads: 6, Share: 0.9, State: "D", Site: site}, "6 fio threads in turn (90% of the lock waits), themselves in D at " + compactSite(site)},
		{LockOwner{Comm: "mv", TID: 20, Share: 1, State: "D", Site: "vfs_rename", Chain: []model.LockHop{
			{Lock: "0xf", Kind: model.LockRWSemWrite, Owner: "fio", OwnerTID: 21, OwnerState: "S"},
			{Lock: "0xe", Kind: model.LockMutex}}},
			"mv/20 (100% of the lock waits), itself in D at vfs_rename, waiting on an rwsem (to write) held by fio/21 (asleep), which waits on a mutex whose owner is unknown"},
		// A hop's owner in D at a lock the next hop names: its site from
		// the lock's caller on; the last hop's site whole.
		{LockOwner{Comm: "mv", TID: 20, Share: 1, State: "D", Site: "vfs_rename", Chain: []model.LockHop{
			{Lock: "0xf", Kind: model.LockRWSemWrite, Owner: "fio", OwnerTID: 21, OwnerState: "D", OwnerSite: "rwsem_down_read_slowpath;down_read;ext4_xattr_get"},
			{Lock: "0xe", Kind: model.LockMutex, Owner: "cp", OwnerTID: 22, OwnerState: "D", OwnerSite: "__mutex_lock;io_schedule"}}},
			"mv/20 (100% of the lock waits), itself in D at vfs_rename, waiting on an rwsem (to write) held by fio/21 (in D at ext4_xattr_get), which waits on a mutex held by cp/22 (in D at __mutex_lock ← io_schedule)"},
	}
	for _, tt := range tests {
		if got := ownerText(&tt.o); got != tt.want {
			t.Errorf("ownerText(%+v) = %q, want %q", tt.o, got, tt.want)
		}
	}
}

// TestTopOwner: writers that take turns holding a lock are one owner, named
// by thread only when one of them carries at least half of the group.
func TestTopOwner(t *testing.T) {
	const dio model.WaitSite = "io_schedule_timeout;__iomap_dio_rw"
	turns := map[model.LockHolder]float64{{Comm: "nfsd", TID: 9, State: "R"}: 10}
	for tid := 1; tid <= 6; tid++ {
		turns[model.LockHolder{Comm: "fio", TID: 100 + tid, State: "D", Site: dio}] = 15
	}
	// Holders of one group whose chains differ: the named thread's heaviest chain is the group's.
	hop := func(tid int) model.LockChain {
		return model.ChainOf([]model.LockHop{{Lock: "0xf", Kind: model.LockMutex, Owner: "jbd2/vda-8", OwnerTID: tid, OwnerState: "D"}})
	}
	chains := map[model.LockHolder]float64{
		{Comm: "nfsd", TID: 1, State: "D", Site: dio, Chain: hop(7)}: 40,
		{Comm: "nfsd", TID: 1, State: "D", Site: dio}:                30,
		{Comm: "nfsd", TID: 2, State: "D", Site: dio, Chain: hop(8)}: 30,
	}
	// An owner in D at the lock the chain's first hop names: its site
	// starts at the lock's caller; without a chain it stays whole.
	const rename model.WaitSite = "rwsem_down_write_slowpath;down_write;vfs_rename;do_renameat2"
	renamer := map[model.LockHolder]float64{{Comm: "mv", TID: 20, State: "D", Site: rename, Chain: hop(7)}: 100}
	alone := map[model.LockHolder]float64{{Comm: "mv", TID: 20, State: "D", Site: rename}: 100}
	one := map[model.LockHolder]float64{
		{Comm: "fio", TID: 101, State: "D", Site: dio}: 72,
		{Comm: "fio", TID: 102, State: "D", Site: dio}: 8,
		{Comm: "nfsd", TID: 9, State: "R"}:             20,
	}
	for _, tc := range []struct {
		name   string
		owners map[model.LockHolder]float64
		want   LockOwner
	}{
		{"turns", turns, LockOwner{Comm: "fio", Threads: 6, State: "D", Site: shortSite(dio, 5), Share: 0.9}},
		{"one", one, LockOwner{Comm: "fio", TID: 101, State: "D", Site: shortSite(dio, 5), Share: 0.72}},
		{"chains", chains, LockOwner{Comm: "nfsd", TID: 1, State: "D", Site: shortSite(dio, 5), Share: 0.7, Chain: hop(7).Hops()}},
		{"in D at the next lock", renamer, LockOwner{Comm: "mv", TID: 20, State: "D", Site: "vfs_rename ← do_renameat2", Share: 1, Chain: hop(7).Hops()}},
		{"in D at a lock, no chain", alone, LockOwner{Comm: "mv", TID: 20, State: "D", Site: shortSite(rename, 5), Share: 1}},
	} {
		c := &Capture{owners: tc.owners, lockNs: 100}
		got := topOwner(c)
		if got == nil || !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%s: topOwner = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// TestHeldIn: a lock layer whose owners were in D in another layer's waits
// for most of the lock-wait time's change joins that layer when it moved
// the same way, significantly, with a change that acts on it directly.
func TestHeldIn(t *testing.T) {
	const (
		throttled model.WaitSite = "io_schedule_timeout;balance_dirty_pages;balance_dirty_pages_ratelimited_flags;generic_perform_write;ext4_buffered_write_iter"
		dio       model.WaitSite = "io_schedule;__iomap_dio_rw;ext4_dio_write_iter"
	)
	dirty := []ConfigChange{{Item: "sysctl vm.dirty_bytes", A: "0", B: "524288"}}
	row := func(key string, delta, share float64, sig bool) Contribution {
		return Contribution{Key: key, Change: Change{Delta: delta, Significant: sig}, Share: share}
	}
	lock := row(ClassLock, 3.6, 0.37, false)
	wb := row(ClassWriteback, 3.4, 0.35, true)
	// owners gives a capture's lock-wait time (lockNs) and the part of it
	// whose owners were in D at site (the rest running).
	type owners struct {
		site       model.WaitSite
		in, lockNs float64
	}
	side := func(o owners) *Capture {
		return &Capture{
			owners: map[model.LockHolder]float64{
				{Comm: "nfsd", TID: 1, State: "D", Site: o.site}: o.in,
				{Comm: "nfsd", TID: 2, State: "R"}:               o.lockNs - o.in,
			},
			lockNs:  o.lockNs,
			classes: map[classKey]string{},
			secs:    []float64{10},
		}
	}
	before := owners{throttled, 0, 20}
	for _, tc := range []struct {
		name   string
		a, b   owners
		rows   []Contribution
		config []ConfigChange
		dir    float64
		want   string // the row that leads, "" for none
		owned  float64
	}{
		{"owners throttled", before, owners{throttled, 96, 100}, []Contribution{lock, wb}, dirty, 1, ClassWriteback, 1.2},
		{"led by the other layer", before, owners{throttled, 96, 100}, []Contribution{wb, lock}, dirty, 1, ClassWriteback, 1.2},
		// 44% of B's lock-wait time, but 55% of its rise.
		{"most of the rise", before, owners{throttled, 44, 100}, []Contribution{lock, wb}, dirty, 1, ClassWriteback, 0.55},
		{"owners mostly running", before, owners{throttled, 30, 100}, []Contribution{lock, wb}, dirty, 1, "", 0},
		// As much in the throttle before as after: not why it rose.
		{"throttled alike before", owners{throttled, 60, 80}, owners{throttled, 60, 120}, []Contribution{lock, wb}, dirty, 1, "", 0},
		{"a fall", owners{throttled, 96, 100}, before, []Contribution{row(ClassLock, -3.6, 0.37, false), row(ClassWriteback, -3.4, 0.35, true)}, dirty, -1, ClassWriteback, 1.2},
		{"owners in block IO", before, owners{dio, 96, 100}, []Contribution{lock, row(layerKey(ClassBlockIO, "vda"), 3.4, 0.35, true)}, nil, 1, "", 0},
		{"no change acts on it", before, owners{throttled, 96, 100}, []Contribution{lock, wb}, nil, 1, "", 0},
		{"not significant", before, owners{throttled, 96, 100}, []Contribution{lock, row(ClassWriteback, 3.4, 0.35, false)}, dirty, 1, "", 0},
		{"the other way", before, owners{throttled, 96, 100}, []Contribution{lock, row(ClassWriteback, -3.4, -0.35, true)}, dirty, 1, "", 0},
		{"a larger row", before, owners{throttled, 96, 100}, []Contribution{row(LayerCPU, 8, 0.8, true), lock, wb}, dirty, 1, "", 0},
		{"a small lock", before, owners{throttled, 96, 100}, []Contribution{wb, row(ClassLock, 0.2, 0.02, false)}, dirty, 1, "", 0},
		{"the lock fell", owners{throttled, 96, 100}, before, []Contribution{lock, wb}, dirty, 1, "", 0},
	} {
		c := &comparison{a: side(tc.a), b: side(tc.b)}
		h, r := c.heldIn(&Result{Config: tc.config}, tc.rows, tc.dir)
		if (h != nil) != (tc.want != "") || r.Key != tc.want {
			t.Errorf("%s: heldIn = %+v, %q; want %q", tc.name, h, r.Key, tc.want)
			continue
		}
		if h != nil && (h.Key != ClassLock || math.Abs(h.Owned-tc.owned) > 1e-9) {
			t.Errorf("%s: heldIn = %+v, want owned %v", tc.name, h, tc.owned)
		}
	}
}

// TestAside: under a time that did not change, the layer set aside is the
// significant one with a direct configuration match that moved the most,
// whichever way, not the first in the table's order.
func TestAside(t *testing.T) {
	threads := []ConfigChange{{Item: "nfsd threads", A: "8", B: "2"}}
	row := func(key string, delta float64, sig bool) Contribution {
		return Contribution{Key: key, Change: Change{Delta: delta, Significant: sig}}
	}
	for _, tc := range []struct {
		name string
		rows []Contribution
		want string // "" for none
	}{
		{"the larger move comes second", []Contribution{row(LayerCPU, -4.9, true), row(LayerQueue, 18, true)}, LayerQueue},
		{"the larger move comes first", []Contribution{row(LayerQueue, 18, true), row(LayerCPU, -4.9, true)}, LayerQueue},
		{"the larger move is not significant", []Contribution{row(LayerCPU, -4.9, true), row(LayerQueue, 18, false)}, LayerCPU},
		{"the larger move has no matching change", []Contribution{row(LayerCPU, -4.9, true), row(ClassJournal, -16, true)}, LayerCPU},
		{"nothing significant", []Contribution{row(LayerCPU, -4.9, false)}, ""},
	} {
		c := &comparison{a: newCapture("a", capture.Meta{}), b: newCapture("b", capture.Meta{})}
		res := &Result{Config: threads, Time: &Breakdown{Dimensions: []Dimension{{Rows: tc.rows}}}}
		var d Diagnosis
		c.aside(&d, res)
		got := ""
		if d.Aside != nil {
			got = d.Aside.Key
		}
		if got != tc.want {
			t.Errorf("%s: aside %q, want %q", tc.name, got, tc.want)
		}
	}
}
