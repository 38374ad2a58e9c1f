package diag

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPlan(t *testing.T) {
	scen := []Scenario{{Name: "a", Set: "dev"}, {Name: "b", Set: "heldout"}}
	tests := []struct {
		name    string
		lengths []time.Duration
		seeds   []int
		want    map[string][]string // group dir -> capture files in recording order
		order   []string            // group dirs in recording order
	}{
		{
			name:    "two seeds alternate which condition goes first",
			lengths: []time.Duration{5 * time.Second},
			seeds:   []int{1, 2},
			order:   []string{"out/dev/a/5s", "out/heldout/b/5s"},
			want: map[string][]string{
				"out/dev/a/5s":     {"out/dev/a/5s/base-1.nft", "out/dev/a/5s/inj-1.nft", "out/dev/a/5s/inj-2.nft", "out/dev/a/5s/base-2.nft"},
				"out/heldout/b/5s": {"out/heldout/b/5s/base-1.nft", "out/heldout/b/5s/inj-1.nft", "out/heldout/b/5s/inj-2.nft", "out/heldout/b/5s/base-2.nft"},
			},
		},
		{
			name:    "lengths inside scenarios, named in whole seconds",
			lengths: []time.Duration{5 * time.Second, 2 * time.Minute},
			seeds:   []int{3},
			order:   []string{"out/dev/a/5s", "out/dev/a/120s", "out/heldout/b/5s", "out/heldout/b/120s"},
			want: map[string][]string{
				"out/dev/a/5s":       {"out/dev/a/5s/base-3.nft", "out/dev/a/5s/inj-3.nft"},
				"out/dev/a/120s":     {"out/dev/a/120s/base-3.nft", "out/dev/a/120s/inj-3.nft"},
				"out/heldout/b/5s":   {"out/heldout/b/5s/base-3.nft", "out/heldout/b/5s/inj-3.nft"},
				"out/heldout/b/120s": {"out/heldout/b/120s/base-3.nft", "out/heldout/b/120s/inj-3.nft"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups := Plan(scen, tt.lengths, tt.seeds, "out")
			var order []string
			got := map[string][]string{}
			for _, g := range groups {
				order = append(order, g.Dir)
				for _, c := range g.Captures {
					got[g.Dir] = append(got[g.Dir], c.Path())
					if c.Length != g.Length || c.Scenario != g.Scenario {
						t.Errorf("%s: capture of another group", c.Path())
					}
				}
			}
			if !reflect.DeepEqual(order, tt.order) {
				t.Errorf("groups %v, want %v", order, tt.order)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("captures %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCaptureCondition(t *testing.T) {
	s := Scenario{Base: Condition{Backing: "tmpfs"}, Inj: Condition{Backing: "disk"}}
	for _, c := range Plan([]Scenario{s}, []time.Duration{time.Minute}, []int{1, 2}, "o")[0].Captures {
		want := map[string]string{"base": "tmpfs", "inj": "disk"}[c.Condition]
		if got := c.Cond().Backing; got != want {
			t.Errorf("%s runs on %s, want %s", c.Name(), got, want)
		}
	}
}

func TestParseLengthsSeeds(t *testing.T) {
	tests := []struct {
		lengths, seeds string
		wantErr        string
		wantL          []time.Duration
		wantS          []int
	}{
		{lengths: "5s,30s", seeds: "1,2", wantL: []time.Duration{5 * time.Second, 30 * time.Second}, wantS: []int{1, 2}},
		{lengths: "2m", seeds: "7", wantL: []time.Duration{2 * time.Minute}, wantS: []int{7}},
		{lengths: "1s", seeds: "1", wantErr: "at least 3s"},
		{lengths: "five", seeds: "1", wantErr: `length "five"`},
		{lengths: "5s", seeds: "0", wantErr: `seed "0"`},
		{lengths: "5s", seeds: "1,1", wantErr: "seed 1 given twice"},
	}
	for _, tt := range tests {
		l, err := ParseLengths(tt.lengths)
		var s []int
		if err == nil {
			s, err = ParseSeeds(tt.seeds)
		}
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q %q: error %v, want %q", tt.lengths, tt.seeds, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(l, tt.wantL) || !reflect.DeepEqual(s, tt.wantS) {
			t.Errorf("%q %q: %v %v %v", tt.lengths, tt.seeds, l, s, err)
		}
	}
}

func TestFioArgs(t *testing.T) {
	c := defaultCondition()
	c.Fio.SharedFile, c.Fio.RateIOPS, c.CPUs = true, 300, "1"
	run := strings.Join(FioArgs(c, "/m", 3500*time.Millisecond, 2, false), " ")
	for _, want := range []string{"--directory=/m", "--filename=shared", "--rate_iops=300", "--randseed=2", "--cpus_allowed=1", "--time_based --runtime=3500ms"} {
		if !strings.Contains(run, want) {
			t.Errorf("run args %q lack %q", run, want)
		}
	}
	prep := strings.Join(FioArgs(c, "/m", 0, 2, true), " ")
	if !strings.Contains(prep, "--create_only=1") || strings.Contains(prep, "--runtime") {
		t.Errorf("prepare args %q: want --create_only and no runtime", prep)
	}
}

func TestSelect(t *testing.T) {
	all := []Scenario{{Name: "a", Set: "dev"}, {Name: "b", Set: "heldout"}, {Name: "c", Set: "dev"}, {Name: "e", Set: "heldout2"}}
	tests := []struct {
		arg     string
		want    []string
		wantErr string
	}{
		{arg: "all", want: []string{"a", "b", "c", "e"}},
		{arg: "dev", want: []string{"a", "c"}},
		{arg: "heldout", want: []string{"b"}},
		{arg: "heldout2", want: []string{"e"}},
		{arg: "c,b", want: []string{"c", "b"}},
		{arg: "d", wantErr: `no scenario "d"`},
	}
	for _, tt := range tests {
		got, err := Select(all, tt.arg)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want %q", tt.arg, err, tt.wantErr)
			}
			continue
		}
		var names []string
		for _, s := range got {
			names = append(names, s.Name)
		}
		if err != nil || !reflect.DeepEqual(names, tt.want) {
			t.Errorf("%q: %v %v, want %v", tt.arg, names, err, tt.want)
		}
	}
}

func TestFioFiles(t *testing.T) {
	tests := []struct {
		f    Fio
		want []string
	}{
		{f: Fio{NumJobs: 1}, want: []string{"diag.0.0"}},
		{f: Fio{NumJobs: 3}, want: []string{"diag.0.0", "diag.1.0", "diag.2.0"}},
		{f: Fio{NumJobs: 3, SharedFile: true}, want: []string{"shared"}},
	}
	for _, tt := range tests {
		if got := FioFiles(tt.f); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("FioFiles(%+v) = %v, want %v", tt.f, got, tt.want)
		}
	}
}
