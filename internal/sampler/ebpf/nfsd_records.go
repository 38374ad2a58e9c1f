package ebpf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/model"
)

// recordField is one field of a tracepoint's record, as its format file
// (tracefs events/SYSTEM/NAME/format) describes it.
type recordField struct {
	Type   string // "__data_loc char[]", "int", "char[16]"
	Offset uint32
	Size   uint32
}

// parseFormat returns the fields of a tracepoint record by name, from its
// format file. Lines other than "field:" lines are skipped.
func parseFormat(r io.Reader) (map[string]recordField, error) {
	fields := map[string]recordField{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "field:") {
			continue
		}
		var decl string
		var f recordField
		var haveOff, haveSize bool
		for part := range strings.SplitSeq(line, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), ":")
			if !ok {
				continue
			}
			switch k {
			case "field":
				decl = v
			case "offset", "size":
				n, err := strconv.ParseUint(v, 10, 32)
				if err != nil {
					return nil, fmt.Errorf("format line %q: %s: %w", line, k, err)
				}
				if k == "offset" {
					f.Offset, haveOff = uint32(n), true
				} else {
					f.Size, haveSize = uint32(n), true
				}
			}
		}
		i := strings.LastIndexAny(decl, " \t*")
		if i < 0 || !haveOff || !haveSize {
			return nil, fmt.Errorf("format line %q: want field:TYPE NAME; offset:N; size:N", line)
		}
		name, typ := decl[i+1:], strings.TrimSpace(decl[:i+1])
		if b := strings.IndexByte(name, '['); b > 0 { // char comm[16]
			typ, name = typ+name[b:], name[:b]
		}
		fields[name] = recordField{Type: typ, Offset: f.Offset, Size: f.Size}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, errors.New("no fields in the format")
	}
	return fields, nil
}

// tracefsDirs are where tracefs is found under sysfs: its own mount point,
// then debugfs's tracing directory (kernels before 4.1).
func tracefsDirs(sysfs string) []string {
	return []string{filepath.Join(sysfs, "kernel/tracing"), filepath.Join(sysfs, "kernel/debug/tracing")}
}

// tracefsDir returns the tracefs mount under sysfs, mounting tracefs on
// sysfs/kernel/tracing where none is mounted (a fresh machine may have
// neither tracefs nor debugfs).
func tracefsDir(sysfs string) (string, error) {
	dirs := tracefsDirs(sysfs)
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "events")); err == nil {
			return d, nil
		}
	}
	if err := unix.Mount("tracefs", dirs[0], "tracefs", 0, ""); err != nil {
		return "", fmt.Errorf("no tracefs under %s, and mounting one on %s: %w", sysfs, dirs[0], err)
	}
	return dirs[0], nil
}

