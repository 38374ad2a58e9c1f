package diag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func fio(iops, mean, p50, p99 float64, write bool) FioResult {
	d := &Direction{IOs: 100, IOPS: iops, ClatMeanUs: mean, ClatP50Us: p50, ClatP99Us: p99}
	if write {
		return FioResult{RuntimeMs: 3000, Write: d}
	}
	return FioResult{RuntimeMs: 3000, Read: d}
}

func TestEffects(t *testing.T) {
	tests := []struct {
		name string
		caps []TruthCapture
		want []Effect
	}{
		{
			name: "pairs by seed, whatever the order",
			caps: []TruthCapture{
				{Condition: "base", Seed: 1, Fio: fio(100, 10, 8, 40, false)},
				{Condition: "inj", Seed: 1, Fio: fio(50, 40, 16, 400, false)},
				{Condition: "inj", Seed: 2, Fio: fio(100, 10, 8, 40, false)},
				{Condition: "base", Seed: 2, Fio: fio(100, 20, 8, 80, false)},
			},
			want: []Effect{
				{Seed: 1, IOPSRatio: 0.5, MeanRatio: 4, PerIORatio: 4, P50Ratio: 2, P99Ratio: 10},
				{Seed: 2, IOPSRatio: 1, MeanRatio: 0.5, PerIORatio: 0.5, P50Ratio: 1, P99Ratio: 0.5},
			},
		},
		{
			name: "an unpaired capture gives no effect",
			caps: []TruthCapture{{Condition: "base", Seed: 1, Fio: fio(100, 10, 8, 40, true)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Effects(tt.caps); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Effects = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	dir := t.TempDir()
	truth := Truth{
		Scenario: "slow", Cause: "device", Set: "dev", Length: "5s",
		Effect: []Effect{{Seed: 1, IOPSRatio: 1, MeanRatio: 2.5, P50Ratio: 3, P99Ratio: 1.25}},
	}
	b, err := json.Marshal(truth)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "dev", "slow", "5s", "truth.json")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ts, err := LoadTruths(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteSummary(&out, ts); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("summary:\n%s\nwant a header and one row", out.String())
	}
	if f := strings.Fields(lines[1]); !reflect.DeepEqual(f, []string{"dev", "slow", "device", "5s", "1", "x1.00", "x2.50", "x3.00", "x1.25"}) {
		t.Errorf("row %q", lines[1])
	}
	if _, err := LoadTruths(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no truth.json") {
		t.Errorf("empty directory: error %v, want no truth.json", err)
	}
}

// TestCheckCPUs: a scenario pinned to a CPU the recording may not run on is
// refused before anything is recorded; lists are read as fio and taskset
// read them.
func TestCheckCPUs(t *testing.T) {
	only1 := func(n int) bool { return n == 1 }
	group := func(base, inj string) []Group {
		s := &Scenario{Name: "x"}
		s.Base.CPUs, s.Inj.CPUs = base, inj
		return []Group{{Scenario: s}}
	}
	for _, tt := range []struct {
		base, inj string
		ok        bool
	}{
		{"", "", true},
		{"1", "1", true},
		{"0", "0", false},
		{"1", "0-1", false},
		{"1", "1,3", false},
		{"1-x", "", false},
		{"3-1", "", false},
	} {
		err := checkCPUs(group(tt.base, tt.inj), only1)
		if (err == nil) != tt.ok {
			t.Errorf("cpus %q, %q: %v, want ok %v", tt.base, tt.inj, err, tt.ok)
		}
	}
	got, err := cpuList("0,2-4")
	if err != nil || fmt.Sprint(got) != "[0 2 3 4]" {
		t.Errorf("cpuList(0,2-4) = %v, %v", got, err)
	}
}
