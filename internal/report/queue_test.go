package report

import (
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestQueueWait(t *testing.T) {
	plain := busyWindow(2)
	queued := busyWindow(2)
	for i, s := range queued {
		s.Queue = []model.PoolQueue{{Pool: 0, Wait: hist(90, 10*time.Microsecond)}, {Pool: 1, Wait: hist(10, time.Duration(i+1)*40*time.Millisecond)}}
	}
	for _, tt := range []struct {
		name   string
		window []*model.Snapshot
		want   string
	}{
		{"not measured", plain, ""},
		{"pools and window summed", queued, "requests waited for a thread: p50 "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, text := frameText(t, tt.window)
			if tt.want == "" {
				if f.NFSD.QueueWait != nil || strings.Contains(text, "waited for a thread") {
					t.Fatalf("queue wait shown without data: %+v\n%s", f.NFSD.QueueWait, text)
				}
				return
			}
			q := f.NFSD.QueueWait
			if q == nil || q.Count != 200 || q.MaxNs != int64(80*time.Millisecond) {
				t.Fatalf("queue wait %+v, want 200 waits, max 80ms", q)
			}
			if !strings.Contains(text, tt.want) || !strings.Contains(text, "max 80ms") {
				t.Errorf("no queue wait in:\n%s", text)
			}
		})
	}
}

func TestThreadUse(t *testing.T) {
	measured := func(noIdleFrom string) []*model.Snapshot {
		w := busyWindow(2)
		for _, s := range w {
			// 64 threads over the interval; a quarter of their time busy
			u := &model.ThreadUse{BusyNs: uint64(16 * s.Interval())}
			if noIdleFrom != "" {
				u.Wakeups, u.NoIdle, u.NoIdleFrom = 1000, 100, noIdleFrom
			}
			s.Threads = u
		}
		return w
	}
	noPools := busyWindow(2)
	for _, s := range noPools {
		s.Host.NFSD.Pools = nil
	}
	for _, tt := range []struct {
		name    string
		window  []*model.Snapshot
		want    []string
		wantNot []string
	}{
		{"pool_stats only", busyWindow(2), []string{"16% of requests found no idle thread", "estimated from pool_stats"}, []string{"busy"}},
		{"counted by a tracepoint", measured("sunrpc:svc_pool_thread_noidle"),
			[]string{"threads 25% busy", "10% of requests found no idle thread"}, []string{"estimated"}},
		{"busy measured, no-idle estimated", measured(""), []string{"threads 25% busy", "estimated from pool_stats"}, nil},
		{"nothing to tell", noPools, nil, []string{"busy", "no idle thread"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, text := frameText(t, tt.window)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q in:\n%s", w, text)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(text, w) {
					t.Errorf("unexpected %q in:\n%s", w, text)
				}
			}
		})
	}
}

// frameText builds the frame of window on the busy host and renders it unbounded.
func frameText(t *testing.T, window []*model.Snapshot) (*Frame, string) {
	t.Helper()
	f, err := NewFrame(busyConfig(), window, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines, err := f.Lines(Layout{})
	if err != nil {
		t.Fatal(err)
	}
	return f, strings.Join(lines, "\n")
}
