package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestRender(t *testing.T) {
	noTracer := busySnapshot(0)
	noTracer.DState, noTracer.Block, noTracer.RPC = nil, nil, nil
	noTracerCfg := busyConfig()
	noTracerCfg.Backend = model.Backend{}

	tests := []struct {
		name    string
		cfg     model.Config
		window  []*model.Snapshot
		layout  Layout
		want    []string // lines or parts of lines that must appear
		wantNot []string
	}{
		{
			name:   "busy NFS server",
			cfg:    busyConfig(),
			window: busyWindow(10),
			want: []string{
				"nfstrace top — labstore1004  kernel 4.9.0-0.bpo.3-amd64  ⚠ next boot runs 4.4.0-3-amd64  lost 0  10 s average",
				"tracer cpu 0.8%  backend ebpf (ring buffer)  targets nfsd kernel threads",
				"load 87.40 64.10 35.20 = 3 running + 61 in D: nfsd 58, jbd2/drbd0-8 2, rsync 1   io pressure some 71% full 64%",
				"nfsd: 64 threads, 58 in D (84% of thread time), 1.7k ops/s; read 2.0 MB/s, write 40.0 MB/s; pool 0: 12k packets/s, 10k woken/s, 1.9k sockets queued/s",
				// Without a width, at most six frames: five innermost and the outermost.
				"io_schedule ← wait_on_page_bit ← __filemap_fdatawait_range ← filemap_write_and_wait_range ← ext4_sync_file ← … ← nfsd4_commit ",
				"DEVICE/SCHED  THREADS  D-TIME/s▼    p50",
				"sda/deadline       41        38s",
				"rwsem_down_write_failed ← call_rwsem_down_write_failed",
				"not block IO",
				"DEVICE  SCHED     IOPS  MB/s  AWAIT  UTIL  INFLIGHT  QUEUE p99  DEVICE p99",
				"sda     deadline  3.9k  40.0  2.2ms   91%        28",
				"v4 WRITE      1.2k  447ms  2.9s  2.9s       0  10.68.17.21 (75%)",
			},
			// Every row is nfsd: the COMM column says nothing and is left out.
			wantNot: []string{" COMM ", "TASKS IN D", "more"},
		},
		{
			name:   "no nfsd, procfs backend",
			cfg:    idleConfig(),
			window: []*model.Snapshot{idleSnapshot()},
			want: []string{
				"tracer cpu 0%  backend procfs sampler at 100 Hz: eBPF unavailable: operation not permitted  targets nfsd kernel threads",
				"nfsd is not running on this host",
				"load 0.42 0.30 0.25 = 1 running + 1 in D: fio 1",
				// The wait-site table stays a wait-site table when the
				// traced threads are not in D; fio's D is in the load line.
				"WAIT SITE\nno D-state seen in the traced threads; other tasks in D: see the load line",
				"vda     mq-deadline    12  <0.1  400µs  1.0%         0",
			},
			wantNot: []string{"NFS OP", "QUEUE p99", "⚠", "TASKS IN D"},
		},
		{
			name:   "no tracer rows",
			cfg:    noTracerCfg,
			window: []*model.Snapshot{noTracer},
			want: []string{
				"tracer cpu 0.8%  backend -",
				"nfsd: 64 threads, 58 in D, 1.7k ops/s;",
				"TASKS IN D▼  COMM          WAIT CHANNEL OR KERNEL STACK",
				"         41  nfsd          io_schedule",
				"NFS OP       OPS/s",
			},
			wantNot: []string{"of thread time", "p99", "TOP CLIENT"},
		},
		{
			name:   "narrow terminal",
			cfg:    busyConfig(),
			window: busyWindow(3),
			layout: Layout{Width: 60, Height: 22},
			want: []string{
				"nfstrace top — labstore1004  kernel 4.9.0-0.bpo.3-amd64\n",
				"⚠ next boot runs 4.4.0-3-amd64",
				// What the figures average over is not cut off.
				"lost 0  3 s average  tracer cpu 0.8%  backend ebpf (ring bu…",
				"load 87.40 64.10 35.20 = 3 running + 61 in D: … 3 more",
				"nfsd: 64 threads, 58 in D (84% of thread time), 1.7k ops/s",
				"nfsd read 2.0 MB/s, write 40.0 MB/s",
				"nfsd pool 0: 12k packets/s, 10k woken/s, 1.9k sockets queue…",
				"nfsd 16% of requests found no idle thread (1.9k/s, estimate…",
				// Columns go before the stack gets unreadable.
				"WAIT SITE (kernel stack)  THREADS  D-TIME/s▼    p50    p99",
				"io_schedule ← …                41        38s  618ms  698ms",
				"... 3 more operations",
			},
			wantNot: []string{"DEVICE/SCHED", "INFLIGHT", "ERRORS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFrame(tt.cfg, tt.window, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := f.Render(&buf, tt.layout); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("unexpected %q", w)
				}
			}
			checkFits(t, out, tt.layout)
			if t.Failed() {
				t.Logf("frame:\n%s", out)
			}
		})
	}
}

