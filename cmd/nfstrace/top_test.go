package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/report"
	"github.com/nfstrace/nfstrace/internal/sampler"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/top")

// hostsDir holds the fixture trees: NAME/t0 and NAME/t1, one second apart.
const hostsDir = "../../testdata/hosts"

// replayStart is the fixed start of every replayed interval, so goldens are stable.
var replayStart = time.Date(2026, 11, 25, 4, 0, 0, 0, time.UTC)

// replaySource gives its snapshots in order, then blocks until the context
// ends, or with atEnd set, calls it and returns (a signal arriving when the
// snapshots run out).
type replaySource struct {
	cfg   model.Config
	snaps []*model.Snapshot
	next  int
	atEnd func()
}

func (r *replaySource) Config() model.Config { return r.cfg }

func (r *replaySource) Next(ctx context.Context) (*model.Snapshot, error) {
	if r.next < len(r.snaps) {
		r.next++
		return r.snaps[r.next-1], nil
	}
	if r.atEnd != nil {
		r.atEnd()
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// replayOpener opens what the flags point at the way the live path does,
// but as a replay of a fixture tree: --procfs, --sysfs and --boot name the
// t0 tree, and the interval ends with the sibling t1 tree. No tracer runs,
// so the frame is exactly what the host counters say.
func replayOpener(t *testing.T) topOpener {
	return func(sf *sourceFlags, tg host.Targets, _ *slog.Logger) (topSource, func() error, error) {
		first := host.Roots{Proc: sf.procfs, Sys: sf.sysfs, Boot: sf.boot}
		t1 := func(p string) string { return strings.Replace(p, "/t0/", "/t1/", 1) }
		second := host.Roots{Proc: t1(sf.procfs), Sys: t1(sf.sysfs), Boot: t1(sf.boot)}
		r0, err := host.NewReader(first)
		if err != nil {
			return nil, nil, err
		}
		r1, err := host.NewReader(second)
		if err != nil {
			return nil, nil, err
		}
		cfg, snap, err := sampler.Replay(r0, r1, nil, replayStart, sf.interval)
		if err != nil {
			return nil, nil, err
		}
		cfg.Targets = tg.String()
		return &replaySource{cfg: cfg, snaps: []*model.Snapshot{snap}}, func() error { return nil }, nil
	}
}

// noOpener fails the test: the flags should have been refused first.
func noOpener(t *testing.T) topOpener {
	return func(*sourceFlags, host.Targets, *slog.Logger) (topSource, func() error, error) {
		t.Error("the source was opened")
		return nil, nil, errors.New("not opened")
	}
}

func treeArgs(name string) []string {
	dir := filepath.Join(hostsDir, name, "t0")
	return []string{"--procfs", dir + "/proc", "--sysfs", dir + "/sys", "--boot", dir + "/boot"}
}

func TestTopOnceGolden(t *testing.T) {
	trees, err := filepath.Glob(filepath.Join(hostsDir, "*", "t0"))
	if err != nil || len(trees) == 0 {
		t.Fatalf("no fixture trees under %s (%v)", hostsDir, err)
	}
	for _, tree := range trees {
		name := filepath.Base(filepath.Dir(tree))
		for _, format := range []string{"table", "json"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				var out, errw bytes.Buffer
				args := append([]string{"--once", "--format", format}, treeArgs(name)...)
				if err := topMain(context.Background(), stdio{out: &out, err: &errw}, args, replayOpener(t)); err != nil {
					t.Fatalf("top %s: %v\n%s", strings.Join(args, " "), err, errw.String())
				}
				if strings.Contains(out.String(), "\x1b") {
					t.Error("--once output has escape codes")
				}
				ext := map[string]string{"table": ".txt", "json": ".json"}[format]
				golden := filepath.Join("testdata", "top", name+ext)
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -run TestTopOnceGolden -update)", err)
				}
				if !bytes.Equal(out.Bytes(), want) {
					t.Errorf("top --once for %s differs from %s:\n--- got\n%s\n--- want\n%s", name, golden, out.String(), want)
				}
			})
		}
	}
}

