package capture

import (
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
		p = appendInt(p, r.Threads)
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

// preempted is a Run row's Preempted field.
func preempted(r *model.Run) **model.Waits { return &r.Preempted }

// hasPreempted reports whether a Run row knows its preemptions.
func hasPreempted(rows []model.Run) bool { return hasWaits(rows, preempted) }

// appendPreempted encodes the rows' preemptions: uvarint n (the Run rows),
// n x (uvarint known, and when 1: uvarint count, uvarint ns).
func appendPreempted(p []byte, rows []model.Run) []byte { return appendOneWaits(p, rows, preempted) }

// decodePreempted decodes what appendPreempted wrote into rows, which
// must be the snapshot's Run rows, already decoded.
func decodePreempted(sd *decoder, rows []model.Run) {
	decodeOneWaits(sd, rows, "preemption", sizePreempted, preempted)
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
	return appendRunWaits(p, rows, func(r *model.Run) []*model.Waits {
		if r.HeldBy == nil {
			return nil
		}
		parts := r.HeldBy.Parts()
		return parts[:]
	})
}

// decodeHeld decodes what appendHeld wrote into rows, which must be the
// snapshot's Run rows, already decoded.
func decodeHeld(sd *decoder, rows []model.Run) {
	decodeRunWaits(sd, rows, "CPU holder", sizeHeld, func(r *model.Run) []*model.Waits {
		r.HeldBy = &model.HeldBy{}
		parts := r.HeldBy.Parts()
		return parts[:]
	})
}

// secOutside holds Run[i].Outside, written after secRun when a row has it.
// Added within version 1: older files lack it and read with Outside nil
// (unknown); older readers skip it.
const secOutside = 23

// outside is a Run row's Outside field.
func outside(r *model.Run) **model.Waits { return &r.Outside }

// hasOutside reports whether a Run row knows its waits outside calls.
func hasOutside(rows []model.Run) bool { return hasWaits(rows, outside) }

// appendOutside encodes the rows' waits outside calls: uvarint n (the Run
// rows), n x (uvarint known, and when 1: uvarint count, uvarint ns).
func appendOutside(p []byte, rows []model.Run) []byte { return appendOneWaits(p, rows, outside) }

// decodeOutside decodes what appendOutside wrote into rows, which must be
// the snapshot's Run rows, already decoded.
func decodeOutside(sd *decoder, rows []model.Run) {
	decodeOneWaits(sd, rows, "outside-call", sizeWaits, outside)
}

// hasWaits reports whether a Run row has field set.
func hasWaits(rows []model.Run, field func(*model.Run) **model.Waits) bool {
	for i := range rows {
		if *field(&rows[i]) != nil {
			return true
		}
	}
	return false
}

// appendOneWaits encodes a section of one counted wait per Run row, the
// row's field (appendRunWaits).
func appendOneWaits(p []byte, rows []model.Run, field func(*model.Run) **model.Waits) []byte {
	return appendRunWaits(p, rows, func(r *model.Run) []*model.Waits {
		if w := *field(r); w != nil {
			return []*model.Waits{w}
		}
		return nil
	})
}

// decodeOneWaits decodes what appendOneWaits wrote into rows' field.
func decodeOneWaits(sd *decoder, rows []model.Run, what string, size uintptr, field func(*model.Run) **model.Waits) {
	decodeRunWaits(sd, rows, what, size, func(r *model.Run) []*model.Waits {
		w := &model.Waits{}
		*field(r) = w
		return []*model.Waits{w}
	})
}

// appendRunWaits encodes a section of counted waits added to the Run rows:
// uvarint n (the rows), n x (uvarint known, and when 1: each of the row's
// waits as uvarint count, uvarint ns). waits returns a row's, nil when it
// does not know them.
func appendRunWaits(p []byte, rows []model.Run, waits func(*model.Run) []*model.Waits) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		ws := waits(&rows[i])
		if ws == nil {
			p = appendUvarint(p, 0)
			continue
		}
		p = appendUvarint(p, 1)
		for _, w := range ws {
			p = appendUvarint(p, w.Count)
			p = appendUvarint(p, w.SumNs)
		}
	}
	return p
}

// decodeRunWaits decodes what appendRunWaits wrote into rows, which must
// be the snapshot's Run rows, already decoded: a count that differs is an
// error, and each known row costs the read budget size bytes. set gives a
// known row its value and returns the waits to fill; what names the
// section's rows in errors.
func decodeRunWaits(sd *decoder, rows []model.Run, what string, size uintptr, set func(*model.Run) []*model.Waits) {
	if !sd.countOf(len(rows), what+" rows", "run rows") {
		return
	}
	for i := range rows {
		if sd.uvarint() == 0 {
			continue
		}
		if err := sd.bud.take(1, size); err != nil {
			sd.fail(err)
			return
		}
		for _, w := range set(&rows[i]) {
			w.Count, w.SumNs = sd.uvarint(), sd.uvarint()
		}
		if sd.err != nil {
			return
		}
	}
}
