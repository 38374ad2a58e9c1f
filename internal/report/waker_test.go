package report

import (
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestWokenByColumn(t *testing.T) {
	withWakers := busyWindow(2)
	for _, s := range withWakers {
		s.Wakers = []model.Waker{
			{Comm: "nfsd", WaitSite: stackCommit, Waker: model.WakerIRQ, Count: 20, Time: time.Second},
			{Comm: "nfsd", WaitSite: stackCommit, Waker: "kworker", Count: 5, Time: time.Second},
			{Comm: "nfsd", WaitSite: stackWrite, Waker: "nfsd", Count: 19, Time: time.Second},
		}
	}
	tests := []struct {
		name   string
		window []*model.Snapshot
		want   map[string]string // wait-site line containing key -> must contain value
	}{
		{"none", busyWindow(2), nil},
		{"per site", withWakers, map[string]string{
			"io_schedule":             "irq (80%)",
			"rwsem_down_write_failed": "nfsd (100%)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFrame(busyConfig(), tt.window, Options{})
			if err != nil {
				t.Fatal(err)
			}
			lines, err := f.Lines(Layout{Width: 250})
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(lines, "\n")
			if got := strings.Contains(text, "WOKEN BY"); got != (tt.want != nil) {
				t.Fatalf("WOKEN BY column shown: %v, want %v:\n%s", got, tt.want != nil, text)
			}
			for site, cell := range tt.want {
				found := false
				for _, l := range lines {
					if strings.Contains(l, site) {
						found = true
						if !strings.Contains(l, cell) {
							t.Errorf("line %q lacks %q", l, cell)
						}
					}
				}
				if !found {
					t.Errorf("no line for %s:\n%s", site, text)
				}
			}
		})
	}
}