// The goldens must show what the fixtures are about, not merely not change.
func TestTopOnceShowsTheHost(t *testing.T) {
	tests := []struct {
		tree string
		want []string
	}{
		{"k4.9-nfsd-busy", []string{"kernel 4.9.0-0.bpo.3-amd64", "nfsd: 64 threads, 58 in D", "pool 0:",
			"load 87.61 64.92 35.61 = 3 running + 61 in D: nfsd 58", "scheduler change: sdb deadline → cfq",
			"← nfsd3_proc_commit", "v3 WRITE", "sdb     cfq"}},
		{"k4.9-no-nfsd", []string{"nfsd is not running on this host", "DEVICE"}},
		{"k6.12-no-nfsd", []string{"nfsd is not running on this host", "⚠ next boot runs 6.12.107+deb12-amd64",
			"io pressure", "sda      mq-deadline"}},
		{"k6.12-nfsd", []string{"nfsd: ", "NFS OP"}},
	}
	for _, tt := range tests {
		t.Run(tt.tree, func(t *testing.T) {
			var out bytes.Buffer
			args := append([]string{"--once"}, treeArgs(tt.tree)...)
			if err := topMain(context.Background(), stdio{out: &out, err: &out}, args, replayOpener(t)); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("missing %q in\n%s", w, out.String())
				}
			}
		})
	}
}

func TestTopFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
		usage   bool
	}{
		{[]string{"--format", "xml", "--once"}, `--format "xml"`, true},
		{[]string{"--sort", "size", "--once"}, `sort "size"`, true},
		{[]string{"--backend", "dtrace", "--once"}, `--backend "dtrace"`, true},
		{[]string{"--window", "-1s", "--once"}, "--window", true},
		{[]string{"stray"}, "unexpected argument", true},
		// Not a terminal and no --once.
		{nil, "top needs a terminal; use --once for a single frame", false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errw bytes.Buffer
			err := topMain(context.Background(), stdio{out: &out, err: &errw}, tt.args, noOpener(t))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			var u usageError
			if errors.As(err, &u) != tt.usage {
				t.Errorf("usage error: %v, want %v", errors.As(err, &u), tt.usage)
			}
			if out.Len() != 0 {
				t.Errorf("stdout: %q", out.String())
			}
		})
	}
}

// screen collects what a program writes to a pseudo-terminal.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
	// exited, when set, is closed when the program ends: waiting stops.
	exited <-chan struct{}
}

