package compare

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// Templates as internal/kmsg makes them of messages of the development host
// (a hung dd on a frozen ext4) and of the kernel's svc code.
const (
	tmplHung = "INFO: task COMM:N blocked for more than N seconds."
	tmplSvc  = "svc: failed to register nfsdv3 RPC service (errno N)."
	siteHung = "percpu_rwsem_wait;__percpu_down_read;mnt_want_write;path_openat;do_filp_open"
)

// withKernel returns the scenario's capture with each interval's kernel log
// made by klog (nil: nothing logged), read from /dev/kmsg unless source
// says otherwise.
func withKernel(sc scenario, name, source string, klog func(i int, s *model.Snapshot) *model.KernelLog) *Capture {
	snaps := sc.snapshots()
	for i, s := range snaps {
		s.Kernel = klog(i, s)
	}
	cfg := sc.config()
	cfg.KernelLog = source
	return FromSnapshots(name, capture.Meta{Config: cfg, Interval: time.Second}, snaps)
}

// svcAt logs the svc template a Poisson-like number of times an interval
// around mean.
func svcAt(seed uint64, mean float64) func(int, *model.Snapshot) *model.KernelLog {
	r := rand.New(rand.NewPCG(seed, 7))
	return func(_ int, s *model.Snapshot) *model.KernelLog {
		n := 0
		for range 4 * int(mean+1) {
			if r.Float64() < mean/float64(4*int(mean+1)) {
				n++
			}
		}
		if n == 0 {
			return nil
		}
		return &model.KernelLog{Templates: []model.KlogTemplate{{Class: model.KlogSunRPC, Template: tmplSvc,
			Count: uint64(n), First: s.Start, Last: s.End, Example: "svc: failed to register nfsdv3 RPC service (errno 111)."}}}
	}
}

func kernelRow(t *testing.T, res *Result, template string) KernelChange {
	t.Helper()
	if res.Kernel == nil {
		t.Fatal("no kernel log comparison")
	}
	for _, k := range res.Kernel.Templates {
		if k.Template == template {
			return k
		}
	}
	t.Fatalf("no template %q in %+v", template, res.Kernel.Templates)
	return KernelChange{}
}

func TestKernelRateChange(t *testing.T) {
	for _, tc := range []struct {
		name         string
		meanA, meanB float64
		wantSig      bool
		wantMore     bool
		seedA, seedB uint64
	}{
		{name: "three times as often", meanA: 2, meanB: 6, wantSig: true, wantMore: true, seedA: 1, seedB: 2},
		{name: "a third as often", meanA: 6, meanB: 2, wantSig: true, seedA: 3, seedB: 4},
		{name: "same rate", meanA: 3, meanB: 3, seedA: 5, seedB: 6},
		{name: "same rate again", meanA: 3, meanB: 3, seedA: 7, seedB: 8},
		{name: "same low rate", meanA: 0.3, meanB: 0.3, seedA: 9, seedB: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := withKernel(baseline(), "A", "/dev/kmsg", svcAt(tc.seedA, tc.meanA))
			b := withKernel(baseline(), "B", "/dev/kmsg", svcAt(tc.seedB, tc.meanB))
			res, err := Compare(a, b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			k := kernelRow(t, res, tmplSvc)
			if !k.Tested || k.Significant != tc.wantSig || tc.wantSig && (k.RateB > k.RateA) != tc.wantMore {
				t.Errorf("rate %g/s → %g/s, p %g, significant %v; want significant %v", k.RateA, k.RateB, k.P, k.Significant, tc.wantSig)
			}
			ev := strings.Join(res.Verdict.Evidence, "\n")
			if strings.Contains(ev, tmplSvc) != tc.wantSig {
				t.Errorf("evidence mentions the template: %v, want %v:\n%s", !tc.wantSig, tc.wantSig, ev)
			}
		})
	}
}

