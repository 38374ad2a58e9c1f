package compare

import (
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// The time users feel, split into layers that add up. For nfsd it is the
// latency of each NFS request, per operation; for other traced threads, the
// time they spent not running (in D state or waiting for a CPU), per second.
// Each layer is one place the time can go:
//
//	queue          waiting for a free nfsd thread (when the capture measured it)
//	cpu            runnable, waiting for a CPU (when the capture measured it)
//	block DEV      D-state waiting for block IO on device DEV ("block ?" when
//	               the backend could not name the device), and the
//	               interruptible waits for the completions of asynchronous
//	               IO (io_getevents, io_uring_enter) on DEV
//	CLASS          D-state at wait sites of one class above the block layer
//	               (writeback throttling, filesystem journal, lock, page lock,
//	               memory reclaim, network, other kernel code path)
//	request path   the rest of a request's time: on CPU, in the network,
//	               asleep other than in D
//
// A layer key is its name as above; the layer's kind (LayerKind) is what the
// diagnosis and the configuration matching reason about.

// Layer keys that are not a wait class.
const (
	LayerQueue = "queue"
	LayerCPU   = "cpu"
	LayerRest  = "request path"
	// LayerWork is not a layer of the time but the kernel's work in the
	// traced threads' own calls, on their CPU: what a run-queue layer
	// comes to when the threads waited behind each other's longer calls
	// (see Diagnosis.Work). Configuration matching reasons about it as
	// about a layer.
	LayerWork     = "kernel work"
	blockPrefix   = "block "
	unknownDevice = "?"
)

// LayerKind is the kind of a layer: "block" for every block-IO layer, the
// key otherwise.
func LayerKind(key string) string {
	if strings.HasPrefix(key, blockPrefix) {
		return "block"
	}
	return key
}

// LayerDevice is the device of a block-IO layer ("" for others and for
// block IO on a device the backend could not name).
func LayerDevice(key string) string {
	d, ok := strings.CutPrefix(key, blockPrefix)
	if !ok || d == unknownDevice {
		return ""
	}
	return d
}

// layerKey is the layer of D-state at a wait site of class cl, waited on
// device (the row's device label).
func layerKey(cl, device string) string {
	if cl != ClassBlockIO {
		return cl
	}
	if device == "" || device == model.NotBlockIO {
		device = unknownDevice
	}
	return blockPrefix + device
}
