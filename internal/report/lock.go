package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// LockRow is one sleeping lock the traced threads of one command name waited
// on over the window, with the owner that held it for most of the waits and
// that owner's share of them.
type LockRow struct {
	Comm string `json:"comm"`
	Lock string `json:"lock"` // kernel address: tells locks apart, nothing more
	Kind string `json:"kind"`
	// Site is the waiters' wait site with the most wait time.
	Site       model.WaitSite `json:"site"`
	Short      string         `json:"short"`
	Waits      uint64         `json:"waits"`
	WaitPerSec float64        `json:"wait_time_per_s"`
	MaxWaiters int            `json:"max_waiters"`
	Owner      string         `json:"owner,omitempty"`
	OwnerTID   int            `json:"owner_tid,omitempty"`
	OwnerShare float64        `json:"owner_share,omitempty"` // of the waits, 0..1
	// OwnerThreads is, when the owner's threads of one comm, state and
	// own wait site took turns holding the lock (none held it for half of
	// their waits), how many they were: Owner names them together,
	// OwnerTID the one that held it most, and OwnerShare is the group's.
	OwnerThreads int            `json:"owner_threads,omitempty"`
	ReaderOwned  bool           `json:"reader_owned,omitempty"`
	OwnerState   string         `json:"owner_state,omitempty"`
	OwnerSite    model.WaitSite `json:"owner_site,omitempty"`
	// Chain follows the wait-for chain past the owner when it was itself
	// waiting on a lock (see model.LockWait).
	Chain []model.LockHop `json:"chain,omitempty"`
}

// maxLockLines bounds the lock lines of the top screen.
const maxLockLines = 3

type lockKey struct{ comm, lock, kind string }

type lockAcc struct {
	row    LockRow
	siteNs map[model.WaitSite]int64
	owners map[model.LockHolder]float64 // waits per owner
	reader map[int]bool                 // owners seen holding it as readers
	ns     int64
}

// lockTable sums the lock waits per command name and lock, and each
// owner's share of them.
type lockTable struct {
	by map[lockKey]*lockAcc
}

func (t *lockTable) add(s *model.Snapshot) {
	for i := range s.Locks {
		l := &s.Locks[i]
		if t.by == nil {
			t.by = map[lockKey]*lockAcc{}
		}
		k := lockKey{l.Comm, l.Lock, l.Kind}
		a := t.by[k]
		if a == nil {
			a = &lockAcc{row: LockRow{Comm: l.Comm, Lock: l.Lock, Kind: l.Kind},
				siteNs: map[model.WaitSite]int64{}, owners: map[model.LockHolder]float64{}, reader: map[int]bool{}}
			t.by[k] = a
		}
		a.row.Waits += l.Waits
		a.ns += int64(l.Time)
		a.siteNs[l.WaitSite] += int64(l.Time)
		a.row.MaxWaiters = max(a.row.MaxWaiters, l.MaxWaiters)
		if l.OwnerTID == 0 {
			continue
		}
		a.owners[model.LockHolder{Comm: l.Owner, TID: l.OwnerTID, State: l.OwnerState, Site: l.OwnerSite, Chain: model.ChainOf(l.Chain)}] += float64(l.OwnerWaits)
		if l.ReaderOwned {
			a.reader[l.OwnerTID] = true
		}
	}
}

// rows are the locks waited on, most wait time first, rates over sec
// seconds.
func (t *lockTable) rows(sec float64) []LockRow {
	rows := make([]LockRow, 0, len(t.by))
	for _, a := range t.by {
		r := a.row
		r.WaitPerSec = perSec(float64(a.ns)/1e9, sec)
		var best int64 = -1
		for site, ns := range a.siteNs {
			if ns > best || (ns == best && site < r.Site) {
				r.Site, best = site, ns
			}
		}
		r.Short = shortStack(r.Site.Short(), 0, 0)
		if g, ok := model.TopHolders(a.owners); ok {
			r.Owner, r.OwnerTID, r.ReaderOwned, r.OwnerState, r.OwnerSite = g.Comm, g.TID, a.reader[g.TID], g.State, g.Site
			r.Chain = g.Chain.Hops()
			share := g.TIDWeight
			if g.InTurn() {
				r.OwnerThreads, share = g.Threads, g.Weight
			}
			if r.Waits > 0 {
				r.OwnerShare = share / float64(r.Waits)
			}
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b LockRow) int {
		return cmp.Or(cmp.Compare(b.WaitPerSec, a.WaitPerSec), strings.Compare(a.Lock, b.Lock), strings.Compare(a.Comm, b.Comm))
	})
	return rows
}

// lockLines are the top screen's lock lines, most wait time first: "lock: 16
// dd threads wait on an rwsem (to write) at ext4_file_write_iter ← vfs_write,
// 900ms/s, held by dd/26135 for 62% of the waits, itself in D at
// io_schedule_timeout ← __iomap_dio_rw ← …".
func (f *Frame) lockLines(maxWidth int) []string {
	var lines []string
	siteWidth := 0 // no limit but the frame count
	if maxWidth > 0 {
		siteWidth = max(maxWidth/4, 24)
	}
	for i, r := range f.Locks {
		if i == maxLockLines {
			lines = append(lines, fmt.Sprintf("... %d more locks waited on", len(f.Locks)-maxLockLines))
			break
		}
		threads := "threads"
		if r.MaxWaiters == 1 {
			threads = "thread"
		}
		site := shortStack(model.LockCallers(r.Site.Short()), siteWidth, 3)
		l := fmt.Sprintf("lock: %d %s %s wait on %s at %s, %s/s", r.MaxWaiters, r.Comm, threads, model.LockKindText(r.Kind), site,
			model.FormatDuration(secondsDur(r.WaitPerSec)))
		chain := "" // the chain past the owner, a line of its own: "  └ mv/20 is waiting on …"
		switch {
		case r.OwnerTID == 0:
			l += ", owner unknown"
		default:
			held, self := "held by", "itself"
			if r.ReaderOwned {
				held = "held by readers, last"
			}
			owner := fmt.Sprintf("%s/%d", r.Owner, r.OwnerTID)
			if r.OwnerThreads > 1 {
				held, self, owner = "held in turn by", "themselves", fmt.Sprintf("%d %s threads", r.OwnerThreads, r.Owner)
			}
			l += fmt.Sprintf(", %s %s for %s of the waits", held, owner, model.FormatPct(r.OwnerShare))
			// A site whose lock a chain's hop names starts at the lock's caller.
			ownerSite := func(s model.WaitSite, next bool) string {
				frames := s.Short()
				if next {
					frames = model.LockCallers(frames)
				}
				return shortStack(frames, siteWidth, 3)
			}
			switch r.OwnerState {
			case "D":
				l += ", " + self + " in D"
				if r.OwnerSite != "" {
					l += " at " + ownerSite(r.OwnerSite, len(r.Chain) > 0)
				}
			case "R":
				l += ", " + self + " on CPU or runnable"
			case "S":
				l += ", " + self + " asleep"
			}
			if len(r.Chain) > 0 {
				who := fmt.Sprintf("%s/%d is", r.Owner, r.OwnerTID)
				if r.OwnerThreads > 1 {
					who = "they are most often"
				}
				chain = "  └ " + who + " " + model.ChainText(r.Chain, ownerSite)
			}
		}
		lines = append(lines, l)
		if chain != "" {
			lines = append(lines, chain)
		}
	}
	return lines
}
