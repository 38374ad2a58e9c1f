package host

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Static is the configuration of a host, read once: what must be equal for
// two measurements to be comparable, and what explains a difference when
// they are not.
type Static struct {
	Hostname      string // /proc/sys/kernel/hostname
	KernelRelease string // /proc/sys/kernel/osrelease, e.g. "4.9.0-0.bpo.3-amd64"
	KernelVersion string // /proc/sys/kernel/version, e.g. "#1 SMP Debian 4.9.25-1~bpo8+3 (2017-05-14)"
	Cmdline       string // /proc/cmdline
	BootID        string // /proc/sys/kernel/random/boot_id
	CPUs          int    // online CPUs ("cpuN" lines of /proc/stat)
	MemTotal      uint64 // bytes, from /proc/meminfo

	// InstalledKernels are the releases of the vmlinuz-RELEASE files in the
	// boot directory, oldest first; NewestKernel is the last of them, the
	// one a Debian-style boot loader starts next by default. Both are empty
	// when the boot directory is missing or holds no kernel.
	InstalledKernels []string
	NewestKernel     string
	// NextBootKernel is the release the boot loader starts next as far as
	// the boot directory tells (GRUB's default or saved entry, else the
	// newest installed), NextBootFrom how it was found (FromSaved, ...).
	NextBootKernel string
	NextBootFrom   string

	Devices []DeviceConfig
	// Sysctls holds the values of the sysctls in SysctlNames that exist
	// on the host, blanks normalised to single spaces.
	Sysctls map[string]string

	NFSD NFSDConfig
}

// DeviceConfig is the configuration of one block device, from
// /sys/block/NAME/queue. Fields whose files are missing stay zero.
type DeviceConfig struct {
	Name       string
	Scheduler  string   // active
	Available  []string // every scheduler the device offers, active included
	Rotational bool
	NrRequests int
	Dev        string // MAJ:MIN, as cgroup IO limits name the device; "" when unknown
}

// NFSDConfig is the nfsd configuration at start.
type NFSDConfig struct {
	Present  bool
	Threads  int
	Versions string // /proc/fs/nfsd/versions, e.g. "-2 +3 +4 +4.1 +4.2"
}

// SysctlNames are the sysctls that matter for NFS server incidents: page
// cache writeback, socket buffers and backlogs, RPC slot tables, and the
// hung task detector that reports long D states.
func SysctlNames() []string {
	return []string{
		"kernel.hung_task_timeout_secs",
		"net.core.netdev_max_backlog",
		"net.core.rmem_default",
		"net.core.rmem_max",
		"net.core.somaxconn",
		"net.core.wmem_default",
		"net.core.wmem_max",
		"net.ipv4.tcp_rmem",
		"net.ipv4.tcp_wmem",
		"sunrpc.max_resvport",
		"sunrpc.min_resvport",
		"sunrpc.tcp_fin_timeout",
		"sunrpc.tcp_max_slot_table_entries",
		"sunrpc.tcp_slot_table_entries",
		"sunrpc.udp_slot_table_entries",
		"vm.dirty_background_bytes",
		"vm.dirty_background_ratio",
		"vm.dirty_bytes",
		"vm.dirty_expire_centisecs",
		"vm.dirty_ratio",
		"vm.dirty_writeback_centisecs",
		"vm.min_free_kbytes",
	}
}

