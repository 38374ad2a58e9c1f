package host

import (
	"regexp"
	"testing"
)

func TestTargets(t *testing.T) {
	nfsd := Stat{PID: 7, Comm: []byte("nfsd"), Flags: PFKthread}
	userNfsd := Stat{PID: 8, Comm: []byte("nfsd")}
	fio := Stat{PID: 9, Comm: []byte("fio")}
	tests := []struct {
		name    string
		targets Targets
		want    string
		selects map[*Stat]bool
	}{
		{"default", Targets{}, "nfsd kernel threads",
			map[*Stat]bool{&nfsd: true, &userNfsd: false, &fio: false}},
		{"comm, kernel or user", Targets{Comm: regexp.MustCompile(`^nfsd$`)}, "comm ~ ^nfsd$",
			map[*Stat]bool{&nfsd: true, &userNfsd: true, &fio: false}},
		{"pid", Targets{PIDs: []int{9, 10}}, "pid 9,10",
			map[*Stat]bool{&nfsd: false, &userNfsd: false, &fio: true}},
		{"comm or pid", Targets{Comm: regexp.MustCompile(`nfs`), PIDs: []int{9}}, "comm ~ nfs or pid 9",
			map[*Stat]bool{&nfsd: true, &userNfsd: true, &fio: true}},
		{"all", Targets{All: true, PIDs: []int{9}}, "all threads",
			map[*Stat]bool{&nfsd: true, &userNfsd: true, &fio: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.targets.String(); got != tt.want {
				t.Errorf("String = %q, want %q", got, tt.want)
			}
			sel := tt.targets.Selector()
			for st, want := range tt.selects {
				if got := sel.Selects(st.PID, *st); got != want {
					t.Errorf("Selects(%d %s) = %v, want %v", st.PID, st.Comm, got, want)
				}
			}
		})
	}
}
