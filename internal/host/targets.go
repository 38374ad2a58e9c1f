package host

import (
	"regexp"
	"strconv"
	"strings"
)

// DefaultComm is the comm of the threads traced when no target is given:
// the nfsd kernel threads.
const DefaultComm = `^nfsd$`

// Targets say which threads a backend traces; --comm, --pid and --all.
// Several add up: a thread is a target if any selects it. The zero value
// is the nfsd kernel threads (comm DefaultComm with PF_KTHREAD).
type Targets struct {
	Comm *regexp.Regexp // threads whose comm matches, kernel or user, with their processes' io_uring workers
	PIDs []int          // every thread of these processes
	All  bool           // every thread on the host
}

// Default reports whether no target was given: the nfsd kernel threads.
func (t Targets) Default() bool { return t.Comm == nil && len(t.PIDs) == 0 && !t.All }

// String says which threads are traced, for the header and the capture:
// "nfsd kernel threads", "comm ~ ^fio$ or pid 42,43", "all threads".
func (t Targets) String() string {
	switch {
	case t.All:
		return "all threads"
	case t.Default():
		return "nfsd kernel threads"
	}
	var parts []string
	if t.Comm != nil {
		parts = append(parts, "comm ~ "+t.Comm.String())
	}
	if len(t.PIDs) > 0 {
		s := make([]string, len(t.PIDs))
		for i, p := range t.PIDs {
			s[i] = strconv.Itoa(p)
		}
		parts = append(parts, "pid "+strings.Join(s, ","))
	}
	return strings.Join(parts, " or ")
}

// Selector is Targets ready for a lookup in /proc.
type Selector struct {
	Comm        *regexp.Regexp // nil: no thread is selected by its comm
	KthreadOnly bool           // Comm selects kernel threads only (the default)
	PIDs        map[int]bool   // processes all of whose threads are targets
	All         bool
}

// Selector returns the selector of t, the nfsd kernel threads for the zero
// value.
func (t Targets) Selector() Selector {
	s := Selector{Comm: t.Comm, All: t.All}
	if len(t.PIDs) > 0 {
		s.PIDs = make(map[int]bool, len(t.PIDs))
		for _, p := range t.PIDs {
			s.PIDs[p] = true
		}
	}
	if t.Default() {
		s.Comm, s.KthreadOnly = regexp.MustCompile(DefaultComm), true
	}
	return s
}

// Selects reports whether a thread of process pid with this stat is a
// target.
func (s Selector) Selects(pid int, st Stat) bool {
	switch {
	case s.All, s.PIDs[pid]:
		return true
	case s.Comm != nil:
		return (!s.KthreadOnly || st.Kthread()) && s.Comm.Match(st.Comm)
	}
	return false
}
