// Package kmsg reads the kernel's log from /dev/kmsg and keeps the messages
// that bear on an NFS server's latency (nfsd, sunrpc, lockd, block and
// device errors, ext4/xfs/jbd2, hung tasks with their stacks, soft lockups,
// OOM kills, allocation failures), grouped by template into a
// model.KernelLog per interval.
//
// Parsing (ParseRecord, Classify, Template, Aggregator) is apart from the
// reading of the device (Source), so that it is tested on recorded logs
// under testdata/.
package kmsg

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Record is one record of /dev/kmsg.
type Record struct {
	Facility int
	Level    int
	Seq      uint64
	// Time is the kernel's timestamp: time since boot.
	Time time.Duration
	Msg  string
}

// ParseRecord parses one record as a read of /dev/kmsg returns it:
// "PRIO,SEQ,USEC,FLAGS[,...];MESSAGE\n", then dictionary lines that start
// with a space, which are ignored.
func ParseRecord(b []byte) (Record, error) {
	var r Record
	head, msg, ok := bytes.Cut(b, []byte{';'})
	if !ok {
		return r, errors.New("kmsg record without ';'")
	}
	if i := bytes.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	fields := bytes.SplitN(head, []byte{','}, 5)
	if len(fields) < 4 {
		return r, fmt.Errorf("kmsg record header %q: want PRIO,SEQ,USEC,FLAGS", head)
	}
	prio, err := strconv.ParseUint(string(fields[0]), 10, 32)
	if err != nil {
		return r, fmt.Errorf("kmsg record priority %q: %w", fields[0], err)
	}
	if r.Seq, err = strconv.ParseUint(string(fields[1]), 10, 64); err != nil {
		return r, fmt.Errorf("kmsg record sequence %q: %w", fields[1], err)
	}
	usec, err := strconv.ParseUint(string(fields[2]), 10, 63)
	if err != nil || usec > uint64(1<<63-1)/uint64(time.Microsecond) {
		return r, fmt.Errorf("kmsg record time %q: not a time in microseconds", fields[2])
	}
	r.Facility, r.Level = int(prio>>3), int(prio&7)
	r.Time = time.Duration(usec) * time.Microsecond
	r.Msg = string(msg)
	return r, nil
}
