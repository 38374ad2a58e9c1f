package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/texttable"
)

// sortMark follows the header of the column the rows are sorted by.
const sortMark = "▼"

// Layout is the space a frame is rendered into.
type Layout struct {
	// Width and Height are the terminal's size in columns and lines; 0 means
	// no limit (a file, a pipe, a test).
	Width, Height int
	// Title starts the first line; "nfstrace top" when empty.
	Title string
}

// minSectionRows is how many rows every table keeps before another one grows
// when the screen is too short for all.
const minSectionRows = 3

// section is one table of the frame, already rendered.
type section struct {
	header string
	rows   []string
	// more names what hidden rows are ("more wait sites").
	more string
}

// Render writes the frame as text, without escape codes.
func (f *Frame) Render(w io.Writer, l Layout) error {
	lines, err := f.Lines(l)
	if err != nil {
		return err
	}
	for _, line := range lines {
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return fmt.Errorf("write frame: %w", err)
		}
	}
	return nil
}

// Lines renders the frame as text lines that fit l: each at most l.Width
// columns, at most l.Height lines, tables cut with "... N more" rows.
func (f *Frame) Lines(l Layout) ([]string, error) {
	fixed := f.headLines(l)
	secs, err := f.sections(l.Width)
	if err != nil {
		return nil, err
	}
	body := fitSections(secs, l.Height-len(fixed))
	out := append(fixed, body...)
	if l.Height > 0 && len(out) > l.Height {
		out = out[:l.Height]
	}
	for i := range out {
		// the header lines hold the hostname, kernel and other strings
		// from the capture or the host: no control character passes
		out[i] = truncate(model.TermSafe(out[i]), l.Width)
	}
	return out, nil
}

