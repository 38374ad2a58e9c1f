package model

import "testing"

func TestThreadName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"nfsd", "nfsd"},
		{"fio", "fio"},
		{"kworker/u8:3-events_unbound", "kworker"},
		{"kworker/1:1H", "kworker"},
		{"ksoftirqd/1", "ksoftirqd"},
		{"migration/0", "migration"},
		{"jbd2/vda1-8", "jbd2/vda1-8"}, // names a device, not a CPU
		{"name/", "name/"},
		{"iou-wrk-9659", "iou-wrk"},
		{"iou-sqp-9632", "iou-sqp"},
		{"iou-wrk-", "iou-wrk-"},
		{"iou-wrk-x1", "iou-wrk-x1"},
		{"db-writer-12", "db-writer-12"}, // a user's own numbering is kept
		{"", ""},
	} {
		if got := ThreadName(tt.in); got != tt.want {
			t.Errorf("ThreadName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
