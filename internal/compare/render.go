package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/texttable"
)

// RenderOptions tune the text rendering.
type RenderOptions struct {
	// MaxRows bounds each breakdown table; default 8.
	MaxRows int
	// Details adds the breakdown tables and their legend under the one
	// screen of verdict, lead, evidence, changes and workload.
	Details bool
	// Width is the terminal's width, which the text is fitted to (at least
	// 60 columns): paragraphs wrap, and a table too wide leaves out its
	// most expendable columns. 0, for a file or a pipe, wraps paragraphs
	// at 100 columns and keeps every table whole.
	Width int
}

// maxChanged is how many configuration changes the first screen lists.
const maxChanged = 6

// WriteJSON writes the result as indented JSON and a newline. An infinite
// ratio (a rise from zero, with A = 0) or any other figure JSON cannot
// hold is written as 0.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(finite(reflect.ValueOf(r)).Interface()); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// finite returns a copy of v in which every infinite or undefined float
// (a ratio that rose from zero) is 0: JSON has neither. It copies what it
// walks (pointers, structs, slices, arrays, maps), so v is not changed;
// unexported fields are copied as they are, as JSON leaves them out.
func finite(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsInf(f, 0) || math.IsNaN(f) {
			return reflect.Zero(v.Type())
		}
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(finite(v.Elem()))
			return p
		}
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		for i := range c.NumField() {
			if f := c.Field(i); f.CanSet() {
				f.Set(finite(v.Field(i)))
			}
		}
		return c
	case reflect.Array:
		c := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			c.Index(i).Set(finite(v.Index(i)))
		}
		return c
	case reflect.Slice:
		if !v.IsNil() {
			c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				c.Index(i).Set(finite(v.Index(i)))
			}
			return c
		}
	case reflect.Map:
		if !v.IsNil() {
			c := reflect.MakeMapWithSize(v.Type(), v.Len())
			for it := v.MapRange(); it.Next(); {
				c.SetMapIndex(it.Key(), finite(it.Value()))
			}
			return c
		}
	case reflect.Interface:
		if !v.IsNil() {
			c := reflect.New(v.Type()).Elem()
			c.Set(finite(v.Elem()))
			return c
		}
	}
	return v
}

