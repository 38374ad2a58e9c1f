package ebpf

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

// userfaultfd(2) ABI (include/uapi/linux/userfaultfd.h).
const (
	uffdAPI              = 0xaa
	uffdioAPI            = 0xc018aa3f // _IOWR(0xaa, 0x3f, struct uffdio_api)
	uffdioRegister       = 0xc020aa00 // _IOWR(0xaa, 0x00, struct uffdio_register)
	uffdioRegModeMissing = 1
)

// stalledPage maps a page whose first touch blocks until the returned
// release is called: a missing-page userfaultfd range that nobody serves.
// A write(2) from it stops in the kernel, after the filesystem took the
// file's lock and before it copies the data; release closes the
// userfaultfd, which ends the stall.
func stalledPage(t *testing.T) (page []byte, release func()) {
	t.Helper()
	fd, _, errno := unix.Syscall(unix.SYS_USERFAULTFD, unix.O_CLOEXEC, 0, 0)
	if errno != 0 {
		testenv.Skip(t, "userfaultfd: "+errno.Error())
	}
	var closed bool
	release = func() {
		if !closed {
			closed = true
			unix.Close(int(fd))
		}
	}
	t.Cleanup(release)
	api := struct{ api, features, ioctls uint64 }{api: uffdAPI}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, uffdioAPI, uintptr(unsafe.Pointer(&api))); errno != 0 {
		t.Fatalf("UFFDIO_API: %v", errno)
	}
	page, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Munmap(page) })
	reg := struct{ start, len, mode, ioctls uint64 }{uint64(uintptr(unsafe.Pointer(&page[0]))), uint64(len(page)), uffdioRegModeMissing, 0}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, uffdioRegister, uintptr(unsafe.Pointer(&reg))); errno != 0 {
		t.Fatalf("UFFDIO_REGISTER: %v", errno)
	}
	return page, release
}

// waitStack polls /proc/TID/stack until it holds frame, and returns it.
func waitStack(t *testing.T, tid int, frame string) string {
	t.Helper()
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stack", tid))
		if err != nil {
			t.Fatalf("stack of %d: %v", tid, err)
		}
		if last = string(b); strings.Contains(last, frame) {
			return last
		}
	}
	t.Fatalf("thread %d never reached %s; its stack:\n%s", tid, frame, last)
	return ""
}

// TestLockChain builds a wait-for chain two locks long and checks that
// the tracer follows it from the last waiter to the first owner:
//
//   - a thread of this process writes a file from a page that faults in
//     nobody's hands (userfaultfd): ext4 holds the file's i_rwsem across
//     the copy, so the writer holds it, asleep;
//   - mv renames the file: it takes the directory's i_rwsem, then waits
//     for the file's (vfs_rename locks the file it moves);
//   - touch creates a file in the directory: it waits for the directory's.
//
// touch's wait must name mv as the owner, in D, and one hop past it the
// file's lock held by the writer, asleep; the owners' /proc stacks, read
// while the waits go on, show each in that place.
func TestLockChain(t *testing.T) {
	_, mnt := newExt4(t, 64<<20)
	dir := filepath.Join(mnt, "d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "f")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page, release := stalledPage(t)

	mv, mvIn := commandOnCue(t, "mv", file, filepath.Join(dir, "g"))
	touch, touchIn := commandOnCue(t, "touch", filepath.Join(dir, "new"))
	writer, start, wrote := threadOnCue(func() error {
		_, err := unix.Write(int(f.Fd()), page)
		return err
	})
	tr := newLiveTracer(t, Options{Targets: host.Targets{PIDs: []int{os.Getpid(), mv.Process.Pid, touch.Process.Pid}}, Disable: []string{"block"}})
	if p := probeOf(tr, "contention_begin"); p.Status == model.ProbeUnavailable {
		testenv.Skip(t, "lock contention probe unavailable: "+p.Detail)
	}
	collect(t, tr)

	close(start)
	writerStack := waitStack(t, writer, "handle_userfault")
	fmt.Fprintln(mvIn)
	mvStack := waitStack(t, mv.Process.Pid, "vfs_rename")
	fmt.Fprintln(touchIn)
	touchStack := waitStack(t, touch.Process.Pid, "open")
	// Every thread of the chain is where the chain says, at one time.
	if !strings.Contains(writerStack, "write") {
		t.Errorf("the writer is not in the write path:\n%s", writerStack)
	}
	t.Logf("writer %d:\n%smv %d:\n%stouch %d:\n%s", writer, writerStack, mv.Process.Pid, mvStack, touch.Process.Pid, touchStack)
	time.Sleep(200 * time.Millisecond)
	release()
	select {
	case err := <-wrote:
		t.Logf("the stalled write returned %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the stalled write did not return once its userfaultfd was closed")
	}
	for _, c := range []*exec.Cmd{mv, touch} {
		if err := c.Wait(); err != nil {
			t.Fatalf("%s: %v", c.Args[3], err)
		}
	}
	s := collect(t, tr)

	var mvRow, touchRow *model.LockWait
	for i := range s.Locks {
		r := &s.Locks[i]
		t.Logf("%s waits %d, %v on %s %s at %s; owner %s/%d %s at %s; chain %+v", r.Comm, r.Waits, r.Time, r.Kind, r.Lock,
			r.WaitSite, r.Owner, r.OwnerTID, r.OwnerState, r.OwnerSite, r.Chain)
		switch {
		case r.Comm == "mv" && r.OwnerTID == writer:
			mvRow = r
		case r.Comm == "touch" && r.OwnerTID == mv.Process.Pid:
			touchRow = r
		}
	}
	if mvRow == nil || touchRow == nil {
		t.Fatalf("want mv's wait owned by the writer %d and touch's owned by mv %d; got mv %v, touch %v", writer, mv.Process.Pid, mvRow, touchRow)
	}
	if mvRow.Kind != model.LockRWSemWrite || mvRow.OwnerState != "S" || len(mvRow.Chain) != 0 {
		t.Errorf("mv's wait: %s, owner in %q, chain %+v; want rwsem-write, owner asleep, no chain (the writer waits on no lock)",
			mvRow.Kind, mvRow.OwnerState, mvRow.Chain)
	}
	if touchRow.OwnerState != "D" || !strings.Contains(string(touchRow.OwnerSite), "vfs_rename") {
		t.Errorf("touch's wait: owner in %q at %q, want mv in D at vfs_rename", touchRow.OwnerState, touchRow.OwnerSite)
	}
	want := model.LockHop{Lock: mvRow.Lock, Kind: model.LockRWSemWrite, Owner: mvRow.Owner, OwnerTID: writer, OwnerState: "S"}
	if len(touchRow.Chain) != 1 || touchRow.Chain[0] != want {
		t.Errorf("touch's chain %+v, want one hop %+v: the file's lock mv waits on, held by the writer", touchRow.Chain, want)
	}
	if touchRow.Lock == mvRow.Lock {
		t.Errorf("touch and mv waited on one lock %s: want the directory's and the file's", touchRow.Lock)
	}
}
