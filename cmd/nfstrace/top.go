package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/report"
)

// The live view is plain ANSI rather than a TUI library: it needs one
// screen of text redrawn in place, a few keys and resizes, which take a
// hundred lines here. Writing each frame as one buffer (cursor home, every
// line followed by clear-to-end-of-line, clear below) never blanks the
// screen, so it does not flicker; a library would add dependencies and its
// own redraw policy for no gain.
const (
	escAltScreen   = "\x1b[?1049h"
	escMainScreen  = "\x1b[?1049l"
	escHideCursor  = "\x1b[?25l"
	escShowCursor  = "\x1b[?25h"
	escHome        = "\x1b[H"
	escClearEOL    = "\x1b[K"
	escClearBelow  = "\x1b[J"
	escClearScreen = "\x1b[2J"
)

// errNoTerminal is the one-line answer to `top` in a pipe.
var errNoTerminal = errors.New("top needs a terminal; use --once for a single frame")

// topSource is what top reads: a snapshot per interval and the host's
// configuration. The live sampler satisfies it, and so do test fixtures.
type topSource interface {
	Config() model.Config
	Next(ctx context.Context) (*model.Snapshot, error)
}

// topOpener opens the source the flags ask for and returns it with the
// function that releases it.
type topOpener func(sf *sourceFlags, tg host.Targets, log *slog.Logger) (topSource, func() error, error)

// openLiveTop opens the live sampler: host reader plus the chosen tracer.
func openLiveTop(sf *sourceFlags, tg host.Targets, log *slog.Logger) (topSource, func() error, error) {
	s, err := sf.open(tg, log)
	if err != nil {
		return nil, nil, err
	}
	return s, s.Close, nil
}

// topOptions are top's own flags besides the source's.
type topOptions struct {
	once   bool
	json   bool
	sort   report.SortMode
	window time.Duration
}

// runTop shows the live view, or with --once a single frame.
func runTop(ctx context.Context, io stdio, args []string) error {
	return topMain(ctx, io, args, openLiveTop)
}