// checkFits checks the layout's limits and that no line ends in spaces.
func checkFits(t *testing.T, out string, l Layout) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if l.Height > 0 && len(lines) > l.Height {
		t.Errorf("%d lines, height %d", len(lines), l.Height)
	}
	for _, line := range lines {
		if l.Width > 0 && width(line) > l.Width {
			t.Errorf("line of %d columns, width %d: %q", width(line), l.Width, line)
		}
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing space: %q", line)
		}
	}
}

// manySites is a window with n distinct wait sites, the first with the most D-time.
func manySites(n int) []*model.Snapshot {
	s := idleSnapshot()
	for i := range n {
		s.DState = append(s.DState, model.DState{
			Comm: "nfsd", WaitSite: model.WaitSite(fmt.Sprintf("io_schedule;site_%02d", i)), Threads: 1,
			Hist: hist(n-i, time.Millisecond),
		})
	}
	return []*model.Snapshot{s}
}

func TestRenderHeightCutsRows(t *testing.T) {
	tests := []struct {
		height   int
		shown    int // wait-site rows shown
		wantMore string
	}{
		// 4 head lines; wait sites: blank + header + rows; devices: blank + header + 1 row.
		{height: 0, shown: 30},
		{height: 40, shown: 30},
		{height: 20, shown: 10, wantMore: "... 20 more wait sites"},
		{height: 12, shown: 2, wantMore: "... 28 more wait sites"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.height), func(t *testing.T) {
			f, err := NewFrame(idleConfig(), manySites(30), Options{})
			if err != nil {
				t.Fatal(err)
			}
			l := Layout{Width: 100, Height: tt.height}
			lines, err := f.Lines(l)
			if err != nil {
				t.Fatal(err)
			}
			out := strings.Join(lines, "\n")
			if got := strings.Count(out, "io_schedule ← site_"); got != tt.shown {
				t.Errorf("%d wait sites shown, want %d", got, tt.shown)
			}
			if tt.wantMore != "" && !strings.Contains(out, tt.wantMore) {
				t.Errorf("missing %q", tt.wantMore)
			}
			if tt.height > 0 && !strings.Contains(out, "vda") {
				t.Error("the device table was squeezed out")
			}
			checkFits(t, out+"\n", l)
			if t.Failed() {
				t.Logf("frame:\n%s", out)
			}
		})
	}
}

// TestRenderSectionsKeepTheirPlace: the sort orders rows and is marked in
// the header of the column it sorts by; the tables stay where they are.
func TestRenderSectionsKeepTheirPlace(t *testing.T) {
	for _, tc := range []struct {
		mode   SortMode
		marked []string // headers with the sort mark
	}{
		{SortDTime, []string{"D-TIME/s▼"}},
		{SortWaitSite, []string{"WAIT SITE (kernel stack)▼"}},
		{SortDevice, []string{"DEVICE/SCHED▼", "DEVICE p99▼"}},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			f, err := NewFrame(busyConfig(), busyWindow(1), Options{Sort: tc.mode})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := f.Render(&buf, Layout{}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			w, d, o := strings.Index(out, "\nWAIT SITE"), strings.Index(out, "\nDEVICE "), strings.Index(out, "\nNFS OP")
			if w < 0 || d < w || o < d {
				t.Errorf("wait sites at %d, devices at %d, NFS ops at %d; want them in that order", w, d, o)
			}
			for _, h := range tc.marked {
				if !strings.Contains(out, h) {
					t.Errorf("no sort mark: missing %q", h)
				}
			}
			if n := strings.Count(out, sortMark); n != len(tc.marked) {
				t.Errorf("%d sort marks, want %d", n, len(tc.marked))
			}
			if t.Failed() {
				t.Logf("frame:\n%s", out)
			}
		})
	}
}

