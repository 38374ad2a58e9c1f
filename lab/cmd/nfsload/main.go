// Command nfsload is the lab's NFS client load: several client processes
// issuing a weighted mix of writes, commits (fsync), direct reads, getattrs
// (fstat with the attribute cache off) and lookups against a directory on an
// NFS mount, for a fixed time. It prints what it did as JSON so that the lab
// can tell which operations the workload issued.
//
// It runs inside the lab guest against a real nfsd; it is a client, not a
// stand-in for the server.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

type config struct {
	// dirs is one directory seen through one mount each (a single
	// mount: one entry); client i works through dirs[i mod len(dirs)].
	dirs     []string
	clients  int
	duration time.Duration
	mix      []weighted
	ioSize   int
	fileSize int64
	names    int
	worker   int // >= 0: run as one client process
	phase    string
	seed     uint64
	shared   bool // every client writes and reads one data file
	direct   bool // writes bypass the client's page cache (O_DIRECT)
	errorsOK bool // a failed final fsync is an error counted, not a failure
}

type weighted struct {
	op     string
	weight int
}

// result is what one client, or all of them summed, did.
type result struct {
	Clients  int               `json:"clients"`
	Seconds  float64           `json:"seconds"`
	Ops      map[string]uint64 `json:"ops"`
	Errors   map[string]uint64 `json:"errors,omitempty"`
	FirstErr string            `json:"first_error,omitempty"`
}

var knownOps = []string{"write", "commit", "read", "getattr", "lookup"}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "nfsload: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var c config
	var mix, ioSize, fileSize string
	fs := flag.NewFlagSet("nfsload", flag.ContinueOnError)
	var dirs string
	fs.StringVar(&dirs, "dir", "", "directory on the NFS mount to work in (created); a comma-separated list names the same directory through several mounts, and client i works through the (i mod n)-th")
	fs.IntVar(&c.clients, "clients", 4, "client processes")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to run")
	fs.StringVar(&mix, "mix", "write:3,commit:1,read:3,getattr:2,lookup:2", "operation weights: op:weight,... (ops: "+strings.Join(knownOps, ", ")+")")
	fs.StringVar(&ioSize, "io-size", "64k", "bytes per read or write")
	fs.StringVar(&fileSize, "file-size", "8m", "size of each client's data file")
	fs.IntVar(&c.names, "names", 64, "files per client for lookups")
	fs.IntVar(&c.worker, "worker", -1, "internal: run as client process N")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed")
	fs.BoolVar(&c.shared, "shared", false, "all clients work on one data file (shared/data) instead of one each")
	fs.BoolVar(&c.direct, "direct-write", false, "write with O_DIRECT, as reads always are: the writes go to the server as they are made and never dirty the client's page cache")
	fs.BoolVar(&c.errorsOK, "errors-ok", false, "count a failed final fsync as a commit error instead of failing (for a server whose device is made to fail)")
	fs.StringVar(&c.phase, "phase", "all", "prepare (create the files), run (issue the mix on prepared files) or all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if dirs == "" {
		return errors.New("-dir is required")
	}
	c.dirs = strings.Split(dirs, ",")
	for _, d := range c.dirs {
		if d == "" {
			return fmt.Errorf("-dir %q: an empty directory in the list", dirs)
		}
	}
	var err error
	if c.mix, err = parseMix(mix); err != nil {
		return err
	}
	n, err := parseSize(ioSize)
	if err != nil {
		return fmt.Errorf("-io-size: %w", err)
	}
	c.ioSize = int(n)
	if c.fileSize, err = parseSize(fileSize); err != nil {
		return fmt.Errorf("-file-size: %w", err)
	}
	if c.ioSize <= 0 || c.ioSize%4096 != 0 || int64(c.ioSize) > c.fileSize {
		return fmt.Errorf("-io-size %d: want a multiple of 4096 no larger than -file-size", c.ioSize)
	}
	if c.phase != "prepare" && c.phase != "run" && c.phase != "all" {
		return fmt.Errorf("-phase %q: want prepare, run or all", c.phase)
	}
	if c.shared && c.phase == "all" {
		return errors.New("-shared: run -phase prepare first, then -phase run (client 0 fills the shared file)")
	}
	if c.clients < 1 || c.names < 1 {
		return errors.New("-clients and -names must be at least 1")
	}
	if c.worker >= 0 {
		r, err := worker(c)
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(r)
	}
	return parent(c, args)
}

