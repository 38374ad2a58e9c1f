package ebpf

import (
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestBlockHistsPlan(t *testing.T) {
	const size = 4096 * 1072 // bhists' entries once: 4.2 MiB
	for _, tc := range []struct {
		mode   string
		cpus   int
		percpu bool
		status string
		detail string
	}{
		{"", 2, true, model.ProbeAttached, "per CPU: 2 possible CPUs, 8.4 MiB"},
		{BlockHistsAuto, 7, true, model.ProbeAttached, "per CPU: 7 possible CPUs, 29.3 MiB"},
		{BlockHistsAuto, 8, false, model.ProbeFallback, "shared, atomic updates, 4.2 MiB: per CPU would take 33.5 MiB on 8 possible CPUs"},
		{BlockHistsAuto, 64, false, model.ProbeFallback, "per CPU would take 268.0 MiB on 64 possible CPUs"},
		{BlockHistsPerCPU, 64, true, model.ProbeAttached, "per CPU: 64 possible CPUs, 268.0 MiB"},
		{BlockHistsShared, 2, false, model.ProbeAttached, "shared, atomic updates, 4.2 MiB: asked for"},
	} {
		p, err := blockHistsPlan(tc.mode, tc.cpus, size)
		if err != nil {
			t.Fatalf("%q on %d CPUs: %v", tc.mode, tc.cpus, err)
		}
		if p.percpu != tc.percpu || p.status != tc.status || !strings.Contains(p.detail, tc.detail) {
			t.Errorf("%q on %d CPUs: %+v, want per CPU %v, %s, %q", tc.mode, tc.cpus, p, tc.percpu, tc.status, tc.detail)
		}
	}
	if _, err := blockHistsPlan("fast", 2, size); err == nil {
		t.Error("mode \"fast\" accepted")
	}
}
