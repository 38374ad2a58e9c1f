package serve

import (
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestKernelMessageCounters(t *testing.T) {
	hung := model.KlogTemplate{Class: model.KlogHungTask, Template: "INFO: task COMM:N blocked for more than N seconds.",
		Count: 2, Earlier: 3, WaitSite: "percpu_rwsem_wait;__percpu_down_read;mnt_want_write"}
	unmount := model.KlogTemplate{Class: model.KlogFS, Template: "EXT4-fs (DEV): unmounting filesystem UUID.", Count: 1}
	for _, tc := range []struct {
		name   string
		source string
		snaps  []*model.Snapshot
		want   map[string]float64 // class -> value; nil: no family
		lost   float64
	}{
		{name: "unavailable", source: "unavailable: open /dev/kmsg: operation not permitted",
			snaps: []*model.Snapshot{{}}},
		{name: "read, nothing logged", source: "/dev/kmsg", snaps: []*model.Snapshot{{}},
			want: map[string]float64{model.KlogHungTask: 0, model.KlogNFSD: 0, model.KlogFS: 0}},
		{name: "messages", source: "/dev/kmsg", snaps: []*model.Snapshot{
			{Kernel: &model.KernelLog{Templates: []model.KlogTemplate{hung, unmount}, Lost: 7}},
			{Kernel: &model.KernelLog{Templates: []model.KlogTemplate{{Class: model.KlogHungTask, Count: 1}},
				Other: map[string]uint64{model.KlogBlock: 4, "not a class": 2}}},
		}, want: map[string]float64{model.KlogHungTask: 3, model.KlogFS: 1, model.KlogBlock: 4, model.KlogOOM: 0, "other": 2}, lost: 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCollector(model.Config{KernelLog: tc.source}, "test", 8)
			for _, s := range tc.snaps {
				c.Update(s)
			}
			mfs := gather(t, c)
			mf := mfs["nfstrace_kernel_messages_total"]
			if tc.want == nil {
				if mf != nil || mfs["nfstrace_kernel_log_lost_total"] != nil {
					t.Fatalf("kernel message metrics sent without a kernel log")
				}
				return
			}
			if mf == nil {
				t.Fatal("no nfstrace_kernel_messages_total")
			}
			for class, v := range tc.want {
				m := find(mfs, "nfstrace_kernel_messages_total", map[string]string{"class": class})
				if m == nil || m.GetCounter().GetValue() != v {
					t.Errorf("class %s: %v, want %g", class, m, v)
				}
			}
			if n := len(mf.GetMetric()); n > len(model.KlogClasses())+1 {
				t.Errorf("%d label values, want at most the %d classes and other", n, len(model.KlogClasses()))
			}
			if l := mfs["nfstrace_kernel_log_lost_total"].GetMetric()[0].GetCounter().GetValue(); l != tc.lost {
				t.Errorf("lost %g, want %g", l, tc.lost)
			}
		})
	}
}
