package procfs

import (
	"bytes"
	"errors"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/model"
)

// maxSites bounds the wait-site intern table; past it the table starts over.
const maxSites = 1 << 14

// sampleBufs are the buffers a sampling pass reuses; guarded by Tracer.mu.
type sampleBufs struct {
	stat   [1024]byte
	sched  [128]byte
	wchan1 [128]byte
	wchan2 [128]byte
	sysc   [256]byte
	last   [128]byte
	stack  [8192]byte
	frames [][]byte
	key    []byte
	sites  map[string]model.WaitSite
}

// pass samples every target once.
func (t *Tracer) pass() {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock()
	if t.lastPass != 0 {
		if gap := now - t.lastPass; gap > t.period*3/2 {
			m := uint64((gap+t.period/2)/t.period) - 1
			t.missed.Add(m)
			t.lost += m * uint64(len(t.targets))
		}
	}
	t.lastPass = now
	for _, tg := range t.targets {
		if tg.fd >= 0 {
			t.sampleTarget(tg)
		}
	}
}

// sampleTarget takes one sample of a thread and feeds the estimator.
//
// Reading /proc/PID/task/TID/stat costs about 4 us (the kernel formats 52
// fields), schedstat about 1.4 us. So schedstat is read first, and when the
// thread's switch-in count has not changed since a stat read found it asleep
// out of D (S, I, T, Z...), its state cannot be D: a thread only enters D by
// running, and it has not run since. It is at most woken and waiting for a CPU.
// Then stat is not read. Threads seen running or in D, or whose schedstat is
// unusable, are read in full. Reading schedstat before stat keeps this safe: a
// switch-in after the schedstat read makes the next count differ.
func (t *Tracer) sampleTarget(tg *target) {
	pc, hasPC := t.readPcount(tg)
	if hasPC && t.fastPath && tg.tr.seen && tg.tr.hasPC && pc == tg.tr.pcount && asleep(tg.state) {
		t.events++
		now := t.clock()
		tg.tr.observe(now, false, pc, true)
		if tg.user {
			// Not run since: still in the same wait, if it was in one.
			t.observeAsync(tg, now, tg.inAIO, pc, true)
		}
		return
	}
	t.statRead++
	n, err := unix.Pread(tg.fd, t.buf.stat[:], 0)
	now := t.clock()
	if err != nil || n == 0 {
		// ESRCH: the thread exited (the open file keeps its pid, so a reused
		// TID cannot be mistaken for it).
		t.retire(tg, now)
		return
	}
	state, ok := parseState(t.buf.stat[:n])
	if !ok {
		t.retire(tg, now)
		return
	}
	t.events++
	tg.state = state
	s := tg.tr.observe(now, state == 'D', pc, hasPC)
	if s.Ended {
		t.agg.add(tg.comm, tg.site, tg.tid, s.Piece)
	}
	if s.Began {
		tg.site = t.waitSite(tg)
	}
	if tg.user {
		t.observeAsync(tg, now, state == 'S' && t.inAsyncCall(tg), pc, hasPC)
	}
}

// observeAsync feeds a user thread's waits for asynchronous IO to their
// estimator: in says the sample found it asleep in a system call that
// waits for its IO's completions. A thread with several IOs in flight
// sleeps there interruptibly (S), never in D, until the first completes;
// the eBPF backend times each such sleep, this one samples them as it
// samples D state, and knows no device.
func (t *Tracer) observeAsync(tg *target, now int64, in bool, pc uint64, hasPC bool) {
	tg.inAIO = in
	s := tg.atr.observe(now, in, pc, hasPC)
	if s.Ended {
		t.aagg.add(tg.comm, tg.asite, tg.tid, s.Piece)
	}
	if s.Began {
		tg.asite = t.waitSite(tg)
	}
}

// inAsyncCall reports whether a thread asleep is in io_getevents,
// io_pgetevents or io_uring_enter (the first field of
// /proc/PID/task/TID/syscall). A thread whose file cannot be read stops
// being asked.
func (t *Tracer) inAsyncCall(tg *target) bool {
	b, err := readInto(tg.dir+"/syscall", t.buf.sysc[:])
	if err != nil {
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			tg.user = false
		}
		return false
	}
	nr, ok := parseSyscallNr(b)
	return ok && slices.Contains(t.aioCalls[:], nr)
}

