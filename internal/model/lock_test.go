package model

import "testing"

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
		{"one thread", map[LockHolder]float64{{"nfsd", 7, "D", d}: 5},
			HolderGroup{Comm: "nfsd", State: "D", Site: d, TID: 7, Threads: 1, Weight: 5, TIDWeight: 5}, false, true},
		{"one thread carries half its group", map[LockHolder]float64{{"fio", 1, "R", ""}: 2, {"fio", 2, "R", ""}: 1, {"fio", 3, "R", ""}: 1},
			HolderGroup{Comm: "fio", State: "R", TID: 1, Threads: 3, Weight: 4, TIDWeight: 2}, false, true},
		{"in turn", map[LockHolder]float64{{"fio", 1, "D", d}: 1, {"fio", 2, "D", d}: 1, {"fio", 3, "D", d}: 1, {"rsync", 9, "R", ""}: 2},
			HolderGroup{Comm: "fio", State: "D", Site: d, TID: 1, Threads: 3, Weight: 3, TIDWeight: 1}, true, true},
		{"a thread in two states is in two groups", map[LockHolder]float64{{"nfsd", 4, "D", d}: 3, {"nfsd", 4, "R", ""}: 1, {"jbd2", 5, "D", d}: 2},
			HolderGroup{Comm: "nfsd", State: "D", Site: d, TID: 4, Threads: 1, Weight: 3, TIDWeight: 3}, false, true},
		{"ties go to the smaller comm", map[LockHolder]float64{{"b", 1, "R", ""}: 1, {"a", 2, "R", ""}: 1},
			HolderGroup{Comm: "a", State: "R", TID: 2, Threads: 1, Weight: 1, TIDWeight: 1}, false, true},
		{"nothing weighed", map[LockHolder]float64{{"a", 2, "R", ""}: 0}, HolderGroup{}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := TopHolders(tc.weights)
			if ok != tc.ok || (ok && (got != tc.want || got.InTurn() != tc.inTurn)) {
				t.Errorf("TopHolders = %+v, %v (in turn %v); want %+v, %v (in turn %v)", got, ok, got.InTurn(), tc.want, tc.ok, tc.inTurn)
			}
		})
	}
}
