package model

import (
	"slices"
	"testing"
)

func TestTopHolders(t *testing.T) {
	d := WaitSite("jbd2_log_wait_commit;ext4_sync_file")
	for _, tc := range []struct {
		name    string
		weights map[LockHolder]float64
		want    HolderGroup
		inTurn  bool
		ok      bool
	}{
		{"none", nil, HolderGroup{}, false, false},
		{"one thread", map[LockHolder]float64{{Comm: "nfsd", TID: 7, State: "D", Site: d}: 5},
			HolderGroup{Comm: "nfsd", State: "D", Site: d, TID: 7, Threads: 1, Weight: 5, TIDWeight: 5}, false, true},
		{"one thread carries half its group", map[LockHolder]float64{{Comm: "fio", TID: 1, State: "R"}: 2, {Comm: "fio", TID: 2, State: "R"}: 1, {Comm: "fio", TID: 3, State: "R"}: 1},
			HolderGroup{Comm: "fio", State: "R", TID: 1, Threads: 3, Weight: 4, TIDWeight: 2}, false, true},
		{"in turn", map[LockHolder]float64{{Comm: "fio", TID: 1, State: "D", Site: d}: 1, {Comm: "fio", TID: 2, State: "D", Site: d}: 1, {Comm: "fio", TID: 3, State: "D", Site: d}: 1, {Comm: "rsync", TID: 9, State: "R"}: 2},
			HolderGroup{Comm: "fio", State: "D", Site: d, TID: 1, Threads: 3, Weight: 3, TIDWeight: 1}, true, true},
		{"a thread in two states is in two groups", map[LockHolder]float64{{Comm: "nfsd", TID: 4, State: "D", Site: d}: 3, {Comm: "nfsd", TID: 4, State: "R"}: 1, {Comm: "jbd2", TID: 5, State: "D", Site: d}: 2},
			HolderGroup{Comm: "nfsd", State: "D", Site: d, TID: 4, Threads: 1, Weight: 3, TIDWeight: 3}, false, true},
		{"ties go to the smaller comm", map[LockHolder]float64{{Comm: "b", TID: 1, State: "R"}: 1, {Comm: "a", TID: 2, State: "R"}: 1},
			HolderGroup{Comm: "a", State: "R", TID: 2, Threads: 1, Weight: 1, TIDWeight: 1}, false, true},
		{"the heaviest chain of the group", map[LockHolder]float64{
			{Comm: "mv", TID: 1, State: "D", Site: d, Chain: ChainOf([]LockHop{{Lock: "0xa", Kind: LockMutex, Owner: "x", OwnerTID: 3}})}: 2,
			{Comm: "mv", TID: 2, State: "D", Site: d, Chain: ChainOf([]LockHop{{Lock: "0xb", Kind: LockMutex, Owner: "y", OwnerTID: 4}})}: 3},
			HolderGroup{Comm: "mv", State: "D", Site: d, TID: 2, Threads: 2, Weight: 5, TIDWeight: 3,
				Chain: ChainOf([]LockHop{{Lock: "0xb", Kind: LockMutex, Owner: "y", OwnerTID: 4}})}, false, true},
		{"the named thread's chain, not a lighter thread's heavier one", map[LockHolder]float64{
			{Comm: "mv", TID: 1, State: "D", Site: d}: 1,
			{Comm: "mv", TID: 1, State: "D", Site: d, Chain: ChainOf([]LockHop{{Lock: "0xa", Kind: LockMutex, Owner: "x", OwnerTID: 3}})}: 2,
			{Comm: "mv", TID: 2, State: "D", Site: d, Chain: ChainOf([]LockHop{{Lock: "0xb", Kind: LockMutex, Owner: "y", OwnerTID: 4}})}: 2.5},
			HolderGroup{Comm: "mv", State: "D", Site: d, TID: 1, Threads: 2, Weight: 5.5, TIDWeight: 3,
				Chain: ChainOf([]LockHop{{Lock: "0xa", Kind: LockMutex, Owner: "x", OwnerTID: 3}})}, false, true},
		{"nothing weighed", map[LockHolder]float64{{Comm: "a", TID: 2, State: "R"}: 0}, HolderGroup{}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := TopHolders(tc.weights)
			if ok != tc.ok || (ok && (got != tc.want || got.InTurn() != tc.inTurn)) {
				t.Errorf("TopHolders = %+v, %v (in turn %v); want %+v, %v (in turn %v)", got, ok, got.InTurn(), tc.want, tc.ok, tc.inTurn)
			}
		})
	}
}

func TestChain(t *testing.T) {
	hops := []LockHop{
		{Lock: "0xf", Kind: LockRWSemWrite, Owner: "nfsd", OwnerTID: 21, OwnerState: "D", OwnerSite: "a;b"},
		{Lock: "0xe", Kind: LockMutex, Owner: "jbd2/vda-8", OwnerTID: 22, ReaderOwned: false, OwnerState: "R"},
		{Lock: "0xd", Kind: LockMutex}, // beyond MaxLockChain: dropped
	}
	c := ChainOf(hops)
	if got := c.Hops(); len(got) != MaxLockChain || got[0] != hops[0] || got[1] != hops[1] {
		t.Errorf("ChainOf(3 hops).Hops() = %+v", got)
	}
	if got := (LockChain{}).Hops(); got != nil {
		t.Errorf("empty chain's hops = %+v, want nil", got)
	}
	var nexts []bool
	site := func(s WaitSite, next bool) string { nexts = append(nexts, next); return string(s) }
	want := "waiting on an rwsem (to write) held by nfsd/21 (in D at a;b), which waits on a mutex held by jbd2/vda-8/22 (on CPU or runnable)"
	if got := ChainText(c.Hops(), site); got != want {
		t.Errorf("ChainText = %q\nwant %q", got, want)
	}
	if len(nexts) != 1 || !nexts[0] {
		t.Errorf("site told next %v, want [true] (a hop follows the first)", nexts)
	}
	if got := ChainText([]LockHop{{Lock: "0x1", Kind: LockRWSemRead, Owner: "git", OwnerTID: 5, ReaderOwned: true, OwnerState: "S"}}, site); got != "waiting on an rwsem (to read) held by readers, last git/5 (asleep)" {
		t.Errorf("ChainText of a reader-owned hop = %q", got)
	}
	if got := ChainText(nil, site); got != "" {
		t.Errorf("ChainText(nil) = %q", got)
	}
}

// TestLockCallers drops a lock's own frames from the top of a stack,
// keeping the caller that took it, and never the last frame.
func TestLockCallers(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"rwsem_down_write_slowpath", "down_write", "vfs_rename", "do_renameat2"}, []string{"vfs_rename", "do_renameat2"}},
		{[]string{"__mutex_lock", "mutex_lock_killable", "nfsd4_open"}, []string{"nfsd4_open"}},
		{[]string{"__down_write_common", "down_write_killable", "percpu_down_write", "freeze_super"}, []string{"freeze_super"}},
		{[]string{"down_timeout", "ata_exec"}, []string{"ata_exec"}},
		{[]string{"io_schedule", "folio_wait_bit"}, []string{"io_schedule", "folio_wait_bit"}},
		{[]string{"rwsem_down_read_slowpath"}, []string{"rwsem_down_read_slowpath"}},
		{nil, nil},
	}
	for _, tt := range tests {
		if got := LockCallers(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("LockCallers(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