// TestKernelHungTaskEvidence: a hung-task report in B only is a wait site
// with its duration in the verdict's evidence and a new row of the block.
func TestKernelHungTaskEvidence(t *testing.T) {
	a := withKernel(baseline(), "A", "/dev/kmsg", func(int, *model.Snapshot) *model.KernelLog { return nil })
	b := withKernel(baseline(), "B", "/dev/kmsg", func(i int, s *model.Snapshot) *model.KernelLog {
		if i != 10 && i != 12 {
			return nil
		}
		return &model.KernelLog{Templates: []model.KlogTemplate{{Class: model.KlogHungTask, Template: tmplHung,
			Count: 1, First: s.End, Last: s.End, Blocked: time.Duration(i-8) * time.Second, WaitSite: siteHung,
			Example: "INFO: task dd:4385 blocked for more than 4 seconds."}}}
	})
	res, err := Compare(a, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := kernelRow(t, res, tmplHung)
	if k.Status != KernelAppeared || k.A != 0 || k.B != 2 || k.BlockedB != int64(4*time.Second) {
		t.Errorf("hung task %+v, want appeared, 2 in B, blocked up to 4s", k)
	}
	ev := strings.Join(res.Verdict.Evidence, "\n")
	want := "hung task (kernel's detector) at percpu_rwsem_wait"
	if !strings.Contains(ev, want) || !strings.Contains(ev, "B 2 report(s), blocked up to 4.0s: worse in B") {
		t.Errorf("evidence lacks the hung task as a wait site with its duration:\n%s", ev)
	}
	var out strings.Builder
	if err := res.Render(&out, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if !strings.Contains(text, "KERNEL LOG: templates that appeared") || !strings.Contains(text, "hung_task  new in B") {
		t.Errorf("text lacks the kernel log block:\n%s", text)
	}
	var js strings.Builder
	if err := res.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
}

func TestKernelLogSources(t *testing.T) {
	none := func(int, *model.Snapshot) *model.KernelLog { return nil }
	for _, tc := range []struct {
		name, srcA, srcB string
		want             string // in the evidence; "" for no kernel line
		nilResult        bool
	}{
		{name: "older captures", nilResult: true},
		{name: "both read, nothing logged", srcA: "/dev/kmsg", srcB: "/dev/kmsg"},
		{name: "unreadable in B", srcA: "/dev/kmsg", srcB: "unavailable: open /dev/kmsg: operation not permitted",
			want: "kernel log: read in only one capture"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Compare(withKernel(baseline(), "A", tc.srcA, none), withKernel(baseline(), "B", tc.srcB, none), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if (res.Kernel == nil) != tc.nilResult {
				t.Fatalf("kernel log comparison %+v, want nil %v", res.Kernel, tc.nilResult)
			}
			ev := strings.Join(res.Verdict.Evidence, "\n")
			if got := strings.Contains(ev, "kernel log"); got != (tc.want != "") || !strings.Contains(ev, tc.want) {
				t.Errorf("evidence:\n%s\nwant %q", ev, tc.want)
			}
		})
	}
}

// TestKernelHungTaskSite: a hung task whose stack is a wait site the traced
// threads sleep at is read with that site's D-time.
func TestKernelHungTaskSite(t *testing.T) {
	none := func(int, *model.Snapshot) *model.KernelLog { return nil }
	hung := func(i int, s *model.Snapshot) *model.KernelLog {
		if i != 3 {
			return nil
		}
		return &model.KernelLog{Templates: []model.KlogTemplate{{Class: model.KlogHungTask, Template: tmplHung,
			Count: 1, First: s.End, Last: s.End, Blocked: 122 * time.Second,
			WaitSite: "rwsem_down_write_slowpath;down_write;ext4_buffered_write_iter;ext4_file_write_iter;do_iter_readv_writev;vfs_iter_write;nfsd_vfs_write",
			Example:  "INFO: task nfsd:812 blocked for more than 122 seconds."}}}
	}
	res, err := Compare(withKernel(baseline(), "A", "/dev/kmsg", none), withKernel(baseline(), "B", "/dev/kmsg", hung), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := strings.Join(res.Verdict.Evidence, "\n")
	want := "hung task (kernel's detector) at rwsem_down_write_slowpath ← down_write ← ext4_buffered_write_iter ← … ← nfsd_vfs_write (lock): " +
		"A none; B 1 report(s), blocked up to 122s: worse in B; the traced threads' D-time at that wait site: "
	if !strings.Contains(ev, want) {
		t.Errorf("evidence lacks %q:\n%s", want, ev)
	}
}