func topMain(ctx context.Context, io stdio, args []string, open topOpener) error {
	fs := newFlagSet(io, "top")
	var sf sourceFlags
	sf.register(fs)
	once := fs.Bool("once", false, "print one frame after one interval, without escape codes, and exit")
	format := fs.String("format", "table", "output format: table or json (json without --once prints one frame per line)")
	sortBy := fs.String("sort", "d-time", "initial order: d-time, wait-site or device")
	window := fs.Duration("window", 10*time.Second, "rates and percentiles cover the intervals of this last stretch of time")
	if err := parseFlags(io, fs, args); err != nil {
		return err
	}
	tg, err := sf.validate(io.err)
	if err != nil {
		return err
	}
	o := topOptions{once: *once, window: *window}
	switch *format {
	case "table":
	case "json":
		o.json = true
	default:
		return usageError{fmt.Sprintf("top: --format %q: want table or json", *format)}
	}
	if o.sort, err = report.ParseSortMode(*sortBy); err != nil {
		return usageError{"top: --" + err.Error()}
	}
	if o.window < 0 {
		return usageError{fmt.Sprintf("top: --window %v is negative", o.window)}
	}
	live := !o.once && !o.json
	if live && !(topIsTerminal(io.out) && io.in != nil && term.IsTerminal(int(io.in.Fd()))) {
		return errNoTerminal
	}

	// While the screen is ours, log lines wait and are printed on exit.
	logw := io.err
	var held lockedBuffer
	if live {
		logw = &held
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	src, closeSrc, err := open(&sf, tg, log)
	if err != nil {
		return fmt.Errorf("top: %w", err)
	}
	defer func() {
		if err := closeSrc(); err != nil {
			fmt.Fprintf(io.err, "nfstrace: top: close: %v\n", err)
		}
	}()

	switch {
	case o.once:
		return topOnce(ctx, io, src, o)
	case o.json:
		return topJSONStream(ctx, io, src, o)
	}
	v := &liveView{
		in: io.in, out: io.out.(*os.File), src: src, sort: o.sort, window: o.window,
		windows: windowChoices(o.window),
		keys:    make(chan byte, 16),
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	v.winch = winch
	err = v.run(ctx)
	_, _ = io.err.Write(held.Bytes())
	return err
}

func topIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// topOnce prints one frame over one interval: as text fitted to the
// terminal's width when stdout is one, unlimited otherwise, or as JSON.
func topOnce(ctx context.Context, io stdio, src topSource, o topOptions) error {
	snap, err := src.Next(ctx)
	if err != nil {
		return fmt.Errorf("top: %w", err)
	}
	f, err := report.NewFrame(src.Config(), []*model.Snapshot{snap}, report.Options{Sort: o.sort})
	if err != nil {
		return fmt.Errorf("top: %w", err)
	}
	if o.json {
		return f.WriteJSON(io.out)
	}
	var l report.Layout
	if fo, ok := io.out.(*os.File); ok {
		if w, _, err := term.GetSize(int(fo.Fd())); err == nil {
			l.Width = w
		}
	}
	return f.Render(io.out, l)
}

// topJSONStream prints a frame per interval, one JSON document per line,
// until the context ends.
func topJSONStream(ctx context.Context, io stdio, src topSource, o topOptions) error {
	enc := json.NewEncoder(io.out)
	var win snapWindow
	for {
		snap, err := src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("top: %w", err)
		}
		win.add(snap, o.window)
		f, err := report.NewFrame(src.Config(), win.snaps, report.Options{Sort: o.sort})
		if err != nil {
			return fmt.Errorf("top: %w", err)
		}
		if err := enc.Encode(f); err != nil {
			return fmt.Errorf("top: write: %w", err)
		}
	}
}

// snapWindow holds the recent snapshots a frame's rates cover.
type snapWindow struct{ snaps []*model.Snapshot }

// add appends s and drops the oldest snapshots while the rest still span d.
func (w *snapWindow) add(s *model.Snapshot, d time.Duration) {
	w.snaps = append(w.snaps, s)
	w.snaps = w.snaps[w.start(d):]
}

// last returns the newest snapshots that span d, as add(s, d) would keep.
func (w *snapWindow) last(d time.Duration) []*model.Snapshot { return w.snaps[w.start(d):] }

// start is the index of the oldest snapshot needed to span d.
func (w *snapWindow) start(d time.Duration) int {
	i, n := 0, len(w.snaps)
	for i < n-1 && w.snaps[n-1].End.Sub(w.snaps[i+1].Start) >= d {
		i++
	}
	return i
}

// windowChoices are the windows the live view's 'a' key steps through:
// 5 s, 10 s, 30 s and 60 s, and --window's when it is another.
func windowChoices(initial time.Duration) []time.Duration {
	ws := []time.Duration{5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute}
	if initial > 0 && !slices.Contains(ws, initial) {
		ws = append(ws, initial)
		slices.Sort(ws)
	}
	return ws
}

// nextWindow is the choice after cur, the shortest after the longest.
func nextWindow(ws []time.Duration, cur time.Duration) time.Duration {
	for _, w := range ws {
		if w > cur {
			return w
		}
	}
	return ws[0]
}

// liveView is the full-screen, self-refreshing `top`.
type liveView struct {
	in, out *os.File
	src     topSource
	sort    report.SortMode
	window  time.Duration
	windows []time.Duration // what 'a' steps through; history covers the longest
	help    bool            // the key help is shown instead of the frame
	winch   <-chan os.Signal
	keys    chan byte

	win snapWindow
	buf bytes.Buffer
}

// keyHelp ends the bottom line of the live view, after the state it
// changes, which comes first so that a narrow terminal still shows it.
const keyHelp = "h help  q quit  d/w/v sort by D-time/wait site/device  a window"

// statusLine is the bottom line: the sort and window, then the keys.
func statusLine(sort report.SortMode, window time.Duration) string {
	return "[sort: " + sort.String() + ", window " + fmtWindowChoice(window) + "]  " + keyHelp
}

// helpLines is the screen 'h' or '?' shows in place of the frame.
func (v *liveView) helpLines() []string {
	ws := make([]string, len(v.windows))
	for i, w := range v.windows {
		ws[i] = fmtWindowChoice(w)
	}
	return []string{
		"nfstrace top: keys",
		"",
		"  h, ?    this help; any key returns to the view",
		"  q       quit (also Ctrl-C, Ctrl-D)",
		"  d       sort wait sites by D-time per second, most first",
		"  w       sort wait sites by kernel stack, so that rows stay put",
		"  v       sort by device: waits on block devices first, devices by latency",
		"  a       average over the next window: " + strings.Join(ws, ", ") + " (now " + fmtWindowChoice(v.window) + ")",
		"  Ctrl-L  repaint the screen",
		"",
		"The column the rows are sorted by is marked ▼. Rates and percentiles are",
		"averages over the window the header names (\"10 s average\"); it is shorter",
		"while top has not yet run that long.",
	}
}

// fmtWindowChoice names a window: "10 s", "1 min".
func fmtWindowChoice(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%g s", d.Seconds())
}

// run takes over the terminal until q, Ctrl-C, a signal or an error, and
// gives it back as it found it on every way out.
func (v *liveView) run(ctx context.Context) (err error) {
	inFd := int(v.in.Fd())
	state, err := term.MakeRaw(inFd)
	if err != nil {
		return fmt.Errorf("top: raw mode: %w", err)
	}
	defer func() {
		// Leave the alternate screen before restoring the line discipline,
		// and do both even when the loop panics.
		_, _ = v.out.WriteString(escShowCursor + escMainScreen)
		if rerr := term.Restore(inFd, state); rerr != nil && err == nil {
			err = fmt.Errorf("top: restore terminal: %w", rerr)
		}
	}()
	if _, err := v.out.WriteString(escAltScreen + escHideCursor + escClearScreen); err != nil {
		return fmt.Errorf("top: %w", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go v.readKeys()
	type result struct {
		snap *model.Snapshot
		err  error
	}
	snaps := make(chan result)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			s, err := v.src.Next(ctx)
			select {
			case snaps <- result{s, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	// The sampler must be idle before the caller closes it.
	defer func() { cancel(); <-done }()

	if err := v.draw(); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case r := <-snaps:
			if r.err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("top: %w", r.err)
			}
			// Keep the longest window's history, so that 'a' shows a
			// longer one at once.
			v.win.add(r.snap, slices.Max(append(v.windows, v.window)))
		case <-v.winch:
		case k, ok := <-v.keys:
			if !ok {
				return nil // the terminal went away
			}
			if v.help && k != 'q' && k != 'Q' && k != 3 && k != 4 {
				v.help = false // any key leaves the help, as in top(1)
				break
			}
			switch k {
			case 'q', 'Q', 3, 4: // q, Ctrl-C, Ctrl-D
				return nil
			case 'h', 'H', '?':
				v.help = true
			case 'a', 'A':
				v.window = nextWindow(v.windows, v.window)
			case 'd', 'D':
				v.sort = report.SortDTime
			case 'w', 'W':
				v.sort = report.SortWaitSite
			case 'v', 'V':
				v.sort = report.SortDevice
			case 12: // Ctrl-L: repaint from scratch
				_, _ = v.out.WriteString(escClearScreen)
			default:
				continue
			}
		}
		if err := v.draw(); err != nil {
			return err
		}
	}
}

// readKeys forwards keystrokes until the terminal's input ends.
func (v *liveView) readKeys() {
	defer close(v.keys)
	b := make([]byte, 16)
	for {
		n, err := v.in.Read(b)
		for _, c := range b[:n] {
			v.keys <- c
		}
		if err != nil {
			return
		}
	}
}

// draw repaints the screen in one write: home, each line then
// clear-to-end-of-line, clear below, and the key help on the last line.
func (v *liveView) draw() error {
	w, h, err := term.GetSize(int(v.out.Fd()))
	if err != nil {
		return fmt.Errorf("top: terminal size: %w", err)
	}
	// One column is left free: writing the last column of a line makes
	// some terminals wrap early.
	l := report.Layout{Width: max(w-1, 20), Height: max(h-1, 1)}
	var lines []string
	cfg := v.src.Config()
	switch {
	case v.help:
		for _, line := range v.helpLines() {
			lines = append(lines, truncateRunes(line, l.Width))
		}
	case len(v.win.snaps) == 0:
		lines = []string{fmt.Sprintf("nfstrace top — %s  kernel %s", cfg.Hostname, cfg.KernelRelease),
			"backend " + cfg.Backend.Detail, "", "collecting the first interval…"}
	default:
		f, err := report.NewFrame(cfg, v.win.last(v.window), report.Options{Sort: v.sort})
		if err != nil {
			return fmt.Errorf("top: %w", err)
		}
		if lines, err = f.Lines(l); err != nil {
			return fmt.Errorf("top: %w", err)
		}
	}
	b := &v.buf
	b.Reset()
	b.WriteString(escHome)
	for i, line := range lines {
		if i == l.Height {
			break
		}
		b.WriteString(line)
		b.WriteString(escClearEOL + "\r\n")
	}
	b.WriteString(escClearBelow)
	help := statusLine(v.sort, v.window)
	fmt.Fprintf(b, "\x1b[%d;1H%s", h, truncateRunes(help, l.Width))
	if _, err := v.out.Write(b.Bytes()); err != nil {
		return fmt.Errorf("top: %w", err)
	}
	return nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// lockedBuffer collects log lines from any goroutine while the screen is in use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns what was written, with a trailing newline.
func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.buf.Bytes()
	if len(out) > 0 && !strings.HasSuffix(string(out), "\n") {
		out = append(out, '\n')
	}
	return out
}
