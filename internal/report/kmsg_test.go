package report

import (
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// hungTask is the template the development host logged for dd stuck on a
// frozen ext4 (internal/kmsg/testdata/hung-task-6.18.kmsg).
func hungTask(count, earlier uint64, last time.Time) model.KlogTemplate {
	return model.KlogTemplate{
		Class: model.KlogHungTask, Template: "INFO: task COMM:N blocked for more than N seconds.",
		Count: count, Earlier: earlier, First: last, Last: last, Blocked: 4 * time.Second,
		Example:  "INFO: task dd:4385 blocked for more than 4 seconds.\n      Not tainted 6.18.44-fc-v782 #1\n </TASK>",
		WaitSite: "percpu_rwsem_wait;__percpu_down_read;mnt_want_write;path_openat",
	}
}

func TestKernelLogFrame(t *testing.T) {
	a, b := idleSnapshot(), idleSnapshot()
	b.Start, b.End = a.End, a.End.Add(a.Interval())
	unmount := model.KlogTemplate{Class: model.KlogFS, Template: "EXT4-fs (DEV): unmounting filesystem UUID.",
		Count: 1, First: b.Start, Last: b.Start, Example: "EXT4-fs (loop1): unmounting filesystem aa1d9075-2fa2-4142-a111-c73fba0642be."}
	a.Kernel = &model.KernelLog{Templates: []model.KlogTemplate{hungTask(0, 3, a.Start.Add(-time.Hour))}}
	b.Kernel = &model.KernelLog{Templates: []model.KlogTemplate{hungTask(2, 0, b.End), unmount}, Lost: 5}
	cfg := busyConfig()
	cfg.KernelLog = "/dev/kmsg"
	f, err := NewFrame(cfg, []*model.Snapshot{a, b}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := f.Kernel
	if k == nil || len(k.Rows) != 2 || k.Lost != 5 {
		t.Fatalf("kernel log %+v, want two templates and 5 lost", k)
	}
	h := k.Rows[0]
	if h.Class != model.KlogHungTask || h.Count != 2 || h.Earlier != 3 || h.PerSec != 2/f.WindowSec || h.BlockedNs != int64(4*time.Second) {
		t.Errorf("hung task row %+v: want first, 2 in the window at %g/s, 3 before", h, 2/f.WindowSec)
	}
	lines, err := f.Lines(Layout{Width: 200})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"BEFORE RUN",
		"INFO: task dd:4385 blocked for more than 4 seconds. in percpu_rwsem_wait < __percpu_down_read < mnt_want_write",
		"EXT4-fs (loop1): unmounting filesystem",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("top text lacks %q:\n%s", want, text)
		}
	}
}

func TestKernelLogUnavailable(t *testing.T) {
	for _, tc := range []struct {
		source string
		want   string // the section's line, "" for no section
	}{
		{"", ""},
		{"unavailable: open /dev/kmsg: operation not permitted", "kernel log unavailable: open /dev/kmsg: operation not permitted"},
		{"/dev/kmsg", "no hung task, lockup, OOM kill, or nfsd, RPC, block or filesystem message in the window"},
	} {
		cfg := busyConfig()
		cfg.KernelLog = tc.source
		f, err := NewFrame(cfg, []*model.Snapshot{idleSnapshot()}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		lines, err := f.Lines(Layout{})
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(lines, "\n")
		if got := strings.Contains(text, "KERNEL LOG"); got != (tc.want != "") || !strings.Contains(text, tc.want) {
			t.Errorf("source %q: section %v, want line %q:\n%s", tc.source, got, tc.want, text)
		}
	}
}

func TestKernelLogReport(t *testing.T) {
	a, b := idleSnapshot(), idleSnapshot()
	b.Start, b.End = a.End, a.End.Add(a.Interval())
	b.Kernel = &model.KernelLog{Templates: []model.KlogTemplate{hungTask(2, 0, b.End)}}
	cfg := busyConfig()
	cfg.KernelLog = "/dev/kmsg"
	sum, err := Summarize(cfg, []*model.Snapshot{a, b}, SummaryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Series) != 2 || len(sum.Series[0].Kernel) != 0 || len(sum.Series[1].Kernel) != 1 || sum.Series[1].Kernel[0].Count != 2 {
		t.Fatalf("series kernel logs %+v, want the hung task in the second step only", sum.Series)
	}
	var out strings.Builder
	if err := sum.Render(&out, Layout{Width: 200}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	want := b.Start.UTC().Format("15:04:05") + "    hung_task      2  INFO: task dd:4385 blocked for more than 4 seconds. in percpu_rwsem_wait"
	if !strings.Contains(text, "KERNEL LOG BY STEP") || !strings.Contains(text, want) {
		t.Errorf("report lacks the step's hung task %q:\n%s", want, text)
	}
}