func (s *screen) drain(ptmx *os.File) {
	b := make([]byte, 4096)
	for {
		n, err := ptmx.Read(b)
		s.mu.Lock()
		s.buf.Write(b[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor polls until the screen shows want after offset from. The deadline
// only keeps a broken build from hanging the suite; nothing is timed.
func (s *screen) waitFor(t *testing.T, from int, want string) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		out := s.String()
		if i := strings.Index(out[min(from, len(out)):], want); i >= 0 {
			return from + i + len(want)
		}
		select {
		case <-s.exited:
			t.Fatalf("the program ended before showing %q; it showed:\n%q", want, s.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("the screen never showed %q; it shows:\n%q", want, s.String())
	return 0
}

func lflag(t *testing.T, f *os.File) uint32 {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag
}

// TestTopLiveView drives the live view in a pseudo-terminal with a replayed
// fixture: the frame appears, keys change the order, a resize redraws at
// the new width, q quits and the terminal is as before.
func TestTopLiveView(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		testenv.Skip(t, "no pseudo-terminal: "+err.Error())
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	before := lflag(t, tty)
	var scr screen
	go scr.drain(ptmx)

	var errw bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- topMain(context.Background(), stdio{in: tty, out: tty, err: &errw}, treeArgs("k4.9-nfsd-busy"), replayOpener(t))
	}()
	at := scr.waitFor(t, 0, escAltScreen)
	at = scr.waitFor(t, at, "nfstrace top — ")
	at = scr.waitFor(t, at, "nfsd: ")
	at = scr.waitFor(t, at, "[sort: d-time, window 10 s]")
	if raw := lflag(t, tty); raw&(unix.ICANON|unix.ECHO) != 0 {
		t.Errorf("terminal not in raw mode while top runs: lflag %#x", raw)
	}
	// The sorted column is marked: this fixture has no tracer, so the
	// table of tasks in D, by their count.
	if !strings.Contains(scr.String()[:at], "TASKS IN D▼") {
		t.Errorf("no sort mark on TASKS IN D: %q", scr.String()[:at])
	}

	// press types key and waits for the screen to show want.
	press := func(key, want string) {
		t.Helper()
		if _, err := ptmx.WriteString(key); err != nil {
			t.Fatal(err)
		}
		at = scr.waitFor(t, at, want)
	}
	// h shows the keys; any key goes back to the frame.
	press("h", "nfstrace top: keys")
	at = scr.waitFor(t, at, "a       average over the next window: 5 s, 10 s, 30 s, 1 min (now 10 s)")
	press("x", "nfsd: ")
	press("?", "nfstrace top: keys")
	press(" ", "nfsd: ")

	// a steps to the next window, v sorts by device, marked in the header.
	press("a", "[sort: d-time, window 30 s]")
	press("v", "AWAIT▼") // devices by latency; no block probes here
	at = scr.waitFor(t, at, "[sort: device, window 30 s]")

	// Narrow the terminal: the next frame is drawn 59 columns wide, so the
	// key help on the last line (row 20) is cut there.
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 20, Cols: 60}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	at = scr.waitFor(t, at, "\x1b[20;1H"+string([]rune(statusLine(report.SortDevice, 30*time.Second))[:59]))

	if _, err := ptmx.WriteString("q"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("top: %v\n%s", err, errw.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("top did not quit on q")
	}
	scr.waitFor(t, at, escShowCursor+escMainScreen)
	if after := lflag(t, tty); after != before {
		t.Errorf("terminal not restored: lflag %#x before, %#x after", before, after)
	}
	out := scr.String()
	// Redraws overwrite in place: the screen is cleared once, on entry.
	if n := strings.Count(out, escClearScreen); n != 1 {
		t.Errorf("the screen was cleared %d times, want once", n)
	}
}

// TestTopBinaryInTerminal builds nfstrace and runs the real `top` on this
// host in a pseudo-terminal: the header appears, a resize redraws at the new
// width, and both ways out (q, SIGTERM) exit with status 0, leave the
// alternate screen and give the terminal its modes back.
func TestTopBinaryInTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "nfstrace")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if help, _ := exec.Command(bin, "help").CombinedOutput(); !strings.Contains(string(help), "\n  top ") {
		testenv.Skip(t, "top is not in nfstrace's command table yet (cmd/nfstrace/main.go)")
	}
	tests := []struct {
		name string
		quit func(t *testing.T, ptmx *os.File, cmd *exec.Cmd)
	}{
		{"q", func(t *testing.T, ptmx *os.File, _ *exec.Cmd) {
			if _, err := ptmx.WriteString("q"); err != nil {
				t.Fatal(err)
			}
		}},
		{"SIGTERM", func(t *testing.T, _ *os.File, cmd *exec.Cmd) {
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ptmx, tty, err := pty.Open()
			if err != nil {
				testenv.Skip(t, "no pseudo-terminal: "+err.Error())
			}
			defer ptmx.Close()
			defer tty.Close()
			if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 140}); err != nil {
				t.Fatal(err)
			}
			before := lflag(t, tty)
			cmd := exec.Command(bin, "top", "--backend", "procfs", "--interval", "200ms")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			var waitErr error
			go func() { waitErr = cmd.Wait(); close(exited) }()
			defer func() {
				select {
				case <-exited:
				default:
					_ = cmd.Process.Kill()
					<-exited
				}
			}()
			scr := &screen{exited: exited}
			go scr.drain(ptmx)
			at := scr.waitFor(t, 0, escAltScreen)
			at = scr.waitFor(t, at, "nfstrace top — ")
			at = scr.waitFor(t, at, "load ")
			at = scr.waitFor(t, at, "\x1b[40;1H"+statusLine(report.SortDTime, 10*time.Second))

			// The kernel sends SIGWINCH to the terminal's foreground group.
			if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 25, Cols: 50}); err != nil {
				t.Fatal(err)
			}
			at = scr.waitFor(t, at, "\x1b[25;1H"+statusLine(report.SortDTime, 10*time.Second)[:49])

			tt.quit(t, ptmx, cmd)
			select {
			case <-exited:
				if waitErr != nil {
					t.Fatalf("nfstrace top exited with %v; screen:\n%q", waitErr, scr.String())
				}
			case <-time.After(60 * time.Second):
				t.Fatal("nfstrace top did not quit")
			}
			// What it wrote before exiting is still in the pty's buffer.
			scr.exited = nil
			scr.waitFor(t, at, escShowCursor+escMainScreen)
			if after := lflag(t, tty); after != before {
				t.Errorf("terminal not restored: lflag %#x before, %#x after", before, after)
			}
		})
	}
}

