package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// URingRow is the latency of the traced threads' io_uring (or libaio)
// requests of one kind (model.AsyncRead, AsyncWrite, AsyncSync), from submission to
// completion: what their asynchronous IO took, which their waits (ended by
// the first of several completions) do not show.
type URingRow struct {
	Kind    string  `json:"kind"`
	PerSec  float64 `json:"per_s"`
	Latency Latency `json:"latency"`
}

// uringTable sums the io_uring (or, with aio, libaio) request latency per
// kind.
type uringTable struct {
	aio bool
	by  map[string]*model.Hist
}

func (t *uringTable) add(s *model.Snapshot) {
	rows := s.URing
	if t.aio {
		rows = s.AIO
	}
	for i := range rows {
		r := &rows[i]
		if t.by == nil {
			t.by = map[string]*model.Hist{}
		}
		h := t.by[r.Kind]
		if h == nil {
			h = &model.Hist{}
			t.by[r.Kind] = h
		}
		h.Merge(&r.Lat)
	}
}

// rows are the kinds, most requests first, rates over sec seconds.
func (t *uringTable) rows(sec float64) []URingRow {
	rows := make([]URingRow, 0, len(t.by))
	for kind, h := range t.by {
		l := latencyOf(h)
		if l == nil {
			continue
		}
		rows = append(rows, URingRow{Kind: kind, PerSec: perSec(float64(h.Count), sec), Latency: *l})
	}
	slices.SortFunc(rows, func(a, b URingRow) int {
		if c := cmpDesc(a.PerSec, b.PerSec); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return rows
}

// uringLines are the top screen's lines for the io_uring and the libaio
// requests: "io_uring: reads 2.9k/s took mean 95µs, p50 61µs, p99 310µs;
// writes ...", then "libaio: ...", each wrapped at maxWidth columns (0: one
// line).
func (f *Frame) uringLines(maxWidth int) []string {
	return append(asyncLines("io_uring", f.URing, maxWidth), asyncLines("libaio", f.AIO, maxWidth)...)
}

func asyncLines(iface string, rows []URingRow, maxWidth int) []string {
	parts := make([]string, 0, len(rows))
	for i, r := range rows {
		l := r.Latency
		p := fmt.Sprintf("%ss %s/s took mean %s, p50 %s, p99 %s", r.Kind, model.FormatCount(r.PerSec),
			fmtNs(l.MeanNs), fmtNs(l.P50Ns), fmtNs(l.P99Ns))
		if i == 0 {
			p = iface + ": " + p
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return nil
	}
	return wrapParts(parts, maxWidth, "  ")
}
