// Command capshelper drops capabilities with serve.DropCapabilities while
// several threads run, then prints every thread's capability sets
// ("TID CapEff: HEX", "TID NoNewPrivs: 1"), for TestDropCapabilities. When
// the drop fails it prints "error: ..." and exits 1.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nfstrace/nfstrace/internal/serve"
)

func main() {
	// Goroutines blocked in read(2) hold OS threads of their own, so the
	// runtime has several threads whose capabilities must all change.
	var fds [][2]int
	for i := 0; i < 4; i++ {
		var p [2]int
		if err := unix.Pipe(p[:]); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fds = append(fds, p)
		go func() {
			var b [1]byte
			unix.Read(p[0], b[:])
		}()
	}
	_, after, err := serve.DropCapabilities([]int{unix.CAP_SYSLOG, unix.CAP_SYS_PTRACE})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Printf("kept %#x\n", after)
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for _, st := range tasks {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && (strings.HasPrefix(f[0], "Cap") || f[0] == "NoNewPrivs:") {
				fmt.Printf("%s %s %s\n", filepath.Base(filepath.Dir(st)), f[0], f[1])
			}
		}
	}
	for _, p := range fds {
		unix.Close(p[1])
	}
}
