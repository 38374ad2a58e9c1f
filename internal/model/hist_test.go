package model

import (
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	for _, tc := range []struct {
		ns   uint64
		want int
	}{
		{0, 0}, {1, 1}, {2, 2}, {3, 2}, {4, 3}, {1023, 10}, {1024, 11}, {1 << 62, 63}, {1<<64 - 1, 63},
	} {
		if got := Bucket(tc.ns); got != tc.want {
			t.Errorf("Bucket(%d) = %d, want %d", tc.ns, got, tc.want)
		}
		lo, hi := BucketBounds(Bucket(tc.ns))
		if tc.ns < lo || (tc.ns >= hi && Bucket(tc.ns) < NumBuckets-1) {
			t.Errorf("%d outside bounds [%d,%d) of its bucket", tc.ns, lo, hi)
		}
	}
}

func TestHistQuantile(t *testing.T) {
	tests := []struct {
		name   string
		values []uint64
		q      float64
		lo, hi time.Duration // accepted range: log2 buckets bound the error by 2x
	}{
		{"single", []uint64{1000}, 0.5, 512, 1000},
		{"max is exact", []uint64{10, 20, 3_000_000}, 1, 3_000_000, 3_000_000},
		{"uniform p50", seq(1, 10000), 0.5, 2500, 10000},
		{"uniform p99", seq(1, 10000), 0.99, 8192, 10000},
		{"bimodal p90 in tail", append(rep(1000, 80), rep(1_000_000, 20)...), 0.9, 524288, 1_000_000},
		{"bimodal p50 in head", append(rep(1000, 80), rep(1_000_000, 20)...), 0.5, 512, 1024},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h Hist
			for _, v := range tc.values {
				h.Add(v)
			}
			got := h.Quantile(tc.q)
			if got < tc.lo || got > tc.hi {
				t.Errorf("Quantile(%v) = %v, want in [%v, %v]", tc.q, got, tc.lo, tc.hi)
			}
		})
	}
}

func TestHistMerge(t *testing.T) {
	var a, b, all Hist
	for i := uint64(1); i < 500; i++ {
		all.Add(i * 37)
		if i%2 == 0 {
			a.Add(i * 37)
		} else {
			b.Add(i * 37)
		}
	}
	a.Merge(&b)
	if a != all {
		t.Errorf("merge of halves differs from the whole: %+v vs %+v", a, all)
	}
	if all.Mean() != time.Duration(all.SumNs/all.Count) || all.Max() != 499*37 {
		t.Errorf("mean %v max %v", all.Mean(), all.Max())
	}
}

func TestWaitSite(t *testing.T) {
	w := NewWaitSite([]string{"io_schedule", "folio_wait_bit", "nfsd_vfs_write"})
	if got := w.Frames(); len(got) != 3 || got[2] != "nfsd_vfs_write" {
		t.Errorf("Frames() = %q", got)
	}
	if WaitSite("").Frames() != nil {
		t.Error("empty site has frames")
	}
}

func seq(a, b uint64) []uint64 {
	var s []uint64
	for i := a; i <= b; i++ {
		s = append(s, i)
	}
	return s
}

func rep(v uint64, n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func TestNextBootDiffers(t *testing.T) {
	for _, tc := range []struct {
		name             string
		running, newest  string
		bootLoader, want string
		differs          bool
	}{
		{"nothing known", "6.1", "", "", "", false},
		{"newest runs", "6.1", "6.1", "", "6.1", false},
		{"newer installed", "4.4", "4.9", "", "4.9", true},
		{"boot loader pins an older kernel", "4.9", "4.9", "4.4", "4.4", true},
		{"boot loader boots the running one", "4.9", "5.10", "4.9", "4.9", false},
	} {
		c := Config{KernelRelease: tc.running, InstalledKernel: tc.newest, NextBootKernel: tc.bootLoader}
		if got := c.NextBoot(); got != tc.want {
			t.Errorf("%s: NextBoot() = %q, want %q", tc.name, got, tc.want)
		}
		if got := c.NextBootDiffers(); got != tc.differs {
			t.Errorf("%s: NextBootDiffers() = %v, want %v", tc.name, got, tc.differs)
		}
	}
}