func parseMix(s string) ([]weighted, error) {
	var out []weighted
	for _, f := range strings.Split(s, ",") {
		op, w, ok := strings.Cut(strings.TrimSpace(f), ":")
		n, err := strconv.Atoi(w)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("-mix %q: want a list of op:weight", s)
		}
		known := false
		for _, k := range knownOps {
			known = known || k == op
		}
		if !known {
			return nil, fmt.Errorf("-mix: unknown operation %q (want %s)", op, strings.Join(knownOps, ", "))
		}
		if n > 0 {
			out = append(out, weighted{op, n})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-mix %q: no operation with a positive weight", s)
	}
	return out, nil
}

// parseSize parses a byte count with an optional k, m or g suffix (powers of 1024).
func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(strings.ToLower(s), "k"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(strings.ToLower(s), "m"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(strings.ToLower(s), "g"):
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

// parent starts the client processes (this binary again, with -worker N),
// and sums what they report.
func parent(c config, args []string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	// Each worker gets a deadline of its own; the parent's context only
	// guards against a worker stuck in an uninterruptible NFS call.
	// Preparing has no deadline of its own and, on a slow device under
	// emulation with stable writes, took more than two minutes.
	limit := c.duration + 2*time.Minute
	if c.phase != "run" {
		limit += 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	type proc struct {
		cmd *exec.Cmd
		out bytes.Buffer
		err bytes.Buffer
	}
	procs := make([]*proc, c.clients)
	start := time.Now()
	for i := range procs {
		p := &proc{}
		p.cmd = exec.CommandContext(ctx, self, append(append([]string{}, args...), "-worker", strconv.Itoa(i))...)
		p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.err
		if err := p.cmd.Start(); err != nil {
			return fmt.Errorf("start client %d: %w", i, err)
		}
		procs[i] = p
	}
	total := result{Clients: c.clients, Ops: map[string]uint64{}, Errors: map[string]uint64{}}
	var failed []string
	for i, p := range procs {
		if err := p.cmd.Wait(); err != nil {
			failed = append(failed, fmt.Sprintf("client %d: %v: %s", i, err, strings.TrimSpace(p.err.String())))
			continue
		}
		var r result
		if err := json.Unmarshal(p.out.Bytes(), &r); err != nil {
			failed = append(failed, fmt.Sprintf("client %d: bad report: %v", i, err))
			continue
		}
		for k, v := range r.Ops {
			total.Ops[k] += v
		}
		for k, v := range r.Errors {
			total.Errors[k] += v
		}
		if total.FirstErr == "" {
			total.FirstErr = r.FirstErr
		}
	}
	total.Seconds = time.Since(start).Seconds()
	if err := json.NewEncoder(os.Stdout).Encode(total); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

// worker is one client process: it prepares its files, then issues the mix
// until the deadline.
func worker(c config) (result, error) {
	r := result{Clients: 1, Ops: map[string]uint64{}, Errors: map[string]uint64{}}
	root := c.dirs[c.worker%len(c.dirs)]
	dir := filepath.Join(root, fmt.Sprintf("client%d", c.worker))
	names := filepath.Join(dir, "names")
	data := filepath.Join(dir, "data")
	if c.shared {
		data = filepath.Join(root, "shared", "data")
	}
	buf := alignedBuf(c.ioSize)
	for i := range buf {
		buf[i] = byte(i*7 + c.worker)
	}
	if c.phase != "run" {
		if err := prepare(c, names, data, buf); err != nil {
			return r, err
		}
		if c.phase == "prepare" {
			return r, nil
		}
	}
	wf, err := openWrite(data, c.direct)
	if err != nil {
		return r, fmt.Errorf("open %s (run -phase prepare first): %w", data, err)
	}
	defer wf.Close()
	rfd, err := unix.Open(data, unix.O_RDONLY|unix.O_DIRECT, 0)
	if err != nil {
		return r, fmt.Errorf("open %s O_DIRECT: %w", data, err)
	}
	defer unix.Close(rfd)

	total := 0
	for _, w := range c.mix {
		total += w.weight
	}
	rng := rand.New(rand.NewPCG(c.seed, uint64(c.worker)))
	blocks := c.fileSize / int64(c.ioSize)
	start := time.Now()
	deadline := start.Add(c.duration)
	for time.Now().Before(deadline) {
		pick := rng.IntN(total)
		op := c.mix[0].op
		for _, w := range c.mix {
			if pick < w.weight {
				op = w.op
				break
			}
			pick -= w.weight
		}
		off := rng.Int64N(blocks) * int64(c.ioSize)
		var err error
		switch op {
		case "write":
			_, err = wf.WriteAt(buf, off)
		case "commit":
			err = wf.Sync()
		case "read":
			_, err = unix.Pread(rfd, buf, off)
		case "getattr":
			var st unix.Stat_t
			err = unix.Fstat(int(wf.Fd()), &st)
		case "lookup":
			// Half of the lookups hit, half miss; with lookupcache=none
			// every one goes to the server.
			name := fmt.Sprintf("f%d", rng.IntN(c.names))
			if rng.IntN(2) == 1 {
				name = fmt.Sprintf("missing%d", rng.IntN(1<<20))
			}
			_, err = os.Stat(filepath.Join(names, name))
			if errors.Is(err, os.ErrNotExist) {
				err = nil
			}
		}
		r.Ops[op]++
		if err != nil {
			r.Errors[op]++
			if r.FirstErr == "" {
				r.FirstErr = err.Error()
			}
		}
	}
	if err := wf.Sync(); err != nil {
		if !c.errorsOK {
			return r, fmt.Errorf("final fsync: %w", err)
		}
		r.Errors["commit"]++
		if r.FirstErr == "" {
			r.FirstErr = "final fsync: " + err.Error()
		}
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// openWrite opens a client's data file for its writes, fsyncs and fstats,
// with O_DIRECT when direct.
func openWrite(path string, direct bool) (*os.File, error) {
	flags := os.O_RDWR
	if direct {
		flags |= unix.O_DIRECT
	}
	return os.OpenFile(path, flags, 0)
}

// prepare creates a client's lookup files and fills its data file. A
// shared data file is filled by client 0 alone.
func prepare(c config, names, data string, buf []byte) error {
	if err := os.MkdirAll(names, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", names, err)
	}
	if c.shared && c.worker != 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(data), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(data), err)
	}
	for i := 0; i < c.names; i++ {
		if err := os.WriteFile(filepath.Join(names, fmt.Sprintf("f%d", i)), []byte("x"), 0o644); err != nil {
			return fmt.Errorf("create lookup file: %w", err)
		}
	}
	f, err := os.OpenFile(data, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", data, err)
	}
	defer f.Close()
	for off := int64(0); off < c.fileSize; off += int64(c.ioSize) {
		if _, err := f.WriteAt(buf, off); err != nil {
			return fmt.Errorf("fill %s: %w", data, err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", data, err)
	}
	return nil
}

// alignedBuf returns a buffer aligned to 4096 bytes, as O_DIRECT wants.
func alignedBuf(n int) []byte {
	b := make([]byte, n+4096)
	off := int(4096 - uintptr(unsafe.Pointer(&b[0]))%4096)
	if off == 4096 {
		off = 0
	}
	return b[off : off+n]
}