// Static reads the static configuration. Only /proc/stat is required; every
// other file may be missing or unreadable, as in a tree copied from another
// host or a container's restricted /proc: its field is then left empty
// (unknown). A file that is there but cannot be parsed is still an error.
func (r *Reader) Static() (*Static, error) {
	st := &Static{}
	var err error
	for _, f := range []struct {
		dst  *string
		path string
	}{
		{&st.KernelRelease, r.proc("sys", "kernel", "osrelease")},
		{&st.KernelVersion, r.proc("sys", "kernel", "version")},
		{&st.Hostname, r.proc("sys", "kernel", "hostname")},
		{&st.Cmdline, r.proc("cmdline")},
		{&st.BootID, r.proc("sys", "kernel", "random", "boot_id")},
	} {
		if *f.dst, err = r.readString(f.path); err != nil && !optionalMissing(err) {
			return nil, err
		}
	}

	b, err := r.read(r.proc("stat"))
	if err != nil {
		return nil, err
	}
	ps, err := parseProcStat(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.proc("stat"), err)
	}
	st.CPUs = ps.cpus

	mi, err := r.pfs.Meminfo()
	switch {
	case err == nil:
		if mi.MemTotalBytes != nil {
			st.MemTotal = *mi.MemTotalBytes
		}
	case !optionalMissing(err):
		return nil, fmt.Errorf("read %s: %w", r.proc("meminfo"), err)
	}

	if st.InstalledKernels, err = InstalledKernels(r.roots.Boot); err != nil {
		return nil, err
	}
	if n := len(st.InstalledKernels); n > 0 {
		st.NewestKernel = st.InstalledKernels[n-1]
	}
	if st.NextBootKernel, st.NextBootFrom, err = NextBoot(r.roots.Boot, st.InstalledKernels); err != nil {
		return nil, err
	}

	if st.Devices, err = r.deviceConfigs(); err != nil {
		return nil, err
	}

	st.Sysctls = make(map[string]string)
	for _, name := range SysctlNames() {
		v, err := r.pfs.SysctlStrings(name)
		if err != nil {
			if absent(err) || errors.Is(err, os.ErrPermission) {
				continue
			}
			return nil, fmt.Errorf("sysctl %s: %w", name, err)
		}
		st.Sysctls[name] = strings.Join(v, " ")
	}

	threads, err := r.readInt(r.proc("fs", "nfsd", "threads"))
	switch {
	case err == nil:
		st.NFSD.Present, st.NFSD.Threads = true, threads
	case !nfsdAbsent(err):
		return nil, err
	}
	if _, err := os.Stat(r.proc("net", "rpc", "nfsd")); err == nil {
		st.NFSD.Present = true
	}
	if b, err := r.read(r.proc("fs", "nfsd", "versions")); err == nil {
		st.NFSD.Versions = parseVersions(b)
	} else if !nfsdAbsent(err) && !errors.Is(err, os.ErrPermission) {
		return nil, err
	}
	return st, nil
}

// deviceConfigs reads /sys/block/*/queue of every whole disk, leaving out
// ram disks and devices of size 0 (unattached loop and nbd devices). It reads
// the three files it needs and tolerates missing ones: procfs's
// SysBlockDeviceQueueStats reads about 33 files and fails if one is missing,
// which bio-based devices (drbd, dm) and older kernels do not all have.
func (r *Reader) deviceConfigs() ([]DeviceConfig, error) {
	names, err := r.listDir(r.sys("block"))
	if err != nil {
		if optionalMissing(err) {
			return nil, nil // devices unknown
		}
		return nil, fmt.Errorf("list block devices: %w", err)
	}
	sort.Strings(names)
	var devs []DeviceConfig
	for _, name := range names {
		if strings.HasPrefix(name, "ram") {
			continue
		}
		if size, err := r.readInt(r.sys("block", name, "size")); err == nil && size == 0 {
			continue
		}
		d := DeviceConfig{Name: strings.ReplaceAll(name, "!", "/")}
		if b, err := r.read(r.sys("block", name, "dev")); err == nil {
			d.Dev = strings.TrimSpace(string(b))
		} else if !absent(err) {
			return nil, err
		}
		q := func(f string) string { return r.sys("block", name, "queue", f) }
		b, err := r.read(q("scheduler"))
		switch {
		case err == nil:
			a, err := parseScheduler(b, func(n []byte) { d.Available = append(d.Available, string(n)) })
			if err != nil {
				return nil, fmt.Errorf("%s: %w", q("scheduler"), err)
			}
			d.Scheduler = string(a)
		case !absent(err):
			return nil, err
		}
		if v, err := r.readInt(q("rotational")); err == nil {
			d.Rotational = v == 1
		} else if !absent(err) {
			return nil, err
		}
		if v, err := r.readInt(q("nr_requests")); err == nil {
			d.NrRequests = v
		} else if !absent(err) {
			return nil, err
		}
		devs = append(devs, d)
	}
	return devs, nil
}