// headLines are the lines above the tables: title and backend, load, nfsd,
// scheduler changes.
func (f *Frame) headLines(l Layout) []string {
	title := l.Title
	if title == "" {
		title = "nfstrace top"
	}
	h := &f.Header
	first := fmt.Sprintf("%s — %s  kernel %s", title, orDash(h.Host), orDash(h.Kernel))
	if h.UptimeSec > 0 {
		first += "  up " + fmtUptime(h.UptimeSec)
	}
	stats := fmt.Sprintf("  lost %s  %s", model.FormatCount(float64(h.Lost)), fmtWindow(f.WindowSec))
	// On a narrow screen what the figures average over starts the tracer
	// line instead of being cut off the end of the first.
	statsFirst := ""
	if l.Width > 0 && width(first)+width(stats) > l.Width {
		statsFirst, stats = strings.TrimSpace(stats)+"  ", ""
	}
	var lines []string
	if h.NextBootDiffers {
		// The warning gets a line of its own rather than be cut.
		warn := "⚠ next boot runs " + h.NextBootKernel
		if l.Width <= 0 || width(first)+2+width(warn)+width(stats) <= l.Width {
			lines = append(lines, first+"  "+warn+stats)
		} else {
			lines = append(lines, first+stats, warn)
		}
	} else {
		lines = append(lines, first+stats)
	}

	backend := h.BackendDetail
	if backend == "" {
		backend = orDash(h.Backend)
	}
	line := fmt.Sprintf("%stracer cpu %s  backend %s", statsFirst, model.FormatPct(h.TracerCPU), backend)
	if h.Targets != "" {
		line += "  targets " + h.Targets
	}
	lines = append(lines, line)

	load := f.loadLine(l.Width)
	if f.Pressure != nil {
		p := fmt.Sprintf("io pressure some %.0f%% full %.0f%%", f.Pressure.Some10, f.Pressure.Full10)
		if l.Width <= 0 || width(load)+3+width(p) <= l.Width {
			load += "   " + p
			lines = append(lines, load)
		} else {
			lines = append(lines, load, p)
		}
	} else {
		lines = append(lines, load)
	}
	lines = append(lines, f.stuckLines(l.Width)...)
	lines = append(lines, wrapParts(f.nfsdParts(), l.Width, "nfsd ")...)
	lines = append(lines, f.runLines(l.Width)...)
	lines = append(lines, f.holderLine(l.Width)...)
	lines = append(lines, f.asyncLines(l.Width)...)
	lines = append(lines, f.uringLines(l.Width)...)
	lines = append(lines, f.lockLines(l.Width)...)
	const maxChanges = 3
	for i, c := range f.Changes {
		if i == maxChanges {
			lines = append(lines, fmt.Sprintf("... %d more scheduler changes", len(f.Changes)-maxChanges))
			break
		}
		lines = append(lines, fmt.Sprintf("scheduler change: %s %s → %s at %s", c.Device, orDash(c.From), orDash(c.To), c.Time.UTC().Format("15:04:05")))
	}
	return lines
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// loadLine decomposes the load: "load 87.4 64.1 35.2 = 3 running + 61 in D:
// nfsd 58, rsync 1", cutting the list of commands to fit maxWidth.
func (f *Frame) loadLine(maxWidth int) string {
	ld := &f.Load
	s := fmt.Sprintf("load %.2f %.2f %.2f = %d running + %d in D", ld.Avg1, ld.Avg5, ld.Avg15, ld.Running, ld.InD)
	n := len(ld.DByComm)
	if n == 0 {
		return s
	}
	items := make([]string, n)
	for i, c := range ld.DByComm {
		items[i] = fmt.Sprintf("%s %d", c.Comm, c.Count)
	}
	line := func(k int) string {
		l := s + ": " + strings.Join(items[:k], ", ")
		if k < n {
			if k > 0 {
				l += ", "
			}
			l += fmt.Sprintf("… %d more", n-k)
		}
		return l
	}
	for k := n; k > 0; k-- {
		if l := line(k); maxWidth <= 0 || width(l) <= maxWidth {
			return l
		}
	}
	return line(0)
}

// maxStuckLines is how many groups of stuck tasks the header names.
const maxStuckLines = 3

// stuckLines names the groups of tasks in D whose longest wait had lasted
// model.StuckAfter or more without ending at some point of the window
// (Frame.Stuck): "stuck: 4 nfsd in D at folio_wait_bit_common ← … ←
// nfsd4_commit, the longest for 169s without running", longest first,
// with "(over by the end)" for those the latest snapshot no longer had
// stuck. The eBPF backend's D-time figures hold only waits that ended,
// so those still open are in none of them, which the first line then
// says.
func (f *Frame) stuckLines(maxWidth int) []string {
	if len(f.Stuck) == 0 {
		return nil
	}
	siteWidth := 0
	if maxWidth > 0 {
		siteWidth = max(maxWidth/3, 24)
	}
	var lines []string
	for i, r := range f.Stuck {
		if i == maxStuckLines {
			lines = append(lines, fmt.Sprintf("... %d more groups of tasks stuck in D", len(f.Stuck)-maxStuckLines))
			break
		}
		site := orDash(shortStack(r.frames, siteWidth, 3))
		l := fmt.Sprintf("stuck: %s in D at %s for %s without running", r.Comm, site, model.FormatDuration(r.Longest))
		if r.Count > 1 {
			l = fmt.Sprintf("stuck: %d %s in D at %s, the longest for %s without running", r.Count, r.Comm, site, model.FormatDuration(r.Longest))
		}
		if !r.Open {
			l += " (over by the end)"
		}
		if i == 0 && f.Header.Backend == "ebpf" {
			// The procfs backend's samples count a wait in
			// progress; the eBPF backend times waits as they end.
			l += "; waits not yet ended are in no D-time figure"
		}
		lines = append(lines, l)
	}
	return lines
}

// nfsdParts describes the NFS server: threads and D-state, throughput, and
// its thread pools, as parts that wrapParts fits into lines.
func (f *Frame) nfsdParts() []string {
	n := &f.NFSD
	if !n.Running {
		return []string{"nfsd is not running on this host"}
	}
	main := fmt.Sprintf("nfsd: %d threads, %d in D", n.Threads, n.InD)
	if n.DShare != nil {
		main += fmt.Sprintf(" (%s of thread time)", model.FormatPct(*n.DShare))
	}
	main += fmt.Sprintf(", %s ops/s", model.FormatCount(n.OpsPerSec))
	parts := []string{main}
	if n.ReadBps > 0 || n.WriteBps > 0 {
		parts = append(parts, fmt.Sprintf("read %s MB/s, write %s MB/s", model.FormatMBps(n.ReadBps), model.FormatMBps(n.WriteBps)))
	}
	if q := n.queuePart(); q != "" {
		parts = append(parts, q)
	}
	if p := n.poolsPart(); p != "" {
		parts = append(parts, p)
	}
	if t := n.threadPart(); t != "" {
		parts = append(parts, t)
	}
	if f := n.filesPart(); f != "" {
		parts = append(parts, f)
	}
	return parts
}

// poolsPart is the nfsd line's part on the thread pools' counters.
func (n *NFSDSummary) poolsPart() string {
	var t PoolRate
	for _, p := range n.Pools {
		t.PacketsPerSec += p.PacketsPerSec
		t.WokenPerSec += p.WokenPerSec
		t.QueuedPerSec += p.QueuedPerSec
		t.TimedoutPerSec += p.TimedoutPerSec
	}
	var pools string
	switch len(n.Pools) {
	case 0:
		return ""
	case 1:
		pools = fmt.Sprintf("pool %d:", n.Pools[0].ID)
	default:
		pools = fmt.Sprintf("%d pools:", len(n.Pools))
	}
	pools += fmt.Sprintf(" %s packets/s, %s woken/s, %s sockets queued/s",
		model.FormatCount(t.PacketsPerSec), model.FormatCount(t.WokenPerSec), model.FormatCount(t.QueuedPerSec))
	if t.TimedoutPerSec > 0 {
		pools += fmt.Sprintf(", %s timed out/s", model.FormatCount(t.TimedoutPerSec))
	}
	return pools
}

// wrapParts joins parts with "; " into lines of at most maxWidth columns
// (0: one line); continuation lines start with prefix.
func wrapParts(parts []string, maxWidth int, prefix string) []string {
	return texttable.JoinParts(parts, "; ", maxWidth, prefix)
}

// sections renders the tables, always in the same order (wait sites,
// devices, NFS operations) so that nothing moves when the sort changes or
// from one refresh to the next; the sort orders rows and is marked in the
// column header it sorts by.
func (f *Frame) sections(maxWidth int) ([]section, error) {
	waits, err := f.waitSection(maxWidth)
	if err != nil {
		return nil, err
	}
	devs, err := f.deviceSection(maxWidth)
	if err != nil {
		return nil, err
	}
	ops, err := f.opSection(maxWidth)
	if err != nil {
		return nil, err
	}
	out := []section{waits, devs}
	if ops.header != "" {
		out = append(out, ops)
	}
	klog, err := f.kernelSection(maxWidth)
	if err != nil {
		return nil, err
	}
	if klog.header != "" {
		out = append(out, klog)
	}
	return out, nil
}

func fromTable(t *table, maxWidth int, more string) (section, error) {
	lines, err := t.lines(maxWidth)
	if err != nil {
		return section{}, err
	}
	return section{header: lines[0], rows: lines[1:], more: more}, nil
}

// uniform reports whether every row has the same single value.
func uniform(vals [][]string) bool {
	for _, v := range vals {
		if len(v) != 1 || v[0] != vals[0][0] {
			return false
		}
	}
	return true
}

func (f *Frame) waitSection(maxWidth int) (section, error) {
	// The section is chosen by the backend, never by what this window
	// holds, so that it does not turn into another table from one refresh
	// to the next.
	if b := f.Header.Backend; b == "" || b == "none" {
		if len(f.DGroups) > 0 {
			return f.dgroupSection(maxWidth)
		}
		return section{header: "TASKS IN D", rows: []string{"no task in D state"}}, nil
	}
	if len(f.WaitSites) == 0 {
		msg := "no D-state seen in the traced threads"
		if len(f.Load.DByComm) > 0 {
			msg += "; other tasks in D: see the load line"
		}
		return section{header: "WAIT SITE", rows: []string{msg}}, nil
	}
	var comms [][]string
	var hasDev, hasOps, hasClients, hasWakers bool
	for _, r := range f.WaitSites {
		comms = append(comms, r.Comms)
		hasDev = hasDev || r.Device != "" || r.Scheduler != ""
		hasOps = hasOps || len(r.Ops) > 0
		hasClients = hasClients || len(r.Clients) > 0
		hasWakers = hasWakers || len(r.Wakers) > 0
	}
	showComm := !uniform(comms)
	sorted := func(h string, mode SortMode) string {
		if f.Sort == mode.String() {
			return h + sortMark
		}
		return h
	}
	t := &table{cols: []column{
		{header: sorted("WAIT SITE (kernel stack)", SortWaitSite), flex: true},
		{header: "COMM", drop: 6},
		{header: sorted("DEVICE/SCHED", SortDevice), drop: 2},
		{header: "THREADS", right: true},
		{header: sorted("D-TIME/s", SortDTime), right: true},
		{header: "p50", right: true},
		{header: "p99", right: true},
		{header: "MAX", right: true, drop: 5},
		{header: "OPS", drop: 3},
		{header: "TOP CLIENT", drop: 7},
		{header: "WOKEN BY", drop: 4},
	}}
	frames := make([][]string, len(f.WaitSites))
	for i, r := range f.WaitSites {
		frames[i] = r.frames
	}
	stacks := newStackCells(frames)
	for i, r := range f.WaitSites {
		dev := ""
		switch {
		case r.Device == "" && r.Scheduler == "":
		case r.Device == model.NotBlockIO || r.Device == "":
			dev = blockWaitLabel(r.frames)
		default:
			dev = r.Device + "/" + orDash(r.Scheduler)
		}
		t.rows = append(t.rows, []string{
			stacks.text(i, maxWidth),
			strings.Join(r.Comms, ","),
			dev,
			fmt.Sprint(r.Threads),
			model.FormatDuration(secondsDur(r.DTimePerSec)),
			fmtNs(r.Latency.P50Ns),
			fmtNs(r.Latency.P99Ns),
			fmtNs(r.Latency.MaxNs),
			strings.Join(r.Ops, ","),
			topClient(r.Clients),
			topWaker(r.Wakers),
		})
	}
	t.shrink = stacks.shrink
	t.hide(map[int]bool{1: !showComm, 2: !hasDev, 8: !hasOps, 9: !hasClients, 10: !hasWakers})
	return fromTable(t, maxWidth, "wait sites")
}

// topClient renders the client with the most D-time at a site and its share.
func topClient(cs []ClientTime) string {
	if len(cs) == 0 {
		return ""
	}
	return fmt.Sprintf("%s (%.0f%%)", cs[0].Client, 100*cs[0].Share)
}

func (f *Frame) dgroupSection(maxWidth int) (section, error) {
	// Task groups are always ordered by their count, whatever the sort.
	t := &table{cols: []column{
		{header: "TASKS IN D" + sortMark, right: true},
		{header: "COMM"},
		{header: "WAIT CHANNEL OR KERNEL STACK", flex: true},
	}}
	frames := make([][]string, len(f.DGroups))
	for i, r := range f.DGroups {
		frames[i] = r.frames
	}
	stacks := newStackCells(frames)
	for i, r := range f.DGroups {
		t.rows = append(t.rows, []string{fmt.Sprint(r.Count), r.Comm, orDash(stacks.text(i, maxWidth))})
	}
	t.shrink = stacks.shrink
	return fromTable(t, maxWidth, "task groups")
}

func (f *Frame) deviceSection(maxWidth int) (section, error) {
	var hasBlock bool
	for _, r := range f.Devices {
		hasBlock = hasBlock || r.Queue != nil || r.Service != nil
	}
	t := &table{cols: []column{
		{header: "DEVICE"},
		{header: "SCHED"},
		{header: "IOPS", right: true},
		{header: "MB/s", right: true, drop: 3},
		{header: "AWAIT", right: true, drop: 2},
		{header: "UTIL", right: true},
		{header: "INFLIGHT", right: true, drop: 4},
		{header: "QUEUE p99", right: true, drop: 1},
		{header: "DEVICE p99", right: true},
	}}
	if f.Sort == SortDevice.String() {
		// Devices by latency: the device p99, or the await without block probes.
		if hasBlock {
			t.cols[8].header += sortMark
		} else {
			t.cols[4].header += sortMark
		}
	}
	for _, r := range f.Devices {
		row := []string{r.Name, orDash(r.Scheduler), "", "", "", "", "", "-", "-"}
		if s := r.Stats; s != nil {
			row[2] = model.FormatCount(s.ReadIOPS + s.WriteIOPS)
			row[3] = model.FormatMBps(s.ReadBps + s.WriteBps)
			row[4] = model.FormatDuration(msDur(s.AwaitMs))
			row[5] = model.FormatPct(s.Util)
			row[6] = fmt.Sprint(s.InFlight)
		} else {
			row[2] = "(earlier)"
		}
		if r.Queue != nil {
			row[7] = fmtNs(r.Queue.P99Ns)
		}
		if r.Service != nil {
			row[8] = fmtNs(r.Service.P99Ns)
		}
		t.rows = append(t.rows, row)
	}
	if len(t.rows) == 0 {
		return section{header: "DEVICE", rows: []string{"no block devices"}}, nil
	}
	t.hide(map[int]bool{7: !hasBlock, 8: !hasBlock})
	return fromTable(t, maxWidth, "devices")
}

func (f *Frame) opSection(maxWidth int) (section, error) {
	if len(f.Ops) == 0 {
		if f.NFSD.Running {
			return section{header: "NFS OP", rows: []string{"no NFS operations in the window"}}, nil
		}
		return section{}, nil
	}
	var hasLat, hasErr, hasClient bool
	for _, r := range f.Ops {
		hasLat = hasLat || r.Latency != nil
		hasErr = hasErr || r.Errors > 0
		hasClient = hasClient || r.TopClient != ""
	}
	t := &table{cols: []column{
		{header: "NFS OP"},
		{header: "OPS/s", right: true},
		{header: "p50", right: true},
		{header: "p99", right: true},
		{header: "MAX", right: true, drop: 2},
		{header: "ERRORS", right: true, drop: 3},
		{header: "TOP CLIENT", drop: 1},
	}}
	for _, r := range f.Ops {
		row := []string{r.Proto + " " + r.Op, model.FormatCount(r.PerSec), "-", "-", "-", model.FormatCount(float64(r.Errors)), ""}
		if l := r.Latency; l != nil {
			row[2], row[3], row[4] = fmtNs(l.P50Ns), fmtNs(l.P99Ns), fmtNs(l.MaxNs)
		}
		if r.TopClient != "" {
			row[6] = fmt.Sprintf("%s (%s)", r.TopClient, model.FormatPct(r.TopClientShare))
		}
		t.rows = append(t.rows, row)
	}
	t.hide(map[int]bool{2: !hasLat, 3: !hasLat, 4: !hasLat, 5: !hasErr, 6: !hasClient})
	return fromTable(t, maxWidth, "operations")
}

// hide removes the columns marked true.
func (t *table) hide(cols map[int]bool) {
	var keep []int
	for c := range t.cols {
		if !cols[c] {
			keep = append(keep, c)
		}
	}
	if len(keep) == len(t.cols) {
		return
	}
	nc := make([]column, len(keep))
	for i, c := range keep {
		nc[i] = t.cols[c]
	}
	for r, row := range t.rows {
		nr := make([]string, len(keep))
		for i, c := range keep {
			nr[i] = row[c]
		}
		t.rows[r] = nr
	}
	t.cols = nc
}

// fitSections lays the tables out in height lines (<= 0: no limit), a blank
// line before each. When they do not fit, every table first gets up to
// minSectionRows rows, then the rest goes to the tables in order; a cut
// table ends with "... N more", and a table that would get no row at all is
// left out rather than show its header alone.
func fitSections(secs []section, height int) []string {
	need := 0
	for _, s := range secs {
		need += 2 + len(s.rows)
	}
	alloc := make([]int, len(secs))
	for i, s := range secs {
		alloc[i] = len(s.rows)
	}
	if height > 0 && need > height {
		// A shown table gets at least one row, and the "... N more" line
		// when it has more; tables that cannot have that are left out
		// whole, the last first: a header never shows without rows.
		least := func(s section) int { return min(len(s.rows), 2) }
		shown, total := 0, 0
		for _, s := range secs {
			if total+2+least(s) > height {
				break
			}
			total += 2 + least(s)
			shown++
		}
		avail := height - 2*shown
		grow := func(i, upTo int) {
			extra := max(min(upTo-alloc[i], avail), 0)
			alloc[i] += extra
			avail -= extra
		}
		for i := range alloc {
			alloc[i] = 0
		}
		for i, s := range secs[:shown] {
			grow(i, least(s))
		}
		for i, s := range secs[:shown] {
			grow(i, min(len(s.rows), minSectionRows))
		}
		for i, s := range secs[:shown] {
			grow(i, len(s.rows))
		}
	}
	var out []string
	for i, s := range secs {
		if alloc[i] == 0 && len(s.rows) > 0 {
			continue
		}
		out = append(out, "", s.header)
		rows := s.rows
		if alloc[i] < len(rows) {
			shown := max(alloc[i]-1, 0)
			out = append(out, rows[:shown]...)
			out = append(out, strings.TrimSpace(fmt.Sprintf("... %d more %s", len(rows)-shown, s.more)))
		} else {
			out = append(out, rows...)
		}
	}
	return out
}

// fmtUptime renders a time since boot coarsely: "3d 4h", "5h 12m", "12m".
func fmtUptime(sec float64) string {
	m := int64(sec) / 60
	d, h := m/(24*60), m/60%24
	switch {
	case d > 0:
		return fmt.Sprintf("%dd %dh", d, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m%60)
	}
	return fmt.Sprintf("%dm", m)
}
