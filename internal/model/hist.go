// Package model holds what every other part of nfstrace shares: the dimensions
// (kernel, IO scheduler, device, wait site, NFS operation, client), log2 latency
// histograms, per-interval snapshots and the host configuration. It imports
// nothing else of nfstrace, so backends, the capture format, report and compare
// can all depend on it without depending on each other.
package model

import (
	"math"
	"math/bits"
	"time"
)

// NumBuckets is the number of log2 buckets in a Hist. Bucket i counts values v
// (nanoseconds) with bits.Len64(v) == i, that is 2^(i-1) <= v < 2^i; bucket 0
// counts zeros. The eBPF programs use the same bucketing so that kernel-side
// histograms copy into a Hist unchanged.
const NumBuckets = 64

// Hist is a log2 histogram of durations in nanoseconds with exact count, sum
// and maximum. The zero value is empty and ready to use.
type Hist struct {
	Buckets [NumBuckets]uint64 `json:"-"`
	Count   uint64             `json:"count"`
	SumNs   uint64             `json:"sum_ns"`
	MaxNs   uint64             `json:"max_ns"`
}

// Bucket returns the bucket index of a value in nanoseconds.
func Bucket(ns uint64) int {
	b := bits.Len64(ns)
	if b >= NumBuckets {
		b = NumBuckets - 1
	}
	return b
}

// BucketBounds returns the half-open range [lo, hi) of values bucket i holds.
func BucketBounds(i int) (lo, hi uint64) {
	if i <= 0 {
		return 0, 1
	}
	lo = uint64(1) << (i - 1)
	if i >= NumBuckets-1 {
		return lo, math.MaxUint64
	}
	return lo, uint64(1) << i
}

// Add records one value.
func (h *Hist) Add(ns uint64) {
	h.Buckets[Bucket(ns)]++
	h.Count++
	h.SumNs += ns
	if ns > h.MaxNs {
		h.MaxNs = ns
	}
}

// Merge adds o into h.
func (h *Hist) Merge(o *Hist) {
	for i, c := range o.Buckets {
		h.Buckets[i] += c
	}
	h.Count += o.Count
	h.SumNs += o.SumNs
	if o.MaxNs > h.MaxNs {
		h.MaxNs = o.MaxNs
	}
}

// Empty reports whether nothing was recorded.
func (h *Hist) Empty() bool { return h.Count == 0 }

// Mean returns the exact mean.
func (h *Hist) Mean() time.Duration {
	if h.Count == 0 {
		return 0
	}
	return time.Duration(h.SumNs / h.Count)
}

// Sum returns the exact total.
func (h *Hist) Sum() time.Duration { return time.Duration(h.SumNs) }

// Max returns the exact maximum.
func (h *Hist) Max() time.Duration { return time.Duration(h.MaxNs) }

// Quantile estimates the q-quantile (0 <= q <= 1) by linear interpolation
// inside the log2 bucket that holds it, clamped to the exact maximum. The
// error is bounded by the bucket width: at most a factor of two.
func (h *Hist) Quantile(q float64) time.Duration {
	if h.Count == 0 {
		return 0
	}
	if q <= 0 {
		q = 0
	}
	if q >= 1 {
		return time.Duration(h.MaxNs)
	}
	rank := q * float64(h.Count)
	var seen float64
	for i, c := range h.Buckets {
		if c == 0 {
			continue
		}
		if seen+float64(c) >= rank {
			lo, hi := BucketBounds(i)
			if hi > h.MaxNs+1 {
				hi = h.MaxNs + 1
			}
			if hi < lo {
				hi = lo
			}
			frac := (rank - seen) / float64(c)
			v := float64(lo) + frac*float64(hi-lo)
			return time.Duration(v)
		}
		seen += float64(c)
	}
	return time.Duration(h.MaxNs)
}
