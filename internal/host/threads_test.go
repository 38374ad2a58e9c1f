package host

import (
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// TestFindThreadsIOWorkers: --comm selects the threads it names and the
// io_uring workers (PF_IO_WORKER) of their processes, which do their IO;
// not the workers of a process none of whose threads it names, nor a
// thread that only calls itself iou-wrk.
func TestFindThreadsIOWorkers(t *testing.T) {
	const user = 0x400040 // PF_RANDOMIZE | PF_FORKNOEXEC: a user thread
	proc := t.TempDir()
	thread := func(pid, tid int, comm string, flags uint64) {
		t.Helper()
		dir := filepath.Join(proc, strconv.Itoa(pid), "task", strconv.Itoa(tid))
		writeTree(t, dir, map[string]string{"stat": strconv.Itoa(tid) + " (" + comm + ") S 1 1 1 0 -1 " +
			strconv.FormatUint(flags, 10) + " 0 0 0 0 1 2 0 0 20 0 3 0 500 3133440 380 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"})
	}
	thread(100, 100, "fio", user)
	thread(100, 101, "fio", user)
	thread(100, 102, "iou-wrk-101", user|PFIOWorker)
	thread(200, 200, "bash", user)
	thread(200, 201, "iou-wrk-200", user|PFIOWorker)
	thread(300, 300, "fio", user)
	thread(300, 301, "iou-wrk-300", user) // a user thread so named
	for _, tt := range []struct {
		name string
		s    Selector
		want []uint32
	}{
		{"by comm, with the workers of its processes", Selector{Comm: regexp.MustCompile("^fio$")}, []uint32{100, 101, 102, 300}},
		{"a comm that names the workers themselves", Selector{Comm: regexp.MustCompile("^iou-wrk-")}, []uint32{102, 201, 301}},
		{"by pid: every thread", Selector{PIDs: map[int]bool{200: true}}, []uint32{200, 201}},
		{"kernel threads only", Selector{Comm: regexp.MustCompile("^fio$"), KthreadOnly: true}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindThreads(proc, tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if ids := slices.Sorted(maps.Keys(got)); !slices.Equal(ids, tt.want) {
				t.Errorf("FindThreads = %v, want %v", ids, tt.want)
			}
		})
	}
}
