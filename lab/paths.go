package lab

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Default values of the lab's knobs; each has an environment override.
const (
	DefaultMirror = "http://deb.debian.org/debian"
	DefaultSuite  = "bookworm"
)

// DefaultKernels are the kernel series the lab builds and tests with every
// scenario: Debian's bookworm cloud kernels, the stable one and the newer one.
var DefaultKernels = []string{"6.1", "6.12"}

// SmokeKernels are the older and newer kernels the end-to-end test boots
// with a short smoke subset, so that nfstrace's probing by field meets old
// and new tracepoint layouts: bullseye's 5.10 (no lock contention
// tracepoints, no module BTF) and the newest series in trixie-backports.
var SmokeKernels = []string{"5.10", "7.3"}

// TestKernels are the series the end-to-end test boots unless told
// otherwise (NFSTRACE_LAB_KERNELS): the default kernels and both smoke
// kernels, so that every kernel of the lab's set is checked in CI.
var TestKernels = []string{"6.1", "6.12", "5.10", "7.3"}

// kernelSuite is the Debian suite that has a kernel series the host's own
// apt sources (bookworm: 6.1, 6.12) do not reach, "" for the others: 5.10
// is bullseye's, anything after 6.12 comes from trixie-backports. The lab
// reads such a suite through apt lists of its own under the cache.
func kernelSuite(series string) string {
	var major, minor int
	if _, err := fmt.Sscanf(series, "%d.%d", &major, &minor); err != nil {
		return ""
	}
	switch {
	case major == 5 && minor == 10:
		return "bullseye"
	case major > 6 || (major == 6 && minor > 12):
		return "trixie-backports"
	}
	return ""
}

// rootfsPackages is what debootstrap adds to the minbase variant: the NFS
// server and client, and the tools the guest scripts call.
var rootfsPackages = []string{
	"nfs-kernel-server", "nfs-common", "rpcbind", "kmod", "procps", "iproute2",
	"util-linux", "e2fsprogs", "dmsetup",
}

// systemdPackages is what the systemd variant of the root file system adds
// to rootfsPackages: systemd, to boot as PID 1 and run the shipped unit.
var systemdPackages = []string{"systemd"}

// Paths is where the lab keeps what it builds. Everything lives under Cache,
// outside the repository, so that a second build reuses the first.
type Paths struct {
	Cache string
}

// DefaultPaths returns the cache from NFSTRACE_LAB_CACHE, or
// $XDG_CACHE_HOME/nfstrace/lab, or ~/.cache/nfstrace/lab.
func DefaultPaths() (Paths, error) {
	if c := os.Getenv("NFSTRACE_LAB_CACHE"); c != "" {
		return Paths{Cache: c}, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return Paths{}, fmt.Errorf("lab cache: %w (set NFSTRACE_LAB_CACHE)", err)
	}
	return Paths{Cache: filepath.Join(dir, "nfstrace", "lab")}, nil
}

func (p Paths) debs() string                   { return filepath.Join(p.Cache, "debs") }
func (p Paths) logs() string                   { return filepath.Join(p.Cache, "logs") }
func (p Paths) rootfs() string                 { return filepath.Join(p.Cache, "rootfs") }
func (p Paths) baseCpio() string               { return filepath.Join(p.Cache, "base.cpio") }
func (p Paths) systemdRootfs() string          { return filepath.Join(p.Cache, "rootfs-systemd") }
func (p Paths) systemdCpio() string            { return filepath.Join(p.Cache, "base-systemd.cpio") }
func (p Paths) kernelDir(series string) string { return filepath.Join(p.Cache, "kernels", series) }
func (p Paths) apt(suite string) string        { return filepath.Join(p.Cache, "apt", suite) }

// Runs is the directory holding one subdirectory per guest boot.
func (p Paths) Runs() string { return filepath.Join(p.Cache, "runs") }

// Kernel is one guest kernel in the cache.
type Kernel struct {
	Series  string // what the user asked for: "6.1", "6.12"
	Package string // Debian package name
	Release string // uname -r in the guest
	Vmlinuz string // path to the kernel image
	Modules string // path to the cpio archive holding usr/lib/modules/Release
}

// Mirror returns the Debian mirror: NFSTRACE_LAB_MIRROR, else the first
// mirror of the host's apt sources, else DefaultMirror.
func Mirror() string {
	if m := os.Getenv("NFSTRACE_LAB_MIRROR"); m != "" {
		return m
	}
	for _, f := range []string{"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if m := mirrorFromSources(b); m != "" {
			return m
		}
	}
	return DefaultMirror
}

// mirrorFromSources finds the first http(s) Debian mirror in an apt sources
// file, deb822 ("URIs: ...") or one-line ("deb URL suite ...") style.
func mirrorFromSources(b []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		var u string
		switch {
		case len(f) >= 2 && f[0] == "URIs:":
			u = f[1]
		case len(f) >= 3 && f[0] == "deb":
			u = f[1]
			if strings.HasPrefix(u, "[") { // deb [opts] URL
				for i := 2; i < len(f); i++ {
					if strings.HasSuffix(f[i-1], "]") {
						u = f[i]
						break
					}
				}
			}
		}
		if (strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) && !strings.Contains(u, "security") {
			return strings.TrimSuffix(u, "/")
		}
	}
	return ""
}

var seriesRE = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

// kernelPackageRE matches Debian's cloud kernel packages of one series, for
// example linux-image-6.1.0-56-cloud-amd64-unsigned or
// linux-image-6.12.117+deb12-cloud-amd64-unsigned; with signed, the signed
// images (linux-image-6.19.11+deb13-cloud-amd64: trixie ships no unsigned
// ones).
func kernelPackageRE(series string, signed bool) (*regexp.Regexp, error) {
	if !seriesRE.MatchString(series) {
		return nil, fmt.Errorf("kernel series %q: want MAJOR.MINOR, such as 6.1 or 6.12", series)
	}
	suffix := "-unsigned"
	if signed {
		suffix = ""
	}
	return regexp.MustCompile(`^linux-image-` + regexp.QuoteMeta(series) + `[.-][0-9][^ ]*-cloud-amd64` + suffix + `$`), nil
}
