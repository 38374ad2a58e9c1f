package capture

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/nfstrace/nfstrace/internal/model"
)

// A capture may come from anyone, so reading one is bounded in memory and
// time by the size of the file, whatever its frames say:
//
//   - a frame's payload may decompress to at most maxExpansion times its
//     stored size (but always to minDecodeAllowance, and never past
//     maxDecoded);
//   - everything a read decodes (strings, snapshot rows, scheduler changes,
//     events) is charged, at its size in memory, to a budget of budgetBase
//     plus budgetPerByte for each byte of the file, at most maxBudget;
//   - resynchronising after damage checksums at most resyncPerByte times
//     the file's size in candidate frames.
//
// A file over a limit is refused with one line naming the frame's offset.
// The writer never writes a frame over the expansion limit (it stores such
// a payload uncompressed), and a real capture holds well under the budget:
// a histogram row takes about 600 bytes in memory and 10 to 30 on disk.
const (
	maxExpansion       = 256
	minDecodeAllowance = 1 << 20
	budgetBase         = 64 << 20
	budgetPerByte      = 256
	maxBudget          = 4 << 30
	resyncPerByte      = 4
)

// ErrLimit is a capture that would take more memory to read than its size
// allows: a crafted or badly damaged file.
var ErrLimit = errors.New("over the reading limit")

// decodeLimit is the most a frame stored in stored bytes may decompress to.
func decodeLimit(stored int) int {
	return min(maxDecoded, max(minDecodeAllowance, stored*maxExpansion))
}

// readBudget is what reading a file of size bytes may decode.
func readBudget(size int64) int64 {
	if size > (maxBudget-budgetBase)/budgetPerByte {
		return maxBudget
	}
	return budgetBase + size*budgetPerByte
}

// budget counts what a read has decoded against what it may. A nil budget
// is unlimited.
type budget struct {
	limit, used int64
}

// take charges n values of size bytes each.
func (b *budget) take(n int, size uintptr) error {
	if b == nil {
		return nil
	}
	c := int64(n) * int64(size)
	if n < 0 || c < 0 || c > b.limit-b.used {
		return fmt.Errorf("%w: would decode %d MiB, more than the %d MiB a file of this size may hold",
			ErrLimit, (b.used+max(c, 0))>>20, b.limit>>20)
	}
	b.used += c
	return nil
}

// Sizes in memory of what a read decodes.
const (
	sizeString    = unsafe.Sizeof("")
	sizeEvent     = unsafe.Sizeof(model.DEvent{})
	sizeChange    = unsafe.Sizeof(model.SchedChange{})
	sizeSnap      = unsafe.Sizeof(model.Snapshot{})
	sizeDState    = unsafe.Sizeof(model.DState{})
	sizeBlock     = unsafe.Sizeof(model.Block{})
	sizeRPC       = unsafe.Sizeof(model.RPC{})
	sizeGroup     = unsafe.Sizeof(model.TaskGroup{})
	sizePool      = unsafe.Sizeof(model.Pool{})
	sizeOpCount   = unsafe.Sizeof(model.OpCount{})
	sizeDevice    = unsafe.Sizeof(model.Device{})
	sizeRun       = unsafe.Sizeof(model.Run{})
	sizeQueue     = unsafe.Sizeof(model.PoolQueue{})
	sizeLock      = unsafe.Sizeof(model.LockWait{})
	sizeHop       = unsafe.Sizeof(model.LockHop{})
	sizeWaker     = unsafe.Sizeof(model.Waker{})
	sizeThreads   = unsafe.Sizeof(model.ThreadUse{})
	sizeCalls     = unsafe.Sizeof(model.Calls{})
	sizeThreadCPU = unsafe.Sizeof(model.ThreadCPU{})
	sizeSubmits   = unsafe.Sizeof(model.Submits{})
	sizeFiles     = unsafe.Sizeof(model.Files{})
	sizeFileIO    = unsafe.Sizeof(model.FileIO{})
	sizeURing     = unsafe.Sizeof(model.AsyncLat{})
	sizePreempted = unsafe.Sizeof(model.Preempted{})
	sizeHeld      = unsafe.Sizeof(model.HeldBy{})
	sizeWaits     = unsafe.Sizeof(model.Waits{})
	sizeHolder    = unsafe.Sizeof(model.CPUHolder{})
)
