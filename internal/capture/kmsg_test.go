package capture

import (
	"reflect"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// kernelSnapshots are snapshots with what the development host logged when
// dd hung on a frozen ext4 (internal/kmsg/testdata/hung-task-6.18.kmsg).
func kernelSnapshots() []*model.Snapshot {
	a, b, c := fullSnapshot(0), fullSnapshot(1), fullSnapshot(2)
	a.Kernel = &model.KernelLog{
		Templates: []model.KlogTemplate{{
			Class: model.KlogFS, Template: "EXT4-fs (DEV): mounted filesystem UUID r/w with ordered data mode. Quota mode: none.",
			Earlier: 177, First: ts(10), Last: ts(20),
			Example: "EXT4-fs (loop0): mounted filesystem be6d5792-e1e3-4ec8-bf19-db36998726ad r/w with ordered data mode. Quota mode: none.",
		}},
		Other: map[string]uint64{model.KlogFS: 3, "a class of a newer version": 1},
	}
	b.Kernel = &model.KernelLog{
		Templates: []model.KlogTemplate{{
			Class: model.KlogHungTask, Template: "INFO: task COMM:N blocked for more than N seconds.",
			Count: 2, First: ts(1100), Last: ts(1300), Blocked: 4 * time.Second,
			Example:  "INFO: task dd:4385 blocked for more than 4 seconds.\n      Not tainted 6.18.44-fc-v782 #1\nCall Trace:\n <TASK>\n __schedule+0x3dc/0xf60\n </TASK>",
			WaitSite: "percpu_rwsem_wait;__percpu_down_read;mnt_want_write;path_openat;do_filp_open;do_sys_openat2;__x64_sys_openat",
		}},
		Lost: 12,
	}
	return []*model.Snapshot{a, b, c}
}

func TestKernelLogRoundTrip(t *testing.T) {
	snaps := kernelSnapshots()
	data := writeCapture(t, snaps, true)
	for _, skip := range []bool{false, true} {
		got, r, err := readAll(data, ReadOptions{SkipEvents: skip})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(snaps) {
			t.Fatalf("%d snapshots, want %d", len(got), len(snaps))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i].Kernel, snaps[i].Kernel) {
				t.Errorf("skip events %v: snapshot %d kernel log\n got %+v\nwant %+v", skip, i, got[i].Kernel, snaps[i].Kernel)
			}
		}
		if n := r.Notes(); len(n) != 0 {
			t.Errorf("notes on a clean file: %q", n)
		}
		var frames, templates uint64
		for _, e := range r.Index().Entries {
			if e.Type == FrameKernelLog {
				frames++
				templates += e.Count
			}
		}
		if frames != 2 || templates != 2 {
			t.Errorf("index lists %d kernel log frames of %d templates, want 2 of 2 (none for an empty log)", frames, templates)
		}
	}
}

// TestKernelLogOlderReader reads a file with kernel log frames as a reader
// of the versions before them does: it skips the frames with a note and
// reads everything else the same.
func TestKernelLogOlderReader(t *testing.T) {
	snaps := kernelSnapshots()
	data := writeCapture(t, snaps, true)
	for _, skip := range []bool{false, true} {
		got, r, err := readAll(data, ReadOptions{SkipEvents: skip, skipKernelLog: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(snaps) {
			t.Fatalf("%d snapshots, want %d", len(got), len(snaps))
		}
		for i := range got {
			want := *snaps[i]
			want.Kernel = nil
			if skip {
				want.Events = nil
			}
			if !reflect.DeepEqual(*got[i], want) {
				t.Errorf("snapshot %d differs beyond its kernel log", i)
			}
		}
		notes := []string{"skipped 2 frames of unknown type 9 (written by a newer nfstrace?)"}
		if !reflect.DeepEqual(r.Notes(), notes) {
			t.Errorf("notes %q, want %q", r.Notes(), notes)
		}
	}
}

// TestKernelLogDamaged decodes every cut of a kernel log payload: an error,
// never a panic or a partial log.
func TestKernelLogDamaged(t *testing.T) {
	st := newStrWriter()
	p := appendKernelLog(nil, 7, kernelSnapshots()[1].Kernel, st)
	var sp []byte
	sp = st.appendPending(sp)
	for n := range len(p) {
		sr := newStrReader(false, nil)
		if err := sr.add(sp); err != nil {
			t.Fatal(err)
		}
		bud := &budget{limit: readBudget(int64(len(p)))}
		if _, k, err := decodeKernelLog(p[:n], sr, bud); err == nil {
			t.Fatalf("payload cut at %d of %d decoded: %+v", n, len(p), k)
		}
	}
}
