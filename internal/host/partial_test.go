package host

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// partialTree copies a fixture tree to a temporary directory and removes
// the given paths from the copy.
func partialTree(t *testing.T, host string, remove ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(fixtures, host, "t0"))); err != nil {
		t.Fatal(err)
	}
	for _, p := range remove {
		if err := os.RemoveAll(filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestPartialTrees: a tree missing optional files, as one copied from
// another host or a container's restricted /proc, still reads; the missing
// values are unknown (empty). Only /proc/stat, /proc/loadavg and
// /proc/uptime, without which there is no load view, are required.
func TestPartialTrees(t *testing.T) {
	tests := []struct {
		remove  []string
		check   func(*Static, *Sample) string // what should be unknown, "" if it is
		wantErr string
	}{
		{remove: []string{"proc/sys/kernel/version"}, check: func(st *Static, _ *Sample) string {
			return unknown("kernel version", st.KernelVersion)
		}},
		{remove: []string{"proc/sys/kernel/hostname"}, check: func(st *Static, _ *Sample) string { return unknown("hostname", st.Hostname) }},
		{remove: []string{"proc/sys/kernel/random/boot_id"}, check: func(st *Static, _ *Sample) string { return unknown("boot id", st.BootID) }},
		{remove: []string{"proc/sys/kernel/osrelease"}, check: func(st *Static, _ *Sample) string {
			return unknown("kernel release", st.KernelRelease)
		}},
		{remove: []string{"proc/cmdline"}, check: func(st *Static, _ *Sample) string { return unknown("cmdline", st.Cmdline) }},
		{remove: []string{"proc/sys"}, check: func(st *Static, _ *Sample) string {
			if len(st.Sysctls) != 0 {
				return "sysctls read from a tree without /proc/sys"
			}
			return unknown("hostname", st.Hostname)
		}},
		{remove: []string{"proc/meminfo"}, check: func(st *Static, _ *Sample) string {
			if st.MemTotal != 0 {
				return "memory known without /proc/meminfo"
			}
			return ""
		}},
		{remove: []string{"proc/diskstats"}, check: func(st *Static, s *Sample) string {
			if len(s.Disks) != 0 || len(st.Devices) == 0 {
				return "disks without diskstats, or devices lost with it"
			}
			return ""
		}},
		{remove: []string{"sys/block"}, check: func(st *Static, s *Sample) string {
			if len(s.Disks) != 0 || len(st.Devices) != 0 {
				return "devices known without /sys/block"
			}
			return ""
		}},
		{remove: []string{"boot"}, check: func(st *Static, _ *Sample) string {
			return unknown("next boot kernel", st.NextBootKernel)
		}},
		{remove: []string{"proc/pressure"}, check: func(_ *Static, s *Sample) string {
			if s.IOPressure != nil {
				return "IO pressure without /proc/pressure"
			}
			return ""
		}},
		{remove: []string{"proc/fs", "proc/net"}, check: func(st *Static, s *Sample) string {
			if st.NFSD.Present || s.NFSD.Present {
				return "nfsd present without its files"
			}
			return ""
		}},
		{remove: []string{"proc/loadavg"}, wantErr: "loadavg"},
		{remove: []string{"proc/uptime"}, wantErr: "uptime"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.remove, ","), func(t *testing.T) {
			r, err := NewReader(TreeRoots(partialTree(t, "k6.12-nfsd", tt.remove...)))
			if err != nil {
				t.Fatal(err)
			}
			st, err := r.Static()
			if err != nil {
				t.Fatalf("Static: %v", err)
			}
			s, err := r.Sample()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("Sample: %v, want an error about %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Sample: %v", err)
			}
			if msg := tt.check(st, s); msg != "" {
				t.Error(msg)
			}
			// what was not removed is still read
			if st.CPUs != 16 || s.Load.Load1 == 0 {
				t.Errorf("CPUs %d, load %v: the rest of the tree was not read", st.CPUs, s.Load)
			}
		})
	}
	// /proc/stat is what NewReader checks a procfs root by
	if _, err := NewReader(TreeRoots(partialTree(t, "k6.12-nfsd", "proc/stat"))); err == nil {
		t.Error("NewReader accepted a procfs root without stat")
	}
}

func unknown(what, v string) string {
	if v != "" {
		return what + " " + v + " read from a tree without it"
	}
	return ""
}

// TestHostileTreeFiles: files of a tree given on the command line are read
// with a size cap, and a FIFO does not block.
func TestHostileTreeFiles(t *testing.T) {
	t.Run("huge hostname", func(t *testing.T) {
		dir := partialTree(t, "k6.12-nfsd")
		big := strings.Repeat("x", MaxFileSize+1)
		if err := os.WriteFile(filepath.Join(dir, "proc/sys/kernel/hostname"), []byte(big), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(TreeRoots(dir))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Static(); !errors.Is(err, errTooLarge) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Static with a %d-byte hostname: %v, want a one-line error about its size", len(big), err)
		}
	})
	t.Run("huge grub.cfg", func(t *testing.T) {
		dir := partialTree(t, "k6.12-nfsd")
		cfg := filepath.Join(dir, "boot/grub/grub.cfg")
		if err := os.Truncate(cfg, 4*MaxFileSize+1); err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(TreeRoots(dir))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Static(); !errors.Is(err, errTooLarge) {
			t.Errorf("Static with a huge grub.cfg: %v, want an error about its size", err)
		}
	})
	t.Run("fifo hostname", func(t *testing.T) {
		dir := partialTree(t, "k6.12-nfsd", "proc/sys/kernel/hostname")
		if err := syscall.Mkfifo(filepath.Join(dir, "proc/sys/kernel/hostname"), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(TreeRoots(dir))
		if err != nil {
			t.Fatal(err)
		}
		st, err := r.Static() // would block for ever in open(2) without O_NONBLOCK
		if err != nil || st.Hostname != "" {
			t.Errorf("Static with a FIFO for hostname: %q, %v; want it empty", st.Hostname, err)
		}
	})
}
