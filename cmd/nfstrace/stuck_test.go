package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/testenv"
)

// stuckDir holds two recorded captures of a writer whose IO a blkio
// throttle stopped in b.nft (testdata/stuck/README.md).
const stuckDir = "../../testdata/stuck"

// TestRecordedStuck: on the recorded pair, report names the stuck writer
// and compare reads it as worse, held by the throttle, though the waits
// that ended fell from A to B.
func TestRecordedStuck(t *testing.T) {
	a, b := filepath.Join(stuckDir, "a.nft"), filepath.Join(stuckDir, "b.nft")
	for _, p := range []string{a, b} {
		if _, err := os.Stat(p); err != nil {
			testenv.Skip(t, "no recorded capture "+p)
		}
	}
	io, out, _ := testStdio()
	if err := runReport(context.Background(), io, []string{b}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\nstuck: fio in D at submit_bio_wait ← __blkdev_direct_IO_simple ← … ← __x64_sys_pwrite64 for 14s without running; waits not yet ended are in no D-time figure\n") {
		t.Errorf("report of b.nft has no stuck line:\n%s", out)
	}
	io, out, _ = testStdio()
	if err := runReport(context.Background(), io, []string{a}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "stuck:") {
		t.Errorf("report of a.nft has a stuck line:\n%s", out)
	}
	io, out, _ = testStdio()
	if err := runCompare(context.Background(), io, []string{a, b}); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{
		"VERDICT Worse: in B, one fio thread in D at submit_bio_wait ← __blkdev_direct_IO_simple ← … ← __x64_sys_pwrite64 (waiting for block IO) for 14s without running, and none of the traced threads were stuck in A",
		"LEAD the configuration change that can move waiting for block IO: cgroup /nfst-stuck blkio.throttle.write_bps_device none → loop1 1024 (1.0 KiB/s); then look at what holds IO above the device",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("compare lacks %q:\n%s", want, out)
		}
	}
}