// asleep reports whether a state is a sleep other than D that only the thread
// itself, by running, can turn into D.
func asleep(state byte) bool {
	switch state {
	case 'S', 'I', 'T', 't', 'Z', 'X', 'x', 'P':
		return true
	}
	return false
}

// retire ends a target's ongoing interval and closes its files.
func (t *Tracer) retire(tg *target, now int64) {
	if s := tg.tr.gone(now); s.Ended {
		t.agg.add(tg.comm, tg.site, tg.tid, s.Piece)
	}
	if s := tg.atr.gone(now); s.Ended {
		t.aagg.add(tg.comm, tg.asite, tg.tid, s.Piece)
	}
	tg.closeFiles()
	tg.retired.Store(true)
}

// readPcount reads the thread's switch-in count from schedstat.
func (t *Tracer) readPcount(tg *target) (uint64, bool) {
	if tg.ssfd < 0 {
		return 0, false
	}
	n, err := unix.Pread(tg.ssfd, t.buf.sched[:], 0)
	if err != nil {
		return 0, false
	}
	return parsePcount(t.buf.sched[:n])
}

// stillD re-reads the thread's state.
func (t *Tracer) stillD(tg *target) bool {
	n, err := unix.Pread(tg.fd, t.buf.stat[:], 0)
	if err != nil {
		return false
	}
	s, ok := parseState(t.buf.stat[:n])
	return ok && s == 'D'
}

// waitSite labels the interval a thread just began: the frames of
// /proc/PID/task/TID/stack from the wait channel outwards when the stack is
// readable and agrees with the wait channel, the wait channel alone otherwise.
//
// The thread may wake while its files are read, and then the stack is stale
// or garbage: the wait channel is read before and after the stack (it reads
// "0" for a running thread) and the reading is kept only if both agree and the
// stack holds that function. Up to three tries while the thread stays in D.
func (t *Tracer) waitSite(tg *target) model.WaitSite {
	var fallback []byte
	for range 3 {
		w1 := t.readWchan(tg, t.buf.wchan1[:])
		frames := t.readStack(tg)
		w2 := t.readWchan(tg, t.buf.wchan2[:])
		if w1 != nil && bytes.Equal(w1, w2) {
			for k, f := range frames {
				if bytes.Equal(f, w1) {
					return t.intern(frames[k:])
				}
			}
			return t.intern([][]byte{w1})
		}
		if w := firstNonNil(w2, w1); w != nil {
			fallback = append(t.buf.last[:0], w...)
		}
		if !t.stillD(tg) {
			break
		}
	}
	if fallback != nil {
		return t.intern([][]byte{fallback})
	}
	return UnknownSite
}

func firstNonNil(a, b []byte) []byte {
	if a != nil {
		return a
	}
	return b
}

func (t *Tracer) readWchan(tg *target, buf []byte) []byte {
	b, err := readInto(tg.dir+"/wchan", buf)
	if err != nil {
		return nil
	}
	return parseWchan(b)
}

// readStack returns the stack's frames (subslices of a reused buffer), or nil
// when the stack is not readable; a permission error stops further tries for
// this thread.
func (t *Tracer) readStack(tg *target) [][]byte {
	if tg.noStack {
		return nil
	}
	fd, err := unix.Open(tg.dir+"/stack", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		tg.noStack = true
		return nil
	}
	defer unix.Close(fd)
	n, err := unix.Read(fd, t.buf.stack[:])
	if err != nil {
		if err == unix.EPERM || err == unix.EACCES {
			tg.noStack = true
		}
		return nil
	}
	t.buf.frames = parseStack(t.buf.stack[:n], t.buf.frames[:0])
	return t.buf.frames
}

// intern returns the WaitSite of the first t.frames frames, allocating only
// the first time a site is seen.
func (t *Tracer) intern(frames [][]byte) model.WaitSite {
	if len(frames) > t.frames {
		frames = frames[:t.frames]
	}
	k := t.buf.key[:0]
	for i, f := range frames {
		if i > 0 {
			k = append(k, model.FrameSep...)
		}
		k = append(k, f...)
	}
	t.buf.key = k
	if s, ok := t.buf.sites[string(k)]; ok {
		return s
	}
	if len(t.buf.sites) >= maxSites {
		clear(t.buf.sites)
	}
	s := model.WaitSite(k)
	t.buf.sites[string(s)] = s
	return s
}