// readFormat reads and parses the format of tracepoint system/name.
func readFormat(tracefs, system, name string) (map[string]recordField, error) {
	f, err := os.Open(filepath.Join(tracefs, "events", system, name, "format"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fields, err := parseFormat(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s:%s format: %w", system, name, err)
	}
	return fields, nil
}

// queueRecordPlan is how the queue wait is read from tracepoint records:
// the offsets the programs read, 0 for a field that is not there.
type queueRecordPlan struct {
	enqueue    string // enqueue tracepoint that fires only on transports queued
	enqAddrLoc uint32 // __data_loc descriptor of the enqueue's addr
	enqPidOff  uint32 // int pid of the thread woken (0: none idle), or 0
	deqAddrLoc uint32 // __data_loc descriptor of svc_xprt_dequeue's addr
}

// planQueueRecords checks that the records of enqueue (the tracepoint
// named so) and svc_xprt_dequeue carry what pairing by address needs. The
// enqueue must fire once per wait, on a transport queued: svc_xprt_do_enqueue
// (until 5.10) is traced after the kernel marked the transport busy and
// queued it; svc_xprt_enqueue too where its record has the pid of the thread
// woken (5.11 to 6.5), not where it has the transport's flags instead (6.6
// on: it fires on every call, queued or not).
func planQueueRecords(enqueue string, enq, deq map[string]recordField) (queueRecordPlan, error) {
	p := queueRecordPlan{enqueue: enqueue}
	loc := func(fields map[string]recordField, tp string) (uint32, error) {
		f, ok := fields["addr"]
		if !ok || f.Type != "__data_loc char[]" || f.Size != 4 {
			return 0, fmt.Errorf("sunrpc:%s has no __data_loc char[] addr field", tp)
		}
		return f.Offset, nil
	}
	if f, ok := enq["pid"]; ok && f.Type == "int" && f.Size == 4 {
		p.enqPidOff = f.Offset
	} else if enqueue != "svc_xprt_do_enqueue" {
		return p, fmt.Errorf("sunrpc:%s has no pid of the thread woken: it may fire on transports not queued", enqueue)
	}
	var err error
	if p.enqAddrLoc, err = loc(enq, enqueue); err != nil {
		return p, err
	}
	if p.deqAddrLoc, err = loc(deq, "svc_xprt_dequeue"); err != nil {
		return p, err
	}
	return p, nil
}

// queueByRecords attaches the queue wait programs that read tracepoint
// records, for kernels where sunrpc's BTF is missing (why says what the
// BTF-based programs lacked). It reports the queue probe and, where
// countNoIdle asks and the enqueue record has the woken thread's pid, the
// tracepoint whose program also counts searches for an idle thread.
func (l *nfsdLoader) queueByRecords(why string, countNoIdle bool) (probe model.Probe, noIdle string) {
	fail := func(err error) (model.Probe, string) {
		return model.Probe{Name: ProbeXprtEnqueue, Status: model.ProbeUnavailable,
			Detail: why + "; from the tracepoints' records: " + nfsdOneLine(err)}, ""
	}
	tracefs, err := tracefsDir(l.sysfs)
	if err != nil {
		return fail(err)
	}
	deq, err := readFormat(tracefs, "sunrpc", "svc_xprt_dequeue")
	if err != nil {
		return fail(err)
	}
	var plan queueRecordPlan
	for _, name := range []string{"svc_xprt_do_enqueue", "svc_xprt_enqueue"} {
		var enq map[string]recordField
		if enq, err = readFormat(tracefs, "sunrpc", name); err == nil {
			plan, err = planQueueRecords(name, enq, deq)
			break
		}
	}
	if err != nil {
		return fail(err)
	}
	if !countNoIdle {
		plan.enqPidOff = 0
	}
	consts := map[string]uint32{"enq_addr_loc": plan.enqAddrLoc, "enq_pid_off": plan.enqPidOff, "deq_addr_loc": plan.deqAddrLoc}
	deqProg, err := l.programWith(nfsdProgNfsdXprtDequeueRec, consts)
	if err != nil {
		return fail(err)
	}
	enqProg, err := l.programWith(nfsdProgNfsdXprtEnqueueRec, consts)
	if err != nil {
		return fail(err)
	}
	deqLink, err := link.Tracepoint("sunrpc", "svc_xprt_dequeue", deqProg, nil)
	if err != nil {
		return fail(fmt.Errorf("attach tracepoint svc_xprt_dequeue: %w", err))
	}
	enqLink, err := link.Tracepoint("sunrpc", plan.enqueue, enqProg, nil)
	if err != nil {
		deqLink.Close()
		return fail(fmt.Errorf("attach tracepoint %s: %w", plan.enqueue, err))
	}
	l.n.links = append(l.n.links, deqLink, enqLink)
	l.n.qwait = l.n.maps[nfsdMapNfsdQwait]
	detail := "tracepoint " + plan.enqueue + " and svc_xprt_dequeue records (" + why +
		"): queue wait for a free thread, paired per client address, all pools as pool 0"
	if plan.enqPidOff != 0 {
		noIdle = "sunrpc:" + plan.enqueue
	}
	return model.Probe{Name: ProbeXprtEnqueue, Status: model.ProbeAttached, Detail: detail}, noIdle
}
