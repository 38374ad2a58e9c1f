package diag

import (
	"encoding/json"
	"fmt"
)

// FioResult is what fio measured over one capture's workload, per
// direction that did any IO.
type FioResult struct {
	RuntimeMs int64      `json:"runtime_ms"`
	Read      *Direction `json:"read,omitempty"`
	Write     *Direction `json:"write,omitempty"`
}

// Direction is fio's figures for reads or writes: completions per second,
// completion-latency percentiles (clat: from the IO's submission to its
// completion, the whole syscall for the synchronous engines) and the mean
// total latency (lat: from when fio issued the IO, the submission call
// included, to its completion). For the asynchronous engines they differ:
// an IO the kernel completes inside io_submit (an unaligned direct write
// under the inode lock) has all of its time in submission, none in clat.
type Direction struct {
	IOs        int64   `json:"ios"`
	IOPS       float64 `json:"iops"`
	ClatMeanUs float64 `json:"clat_mean_us"`
	ClatP50Us  float64 `json:"clat_p50_us"`
	ClatP99Us  float64 `json:"clat_p99_us"`
	// LatMeanUs is 0 in recordings made before it was kept.
	LatMeanUs float64 `json:"lat_mean_us,omitempty"`
}

// MeanUs is the mean latency the workload felt: the total (lat) where
// recorded, else the completion latency.
func (d *Direction) MeanUs() float64 {
	if d.LatMeanUs > 0 {
		return d.LatMeanUs
	}
	return d.ClatMeanUs
}

// MeanUs is the mean latency of all of r's IOs, reads and writes weighted
// by their counts: the total (lat) with lat, else the completion latency;
// 0 when r did no IO or, with lat, a direction that did IO has no total.
// A mixed workload feels the time each of its IOs took, whichever way it
// went: heldout47's nr_requests pair, reads 19% faster and writes 32%
// slower, about half each, is 7% slower per IO, where the busier direction
// alone says 32%.
func (r FioResult) MeanUs(lat bool) float64 {
	var n, sum float64
	for _, d := range []*Direction{r.Read, r.Write} {
		if d == nil || d.IOs <= 0 {
			continue
		}
		m := d.ClatMeanUs
		if lat {
			m = d.LatMeanUs
		}
		if m <= 0 {
			return 0
		}
		n += float64(d.IOs)
		sum += float64(d.IOs) * m
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// LatencyRatio is b's mean latency per IO over a's, reads and writes
// together (MeanUs): the total latency where both kept it for every
// direction, else the completion latency for both; 0 when unknown. It is
// the benchmark's measure of what the workload felt (docs/diagnosis.md).
func LatencyRatio(a, b FioResult) float64 {
	ma, mb := a.MeanUs(true), b.MeanUs(true)
	if ma <= 0 || mb <= 0 {
		ma, mb = a.MeanUs(false), b.MeanUs(false) // one side without lat: both clat
	}
	if ma <= 0 || mb <= 0 {
		return 0
	}
	return mb / ma
}

// IOPS is the sum over directions.
func (r FioResult) IOPS() float64 {
	var s float64
	for _, d := range []*Direction{r.Read, r.Write} {
		if d != nil {
			s += d.IOPS
		}
	}
	return s
}

// Main is the direction with the most IOs, the one the workload is about.
func (r FioResult) Main() *Direction {
	if r.Write != nil && (r.Read == nil || r.Write.IOs > r.Read.IOs) {
		return r.Write
	}
	return r.Read
}

// Mains is the same direction of two results, the one with the most IOs
// in the two together: a ratio of two runs must not set one's reads
// against the other's writes, as each run's own Main can when a mixed
// workload's directions are near even. nil, nil when they share none.
func Mains(a, b FioResult) (*Direction, *Direction) {
	ios := func(d *Direction) int64 {
		if d == nil {
			return 0
		}
		return d.IOs
	}
	switch {
	case a.Write != nil && b.Write != nil && (a.Read == nil || b.Read == nil || ios(a.Write)+ios(b.Write) > ios(a.Read)+ios(b.Read)):
		return a.Write, b.Write
	case a.Read != nil && b.Read != nil:
		return a.Read, b.Read
	}
	return nil, nil
}

type fioJSON struct {
	Jobs []struct {
		Error int    `json:"error"`
		Read  fioDir `json:"read"`
		Write fioDir `json:"write"`
	} `json:"jobs"`
}

type fioDir struct {
	TotalIOs  int64   `json:"total_ios"`
	IOPS      float64 `json:"iops"`
	RuntimeMs int64   `json:"runtime"`
	Clat      struct {
		Mean       float64            `json:"mean"`
		Percentile map[string]float64 `json:"percentile"`
	} `json:"clat_ns"`
	Lat struct {
		Mean float64 `json:"mean"`
	} `json:"lat_ns"`
}

// ParseFio reads fio's --output-format=json output of a --group_reporting
// run (one job entry).
func ParseFio(b []byte) (FioResult, error) {
	var j fioJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return FioResult{}, fmt.Errorf("fio output: %w", err)
	}
	if len(j.Jobs) != 1 {
		return FioResult{}, fmt.Errorf("fio output: %d jobs, want 1 (group_reporting)", len(j.Jobs))
	}
	job := j.Jobs[0]
	if job.Error != 0 {
		return FioResult{}, fmt.Errorf("fio reported error %d", job.Error)
	}
	var r FioResult
	for _, d := range []struct {
		in  fioDir
		out **Direction
	}{{job.Read, &r.Read}, {job.Write, &r.Write}} {
		if d.in.TotalIOs == 0 {
			continue
		}
		r.RuntimeMs = max(r.RuntimeMs, d.in.RuntimeMs)
		p50, ok50 := d.in.Clat.Percentile["50.000000"]
		p99, ok99 := d.in.Clat.Percentile["99.000000"]
		if !ok50 || !ok99 {
			return FioResult{}, fmt.Errorf("fio output: no clat p50/p99 percentiles")
		}
		*d.out = &Direction{IOs: d.in.TotalIOs, IOPS: d.in.IOPS, ClatMeanUs: d.in.Clat.Mean / 1e3, ClatP50Us: p50 / 1e3, ClatP99Us: p99 / 1e3,
			LatMeanUs: d.in.Lat.Mean / 1e3}
	}
	if r.Read == nil && r.Write == nil {
		return FioResult{}, fmt.Errorf("fio output: no IO completed")
	}
	return r, nil
}
