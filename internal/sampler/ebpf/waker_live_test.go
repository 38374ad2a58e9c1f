package ebpf

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// newExt4 mounts an ext4 file system on a new loop device until cleanup.
func newExt4(t *testing.T, size int64) (loopDev, string) {
	t.Helper()
	mkfs, err := exec.LookPath("mkfs.ext4")
	if err != nil {
		testenv.Skip(t, "mkfs.ext4 not installed")
	}
	loop := newLoop(t, size)
	if out, err := exec.Command(mkfs, "-q", "-F", loop.path).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v: %s", err, out)
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", loop.path, mnt).CombinedOutput(); err != nil {
		testenv.Skip(t, fmt.Sprintf("mount ext4 on %s: %v: %s", loop.path, err, out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount: %v: %s", err, out)
		}
	})
	return loop, mnt
}

// topWaker returns the waker with the most intervals among rows whose wait
// site contains frame, with its share of them.
func topWaker(rows []model.Waker, frame string) (string, float64) {
	n := map[string]uint64{}
	var total uint64
	for _, r := range rows {
		if strings.Contains(string(r.WaitSite), frame) {
			n[r.Waker] += r.Count
			total += r.Count
		}
	}
	var best string
	for w, c := range n {
		if best == "" || c > n[best] {
			best = w
		}
	}
	if total == 0 {
		return "", 0
	}
	return best, float64(n[best]) / float64(total)
}

// TestWakersJournal: synchronous writes to a file on ext4 wait for the
// journal commit (jbd2_log_wait_commit), which the journal thread of the
// file system ends: the waker of those waits is jbd2/<dev>-8.
func TestWakersJournal(t *testing.T) {
	loop, mnt := newExt4(t, 128<<20)
	// The writer waits for a line on stdin, so that it is a target before it writes.
	cmd, in := commandOnCue(t, "dd", "if=/dev/zero", "of="+filepath.Join(mnt, "f"), "bs=4k", "count=300", "oflag=dsync", "status=none")
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{cmd.Process.Pid}}, Disable: []string{"block"}})
	collect(t, tr)
	fmt.Fprintln(in)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("dd: %v", err)
	}
	s := collect(t, tr)
	for _, w := range s.Wakers {
		t.Logf("%s %s <- %s n=%d %v", w.Comm, w.WaitSite, w.Waker, w.Count, w.Time)
	}
	want := "jbd2/" + loop.name + "-8"
	got, share := topWaker(s.Wakers, "jbd2_log_wait_commit")
	if got != want || share < 0.9 {
		t.Errorf("top waker of jbd2_log_wait_commit: %q (%.0f%%), want %q", got, 100*share, want)
	}
}

// TestWakersInterrupt: O_DIRECT reads of a file on a disk with a
// completion interrupt (virtio, SCSI, NVMe; not a loop device, which
// completes in a worker thread) wait in io_schedule until the interrupt ends
// the wait: the waker is "irq", not the task the interrupt happened to stop.
func TestWakersInterrupt(t *testing.T) {
	dir, err := os.MkdirTemp("/var/tmp", "nfstrace-wakers-")
	if err != nil {
		testenv.Skip(t, "no /var/tmp: "+err.Error())
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "f")
	if dev := diskOf(t, dir); !strings.HasPrefix(dev, "vd") && !strings.HasPrefix(dev, "sd") && !strings.HasPrefix(dev, "nvme") {
		testenv.Skip(t, fmt.Sprintf("/var/tmp is on %q, not on an interrupt-driven disk", dev))
	}
	if out, err := exec.Command("dd", "if=/dev/zero", "of="+path, "bs=1M", "count=16", "conv=fsync", "status=none").CombinedOutput(); err != nil {
		t.Fatalf("dd: %v: %s", err, out)
	}
	// The reads run on a thread of this process that exists before New
	// scans the targets, so it is a target from the start.
	start, done := make(chan struct{}), make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		<-start
		done <- readDirect(path, 1000)
	}()
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid()}}, Disable: []string{"block"}})
	collect(t, tr)
	close(start)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s := collect(t, tr)
	for _, w := range s.Wakers {
		t.Logf("%s %s <- %s n=%d %v", w.Comm, w.WaitSite, w.Waker, w.Count, w.Time)
	}
	got, share := topWaker(s.Wakers, "io_schedule")
	if got != model.WakerIRQ || share < 0.5 {
		t.Errorf("top waker of io_schedule waits: %q (%.0f%%), want %q", got, 100*share, model.WakerIRQ)
	}
}

// diskOf names the block device of the file system holding dir, from
// /proc/self/mountinfo's longest matching mount point.
func diskOf(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var best, dev string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		sep := slices.Index(f, "-")
		if len(f) < 5 || sep < 0 || sep+2 >= len(f) {
			continue
		}
		mp := f[4]
		if strings.HasPrefix(dir, mp) && len(mp) > len(best) {
			best, dev = mp, filepath.Base(f[sep+2])
		}
	}
	return dev
}

// readDirect does n 4 KiB O_DIRECT reads at spread offsets in the first
// 16 MiB of a file from the calling OS thread.
func readDirect(path string, n int) error {
	return withDirect(path, unix.O_RDONLY, func(fd int, buf []byte) error {
		for i := range n {
			off := int64((i*7919)%4096) * 4096
			if _, err := unix.Pread(fd, buf, off); err != nil {
				return fmt.Errorf("direct read of %s: %w", path, err)
			}
		}
		return nil
	})
}
