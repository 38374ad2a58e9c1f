package lab

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Timing is how long one step took and whether the cache served it.
type Timing struct {
	Step   string
	Took   time.Duration
	Cached bool
}

func (t Timing) String() string {
	c := ""
	if t.Cached {
		c = " (cached)"
	}
	return fmt.Sprintf("%-28s %8.1fs%s", t.Step, t.Took.Seconds(), c)
}

// Builder builds and caches the guest's pieces. Progress goes to Log, the
// output of external commands to files under the cache's logs directory.
type Builder struct {
	Paths   Paths
	Mirror  string
	Log     io.Writer
	Timings []Timing
}

// NewBuilder returns a Builder logging progress to log.
func NewBuilder(p Paths, log io.Writer) *Builder {
	return &Builder{Paths: p, Mirror: Mirror(), Log: log}
}

func (b *Builder) step(name string, cached bool, start time.Time) {
	t := Timing{Step: name, Took: time.Since(start), Cached: cached}
	b.Timings = append(b.Timings, t)
	fmt.Fprintf(b.Log, "lab: %s\n", t)
}

// lock takes the cache's build lock so that two builds (two test binaries,
// two developers' shells) do not write the same files; it waits for the other.
func (b *Builder) lock() (unlock func(), err error) {
	if err := os.MkdirAll(b.Paths.Cache, 0o755); err != nil {
		return nil, fmt.Errorf("create lab cache: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(b.Paths.Cache, "build.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open build lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}

// Build makes sure the root file system and the given kernels are in the
// cache, building what is missing, and returns the kernels.
func (b *Builder) Build(ctx context.Context, series []string) ([]Kernel, error) {
	unlock, err := b.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := b.base(ctx); err != nil {
		return nil, err
	}
	var ks []Kernel
	for _, s := range series {
		k, err := b.kernel(ctx, s)
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	return ks, nil
}

// run runs an external command, its output going to the step's log file; on
// failure the error quotes the log's last lines.
func (b *Builder) run(ctx context.Context, logName, dir string, name string, args ...string) error {
	if err := os.MkdirAll(b.Paths.logs(), 0o755); err != nil {
		return fmt.Errorf("create log dir: %w", err)
	}
	logPath := filepath.Join(b.Paths.logs(), logName+".log")
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer lf.Close()
	fmt.Fprintf(lf, "\n# %s %s %s\n", time.Now().Format(time.RFC3339), name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C")
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w (log %s: %s)", name, strings.Join(args, " "), err, logPath, tail(logPath, 5))
	}
	return nil
}

// tail returns the last n lines of a file, joined by " | ".
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func (b *Builder) rootfsStamp(packages []string) string {
	return fmt.Sprintf("suite=%s mirror=%s packages=%s\n", DefaultSuite, b.Mirror, strings.Join(packages, ","))
}

// base builds the debootstrap root file system and its cpio archive.
func (b *Builder) base(ctx context.Context) error {
	return b.rootfs(ctx, "rootfs", b.Paths.rootfs(), b.Paths.baseCpio(), rootfsPackages)
}

// SystemdBase makes sure the systemd variant of the root file system (the
// base packages plus systemd, booted with systemd as PID 1 to test the
// shipped unit) is in the cache, building it if needed, and returns its cpio
// archive. It is a root file system of its own rather than a piece over the
// base: the base stays what every other boot uses.
func (b *Builder) SystemdBase(ctx context.Context) (string, error) {
	unlock, err := b.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	pkgs := append(append([]string(nil), rootfsPackages...), systemdPackages...)
	if err := b.rootfs(ctx, "rootfs-systemd", b.Paths.systemdRootfs(), b.Paths.systemdCpio(), pkgs); err != nil {
		return "", err
	}
	return b.Paths.systemdCpio(), nil
}

// rootfs builds a debootstrap root file system with packages in dir and its
// cpio archive out, unless the archive's stamp says it is already built.
func (b *Builder) rootfs(ctx context.Context, name, dir, out string, packages []string) error {
	start := time.Now()
	stampPath := out + ".ok"
	stamp := b.rootfsStamp(packages)
	if st, err := os.ReadFile(stampPath); err == nil && string(st) == stamp {
		if _, err := os.Stat(out); err == nil {
			b.step(name, true, start)
			return nil
		}
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return errors.New("debootstrap not found: apt-get install debootstrap")
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove stale %s: %w", tmp, err)
	}
	fmt.Fprintf(b.Log, "lab: debootstrap %s from %s into %s (about 1-2 min)\n", DefaultSuite, b.Mirror, dir)
	if err := b.run(ctx, "debootstrap", b.Paths.Cache, "debootstrap", "--variant=minbase",
		"--include="+strings.Join(packages, ","), DefaultSuite, tmp, b.Mirror); err != nil {
		return err
	}
	// What a guest that lives in RAM does not need.
	for _, d := range []string{"usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "var/cache/apt", "var/lib/apt/lists"} {
		if err := os.RemoveAll(filepath.Join(tmp, d)); err != nil {
			return fmt.Errorf("trim rootfs: %w", err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove old rootfs: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("install rootfs: %w", err)
	}
	b.step(name+" (debootstrap)", false, start)

	start = time.Now()
	if err := b.cpioDir(ctx, name+"-cpio", dir, ".", out); err != nil {
		return err
	}
	if err := os.WriteFile(stampPath, []byte(stamp), 0o644); err != nil {
		return fmt.Errorf("write stamp: %w", err)
	}
	b.step(name+" cpio", false, start)
	return nil
}

// cpioDir archives dir/sub (newc format, the one the kernel unpacks) to out.
func (b *Builder) cpioDir(ctx context.Context, logName, dir, sub, out string) error {
	tmp := out + ".tmp"
	script := fmt.Sprintf("set -o pipefail; find %s -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet > %s", shellQuote(sub), shellQuote(tmp))
	if err := b.run(ctx, logName, dir, "bash", "-c", script); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("install %s: %w", out, err)
	}
	return nil
}

// kernel makes sure one kernel series is in the cache: the newest Debian
// cloud kernel package of that series, its image and its modules as a cpio
// archive. A cached kernel is used as is; remove its directory to refresh.
func (b *Builder) kernel(ctx context.Context, series string) (Kernel, error) {
	start := time.Now()
	dir := b.Paths.kernelDir(series)
	if k, err := readKernel(dir, series); err == nil {
		b.step("kernel "+series, true, start)
		return k, nil
	}
	pkg, aptOpts, err := b.resolveKernel(ctx, series)
	if err != nil {
		return Kernel{}, err
	}
	if err := os.MkdirAll(b.Paths.debs(), 0o755); err != nil {
		return Kernel{}, fmt.Errorf("create %s: %w", b.Paths.debs(), err)
	}
	deb, err := b.download(ctx, pkg, aptOpts)
	if err != nil {
		return Kernel{}, err
	}
	debs := []string{deb}
	// Newer kernel packages (trixie-backports 6.19) are a shell depending on
	// linux-binary-RELEASE (the image) and linux-modules-RELEASE.
	depends, err := exec.CommandContext(ctx, "dpkg-deb", "-f", deb, "Depends").Output()
	if err != nil {
		return Kernel{}, fmt.Errorf("dpkg-deb -f %s Depends: %w", deb, err)
	}
	for _, p := range kernelParts(string(depends)) {
		d, err := b.download(ctx, p, aptOpts)
		if err != nil {
			return Kernel{}, err
		}
		debs = append(debs, d)
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return Kernel{}, fmt.Errorf("remove stale %s: %w", tmp, err)
	}
	x := filepath.Join(tmp, "x")
	if err := os.MkdirAll(x, 0o755); err != nil {
		return Kernel{}, fmt.Errorf("create %s: %w", x, err)
	}
	for _, d := range debs {
		if err := b.run(ctx, "kernel-"+series, b.Paths.Cache, "dpkg-deb", "-x", d, x); err != nil {
			return Kernel{}, err
		}
	}
	// Packages of merged-/usr suites (trixie) put modules under usr/lib.
	modDir := filepath.Join(x, "lib", "modules")
	if _, err := os.Stat(modDir); err != nil {
		modDir = filepath.Join(x, "usr", "lib", "modules")
	}
	ents, err := os.ReadDir(modDir)
	if err != nil || len(ents) != 1 {
		return Kernel{}, fmt.Errorf("%s: want exactly one lib/modules/RELEASE or usr/lib/modules/RELEASE directory (%v)", deb, err)
	}
	release := ents[0].Name()
	// Merged /usr: the root file system's /lib is a symlink to usr/lib, and a
	// real lib/ directory in a later cpio piece would replace it and break
	// every binary. Modules therefore go to usr/lib/modules.
	m := filepath.Join(tmp, "m")
	if err := os.MkdirAll(filepath.Join(m, "usr", "lib", "modules"), 0o755); err != nil {
		return Kernel{}, fmt.Errorf("create module tree: %w", err)
	}
	if err := os.Rename(filepath.Join(modDir, release), filepath.Join(m, "usr", "lib", "modules", release)); err != nil {
		return Kernel{}, fmt.Errorf("move modules: %w", err)
	}
	if err := b.run(ctx, "kernel-"+series, b.Paths.Cache, "depmod", "-b", filepath.Join(m, "usr"), release); err != nil {
		return Kernel{}, err
	}
	if err := b.cpioDir(ctx, "kernel-"+series, m, "usr", filepath.Join(tmp, "modules.cpio")); err != nil {
		return Kernel{}, err
	}
	// The image is in boot/, or beside the modules in split packages.
	var image error = fs.ErrNotExist
	for _, c := range []string{filepath.Join(x, "boot", "vmlinuz-"+release), filepath.Join(m, "usr", "lib", "modules", release, "vmlinuz")} {
		if image = os.Rename(c, filepath.Join(tmp, "vmlinuz")); image == nil {
			break
		}
	}
	if image != nil {
		return Kernel{}, fmt.Errorf("kernel image: %w", image)
	}
	if err := os.RemoveAll(x); err != nil {
		return Kernel{}, fmt.Errorf("clean up: %w", err)
	}
	if err := os.RemoveAll(m); err != nil {
		return Kernel{}, fmt.Errorf("clean up: %w", err)
	}
	info := fmt.Sprintf("package=%s\nrelease=%s\n", pkg, release)
	if err := os.WriteFile(filepath.Join(tmp, "kernel.info"), []byte(info), 0o644); err != nil {
		return Kernel{}, fmt.Errorf("write kernel.info: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return Kernel{}, fmt.Errorf("remove old %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return Kernel{}, fmt.Errorf("install kernel: %w", err)
	}
	b.step("kernel "+series+" ("+release+")", false, start)
	return readKernel(dir, series)
}

// download returns the cached .deb of a package, fetching it first if need be.
func (b *Builder) download(ctx context.Context, pkg string, aptOpts []string) (string, error) {
	if deb, err := findDeb(b.Paths.debs(), pkg); err == nil {
		return deb, nil
	}
	if err := b.run(ctx, "apt-download", b.Paths.debs(), "apt-get", append(append([]string{}, aptOpts...), "download", pkg)...); err != nil {
		return "", err
	}
	return findDeb(b.Paths.debs(), pkg)
}

// kernelParts picks, from a kernel image package's Depends field, the
// packages that hold the image and the modules when the image package is
// only a shell: linux-binary-RELEASE and linux-modules-RELEASE.
func kernelParts(depends string) []string {
	var out []string
	for _, d := range strings.Split(depends, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(d), " ")
		if strings.HasPrefix(name, "linux-binary-") || strings.HasPrefix(name, "linux-modules-") {
			out = append(out, name)
		}
	}
	return out
}

func readKernel(dir, series string) (Kernel, error) {
	b, err := os.ReadFile(filepath.Join(dir, "kernel.info"))
	if err != nil {
		return Kernel{}, fmt.Errorf("kernel %s not built: %w", series, err)
	}
	kv := parseKV(b)
	k := Kernel{Series: series, Package: kv["package"], Release: kv["release"],
		Vmlinuz: filepath.Join(dir, "vmlinuz"), Modules: filepath.Join(dir, "modules.cpio")}
	for _, f := range []string{k.Vmlinuz, k.Modules} {
		if _, err := os.Stat(f); err != nil {
			return Kernel{}, fmt.Errorf("kernel %s: %w", series, err)
		}
	}
	if k.Release == "" {
		return Kernel{}, fmt.Errorf("kernel %s: no release in kernel.info", series)
	}
	return k, nil
}

// parseKV parses "key=value" lines.
func parseKV(b []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

func findDeb(dir, pkg string) (string, error) {
	m, err := filepath.Glob(filepath.Join(dir, globQuote(pkg)+"_*.deb"))
	if err != nil || len(m) == 0 {
		return "", fmt.Errorf("no %s .deb in %s", pkg, dir)
	}
	sort.Strings(m)
	return m[len(m)-1], nil
}

func globQuote(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}

// resolveKernel finds the newest cloud kernel package of a series: in the
// host's apt lists (running apt-get update once if it finds none), or, for
// a series of another suite (kernelSuite), in the lab's own lists of that
// suite. It returns the package and the apt options that reach it.
func (b *Builder) resolveKernel(ctx context.Context, series string) (string, []string, error) {
	if _, err := kernelPackageRE(series, false); err != nil {
		return "", nil, err
	}
	var opts []string
	if suite := kernelSuite(series); suite != "" {
		var err error
		if opts, err = b.suiteLists(ctx, suite); err != nil {
			return "", nil, err
		}
	}
	if p := os.Getenv("NFSTRACE_LAB_KERNEL_" + strings.ReplaceAll(series, ".", "_")); p != "" {
		return p, opts, nil
	}
	for attempt := 0; attempt < 2; attempt++ {
		args := append(append([]string{}, opts...), "search", "--names-only", "^linux-image-"+series)
		out, err := exec.CommandContext(ctx, "apt-cache", args...).Output()
		if err != nil {
			return "", nil, fmt.Errorf("apt-cache search: %w", err)
		}
		for _, signed := range []bool{false, true} {
			re, _ := kernelPackageRE(series, signed)
			if p := newestPackage(out, re); p != "" {
				return p, opts, nil
			}
		}
		if attempt == 0 && opts == nil {
			fmt.Fprintln(b.Log, "lab: no kernel package in the apt lists; running apt-get update")
			if err := b.run(ctx, "apt-update", "/", "apt-get", "update"); err != nil {
				return "", nil, err
			}
		}
	}
	re, _ := kernelPackageRE(series, false)
	return "", nil, fmt.Errorf("no Debian package matches %s (is a bookworm or bookworm-backports source configured?)", re)
}

// suiteLists makes apt lists of one Debian suite under the cache (apt/SUITE:
// a sources list, the lists and apt's own cache), refreshed once a day, and
// returns the apt options that read them: the host's lists stay as they are.
func (b *Builder) suiteLists(ctx context.Context, suite string) ([]string, error) {
	dir := b.Paths.apt(suite)
	for _, d := range []string{"lists/partial", "cache/archives/partial"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("create apt lists of %s: %w", suite, err)
		}
	}
	src := filepath.Join(dir, "sources.list")
	line := fmt.Sprintf("deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n", b.Mirror, suite)
	if err := os.WriteFile(src, []byte(line), 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", src, err)
	}
	opts := []string{
		"-o", "Dir::Etc::sourcelist=" + src, "-o", "Dir::Etc::sourceparts=-",
		"-o", "Dir::State::Lists=" + filepath.Join(dir, "lists"), "-o", "Dir::Cache=" + filepath.Join(dir, "cache"),
	}
	stamp := filepath.Join(dir, "updated")
	if st, err := os.Stat(stamp); err == nil && time.Since(st.ModTime()) < 24*time.Hour {
		return opts, nil
	}
	fmt.Fprintf(b.Log, "lab: apt-get update of %s (lists of its own under %s)\n", suite, dir)
	if err := b.run(ctx, "apt-update-"+suite, "/", "apt-get", append(append([]string{}, opts...), "update")...); err != nil {
		return nil, err
	}
	if err := os.WriteFile(stamp, []byte(line), 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", stamp, err)
	}
	return opts, nil
}

// newestPackage picks, from apt-cache search output, the package matching re
// with the highest version numbers in its name.
func newestPackage(out []byte, re interface{ MatchString(string) bool }) string {
	var best string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		name, _, _ := strings.Cut(sc.Text(), " ")
		if re.MatchString(name) && (best == "" || compareNumeric(name, best) > 0) {
			best = name
		}
	}
	return best
}

// compareNumeric compares two strings by the sequence of numbers in them.
func compareNumeric(a, b string) int {
	na, nb := numbers(a), numbers(b)
	for i := 0; i < len(na) && i < len(nb); i++ {
		if na[i] != nb[i] {
			if na[i] < nb[i] {
				return -1
			}
			return 1
		}
	}
	return len(na) - len(nb)
}

func numbers(s string) []int {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		n, err := strconv.Atoi(f)
		if err == nil {
			out = append(out, n)
		}
	}
	return out
}

// shellQuote quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// BuildGo builds a static binary of the Go package pkg (such as
// "./cmd/nfstrace") in the module at repo, writing it to out.
func (b *Builder) BuildGo(ctx context.Context, repo, pkg, out string) error {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w: %s", pkg, err, strings.TrimSpace(stderr.String()))
	}
	b.step("go build "+pkg, false, start)
	return nil
}

// RepoRoot finds the nfstrace module root at or above dir.
func RepoRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("repo root: %w", err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/nfstrace/nfstrace\n")) {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no nfstrace go.mod at or above %s", dir)
		}
		d = parent
	}
}

// BaseCpio is the cached cpio archive of the root file system.
func (b *Builder) BaseCpio() string { return b.Paths.baseCpio() }