func TestFrameJSON(t *testing.T) {
	f, err := NewFrame(busyConfig(), busyWindow(2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version   int     `json:"version"`
		WindowSec float64 `json:"window_s"`
		Header    struct {
			NextBoot bool `json:"next_boot_differs"`
		} `json:"header"`
		NFSD struct {
			DShare *float64 `json:"d_share"`
		} `json:"nfsd"`
		WaitSites []struct {
			Short   string `json:"short"`
			Latency struct {
				P99 int64 `json:"p99_ns"`
			} `json:"latency"`
		} `json:"wait_sites"`
		Devices []struct {
			Name    string           `json:"name"`
			Service *json.RawMessage `json:"service"`
		} `json:"devices"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("decode: %v\n%s", err, buf.String())
	}
	if got.Version != FrameVersion || got.WindowSec != 2 || !got.Header.NextBoot || got.NFSD.DShare == nil {
		t.Errorf("decoded %+v", got)
	}
	if len(got.WaitSites) != 2 || got.WaitSites[0].Short != f.WaitSites[0].Short || got.WaitSites[0].Latency.P99 != f.WaitSites[0].Latency.P99Ns {
		t.Errorf("wait sites = %+v", got.WaitSites)
	}
	if len(got.Devices) != 3 || got.Devices[2].Service != nil {
		t.Errorf("devices = %+v, want 3 with no block data on the idle sdb", got.Devices)
	}

	// Empty tables are empty lists, never null, so consumers need no special case.
	f, err = NewFrame(idleConfig(), []*model.Snapshot{idleSnapshot()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := f.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"wait_sites": []`, `"nfs_ops": []`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("missing %s in\n%s", key, buf.String())
		}
	}
}