// Render writes the comparison as text: verdict, configuration changes,
// caveats, workload, then the breakdown tables.
func (r *Result) Render(w io.Writer, opt RenderOptions) error {
	if opt.MaxRows <= 0 {
		opt.MaxRows = 8
	}
	// Tables fit the terminal; a file or a pipe (0) keeps them whole.
	tableW := opt.Width
	if tableW > 0 {
		tableW = max(tableW, minWidth)
	}
	opt.Width = fitted(tableW)
	var b strings.Builder
	title := fmt.Sprintf("nfstrace compare  A %s  →  B %s", r.A.Name, r.B.Name)
	named := texttable.Width(title) > opt.Width
	if named {
		// Long names: each on its side's line.
		title = "nfstrace compare"
	}
	b.WriteString(title + "\n")
	sides := []struct {
		tag   string
		name  string
		parts []string
	}{{tag: "A", name: r.A.Name, parts: sideParts(r.A)}, {tag: "B", name: r.B.Name, parts: sideParts(r.B)}}
	// A side too long for one line puts its intervals on the next, and so
	// does the other, so that the two stay aligned.
	split := false
	for _, sd := range sides {
		split = split || texttable.Width("  A  "+strings.Join(sd.parts, "  ")) > opt.Width
	}
	for _, sd := range sides {
		first := "  " + sd.tag + "  "
		if named {
			fmt.Fprintf(&b, "%s%s\n", first, tailFit(sd.name, opt.Width-len(first)))
			first = "     "
		}
		parts := sd.parts
		if split {
			last := len(parts) - 1
			head := append([]string{first + parts[0]}, parts[1:last]...)
			parts = append(texttable.JoinParts(head, "  ", opt.Width, "     "), "     "+parts[last])
		} else {
			parts = []string{first + strings.Join(parts, "  ")}
		}
		for _, l := range parts {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString("\n")
	wb := func(tag string, lines []string) { block(&b, tag, wrapLines(lines, opt.Width-10, "  ")) }
	wb("VERDICT", []string{r.Verdict.Summary})
	if r.Verdict.Lead != "" {
		wb("LEAD", []string{r.Verdict.Lead})
	}
	wb("EVIDENCE", r.Verdict.Evidence)

	var changed []string
	for i, c := range r.Config {
		if i == maxChanged && !opt.Details {
			changed = append(changed, fmt.Sprintf("and %d more (--details)", len(r.Config)-maxChanged))
			break
		}
		line := fmt.Sprintf("%s: %s → %s", c.Item, c.value(c.A), c.value(c.B))
		if c.Autotuned {
			line += " (the kernel sizes it at boot; not a lead)"
		}
		changed = append(changed, line)
	}
	if len(changed) == 0 {
		changed = []string{"nothing: kernel, cmdline, schedulers, sysctls, nfsd, CPUs, memory and backend are the same"}
	}
	wb("CHANGED", changed)
	if len(r.Caveats) > 0 {
		wb("CAVEATS", r.Caveats)
	}
	wl := r.Workload
	wlines := []string{workloadLine(wl)}
	if len(wl.Mix) > 0 {
		var mix []string
		for i, m := range wl.Mix {
			if i >= 6 {
				break
			}
			mix = append(mix, fmt.Sprintf("%s %.0f%%→%.0f%%", m.Op, 100*m.A, 100*m.B))
		}
		wlines = append(wlines, "mix: "+strings.Join(mix, ", "))
	}
	wb("WORKLOAD", wlines)
	dir := map[string]float64{OutcomeWorse: 1, OutcomeBetter: -1}[r.Verdict.Diagnosis.Outcome]
	if lines := append(asyncLines("io_uring", "in the kernel", r.URing, dir), asyncLines("libaio", "from io_submit to the reap", r.AIO, 0)...); len(lines) > 0 {
		wb("IO", lines)
	}

	if !opt.Details {
		// What the kernel said belongs on the first screen, briefly.
		if err := renderKernelLog(&b, r.Kernel, 3, tableW); err != nil {
			return err
		}
		b.WriteString("\n")
		for _, l := range wrapLines([]string{"(--details: the breakdown by layer, wait site, device, scheduler, operation and client)"}, opt.Width, " ") {
			b.WriteString(l + "\n")
		}
		if _, err := io.WriteString(w, model.TermSafeLines(b.String())); err != nil {
			return fmt.Errorf("write comparison: %w", err)
		}
		return nil
	}
	for _, bd := range []*Breakdown{r.Time, r.DTime, r.RPC, r.Block} {
		if bd == nil {
			continue
		}
		if err := renderBreakdown(&b, bd, opt.MaxRows, tableW); err != nil {
			return err
		}
	}
	if len(r.Devices) > 0 {
		if err := renderDevices(&b, r.Devices, opt.MaxRows, tableW); err != nil {
			return err
		}
	}
	if len(r.LockOwners) > 0 {
		if err := renderLockOwners(&b, r.LockOwners, r.Workload.Per, opt.MaxRows, tableW); err != nil {
			return err
		}
	}
	if err := renderKernelLog(&b, r.Kernel, opt.MaxRows, tableW); err != nil {
		return err
	}
	b.WriteString("\n")
	for _, l := range legend() {
		block(&b, l[0], wrapLines([]string{l[1]}, opt.Width-10, ""))
	}
	// strings from the captures reach a terminal: no control character passes
	if _, err := io.WriteString(w, model.TermSafeLines(b.String())); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	return nil
}

// legend explains the tables' columns: a tag and its text.
func legend() [][2]string {
	return [][2]string{
		{"A, B", "the figure per unit (op or second) in each capture; CHANGE = B - A; SHARE = CHANGE / the total's CHANGE"},
		{"P", "the block bootstrap's two-sided p value (Benjamini-Hochberg adjusted within a table); * = significant and large enough to matter"},
		{"N", "waits or requests; P50/P90/P99 with the RANGE the log2 buckets and the sampling error allow; MAX exact"},
		{"A12", "the chance that a value of B exceeds one of A (0.5: no shift; * = a significant shift of at least 0.1)"},
		{"HELD", `"rare long waits held as they came": a total's test kept at their observed change the few long waits both captures had in too few time blocks to test, whose change was too small to matter`},
		{"LAYER", "where the time went: block IO per device, writeback, journal, lock, page lock, reclaim, network, other kernel code, waiting for a CPU or an nfsd thread, and the rest of a request's time"},
		{"OWNERS", "LOCK OWNERS: the tasks that held the locks when the waits began (or when the waiters slept, if no one held them as they began), by command, state and own wait site; THREADS how many of them; SHARE A/B their part of each capture's lock-wait time"},
		{"NARROW", "a table too wide for the terminal leaves out, in turn, its RANGE columns, then P90, MAX, N, A12 and P50; a wider terminal, or a pipe or file, shows them all"},
	}
}

// minWidth is the narrowest terminal the text is fitted to.
const minWidth = 60

// fitted is the width paragraphs are wrapped to for a table width
// (0: a file or a pipe, 100).
func fitted(tableW int) int {
	if tableW <= 0 {
		return 100
	}
	return tableW
}

// titleLines writes a table's title after a blank line, wrapped to the
// width of its text (fitted).
func titleLines(b *strings.Builder, title string, width int) {
	b.WriteString("\n")
	for _, l := range wrapLines([]string{title}, fitted(width), "  ") {
		b.WriteString(l + "\n")
	}
}

// tailFit fits a file name to w columns by its end, where its base name
// is: "…/captures/6.12-ref-1.nft".
func tailFit(name string, w int) string {
	r := []rune(name)
	if w < 2 || len(r) <= w {
		return name
	}
	return "…" + string(r[len(r)-w+1:])
}

// sideParts describe a capture on the header's line: host, kernel,
// backend, then its intervals.
func sideParts(s Side) []string {
	return []string{"host " + orDash(s.Host), "kernel " + orDash(s.Kernel), "backend " + orDash(s.Backend),
		fmt.Sprintf("%d intervals, %.0f s from %s", s.Snapshots, s.Seconds, orDash(s.Start))}
}

// wrapLines wraps each line to width at spaces; continuation lines start
// with indent.
func wrapLines(lines []string, width int, indent string) []string {
	var out []string
	for _, l := range lines {
		for len([]rune(l)) > width {
			r := []rune(l)
			cut := width
			for cut > width/2 && r[cut] != ' ' {
				cut--
			}
			if cut <= width/2 {
				cut = width
			}
			out = append(out, strings.TrimRight(string(r[:cut]), " "))
			l = indent + strings.TrimLeft(string(r[cut:]), " ")
		}
		out = append(out, l)
	}
	return out
}

// block writes a tagged paragraph: the tag in a 10-column margin.
func block(b *strings.Builder, tag string, lines []string) {
	for i, l := range lines {
		if i == 0 {
			fmt.Fprintf(b, "%-9s %s\n", tag, l)
		} else {
			fmt.Fprintf(b, "%-9s %s\n", "", l)
		}
	}
}

func orAbsent(s string) string {
	if s == "" {
		return "(absent)"
	}
	return s
}

// noLimit is where cgroup v1 memory limits read "no limit": the page
// counter's maximum in bytes (9223372036854771712 with 4 KiB pages).
const noLimit = 1 << 62

// configValue is a configuration item's value for people: a cgroup memory
// size with its size in binary units, "unlimited" where v1 writes the page
// counter's maximum; anything else as recorded.
func configValue(item, v string) string {
	_, file, _ := strings.Cut(item, " memory.")
	switch {
	case strings.HasSuffix(file, "_in_bytes"), file == "max", file == "high", file == "low", file == "min":
	default:
		return orAbsent(v)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	switch {
	case err != nil:
		return orAbsent(v)
	case n >= noLimit:
		return "unlimited"
	}
	return fmt.Sprintf("%s (%s)", v, model.FormatBytes(n))
}

// breakdownCols are a breakdown table's columns: the key, the figures per
// unit, the significance mark, then per side (A and B on two lines) the
// distribution, whose ranges, P90, MAX, N, A12 and P50 are left out in
// that order where the table would not fit.
func breakdownCols(key string) []texttable.Column {
	return []texttable.Column{
		{Header: strings.ToUpper(key)}, {Header: "A", Right: true}, {Header: "B", Right: true},
		{Header: "CHANGE", Right: true}, {Header: "SHARE", Right: true}, {Header: "P", Right: true}, {}, {},
		{Header: "N", Right: true, Drop: 4},
		{Header: "P50", Right: true, Drop: 2}, {Header: "RANGE", Drop: 8},
		{Header: "P90", Right: true, Drop: 6}, {Header: "RANGE", Drop: 9},
		{Header: "P99", Right: true}, {Header: "RANGE", Drop: 7},
		{Header: "MAX", Right: true, Drop: 5}, {Header: "A12", Right: true, Drop: 3},
	}
}

func renderBreakdown(b *strings.Builder, bd *Breakdown, maxRows, width int) error {
	per := strings.TrimPrefix(bd.Unit, "ns/")
	title := fmt.Sprintf("%s per %s: %s → %s (%s)", strings.ToUpper(bd.Metric), per,
		model.FormatNs(bd.A), model.FormatNs(bd.B), changeSummary(bd.Change)+heldText(bd))
	if per != "s" {
		title += fmt.Sprintf("; per second %s → %s", model.FormatNs(bd.APerSec), model.FormatNs(bd.BPerSec))
	}
	titleLines(b, title, width)
	for _, d := range bd.Dimensions {
		if len(d.Rows) == 0 {
			continue
		}
		// Columns: the key, the figures per unit, the significance mark,
		// then per side (A and B on two lines) the distribution.
		cols := breakdownCols(d.Name)
		hasDist := false
		for _, r := range d.Rows {
			if r.DistA != nil || r.DistB != nil {
				hasDist = true
			}
		}
		if !hasDist {
			cols = cols[:7]
		}
		var rows [][]string
		var legend []string
		// Long labels (wait sites) would make the table too wide: the table
		// numbers them and a legend below spells them out.
		long := false
		for i, r := range d.Rows {
			if i < maxRows && len(r.Label) > 32 {
				long = true
			}
		}
		for i, r := range d.Rows {
			if i >= maxRows {
				rows = append(rows, []string{fmt.Sprintf("… %d more", len(d.Rows)-maxRows)})
				break
			}
			label := r.Label
			if label == model.NotBlockIO && (d.Name == "device" || d.Name == "scheduler") {
				label = "- (not block IO)"
			}
			if r.Class != "" {
				label += " [" + r.Class + "]"
			}
			if long {
				legend = append(legend, fmt.Sprintf("  #%d  %s", i+1, label))
				if r.LabelA != "" {
					legend = append(legend, "       in A: "+r.LabelA)
				}
				label = fmt.Sprintf("#%d", i+1)
			}
			sig := ""
			if r.Significant {
				sig = "*"
			}
			a12 := ""
			if r.Shift != nil {
				a12 = fmt.Sprintf("%.2f", r.Shift.A12)
				if r.Shift.Significant {
					a12 += "*"
				}
			}
			share := "-"
			// A change large enough to matter but carried by too few
			// blocks to test (Carriers) is shared out too: the
			// verdict can read it when a layer's own test bears it
			// out (see Borne).
			if bd.Change.Significant || bd.Carriers != nil {
				share = fmtShare(r.Share)
			}
			head := []string{label, model.FormatNs(r.A), model.FormatNs(r.B), signedDur(r.Delta), share, pCell(r.Change), sig}
			if r.DistA == nil && r.DistB == nil {
				rows = append(rows, head)
				continue
			}
			rows = append(rows, append(append(head, "A"), distCells(r.DistA, a12)...))
			rows = append(rows, append([]string{"", "", "", "", "", "", "", "B"}, distCells(r.DistB, "")...))
		}
		if err := writeTable(b, cols, rows, width); err != nil {
			return err
		}
		if width > 0 {
			// On a terminal; to a file or a pipe each site stays one
			// line, as the table keeps its columns.
			legend = wrapLines(legend, width, "       ")
		}
		for _, l := range legend {
			b.WriteString(l + "\n")
		}
	}
	return nil
}

// distCells are a side's distribution cells: N, each quantile and its
// range, MAX and A12.
func distCells(d *Dist, a12 string) []string {
	if d == nil {
		return []string{"0", "-", "", "-", "", "-", "", "-", a12}
	}
	return []string{model.FormatCount(float64(d.Count)), model.FormatNs(float64(d.P50.Ns)), rangeCell(d.P50),
		model.FormatNs(float64(d.P90.Ns)), rangeCell(d.P90), model.FormatNs(float64(d.P99.Ns)), rangeCell(d.P99),
		model.FormatNs(float64(d.MaxNs)), a12}
}

// rangeCell is the range a quantile's log2 buckets and sampling error allow.
func rangeCell(x Quantile) string {
	return fmt.Sprintf("(%s–%s)", model.FormatNs(float64(x.Lo)), model.FormatNs(float64(x.Hi)))
}

func renderDevices(b *strings.Builder, devs []DeviceLatency, maxRows, width int) error {
	titleLines(b, "DEVICE LATENCY PER REQUEST (service: device, queue: IO scheduler, await: /proc/diskstats)", width)
	cols := []texttable.Column{{Header: "DEVICE"}, {Header: "SCHEDULER", Drop: 4}, {Header: "LATENCY"},
		{Header: "MEAN A", Right: true}, {Header: "MEAN B", Right: true}, {Header: "CHANGE", Right: true}, {Header: "P", Right: true}, {},
		{Header: "P99 A", Right: true, Drop: 3}, {Header: "RANGE", Drop: 7}, {Header: "P99 B", Right: true, Drop: 3}, {Header: "RANGE", Drop: 6},
		{Header: "A12", Right: true, Drop: 5}}
	var rows [][]string
	for i, d := range devs {
		if i >= maxRows {
			rows = append(rows, []string{fmt.Sprintf("… %d more", len(devs)-maxRows)})
			break
		}
		sched := orDash(d.SchedulerA)
		if d.SchedulerA != d.SchedulerB {
			sched = orDash(d.SchedulerA) + " → " + orDash(d.SchedulerB)
		}
		first := true
		for _, x := range []struct {
			name string
			l    *Latency
		}{{"service", d.Service}, {"queue", d.Queue}, {"await", d.Await}} {
			if x.l == nil {
				continue
			}
			name, sc := "", ""
			if first {
				name, sc = d.Device, sched
				first = false
			}
			sig := ""
			if x.l.Significant {
				sig = "*"
			}
			p99 := func(dd *Dist) []string {
				if dd == nil {
					return []string{"-", ""}
				}
				return []string{model.FormatNs(float64(dd.P99.Ns)), rangeCell(dd.P99)}
			}
			a12 := ""
			if x.l.Shift != nil {
				a12 = fmt.Sprintf("%.2f", x.l.Shift.A12)
			}
			row := []string{name, sc, x.name, model.FormatNs(x.l.MeanA), model.FormatNs(x.l.MeanB), signedDur(x.l.Delta), pCell(x.l.Change), sig}
			row = append(append(append(row, p99(x.l.DistA)...), p99(x.l.DistB)...), a12)
			rows = append(rows, row)
		}
		if first {
			rows = append(rows, []string{d.Device, sched, "only in " + map[bool]string{true: "A", false: "B"}[d.BusyA > 0]})
		}
	}
	return writeTable(b, cols, rows, width)
}

func renderLockOwners(b *strings.Builder, owners []LockOwnerRow, per string, maxRows, width int) error {
	titleLines(b, fmt.Sprintf("LOCK OWNERS: who held the locks the traced threads waited on (their wait per %s)", per), width)
	cols := []texttable.Column{{Header: "OWNER"}, {Header: "THREADS", Right: true, Drop: 2}, {Header: "A", Right: true}, {Header: "B", Right: true},
		{Header: "CHANGE", Right: true}, {Header: "SHARE A", Right: true, Drop: 1}, {Header: "SHARE B", Right: true, Drop: 1}, {Header: "OWNER WHILE HOLDING", Flex: true}}
	var rows [][]string
	for i, o := range owners {
		if i >= maxRows {
			rows = append(rows, []string{fmt.Sprintf("… %d more", len(owners)-maxRows)})
			break
		}
		who, threads := o.Comm, fmt.Sprint(o.Threads)
		if who == "" {
			who, threads = "(not known)", "-"
		}
		rows = append(rows, []string{who, threads, model.FormatNs(o.A), model.FormatNs(o.B), signedDur(o.B - o.A),
			fmt.Sprintf("%.0f%%", 100*o.ShareA), fmt.Sprintf("%.0f%%", 100*o.ShareB), ownerState(o.State, o.Site)})
	}
	return writeTable(b, cols, rows, width)
}

// ownerState says what a lock owner was doing when the waits began.
func ownerState(state, site string) string {
	switch {
	case state == "D" && site != "":
		return "in D at " + compactSite(site)
	case state == "D":
		return "in D"
	case state == "R":
		return "running or runnable"
	case state == "S":
		return "asleep (S)"
	case state == "":
		return "-"
	}
	return "in state " + state
}

func changeSummary(ch Change) string {
	s := moveText(ch.Ratio)
	if ch.Tested {
		s += fmt.Sprintf(", 95%% CI of change %s … %s", signedDur(ch.CI[0]), signedDur(ch.CI[1]))
	}
	s += ", " + changeText(ch)
	return s
}

func pCell(ch Change) string {
	if !ch.Tested {
		return "-"
	}
	if ch.P <= 0.001 {
		return "<0.001"
	}
	return fmt.Sprintf("%.2g", ch.P)
}

func signedDur(ns float64) string {
	if ns > 0 {
		return "+" + model.FormatNs(ns)
	}
	return model.FormatNs(ns)
}

func fmtShare(s float64) string {
	if s == 0 {
		return "-"
	}
	return model.FormatPct(s)
}

// writeTable renders a borderless table, two spaces between columns, in at
// most width columns (0: no limit), leaving out its most expendable columns
// where it would not fit (texttable.Table). Rows shorter than the columns
// are padded; a row of one cell is a note.
func writeTable(b *strings.Builder, cols []texttable.Column, rows [][]string, width int) error {
	for _, r := range rows {
		for c := range r {
			r[c] = model.TermSafe(r[c])
		}
	}
	t := texttable.Table{Cols: cols, Rows: rows}
	lines, err := t.Lines(width)
	if err != nil {
		return err
	}
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return nil
}

// asyncLines word the request latency of each kind of an interface
// (io_uring, libaio), span saying what was timed: "their io_uring reads
// took 95µs → 310µs each in the kernel, worse (3.3x, p=0.001); 2.9k → 1.0k
// a second". Where a change went the other way from the verdict's
// direction dir (io_uring's: 1 worse, -1 better, 0 not asked), the line
// says what its span leaves out: io_uring's time starts when the kernel
// takes a request, and a request held before that (behind one waiting for
// a tag in io_uring_enter, or in the submission ring) waited untimed,
// while the verdict read the threads' waits.
func asyncLines(iface, span string, rows []AsyncLatency, dir float64) []string {
	var lines []string
	for _, u := range rows {
		l := u.Lat
		verdict := "no significant change"
		switch {
		case !l.Tested:
			verdict = "not tested"
		case l.Significant && l.Delta > 0:
			verdict = "worse"
		case l.Significant:
			verdict = "better"
		case l.Outcome == TestSmall:
			verdict = "a change too small to matter"
		}
		detail := signedPct(l.Ratio)
		if l.Ratio >= 2 {
			detail = timesText(l.Ratio)
		}
		if l.Tested {
			detail += ", " + pText(l.P)
		}
		tail := ""
		if dir != 0 && l.Significant && dirOf(l.Delta) != dir {
			tail = "; timed from the kernel taking each request, not before (the verdict reads the threads' waits)"
		}
		lines = append(lines, fmt.Sprintf("their %s %ss took %s → %s each %s, %s (%s); %s → %s a second%s", iface, u.Kind,
			model.FormatNs(l.MeanA), model.FormatNs(l.MeanB), span, verdict, detail,
			model.FormatCount(u.RateA), model.FormatCount(u.RateB), tail))
	}
	return lines
}

// workloadLine says whether the two loads compare and how far apart their
// rates were.
func workloadLine(wl Workload) string {
	switch {
	case wl.Per == "call" || wl.Per == "IO" || wl.Per == "CPU-s":
		// The traced threads' own rate, shown for what it is: a closed
		// loop does less when each piece takes longer, so it is not
		// judged; nor is a mix they do not have.
		return rateText(wl)
	case !wl.Comparable:
		return "differs: " + wl.Reason + "; figures are per " + wl.Per + ", read them with care"
	}
	rate := rateText(wl)
	if wl.Per == "op" && math.Abs(wl.RateRatio-1) >= 0.1 {
		// Comparable is a judgement within a bound, not a claim that
		// the loads were the same: say how far apart they were.
		rate += fmt.Sprintf(" (%s, within the x%.0f where figures per op still compare)", signedPct(wl.RateRatio), maxRateRatio)
	}
	return fmt.Sprintf("comparable: %s, op mix distance %.2f", rate, wl.MixDistance)
}
