//go:build !386 && !amd64

package ebpf

import (
	"errors"

	"github.com/cilium/ebpf"
)

// The nfsd object is built for amd64 only (nfsd_gen.go); elsewhere LoadNFSD
// reports every probe unavailable with this error.
func loadNfsd() (*ebpf.CollectionSpec, error) {
	return nil, errors.New("nfsd programs are built for amd64 only")
}

const (
	nfsdMapNfsdCounters          = "nfsd_counters"
	nfsdMapNfsdFiles             = "nfsd_files"
	nfsdMapNfsdGen               = "nfsd_gen"
	nfsdMapNfsdQwait             = "nfsd_qwait"
	nfsdMapNfsdRpc               = "nfsd_rpc"
	nfsdMapThreadOp              = "thread_op"
	nfsdProgNfsdCompound         = "nfsd_compound"
	nfsdProgNfsdCompoundStatus   = "nfsd_compound_status"
	nfsdProgNfsdDispatchEntry    = "nfsd_dispatch_entry"
	nfsdProgNfsdDispatchReturn   = "nfsd_dispatch_return"
	nfsdProgNfsdFileRead         = "nfsd_file_read"
	nfsdProgNfsdFileWrite        = "nfsd_file_write"
	nfsdProgNfsdPoolThreadFound  = "nfsd_pool_thread_found"
	nfsdProgNfsdPoolThreadNoidle = "nfsd_pool_thread_noidle"
	nfsdProgNfsdQueueDequeue     = "nfsd_queue_dequeue"
	nfsdProgNfsdQueueProcess     = "nfsd_queue_process"
	nfsdProgNfsdSvcDrop          = "nfsd_svc_drop"
	nfsdProgNfsdSvcProcess       = "nfsd_svc_process"
	nfsdProgNfsdSvcStatsLatency  = "nfsd_svc_stats_latency"
	nfsdProgNfsdXprtEnqueue      = "nfsd_xprt_enqueue"
	nfsdProgNfsdXprtEnqueueFlags = "nfsd_xprt_enqueue_flags"
	nfsdProgNfsdXprtEnqueueRqst  = "nfsd_xprt_enqueue_rqst"
	nfsdProgNfsdXprtDequeueRec   = "nfsd_xprt_dequeue_rec"
	nfsdProgNfsdXprtEnqueueRec   = "nfsd_xprt_enqueue_rec"
)

// nfsdHist mirrors struct hist of the nfsd object.
type nfsdHist = coreHist

// nfsdFileKey and nfsdFileVal mirror struct file_key and file_val.
type nfsdFileKey struct {
	Fh    uint32
	Gen   uint8
	Write uint8
	Pad   [2]uint8
}

type nfsdFileVal struct {
	Ops   uint64
	Bytes uint64
}
