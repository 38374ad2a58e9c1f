package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// evil is what a stranger's capture may hold in any string: an OSC that
// retitles the terminal, a screen clear, a C1 CSI as a character and as a
// raw byte, a carriage return hiding what precedes it.
const evil = "\x1b]0;pwn\x07\x1b[2J\u009b31m\x9b1m\rok"

// writeHostileCapture writes a capture whose every string field carries evil.
func writeHostileCapture(t *testing.T, name string, writeMs int) string {
	t.Helper()
	snaps := compareSnapshots(12, newWriteSite, writeMs)
	for i, s := range snaps {
		s.Host.Devices[0].Name = "sda" + evil
		s.Host.Devices[0].Scheduler = "mq" + evil
		s.Host.NFSD.Ops = append(s.Host.NFSD.Ops, model.OpCount{Proto: "v3", Op: "OP" + evil, Count: 50})
		s.Host.Load.InD = 5
		s.Host.Load.DGroups = []model.TaskGroup{{Comm: "comm" + evil, WaitChan: "wchan" + evil, Stack: model.WaitSite("stack" + evil), Count: 3}}
		s.DState = append(s.DState, model.DState{Comm: "comm" + evil, WaitSite: model.WaitSite("site" + evil + ";nfsd"),
			Device: "sda" + evil, Scheduler: "mq" + evil, Op: "v3 OP" + evil, Client: "10.0.0.1" + evil, Threads: 2, Hist: s.DState[0].Hist})
		s.RPC = append(s.RPC, model.RPC{Version: "v3" + evil, Op: "OP" + evil, Client: "10.0.0.1" + evil, Status: "ok" + evil, Hist: s.DState[0].Hist})
		s.Block = append(s.Block, model.Block{Device: "sda" + evil, Scheduler: "mq" + evil, Op: "write" + evil, Size: "4K" + evil, Service: s.Block[0].Service})
		s.Events = []model.DEvent{{Start: s.Start.UnixNano(), Dur: 8e8, TID: 7, PID: 7, Comm: "comm" + evil, Site: "site" + evil}}
		if i == 5 {
			s.Host.Devices[0].Scheduler = "none" + evil // a scheduler change
		}
	}
	cfg := model.Config{Hostname: "host" + evil, KernelRelease: "6.1" + evil + name, KernelVersion: "#1" + evil, Cmdline: "root=" + evil,
		NextBootKernel: "6.12" + evil, CPUs: 8, NFSDThreads: 64, NFSDVersions: "+3" + evil,
		Devices: []model.DeviceConfig{{Name: "sda" + evil, Scheduler: "mq" + evil}},
		Sysctls: map[string]string{"vm.dirty_ratio" + evil: name + evil},
		Backend: model.Backend{Name: "ebpf", Detail: "ebpf" + evil}, Targets: "comm " + evil, Start: snaps[0].Start}
	path := filepath.Join(t.TempDir(), name)
	writeCaptureFile(t, path, capture.Meta{ToolVersion: "test" + evil, Config: cfg, Interval: time.Second}, snaps)
	return path
}

// controlBytes returns the first control byte or character in text output
// (newlines aside), or -1.
func controlBytes(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f {
			return i
		}
		i += size
	}
	return -1
}

// TestHostileStrings: text output of report and compare on captures full of
// escape sequences holds no control character; JSON keeps the exact strings.
func TestHostileStrings(t *testing.T) {
	a := writeHostileCapture(t, "a.cap", 50)
	b := writeHostileCapture(t, "b.cap", 800)
	tests := []struct {
		name string
		run  func(context.Context, stdio, []string) error
		args []string
	}{
		{"report", runReport, []string{b}},
		{"report json", runReport, []string{b, "--format", "json"}},
		{"compare", runCompare, []string{a, b}},
		{"compare json", runCompare, []string{a, b, "--format", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, errb := testStdio()
			if err := tt.run(context.Background(), io, tt.args); err != nil {
				t.Fatalf("%v\n%s", err, errb)
			}
			if out.Len() == 0 {
				t.Fatal("no output")
			}
			if i := controlBytes(out.Bytes()); i >= 0 && !json.Valid(out.Bytes()) {
				lo := max(0, i-60)
				t.Fatalf("raw control byte %#x at %d: %q", out.Bytes()[i], i, out.Bytes()[lo:min(out.Len(), i+20)])
			}
			if i := controlBytes(errb.Bytes()); i >= 0 {
				t.Errorf("stderr holds raw control byte at %d: %q", i, errb.String())
			}
			// (the raw \x9b byte becomes U+FFFD in the capture's JSON metadata)
			escaped := []byte(`host\x1b]0;pwn\x07\x1b[2J\u009b31m`)
			if json.Valid(out.Bytes()) {
				// the exact string, as encoding/json writes it
				escaped = []byte(`host\u001b]0;pwn\u0007\u001b[2J\u009b31m`)
				escaped = bytes.ReplaceAll(escaped, []byte(`\u009b`), []byte("\u009b"))
			}
			if !bytes.Contains(out.Bytes(), escaped) {
				t.Errorf("output lacks the hostname as %s:\n%s", escaped, out)
			}
		})
	}
}
