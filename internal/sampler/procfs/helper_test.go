package procfs

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The test binary doubles as the workload the privileged tests and benchmarks
// sample: started with NFSTRACE_PROCFS_HELPER set, it runs that workload
// instead of the tests, says "ready" on stdout, and exits when its stdin closes
// (or after helperLimit, so that a lost parent cannot leave it running).
const (
	helperEnv   = "NFSTRACE_PROCFS_HELPER"
	helperLimit = 2 * time.Minute
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := runHelper(mode, os.Args[len(os.Args)-1]); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runHelper(mode, arg string) error {
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	switch mode {
	case "sleepers":
		// arg threads, each locked to its goroutine and asleep in a futex.
		n, err := strconv.Atoi(arg)
		if err != nil {
			return fmt.Errorf("sleepers %q: %w", arg, err)
		}
		started := make(chan struct{})
		for range n {
			go func() {
				runtime.LockOSThread()
				started <- struct{}{}
				<-done
			}()
		}
		for range n {
			<-started
		}
	case "dio":
		// Writers doing 4 KiB O_DIRECT writes with fdatasync to device arg:
		// each write and flush waits for the block layer in D state.
		fd, err := unix.Open(arg, unix.O_RDWR|unix.O_DIRECT|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", arg, err)
		}
		for w := range 2 {
			go func() {
				runtime.LockOSThread()
				buf, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
				if err != nil {
					fmt.Fprintln(os.Stderr, "helper: mmap:", err)
					os.Exit(1)
				}
				const span = 64 << 20
				for i := int64(0); ; i++ {
					off := (int64(w)*span/2 + i*4096) % span
					if _, err := unix.Pwrite(fd, buf, off); err != nil {
						fmt.Fprintln(os.Stderr, "helper: pwrite:", err)
						os.Exit(1)
					}
					if i%8 == 0 {
						unix.Fdatasync(fd)
					}
				}
			}()
		}
	case "aiowait":
		// A thread that waits in io_getevents for completions of an
		// asynchronous IO context, 5 ms at a time: asleep in S, in the
		// completion wait (read_events), as a libaio thread with IO in
		// flight is.
		started := make(chan error)
		go func() {
			runtime.LockOSThread()
			var ctx uint64
			if _, _, e := unix.Syscall(unix.SYS_IO_SETUP, 1, uintptr(unsafe.Pointer(&ctx)), 0); e != 0 {
				started <- fmt.Errorf("io_setup: %w", e)
				return
			}
			started <- nil
			var events [32]byte
			for {
				ts := unix.NsecToTimespec(int64(5 * time.Millisecond))
				unix.Syscall6(unix.SYS_IO_GETEVENTS, uintptr(ctx), 1, 1, uintptr(unsafe.Pointer(&events[0])), uintptr(unsafe.Pointer(&ts)), 0)
			}
		}()
		if err := <-started; err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	fmt.Println("ready")
	select {
	case <-done:
	case <-time.After(helperLimit):
	}
	return nil
}

// startHelper runs a helper workload and returns its pid; it is stopped at
// the end of the test.
func startHelper(tb testing.TB, mode, arg string) int {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", arg)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start helper: %v", err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			tb.Errorf("helper %s: %v", mode, err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		tb.Fatalf("helper %s did not start: %q %v", mode, line, err)
	}
	return cmd.Process.Pid
}