// Every size of terminal gets a frame that fits, down to absurdly small ones.
func TestRenderFitsAnySize(t *testing.T) {
	frames := map[string]*Frame{}
	for name, in := range map[string]struct {
		cfg    model.Config
		window []*model.Snapshot
	}{
		"busy":  {busyConfig(), busyWindow(3)},
		"idle":  {idleConfig(), []*model.Snapshot{idleSnapshot()}},
		"many":  {idleConfig(), manySites(40)},
		"empty": {model.Config{}, []*model.Snapshot{{}}},
	} {
		f, err := NewFrame(in.cfg, in.window, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		frames[name] = f
	}
	for name, f := range frames {
		for w := 1; w <= 200; w += 7 {
			for h := 1; h <= 60; h += 6 {
				l := Layout{Width: w, Height: h}
				lines, err := f.Lines(l)
				if err != nil {
					t.Fatalf("%s %dx%d: %v", name, w, h, err)
				}
				if len(lines) == 0 {
					t.Errorf("%s %dx%d: no lines", name, w, h)
				}
				t.Run(fmt.Sprintf("%s/%dx%d", name, w, h), func(t *testing.T) {
					checkFits(t, strings.Join(lines, "\n")+"\n", l)
				})
			}
		}
	}
}

// A snapshot whose clock stepped back does not make rates negative.
func TestNewFrameClockStep(t *testing.T) {
	s := busySnapshot(0)
	s.End = s.Start.Add(-time.Second)
	f, err := NewFrame(busyConfig(), []*model.Snapshot{busySnapshot(-1), s}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.WindowSec != 1 {
		t.Errorf("window %v s, want the one valid second", f.WindowSec)
	}
	for _, d := range f.Devices {
		if d.Stats != nil && (d.Stats.WriteIOPS < 0 || d.Stats.Util < 0) {
			t.Errorf("%s: negative rates %+v", d.Name, d.Stats)
		}
	}
}

func TestFmtUptime(t *testing.T) {
	for _, tc := range []struct {
		sec  float64
		want string
	}{
		{59, "0m"}, {60, "1m"}, {3599, "59m"}, {3600, "1h 0m"}, {5*3600 + 12*60 + 5, "5h 12m"},
		{86400, "1d 0h"}, {3*86400 + 4*3600 + 59*60, "3d 4h"},
	} {
		if got := fmtUptime(tc.sec); got != tc.want {
			t.Errorf("fmtUptime(%v) = %q, want %q", tc.sec, got, tc.want)
		}
	}
}

// headerAlone returns the first table header (a line after a blank one)
// not followed by a row, or "".
func headerAlone(lines []string) string {
	for i := 0; i+1 < len(lines); i++ {
		if lines[i] == "" && (i+2 >= len(lines) || lines[i+2] == "") {
			return lines[i+1]
		}
	}
	return ""
}

// TestRenderNoHeaderWithoutRows: at every height, a table shows at least
// one row or is left out whole.
func TestRenderNoHeaderWithoutRows(t *testing.T) {
	for name, in := range map[string]struct {
		cfg    model.Config
		window []*model.Snapshot
	}{
		"busy": {busyConfig(), busyWindow(3)},
		"many": {idleConfig(), manySites(40)},
	} {
		f, err := NewFrame(in.cfg, in.window, Options{})
		if err != nil {
			t.Fatal(err)
		}
		sawCut := false
		for h := 1; h <= 45; h++ {
			lines, err := f.Lines(Layout{Width: 120, Height: h})
			if err != nil {
				t.Fatal(err)
			}
			if hdr := headerAlone(lines); hdr != "" {
				t.Errorf("%s, height %d: header %q without rows:\n%s", name, h, hdr, strings.Join(lines, "\n"))
			}
			sawCut = sawCut || strings.Contains(strings.Join(lines, "\n"), " more ")
		}
		if !sawCut {
			t.Errorf("%s: no height cut a table: the test checks nothing", name)
		}
	}
}

// TestRenderMergesIdenticalRows: stacks that differ only in offsets and
// modules, and task groups that read alike, make one row each.
func TestRenderMergesIdenticalRows(t *testing.T) {
	s := idleSnapshot()
	s.DState = []model.DState{
		{Comm: "nfsd", WaitSite: "__schedule+0x2f0/0x9b0;io_schedule+0x12/0x40;nfsd_commit+0x1f/0x80 [nfsd]", Device: "vda", Scheduler: "mq-deadline", Threads: 2, Hist: hist(3, time.Second)},
		{Comm: "nfsd", WaitSite: "__schedule+0x300/0x9c0;io_schedule+0x12/0x44;nfsd_commit+0x2f/0x90 [nfsd]", Device: "vda", Scheduler: "mq-deadline", Threads: 1, Hist: hist(1, time.Second)},
		// Same stack on another device: a row of its own.
		{Comm: "nfsd", WaitSite: "io_schedule;nfsd_commit", Device: "vdb", Scheduler: "none", Threads: 1, Hist: hist(1, time.Second)},
	}
	s.Host.Load.DGroups = []model.TaskGroup{
		{Comm: "fio", WaitChan: "io_schedule", Count: 2},
		{Comm: "fio", WaitChan: "io_schedule", Count: 3},
		{Comm: "dd", WaitChan: "io_schedule", Count: 1},
	}
	f, err := NewFrame(idleConfig(), []*model.Snapshot{s}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.WaitSites) != 2 {
		t.Fatalf("%d wait-site rows, want 2 (vda merged, vdb): %+v", len(f.WaitSites), f.WaitSites)
	}
	if r := f.WaitSites[0]; r.Device != "vda" || r.Latency.Count != 4 || r.Threads != 3 || r.Short != "io_schedule ← nfsd_commit" {
		t.Errorf("merged row: device %s, %d waits, %d threads, %q; want vda, 4, 3, io_schedule ← nfsd_commit", r.Device, r.Latency.Count, r.Threads, r.Short)
	}
	var got []string
	for _, g := range f.DGroups {
		got = append(got, fmt.Sprintf("%s %d", g.Comm, g.Count))
	}
	if strings.Join(got, ", ") != "fio 5, dd 1" {
		t.Errorf("task groups %v, want fio 5, dd 1", got)
	}
}
