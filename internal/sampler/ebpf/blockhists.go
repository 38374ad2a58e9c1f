package ebpf

import (
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/nfstrace/nfstrace/internal/model"
)

// How the block latency histograms (bhists) are kept: per CPU, where each
// request's update needs no atomic operation but every entry is held once
// per possible CPU, or in one shared hash with atomic updates.
const (
	BlockHistsAuto   = "auto"   // per CPU while that stays within blockHistsBudget
	BlockHistsPerCPU = "percpu" // per CPU whatever it takes
	BlockHistsShared = "shared" // one shared hash
)

// BlockHistsChoices lists the BlockHists values, for the flag's help and checks.
var BlockHistsChoices = []string{BlockHistsAuto, BlockHistsPerCPU, BlockHistsShared}

// blockHistsBudget is the most kernel memory auto lets the per-CPU block
// histograms take: 4096 entries of 1 KiB fit on up to 7 CPUs, so that a
// large server does not give hundreds of MiB (268 MiB on 64 CPUs) to them.
const blockHistsBudget = 32 << 20

// planBlockHists decides how bhists is kept, adjusts its spec, logs the
// choice as a probe and reports whether it is per CPU.
func (t *Tracer) planBlockHists(spec *ebpf.CollectionSpec) (bool, error) {
	m := spec.Maps["bhists"]
	if m == nil {
		return false, fmt.Errorf("eBPF objects have no bhists map")
	}
	if t.disabled("block") {
		m.MaxEntries = 1 // unused, not reported
		return true, nil
	}
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		return false, fmt.Errorf("count possible CPUs: %w", err)
	}
	size := uint64(m.MaxEntries) * uint64(m.ValueSize)
	p, err := blockHistsPlan(t.opts.BlockHists, cpus, size)
	if err != nil {
		return false, err
	}
	if !p.percpu {
		m.Type = ebpf.Hash
	}
	t.blockPerCPU = p.percpu
	t.probe("block_hists", p.status, p.detail)
	return p.percpu, nil
}

// blockPlan is how bhists is kept, and the probe that says so.
type blockPlan struct {
	percpu         bool
	status, detail string
}

// blockHistsPlan decides for mode (BlockHists*, "" auto) on a machine of
// cpus possible CPUs, where the map's entries take size bytes once.
func blockHistsPlan(mode string, cpus int, size uint64) (blockPlan, error) {
	total := size * uint64(cpus)
	perCPU := blockPlan{true, model.ProbeAttached, fmt.Sprintf("per CPU: %d possible CPUs, %s", cpus, mib(total))}
	shared := blockPlan{false, model.ProbeAttached, fmt.Sprintf("shared, atomic updates, %s: asked for", mib(size))}
	switch mode {
	case BlockHistsAuto, "":
		if total <= blockHistsBudget {
			return perCPU, nil
		}
		shared.status = model.ProbeFallback
		shared.detail = fmt.Sprintf("shared, atomic updates, %s: per CPU would take %s on %d possible CPUs (--block-hists percpu)",
			mib(size), mib(total), cpus)
		return shared, nil
	case BlockHistsPerCPU:
		return perCPU, nil
	case BlockHistsShared:
		return shared, nil
	}
	return blockPlan{}, fmt.Errorf("block histograms %q: want %v", mode, BlockHistsChoices)
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
