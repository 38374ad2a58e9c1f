// Package sampler turns a host into a stream of model.Snapshots: it reads the
// host's procfs/sysfs counters once per interval and asks a Tracer (the eBPF
// backend, or the procfs D-state sampler where eBPF cannot load) for what
// counters cannot show: D-state intervals, block and RPC latency.
//
// Backends live in the subpackages ebpf and procfs. They produce model data
// and nothing else; they do not import this package, they satisfy Tracer.
package sampler

import (
	"github.com/nfstrace/nfstrace/internal/model"
)

// Tracer measures latencies over an interval. Implementations aggregate
// internally and hand over what they measured since the previous Collect.
type Tracer interface {
	// Backend describes the tracer, the label the header shows, and its probes.
	Backend() model.Backend
	// Collect moves what was measured since the previous call into snap: its
	// DState, Block and RPC rows and Stats.Events/Stats.Lost. It must not touch
	// snap.Host, which the sampler fills from procfs and sysfs.
	Collect(snap *model.Snapshot) error
	// Close detaches and frees everything.
	Close() error
}
