package capture

import (
	"fmt"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// secRun holds Snapshot.Run, written only when there are rows. Added within
// version 1: older files lack it and read with no Run rows.
const secRun = 10

// appendRun encodes the Run rows: uvarint n, n x (str comm, str op, str
// client, uvarint threads, hist runnable, uvarint on-CPU ns).
func appendRun(p []byte, rows []model.Run, st *strWriter) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		r := &rows[i]
		p = appendUvarint(p, uint64(st.id(r.Comm)))
		p = appendUvarint(p, uint64(st.id(r.Op)))
		p = appendUvarint(p, uint64(st.id(r.Client)))
		p = appendUvarint(p, uint64(r.Threads))
		p = appendHist(p, &r.Runnable)
		p = appendUvarint(p, uint64(max(r.OnCPU, 0)))
	}
	return p
}

// decodeRun decodes what appendRun wrote.
func decodeRun(sd *decoder, st *strReader) []model.Run {
	c := sd.rows(9, sizeRun) // 4 uvarints, a hist of at least 4, on-CPU
	if c == 0 {
		return nil
	}
	rows := make([]model.Run, c)
	for i := range rows {
		r := &rows[i]
		r.Comm = st.str(sd)
		r.Op = st.str(sd)
		r.Client = st.str(sd)
		r.Threads = sd.int()
		sd.hist(&r.Runnable)
		r.OnCPU = time.Duration(sd.uvarint())
		if sd.err != nil {
			return nil
		}
	}
	return rows
}

// secPreempt holds Run[i].Preempted, written after secRun when a row has
// it. Added within version 1: older files lack it and read with Preempted
// nil (unknown); older readers skip it.
const secPreempt = 16

// hasPreempted reports whether a Run row knows its preemptions.
func hasPreempted(rows []model.Run) bool {
	for i := range rows {
		if rows[i].Preempted != nil {
			return true
		}
	}
	return false
}

// appendPreempted encodes the rows' preemptions: uvarint n (the Run rows),
// n x (uvarint known, and when 1: uvarint count, uvarint ns).
func appendPreempted(p []byte, rows []model.Run) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		pr := rows[i].Preempted
		if pr == nil {
			p = appendUvarint(p, 0)
			continue
		}
		p = appendUvarint(p, 1)
		p = appendUvarint(p, pr.Count)
		p = appendUvarint(p, pr.SumNs)
	}
	return p
}

// secHeld holds Run[i].HeldBy, written after secRun when a row has it.
// Added within version 1: older files lack it and read with HeldBy nil
// (unknown); older readers skip it.
const secHeld = 17

// hasHeld reports whether a Run row knows who held the CPU.
func hasHeld(rows []model.Run) bool {
	for i := range rows {
		if rows[i].HeldBy != nil {
			return true
		}
	}
	return false
}

// appendHeld encodes who held the CPU: uvarint n (the Run rows), n x
// (uvarint known, and when 1: wake, idle, traced, kernel, other, each
// uvarint count, uvarint ns).
func appendHeld(p []byte, rows []model.Run) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		h := rows[i].HeldBy
		if h == nil {
			p = appendUvarint(p, 0)
			continue
		}
		p = appendUvarint(p, 1)
		for _, w := range h.Parts() {
			p = appendUvarint(p, w.Count)
			p = appendUvarint(p, w.SumNs)
		}
	}
	return p
}

// decodeHeld decodes what appendHeld wrote into rows, which must be the
// snapshot's Run rows, already decoded.
func decodeHeld(sd *decoder, rows []model.Run) {
	if c := sd.count(1); c != len(rows) {
		sd.fail(fmt.Errorf("%d CPU holder rows for %d run rows", c, len(rows)))
		return
	}
	for i := range rows {
		if sd.uvarint() == 0 {
			continue
		}
		if err := sd.bud.take(1, sizeHeld); err != nil {
			sd.fail(err)
			return
		}
		h := &model.HeldBy{}
		for _, w := range h.Parts() {
			w.Count, w.SumNs = sd.uvarint(), sd.uvarint()
		}
		if sd.err != nil {
			return
		}
		rows[i].HeldBy = h
	}
}

// decodePreempted decodes what appendPreempted wrote into rows, which
// must be the snapshot's Run rows, already decoded.
func decodePreempted(sd *decoder, rows []model.Run) {
	if c := sd.count(1); c != len(rows) {
		sd.fail(fmt.Errorf("%d preemption rows for %d run rows", c, len(rows)))
		return
	}
	for i := range rows {
		if sd.uvarint() == 0 {
			continue
		}
		if err := sd.bud.take(1, sizePreempted); err != nil {
			sd.fail(err)
			return
		}
		rows[i].Preempted = &model.Preempted{Count: sd.uvarint(), SumNs: sd.uvarint()}
		if sd.err != nil {
			return
		}
	}
}