func TestSnapWindow(t *testing.T) {
	var w snapWindow
	for i := range 25 {
		start := replayStart.Add(time.Duration(i) * time.Second)
		w.add(&model.Snapshot{Start: start, End: start.Add(time.Second)}, 10*time.Second)
		if want := min(i+1, 10); len(w.snaps) != want {
			t.Fatalf("after %d one-second snapshots the window holds %d, want %d", i+1, len(w.snaps), want)
		}
	}
	if got := w.snaps[0].Start; !got.Equal(replayStart.Add(15 * time.Second)) {
		t.Errorf("oldest snapshot starts %v, want the 16th", got)
	}
	// An interval longer than the window still leaves the latest snapshot.
	w.add(&model.Snapshot{Start: replayStart, End: replayStart.Add(time.Minute)}, 10*time.Second)
	if len(w.snaps) != 1 {
		t.Errorf("window holds %d snapshots, want the latest only", len(w.snaps))
	}
}

func TestSnapWindowLast(t *testing.T) {
	var w snapWindow
	for i := range 60 {
		start := replayStart.Add(time.Duration(i) * time.Second)
		w.add(&model.Snapshot{Start: start, End: start.Add(time.Second)}, time.Minute)
	}
	for _, tc := range []struct {
		d    time.Duration
		want int
	}{{5 * time.Second, 5}, {10 * time.Second, 10}, {30 * time.Second, 30}, {time.Minute, 60}, {time.Hour, 60}, {0, 1}} {
		got := w.last(tc.d)
		if len(got) != tc.want || got[len(got)-1] != w.snaps[len(w.snaps)-1] {
			t.Errorf("last(%v): %d snapshots ending with the newest, want %d", tc.d, len(got), tc.want)
		}
	}
}

func TestWindowChoices(t *testing.T) {
	for _, tc := range []struct {
		initial time.Duration
		steps   string // the windows 'a' goes through from initial
	}{
		{10 * time.Second, "30 s, 1 min, 5 s, 10 s"},
		{5 * time.Second, "10 s, 30 s, 1 min, 5 s"},
		{2 * time.Minute, "5 s, 10 s, 30 s, 1 min, 2 min"},
		{1500 * time.Millisecond, "5 s, 10 s, 30 s, 1 min, 1.5 s"},
	} {
		ws := windowChoices(tc.initial)
		var got []string
		for w := tc.initial; len(got) < len(ws); {
			w = nextWindow(ws, w)
			got = append(got, fmtWindowChoice(w))
		}
		if s := strings.Join(got, ", "); s != tc.steps {
			t.Errorf("from %v: %s, want %s", tc.initial, s, tc.steps)
		}
	}
}

