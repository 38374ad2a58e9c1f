package capture

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// A Snapshot frame holds the sequence number of the snapshot, then tagged
// sections: tag, byte length, bytes. A reader skips sections whose tag it
// does not know, and ignores bytes at the end of a known section after the
// fields it knows: later versions add fields by appending them to a section
// or by adding sections, without breaking older readers.
//
// Host.Changes, Stats and Events are not in the Snapshot frame: they travel
// in the Sched, Stats and Events frames written just before it.
const (
	secTimes    = 1
	secLoad     = 2
	secNFSD     = 3
	secDevices  = 4
	secPressure = 5
	secDState   = 6
	secBlock    = 7
	secRPC      = 8
	// secDClients, added after the first release, holds the Client of each
	// DState row in the order of secDState; it follows that section and is
	// written only when a row has a client. Older readers skip it.
	secDClients = 9
	// secDLongest, added within version 1, holds the Longest of each
	// Load.DGroups group in the order of secLoad; it follows that section
	// and is written only when a group has one. Older readers skip it;
	// older files read with Longest 0 (unknown).
	secDLongest = 26
)

// snapEncoder reuses its scratch buffer between snapshots.
type snapEncoder struct {
	sec []byte
}

func (e *snapEncoder) section(b []byte, tag uint64, body []byte) []byte {
	b = appendUvarint(b, tag)
	b = appendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

func (e *snapEncoder) append(b []byte, seq uint64, s *model.Snapshot, st *strWriter) []byte {
	b = appendUvarint(b, seq)

	p := e.sec[:0]
	p = appendVarint(p, unixNano(s.Start))
	p = appendVarint(p, unixNano(s.End)-unixNano(s.Start))
	b = e.section(b, secTimes, p)

	l := &s.Host.Load
	p = e.sec[:0]
	p = appendFloat(p, l.Avg1)
	p = appendFloat(p, l.Avg5)
	p = appendFloat(p, l.Avg15)
	p = appendInt(p, l.Running)
	p = appendInt(p, l.InD)
	p = appendUvarint(p, uint64(len(l.DGroups)))
	for i := range l.DGroups {
		g := &l.DGroups[i]
		p = appendUvarint(p, uint64(st.id(g.Comm)))
		p = appendUvarint(p, uint64(st.id(g.WaitChan)))
		p = appendUvarint(p, uint64(st.id(string(g.Stack))))
		p = appendInt(p, g.Count)
	}
	b = e.section(b, secLoad, p)
	if slices.ContainsFunc(l.DGroups, func(g model.TaskGroup) bool { return g.Longest > 0 }) {
		p = e.sec[:0]
		p = appendUvarint(p, uint64(len(l.DGroups)))
		for i := range l.DGroups {
			p = appendUvarint(p, uint64(max(l.DGroups[i].Longest, 0)))
		}
		b = e.section(b, secDLongest, p)
	}

	n := &s.Host.NFSD
	p = e.sec[:0]
	p = appendBool(p, n.Running)
	p = appendInt(p, n.Threads)
	p = appendUvarint(p, uint64(st.id(n.Versions)))
	p = appendInt(p, n.ThreadsInD)
	p = appendUvarint(p, n.RCHits)
	p = appendUvarint(p, n.RCMisses)
	p = appendUvarint(p, n.RCNoCache)
	p = appendUvarint(p, n.ReadBytes)
	p = appendUvarint(p, n.WriteBytes)
	p = appendUvarint(p, uint64(len(n.Pools)))
	for _, pl := range n.Pools {
		p = appendInt(p, pl.ID)
		p = appendUvarint(p, pl.PacketsArrived)
		p = appendUvarint(p, pl.SocketsQueued)
		p = appendUvarint(p, pl.ThreadsWoken)
		p = appendUvarint(p, pl.ThreadsTimedout)
	}
	p = appendUvarint(p, uint64(len(n.Ops)))
	for _, o := range n.Ops {
		p = appendUvarint(p, uint64(st.id(o.Proto)))
		p = appendUvarint(p, uint64(st.id(o.Op)))
		p = appendUvarint(p, o.Count)
		p = appendFloat(p, o.Rate)
	}
	b = e.section(b, secNFSD, p)

	p = e.sec[:0]
	p = appendUvarint(p, uint64(len(s.Host.Devices)))
	for i := range s.Host.Devices {
		dv := &s.Host.Devices[i]
		p = appendUvarint(p, uint64(st.id(dv.Name)))
		p = appendUvarint(p, uint64(st.id(dv.Scheduler)))
		p = appendFloat(p, dv.ReadIOPS)
		p = appendFloat(p, dv.WriteIOPS)
		p = appendFloat(p, dv.ReadBps)
		p = appendFloat(p, dv.WriteBps)
		p = appendFloat(p, dv.AwaitMs)
		p = appendFloat(p, dv.Util)
		p = appendUvarint(p, dv.InFlight)
	}
	b = e.section(b, secDevices, p)

	if pr := s.Host.Pressure; pr != nil {
		p = e.sec[:0]
		p = appendFloat(p, pr.SomeAvg10)
		p = appendFloat(p, pr.FullAvg10)
		p = appendUvarint(p, pr.SomeUs)
		p = appendUvarint(p, pr.FullUs)
		b = e.section(b, secPressure, p)
	}

	if len(s.DState) > 0 {
		p = e.sec[:0]
		p = appendDRows(p, s.DState, st)
		b = e.section(b, secDState, p)
		if hasDClient(s.DState) {
			p = e.sec[:0]
			p = appendUvarint(p, uint64(len(s.DState)))
			for i := range s.DState {
				p = appendUvarint(p, uint64(st.id(s.DState[i].Client)))
			}
			b = e.section(b, secDClients, p)
		}
	}
	if len(s.Block) > 0 {
		p = e.sec[:0]
		p = appendUvarint(p, uint64(len(s.Block)))
		for i := range s.Block {
			r := &s.Block[i]
			p = appendUvarint(p, uint64(st.id(r.Device)))
			p = appendUvarint(p, uint64(st.id(r.Scheduler)))
			p = appendUvarint(p, uint64(st.id(r.Op)))
			p = appendUvarint(p, uint64(st.id(r.Size)))
			p = appendHist(p, &r.Queue)
			p = appendHist(p, &r.Service)
		}
		b = e.section(b, secBlock, p)
	}
	if len(s.RPC) > 0 {
		p = e.sec[:0]
		p = appendUvarint(p, uint64(len(s.RPC)))
		for i := range s.RPC {
			r := &s.RPC[i]
			p = appendUvarint(p, uint64(st.id(r.Version)))
			p = appendUvarint(p, uint64(st.id(r.Op)))
			p = appendUvarint(p, uint64(st.id(r.Client)))
			p = appendUvarint(p, uint64(st.id(r.Status)))
			p = appendHist(p, &r.Hist)
		}
		b = e.section(b, secRPC, p)
	}
	if len(s.Run) > 0 {
		p = appendRun(e.sec[:0], s.Run, st)
		b = e.section(b, secRun, p)
		if hasPreempted(s.Run) {
			p = appendPreempted(e.sec[:0], s.Run)
			b = e.section(b, secPreempt, p)
		}
		if hasHeld(s.Run) {
			p = appendHeld(e.sec[:0], s.Run)
			b = e.section(b, secHeld, p)
		}
		if hasOutside(s.Run) {
			p = appendOutside(e.sec[:0], s.Run)
			b = e.section(b, secOutside, p)
		}
	}
	if len(s.Holders) > 0 {
		p = appendHolders(e.sec[:0], s.Holders, st)
		b = e.section(b, secHolders, p)
	}
	if len(s.AsyncIO) > 0 {
		p = appendAsyncIO(e.sec[:0], s.AsyncIO, st)
		b = e.section(b, secAsyncIO, p)
	}
	if len(s.Wakers) > 0 {
		p = appendWakers(e.sec[:0], s.Wakers, st)
		b = e.section(b, secWakers, p)
	}
	if len(s.Queue) > 0 {
		p = appendQueue(e.sec[:0], s.Queue)
		b = e.section(b, secQueue, p)
	}
	if len(s.Locks) > 0 {
		p = appendLocks(e.sec[:0], s.Locks, st)
		b = e.section(b, secLocks, p)
		if hasChain(s.Locks) {
			p = appendLockChains(e.sec[:0], s.Locks, st)
			b = e.section(b, secLockChains, p)
		}
	}
	if s.Threads != nil {
		p = appendThreads(e.sec[:0], s.Threads, st)
		b = e.section(b, secThreads, p)
	}
	if s.Calls != nil {
		p = appendCalls(e.sec[:0], s.Calls)
		b = e.section(b, secCalls, p)
	}
	if s.Submits != nil {
		p = appendSubmits(e.sec[:0], s.Submits)
		b = e.section(b, secSubmits, p)
	}
	if s.Files != nil {
		p = appendFiles(e.sec[:0], s.Files)
		b = e.section(b, secFiles, p)
	}
	if len(s.URing) > 0 {
		p = appendURing(e.sec[:0], s.URing, st)
		b = e.section(b, secURing, p)
	}
	if len(s.AIO) > 0 {
		p = appendURing(e.sec[:0], s.AIO, st)
		b = e.section(b, secAIO, p)
	}
	e.sec = p[:0]
	return b
}

// appendDRows encodes D-state rows: uvarint count, then per row the string
// ids of comm, wait site, device, scheduler and op, uvarint threads, hist.
func appendDRows(p []byte, rows []model.DState, st *strWriter) []byte {
	p = appendUvarint(p, uint64(len(rows)))
	for i := range rows {
		r := &rows[i]
		p = appendUvarint(p, uint64(st.id(r.Comm)))
		p = appendUvarint(p, uint64(st.id(string(r.WaitSite))))
		p = appendUvarint(p, uint64(st.id(r.Device)))
		p = appendUvarint(p, uint64(st.id(r.Scheduler)))
		p = appendUvarint(p, uint64(st.id(r.Op)))
		p = appendInt(p, r.Threads)
		p = appendHist(p, &r.Hist)
	}
	return p
}

// decodeDRows decodes what appendDRows wrote.
func decodeDRows(sd *decoder, st *strReader) []model.DState {
	c := sd.rows(10, sizeDState)
	if c == 0 {
		return nil
	}
	rows := make([]model.DState, c)
	for i := range rows {
		r := &rows[i]
		r.Comm = st.str(sd)
		r.WaitSite = model.WaitSite(st.str(sd))
		r.Device = st.str(sd)
		r.Scheduler = st.str(sd)
		r.Op = st.str(sd)
		r.Threads = sd.int()
		sd.hist(&r.Hist)
	}
	return rows
}

func hasDClient(rows []model.DState) bool {
	for i := range rows {
		if rows[i].Client != "" {
			return true
		}
	}
	return false
}

// decodeSnapshot fills s (whose Changes, Stats and Events the caller sets)
// from a Snapshot frame payload and returns its sequence number.
func decodeSnapshot(p []byte, st *strReader, s *model.Snapshot, bud *budget) (uint64, error) {
	if err := bud.take(1, sizeSnap); err != nil {
		return 0, err
	}
	d := decoder{b: p}
	seq := d.uvarint()
	for d.err == nil && len(d.b) > 0 {
		tag := d.uvarint()
		body := d.bytes(d.count(1))
		if d.err != nil {
			break
		}
		sd := decoder{b: body, bud: bud}
		switch tag {
		case secTimes:
			start := sd.varint()
			dur := sd.varint()
			s.Start = fromUnixNano(start)
			s.End = fromUnixNano(start + dur)
		case secLoad:
			l := &s.Host.Load
			l.Avg1, l.Avg5, l.Avg15 = sd.float(), sd.float(), sd.float()
			l.Running = sd.int()
			l.InD = sd.int()
			if n := sd.rows(4, sizeGroup); n > 0 {
				l.DGroups = make([]model.TaskGroup, n)
				for i := range l.DGroups {
					g := &l.DGroups[i]
					g.Comm = st.str(&sd)
					g.WaitChan = st.str(&sd)
					g.Stack = model.WaitSite(st.str(&sd))
					g.Count = sd.int()
				}
			}
		case secNFSD:
			n := &s.Host.NFSD
			n.Running = sd.bool()
			n.Threads = sd.int()
			n.Versions = st.str(&sd)
			n.ThreadsInD = sd.int()
			n.RCHits = sd.uvarint()
			n.RCMisses = sd.uvarint()
			n.RCNoCache = sd.uvarint()
			n.ReadBytes = sd.uvarint()
			n.WriteBytes = sd.uvarint()
			if c := sd.rows(5, sizePool); c > 0 {
				n.Pools = make([]model.Pool, c)
				for i := range n.Pools {
					pl := &n.Pools[i]
					pl.ID = sd.int()
					pl.PacketsArrived = sd.uvarint()
					pl.SocketsQueued = sd.uvarint()
					pl.ThreadsWoken = sd.uvarint()
					pl.ThreadsTimedout = sd.uvarint()
				}
			}
			if c := sd.rows(11, sizeOpCount); c > 0 {
				n.Ops = make([]model.OpCount, c)
				for i := range n.Ops {
					o := &n.Ops[i]
					o.Proto = st.str(&sd)
					o.Op = st.str(&sd)
					o.Count = sd.uvarint()
					o.Rate = sd.float()
				}
			}
		case secDevices:
			if c := sd.rows(51, sizeDevice); c > 0 {
				s.Host.Devices = make([]model.Device, c)
				for i := range s.Host.Devices {
					dv := &s.Host.Devices[i]
					dv.Name = st.str(&sd)
					dv.Scheduler = st.str(&sd)
					dv.ReadIOPS = sd.float()
					dv.WriteIOPS = sd.float()
					dv.ReadBps = sd.float()
					dv.WriteBps = sd.float()
					dv.AwaitMs = sd.float()
					dv.Util = sd.float()
					dv.InFlight = sd.uvarint()
				}
			}
		case secPressure:
			pr := &model.Pressure{}
			pr.SomeAvg10 = sd.float()
			pr.FullAvg10 = sd.float()
			pr.SomeUs = sd.uvarint()
			pr.FullUs = sd.uvarint()
			s.Host.Pressure = pr
		case secDState:
			s.DState = decodeDRows(&sd, st)
		case secDLongest:
			l := &s.Host.Load
			sd.countOf(len(l.DGroups), "longest waits", "task groups")
			for i := range l.DGroups {
				if sd.err != nil {
					break
				}
				if v := sd.uvarint(); v <= math.MaxInt64 {
					l.DGroups[i].Longest = time.Duration(v)
				} else {
					sd.fail(fmt.Errorf("longest wait %d ns out of range", v))
				}
			}
		case secDClients:
			sd.countOf(len(s.DState), "clients", "D-state rows")
			for i := range s.DState {
				if sd.err != nil {
					break
				}
				s.DState[i].Client = st.str(&sd)
			}
		case secBlock:
			if c := sd.rows(12, sizeBlock); c > 0 {
				s.Block = make([]model.Block, c)
				for i := range s.Block {
					r := &s.Block[i]
					r.Device = st.str(&sd)
					r.Scheduler = st.str(&sd)
					r.Op = st.str(&sd)
					r.Size = st.str(&sd)
					sd.hist(&r.Queue)
					sd.hist(&r.Service)
				}
			}
		case secRun:
			s.Run = decodeRun(&sd, st)
		case secPreempt:
			decodePreempted(&sd, s.Run)
		case secHeld:
			decodeHeld(&sd, s.Run)
		case secOutside:
			decodeOutside(&sd, s.Run)
		case secHolders:
			s.Holders = decodeHolders(&sd, st)
		case secAsyncIO:
			s.AsyncIO = decodeAsyncIO(&sd, st)
		case secWakers:
			s.Wakers = decodeWakers(&sd, st)
		case secQueue:
			s.Queue = decodeQueue(&sd)
		case secLocks:
			s.Locks = decodeLocks(&sd, st)
		case secLockChains:
			decodeLockChains(&sd, s.Locks, st)
		case secThreads:
			s.Threads = decodeThreads(&sd, st)
		case secCalls:
			s.Calls = decodeCalls(&sd)
		case secSubmits:
			s.Submits = decodeSubmits(&sd)
		case secFiles:
			s.Files = decodeFiles(&sd)
		case secURing:
			s.URing = decodeURing(&sd, st)
		case secAIO:
			s.AIO = decodeURing(&sd, st)
		case secRPC:
			if c := sd.rows(8, sizeRPC); c > 0 {
				s.RPC = make([]model.RPC, c)
				for i := range s.RPC {
					r := &s.RPC[i]
					r.Version = st.str(&sd)
					r.Op = st.str(&sd)
					r.Client = st.str(&sd)
					r.Status = st.str(&sd)
					sd.hist(&r.Hist)
				}
			}
		}
		if sd.err != nil {
			return 0, fmt.Errorf("snapshot section %d: %w", tag, sd.err)
		}
	}
	if d.err != nil {
		return 0, fmt.Errorf("snapshot: %w", d.err)
	}
	return seq, nil
}

// maxFigure bounds the rates and averages of a snapshot: 1e15 bytes a
// second is a petabyte, 1e15 ms thirty thousand years. A sum of values
// below it stays finite.
const maxFigure = 1e15

// finite replaces the values of s that are not finite numbers (NaN, an
// infinity: no rate or average is) or beyond maxFigure with 0, so that they
// cannot poison sums (MaxFloat64 twice is infinite) or JSON output, and
// returns how many it replaced.
func finite(s *model.Snapshot) int {
	n := 0
	fix := func(v *float64) {
		if math.IsNaN(*v) || math.Abs(*v) > maxFigure {
			*v = 0
			n++
		}
	}
	l := &s.Host.Load
	fix(&l.Avg1)
	fix(&l.Avg5)
	fix(&l.Avg15)
	for i := range s.Host.NFSD.Ops {
		fix(&s.Host.NFSD.Ops[i].Rate)
	}
	for i := range s.Host.Devices {
		d := &s.Host.Devices[i]
		for _, v := range []*float64{&d.ReadIOPS, &d.WriteIOPS, &d.ReadBps, &d.WriteBps, &d.AwaitMs, &d.Util} {
			fix(v)
		}
	}
	if p := s.Host.Pressure; p != nil {
		fix(&p.SomeAvg10)
		fix(&p.FullAvg10)
	}
	return n
}

// unixNano maps the zero time to 0, so that it reads back as the zero time.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
