package lab

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// cpioFile is one regular file of the per-run initramfs piece.
type cpioFile struct {
	Name string // path inside the guest, without a leading slash
	Mode uint32 // permission bits
	Data []byte
}

// writeCpio writes files as a "newc" cpio archive, the format the kernel
// unpacks from an initramfs, creating each parent directory first. The
// kernel accepts several archives concatenated, so this piece is appended to
// the cached root file system and modules.
func writeCpio(w io.Writer, files []cpioFile) error {
	dirs := map[string]bool{}
	for _, f := range files {
		if f.Name == "" || strings.HasPrefix(f.Name, "/") || strings.Contains(f.Name, "..") {
			return fmt.Errorf("cpio: bad name %q", f.Name)
		}
		for d := path.Dir(f.Name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	var names []string
	for d := range dirs {
		names = append(names, d)
	}
	sort.Strings(names) // parents sort before their children
	ino := uint32(1)
	for _, d := range names {
		if err := cpioEntry(w, ino, 0o040755, d, nil); err != nil {
			return err
		}
		ino++
	}
	for _, f := range files {
		if err := cpioEntry(w, ino, 0o100000|f.Mode&0o7777, f.Name, f.Data); err != nil {
			return err
		}
		ino++
	}
	return cpioEntry(w, ino, 0, "TRAILER!!!", nil)
}

func cpioEntry(w io.Writer, ino, mode uint32, name string, data []byte) error {
	nlink := 1
	if mode&0o040000 != 0 {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name)+1, 0)
	buf := make([]byte, 0, len(hdr)+len(name)+4)
	buf = append(buf, hdr...)
	buf = append(buf, name...)
	buf = append(buf, 0)
	buf = append(buf, make([]byte, pad4(len(buf)))...)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("cpio: %w", err)
	}
	if len(data) > 0 {
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("cpio: %w", err)
		}
		if _, err := w.Write(make([]byte, pad4(len(data)))); err != nil {
			return fmt.Errorf("cpio: %w", err)
		}
	}
	return nil
}

func pad4(n int) int { return (4 - n%4) % 4 }
