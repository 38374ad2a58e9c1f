package host

import (
	"bytes"
	"fmt"
)

// Disk is one line of /proc/diskstats: cumulative counters since the device
// appeared. Times are milliseconds. Kernels before 4.18 print 14 fields,
// 4.18 to 5.4 add four discard fields (18) and 5.5 on add two flush fields
// (20); fields a kernel does not print stay zero. Some time fields are 32-bit
// on older kernels and wrap.
type Disk struct {
	Major, Minor uint32
	Name         string
	Fields       int // number of fields on the line: 14, 18 or 20

	ReadIOs, ReadMerges, ReadSectors, ReadTicks             uint64
	WriteIOs, WriteMerges, WriteSectors, WriteTicks         uint64
	InFlight                                                uint64 // a gauge, not a counter
	IOTicks, TimeInQueue                                    uint64
	DiscardIOs, DiscardMerges, DiscardSectors, DiscardTicks uint64
	FlushIOs, FlushTicks                                    uint64

	// Scheduler is the device's active IO scheduler from
	// /sys/block/NAME/queue/scheduler ("mq-deadline", "cfq", "none"), or ""
	// when the device has no scheduler file.
	Scheduler string
}

// IOs is the number of completed requests of every kind.
func (d *Disk) IOs() uint64 { return d.ReadIOs + d.WriteIOs + d.DiscardIOs + d.FlushIOs }

// parseDiskstats parses /proc/diskstats, appending to dst[:0]. intern turns
// device names into strings (nil: plain conversion). It replaces procfs's
// blockdevice.ProcDiskstats, which runs fmt.Sscanf on every line and
// allocates a new slice each sample, for a file read every interval.
func parseDiskstats(b []byte, dst []Disk, intern func([]byte) string) ([]Disk, error) {
	dst = dst[:0]
	var v [20]uint64
	for lineNo := 1; len(b) > 0; lineNo++ {
		var line []byte
		line, b = nextLine(b)
		if len(trimSpace(line)) == 0 {
			continue
		}
		nf := countFields(line)
		if nf < 14 {
			return dst, fmt.Errorf("diskstats line %d: %d fields, want at least 14", lineNo, nf)
		}
		var major, minor, name []byte
		major, line = nextField(line)
		minor, line = nextField(line)
		name, line = nextField(line)
		maj, ok1 := parseUint(major)
		min, ok2 := parseUint(minor)
		if !ok1 || !ok2 || maj > 1<<32-1 || min > 1<<32-1 {
			return dst, fmt.Errorf("diskstats line %d: bad device number %q:%q", lineNo, major, minor)
		}
		clear(v[:])
		n, bad := uintFields(line, v[:])
		if bad != nil {
			return dst, errField(fmt.Sprintf("diskstats line %d", lineNo), bad)
		}
		d := Disk{
			Major: uint32(maj), Minor: uint32(min), Fields: n + 3,
			ReadIOs: v[0], ReadMerges: v[1], ReadSectors: v[2], ReadTicks: v[3],
			WriteIOs: v[4], WriteMerges: v[5], WriteSectors: v[6], WriteTicks: v[7],
			InFlight: v[8], IOTicks: v[9], TimeInQueue: v[10],
			DiscardIOs: v[11], DiscardMerges: v[12], DiscardSectors: v[13], DiscardTicks: v[14],
			FlushIOs: v[15], FlushTicks: v[16],
		}
		if d.Fields > 20 {
			d.Fields = 20
		}
		if intern != nil {
			d.Name = intern(name)
		} else {
			d.Name = string(name)
		}
		dst = append(dst, d)
	}
	return dst, nil
}

// parseScheduler parses /sys/block/NAME/queue/scheduler: the available
// schedulers with the active one in brackets, "noop deadline [cfq]" on
// legacy block kernels, "[mq-deadline] kyber bfq none" on blk-mq, or "none"
// alone for devices that cannot have one. It returns the active scheduler
// (a subslice of b) and calls each, if not nil, for every available one.
func parseScheduler(b []byte, each func(name []byte)) (active []byte, err error) {
	var first []byte
	nf := 0
	for {
		var f []byte
		f, b = nextField(b)
		if len(f) == 0 {
			break
		}
		nf++
		name := f
		if f[0] == '[' {
			if len(f) < 3 || f[len(f)-1] != ']' {
				return nil, fmt.Errorf("scheduler: bad entry %q", f)
			}
			name = f[1 : len(f)-1]
			if active != nil {
				return nil, fmt.Errorf("scheduler: two active entries %q and %q", active, name)
			}
			active = name
		}
		if bytes.ContainsAny(name, "[]") {
			return nil, fmt.Errorf("scheduler: bad entry %q", f)
		}
		if first == nil {
			first = name
		}
		if each != nil {
			each(name)
		}
	}
	switch {
	case active != nil:
		return active, nil
	case nf == 1:
		// "none" alone: the device cannot have a scheduler.
		return first, nil
	case nf > 1:
		return nil, fmt.Errorf("scheduler: no active entry among %d", nf)
	}
	return nil, nil
}

// ParseScheduler parses the content of a queue/scheduler file into the
// active scheduler and the available ones. A lone name without brackets
// ("none") is both.
func ParseScheduler(s string) (active string, available []string, err error) {
	a, err := parseScheduler([]byte(s), func(name []byte) {
		available = append(available, string(name))
	})
	if err != nil {
		return "", nil, err
	}
	return string(a), available, nil
}
