package compare

import (
	"slices"

	"github.com/nfstrace/nfstrace/internal/model"
)

// SettingWait is a total's significant change short of Options.MinChange
// that matters all the same: waits that a changed setting acts on
// directly carry most of it (see settingWait).
type SettingWait struct {
	// Parts are the rows of the breakdown's first dimension whose change,
	// or the part of it behind kernel threads, a changed setting acts on.
	Parts []SettingPart `json:"parts"`
	// Share is their part of the total's change, net.
	Share float64 `json:"share"`
	// Min is Options.MinChange, which the total fell short of.
	Min float64 `json:"min_change"`
}

// SettingPart is one row's part of a SettingWait.
type SettingPart struct {
	Key   string  `json:"key"`
	Delta float64 `json:"delta"` // per unit, B - A
	// Kernel: only the row's waits behind kernel threads count (a run
	// queue whose kernel work a setting drives).
	Kernel bool `json:"kernel,omitempty"`
}

// settingWait reads a total's significant change that is short of
// Options.MinChange (SmallShare), but by half of it or more, as mattering
// when the waits a changed configuration item acts on directly (see
// reach), each with a significant change of its own, carry leadShare of
// it or more, net: a setting can move time from one of its layers to
// another (a smaller nr_requests, from the device to the wait for a tag).
// The floor on the total stands for the drift between two recordings of
// one load, which changes no setting: a change that the changed settings'
// own layers carry is not that drift. For the run-queue layer only the
// part behind kernel threads counts when the setting acts on work the
// kernel does in threads of its own for the traced threads' pages
// (kernelWork: the dirty limits drive the flusher threads, which take the
// CPU the threads wait for); a setting that acts on the CPU itself (a
// quota, the CPUs) counts the whole layer. The kernel, which can move any
// layer, and the values it tunes itself act on none directly; a change
// that no setting's layer carries keeps the full floor.
func (c *comparison) settingWait(res *Result, m matter) {
	bd := res.Time
	if bd == nil || bd.Change.Outcome != TestSmall || bd.Small != SmallShare || len(bd.Dimensions) == 0 || len(res.Config) == 0 {
		return
	}
	if !(matter{min: m.min / 2, ran: m.ran}).enough(bd.A, bd.B) {
		return
	}
	var parts []SettingPart
	var part float64
	for _, r := range bd.Dimensions[0].Rows {
		if !r.Significant {
			continue
		}
		dir := dirOf(r.Delta)
		direct := func(layer string) bool {
			return slices.ContainsFunc(res.Config, func(ch ConfigChange) bool { return reachSide(ch, layer, dir) == reachDirect })
		}
		drives := func(kind string) bool {
			return slices.ContainsFunc(res.Config, func(ch ConfigChange) bool { return drivesKernelWork(ch, kind, dir) })
		}
		p := SettingPart{Key: r.Key}
		switch {
		case direct(r.Key):
			p.Delta = r.Delta
		case LayerKind(r.Key) == LayerCPU && slices.ContainsFunc(kernelWork, drives):
			for _, h := range c.layerShare(r, res).Held {
				if h.Holder == model.HeldKernel && (h.B-h.A)*dir > 0 {
					p.Delta, p.Kernel = h.B-h.A, true
				}
			}
		}
		if p.Delta != 0 {
			parts = append(parts, p)
			part += p.Delta
		}
	}
	share := part / bd.Change.Delta
	if share < leadShare {
		return
	}
	bd.SettingWait = &SettingWait{Parts: parts, Share: min(share, 1), Min: m.min}
	bd.Change.Outcome, bd.Change.Significant = TestSignificant, true
	bd.Small = ""
}
