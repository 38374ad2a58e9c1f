package host

import (
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/nfstrace/nfstrace/internal/testenv"
)

// liveReader reads the procfs and sysfs of the machine running the tests.
func liveReader(t testing.TB) *Reader {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		testenv.Skip(t, "no procfs at /proc: "+err.Error())
	}
	r, err := NewReader(DefaultRoots())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLiveStatic(t *testing.T) {
	st, err := liveReader(t).Static()
	if err != nil {
		t.Fatal(err)
	}
	var uts syscall.Utsname
	if err := syscall.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	var rel []byte
	for _, c := range uts.Release {
		if c == 0 {
			break
		}
		rel = append(rel, byte(c))
	}
	release := string(rel)
	if st.KernelRelease != release {
		t.Errorf("kernel release %q, uname says %q", st.KernelRelease, release)
	}
	if host, _ := os.Hostname(); st.Hostname != host {
		t.Errorf("hostname %q, os.Hostname says %q", st.Hostname, host)
	}
	if st.CPUs < 1 || st.MemTotal < 1<<20 || len(st.BootID) != 36 {
		t.Errorf("cpus %d mem %d boot id %q", st.CPUs, st.MemTotal, st.BootID)
	}
	if len(st.Sysctls) == 0 || st.Sysctls["vm.dirty_ratio"] == "" {
		t.Errorf("sysctls %v", st.Sysctls)
	}
	// Every device offers its active scheduler.
	for _, d := range st.Devices {
		if d.Scheduler != "" && !slices.Contains(d.Available, d.Scheduler) {
			t.Errorf("%s: active %q not in %q", d.Name, d.Scheduler, d.Available)
		}
	}
	// The CI machine has a virtio disk with a scheduler (LAB.md).
	if _, err := os.Stat("/sys/block/vda/queue/scheduler"); err == nil {
		i := slices.IndexFunc(st.Devices, func(d DeviceConfig) bool { return d.Name == "vda" })
		if i < 0 {
			t.Fatalf("vda missing from %+v", st.Devices)
		}
		raw, err := os.ReadFile("/sys/block/vda/queue/scheduler")
		if err != nil {
			t.Fatal(err)
		}
		active, available, err := ParseScheduler(string(raw))
		if err != nil {
			t.Fatal(err)
		}
		if vda := st.Devices[i]; vda.Scheduler != active || !slices.Equal(vda.Available, available) || vda.NrRequests <= 0 {
			t.Errorf("vda %+v, sysfs says %q", vda, strings.TrimSpace(string(raw)))
		}
	}
	_, rpcErr := os.Stat("/proc/net/rpc/nfsd")
	_, thrErr := os.Stat("/proc/fs/nfsd/threads")
	if present := rpcErr == nil || thrErr == nil; st.NFSD.Present != present {
		t.Errorf("nfsd present %v, files say %v", st.NFSD.Present, present)
	}
}

func TestLiveSample(t *testing.T) {
	r := liveReader(t)
	s, err := r.Sample()
	if err != nil {
		t.Fatal(err)
	}
	if s.Uptime <= 0 || s.Threads < 2 || s.ProcsRunning < 1 {
		t.Errorf("uptime %v threads %d running %d", s.Uptime, s.Threads, s.ProcsRunning)
	}
	for _, task := range s.DTasks {
		if task.Comm == "" || task.PID <= 0 || task.TID <= 0 {
			t.Errorf("D task %+v", task)
		}
	}
	// Every disk kept has /sys/block/NAME; vda, where present, is among them
	// with the scheduler sysfs shows.
	for _, d := range s.Disks {
		if _, err := os.Stat("/sys/block/" + sysfsName(d.Name)); err != nil {
			t.Errorf("%s kept without /sys/block entry: %v", d.Name, err)
		}
		if d.Fields < 14 {
			t.Errorf("%s: %d fields", d.Name, d.Fields)
		}
	}
	if raw, err := os.ReadFile("/sys/block/vda/queue/scheduler"); err == nil {
		active, _, err := ParseScheduler(string(raw))
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(s.Disks, func(d Disk) bool { return d.Name == "vda" })
		if i < 0 {
			t.Fatalf("vda missing from %q", diskNames(s.Disks))
		}
		if s.Disks[i].Scheduler != active || s.Disks[i].IOs() == 0 {
			t.Errorf("vda scheduler %q (sysfs %q), %d IOs", s.Disks[i].Scheduler, active, s.Disks[i].IOs())
		}
	}
	if _, err := os.Stat("/proc/pressure/io"); err == nil && s.IOPressure == nil {
		t.Error("/proc/pressure/io exists but the sample has no IO pressure")
	}
	if _, err := os.Stat("/proc/net/rpc/nfsd"); err != nil && s.NFSD.RPC != nil {
		t.Error("no /proc/net/rpc/nfsd but RPC counters")
	}

	// A second sample into the same memory sees counters that did not go back.
	prev := *s
	prev.Disks = slices.Clone(s.Disks)
	var next Sample
	if err := r.ReadSample(&next); err != nil {
		t.Fatal(err)
	}
	if next.Uptime < prev.Uptime {
		t.Errorf("uptime went back: %v -> %v", prev.Uptime, next.Uptime)
	}
	for _, d := range next.Disks {
		for _, p := range prev.Disks {
			if p.Name == d.Name && (d.ReadIOs < p.ReadIOs || d.WriteIOs < p.WriteIOs) {
				t.Errorf("%s: counters went back", d.Name)
			}
		}
	}
}