// Without --once, --format json prints one frame per interval, one JSON
// document per line, and needs no terminal; it ends cleanly on a signal.
func TestTopJSONStream(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r0, err := host.NewReader(host.TreeRoots(filepath.Join(hostsDir, "k6.12-nfsd", "t0")))
	if err != nil {
		t.Fatal(err)
	}
	r1, err := host.NewReader(host.TreeRoots(filepath.Join(hostsDir, "k6.12-nfsd", "t1")))
	if err != nil {
		t.Fatal(err)
	}
	cfg, snap, err := sampler.Replay(r0, r1, nil, replayStart, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	later := *snap
	later.Start, later.End = snap.End, snap.End.Add(time.Second)
	src := &replaySource{cfg: cfg, snaps: []*model.Snapshot{snap, &later}, atEnd: cancel}
	open := func(*sourceFlags, host.Targets, *slog.Logger) (topSource, func() error, error) {
		return src, func() error { return nil }, nil
	}
	var out, errw bytes.Buffer
	if err := topMain(ctx, stdio{out: &out, err: &errw}, []string{"--format", "json"}, open); err != nil {
		t.Fatalf("top: %v\n%s", err, errw.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 frames:\n%s", len(lines), out.String())
	}
	for i, line := range lines {
		var f struct {
			Snapshots int     `json:"snapshots"`
			WindowSec float64 `json:"window_s"`
		}
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		// The second frame's rates cover both intervals.
		if f.Snapshots != i+1 || f.WindowSec != float64(i+1) {
			t.Errorf("frame %d covers %d snapshots over %v s, want %d", i, f.Snapshots, f.WindowSec, i+1)
		}
	}
}

// tmux runs tmux on a private server (socket name), returning its output.
func tmux(t *testing.T, socket string, args ...string) string {
	t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", socket}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestTopInTmux runs the real binary's top in a tmux pane, as a user's
// terminal would: keys are sent with send-keys and the screen is read back
// with capture-pane, so what is checked is what a person sees.
func TestTopInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		testenv.Skip(t, "tmux not installed (Debian package tmux)")
	}
	bin := filepath.Join(t.TempDir(), "nfstrace")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	socket := fmt.Sprintf("nfstrace-test-%d", os.Getpid())
	tmux(t, socket, "-f", "/dev/null", "new-session", "-d", "-s", "top", "-x", "110", "-y", "30",
		bin+" top --backend procfs --interval 200ms; sleep 30")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", socket, "kill-server").Run() })

	// pane polls capture-pane until the screen shows want; the deadline
	// only keeps a broken build from hanging the suite.
	pane := func(want string) string {
		t.Helper()
		var screen string
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			screen = tmux(t, socket, "capture-pane", "-p", "-t", "top")
			if strings.Contains(screen, want) {
				return screen
			}
		}
		t.Fatalf("the pane never showed %q; it shows:\n%s", want, screen)
		return ""
	}
	screen := pane("s average") // the first interval is in
	for _, want := range []string{"nfstrace top — ", "[sort: d-time, window 10 s]", "h help  q quit"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
	tmux(t, socket, "send-keys", "-t", "top", "h")
	screen = pane("nfstrace top: keys")
	if strings.Contains(screen, "load ") {
		t.Errorf("the help shows over the frame instead of in its place:\n%s", screen)
	}
	tmux(t, socket, "send-keys", "-t", "top", "x")
	pane("load ")
	tmux(t, socket, "send-keys", "-t", "top", "a")
	pane("[sort: d-time, window 30 s]")
	tmux(t, socket, "send-keys", "-t", "top", "w")
	screen = pane("[sort: wait-site, window 30 s]")
	t.Logf("pane:\n%s", screen)
	tmux(t, socket, "send-keys", "-t", "top", "q")
	// top gave the terminal back: the shell's sleep keeps the pane, with the
	// main screen (no top header) in it.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		screen = tmux(t, socket, "capture-pane", "-p", "-t", "top")
		if !strings.Contains(screen, "nfstrace top — ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("top did not quit on q:\n%s", screen)
		}
	}
}

// TestTopPartialTree: top --procfs on a tree without its optional files (as
// copied from another host or a container's /proc) shows the rest, with
// the missing values shown as unknown ("-").
func TestTopPartialTree(t *testing.T) {
	dir := t.TempDir()
	for _, at := range []string{"t0", "t1"} {
		dst := filepath.Join(dir, at)
		if err := os.CopyFS(dst, os.DirFS(filepath.Join(hostsDir, "k6.12-nfsd", at))); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"proc/sys/kernel/version", "proc/sys/kernel/hostname", "proc/sys/kernel/random", "proc/meminfo", "boot"} {
			if err := os.RemoveAll(filepath.Join(dst, p)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out, errw bytes.Buffer
	t0 := filepath.Join(dir, "t0")
	args := []string{"--once", "--procfs", t0 + "/proc", "--sysfs", t0 + "/sys", "--boot", t0 + "/boot"}
	if err := topMain(context.Background(), stdio{out: &out, err: &errw}, args, replayOpener(t)); err != nil {
		t.Fatalf("top on a partial tree: %v\n%s", err, errw.String())
	}
	for _, want := range []string{"nfstrace top — -  kernel 6.12.57+deb12-amd64", "load 9.02 7.70 5.05 = 1 running + 7 in D", "nfsd: 32 threads, 5 in D"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
