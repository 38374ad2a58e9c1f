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
			f, err := NewFrame(busyConfig(), tt.window, Options{})
			if err != nil {
				t.Fatal(err)
			}
			lines, err := f.Lines(Layout{})
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(lines, "\n")
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
