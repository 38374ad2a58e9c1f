package capture

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The capture directory: where nfstrace serve keeps a capture per boot and
// period, and where compare --last-boot finds the two around a reboot.

// DefaultDir is the capture directory of the packaged service (the systemd
// unit's StateDirectory).
const DefaultDir = "/var/lib/nfstrace"

// BootIDPath holds the running boot's ID, which names the captures.
const BootIDPath = "/proc/sys/kernel/random/boot_id"

// Capture file names: nfstrace-BOOTID-START[.N].nft, START in UTC as
// 20060102T150405Z, N a sequence number when two files start in the same second.
const (
	filePrefix = "nfstrace-"
	fileSuffix = Ext
	timeLayout = "20060102T150405Z"
)

// DirFile is one capture of a rotation directory, described by its name.
type DirFile struct {
	Path   string
	BootID string
	Start  time.Time
	Seq    int
	Size   int64
	Mod    time.Time
}

// FileName returns the name of the capture a boot starts at start.
func FileName(bootID string, start time.Time, seq int) string {
	name := filePrefix + bootID + "-" + start.UTC().Format(timeLayout)
	if seq > 0 {
		name += "." + strconv.Itoa(seq)
	}
	return name + fileSuffix
}

// parseFileName reads a name FileName wrote; ok is false for other files.
func parseFileName(name string) (bootID string, start time.Time, seq int, ok bool) {
	if !strings.HasPrefix(name, filePrefix) {
		return "", time.Time{}, 0, false
	}
	// .nfstrace and .cap are what earlier versions named their captures:
	// still listed, so that --last-boot and pruning see them.
	s, ok := "", false
	for _, suf := range []string{fileSuffix, ".nfstrace", ".cap"} {
		if strings.HasSuffix(name, suf) {
			s, ok = strings.TrimSuffix(strings.TrimPrefix(name, filePrefix), suf), true
			break
		}
	}
	if !ok {
		return "", time.Time{}, 0, false
	}
	i := strings.LastIndexByte(s, '-')
	if i <= 0 {
		return "", time.Time{}, 0, false
	}
	bootID, ts := s[:i], s[i+1:]
	if j := strings.IndexByte(ts, '.'); j >= 0 {
		n, err := strconv.Atoi(ts[j+1:])
		if err != nil || n < 0 {
			return "", time.Time{}, 0, false
		}
		seq, ts = n, ts[:j]
	}
	t, err := time.Parse(timeLayout, ts)
	if err != nil {
		return "", time.Time{}, 0, false
	}
	return bootID, t, seq, true
}

// ListCaptures returns the rotated captures in dir, oldest first (by start
// time in the name, then sequence). Other files are ignored.
func ListCaptures(dir string) ([]DirFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list captures: %w", err)
	}
	var files []DirFile
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		boot, start, seq, ok := parseFileName(e.Name())
		if !ok {
			continue
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // removed meanwhile
			}
			return nil, fmt.Errorf("list captures: %w", err)
		}
		files = append(files, DirFile{
			Path: filepath.Join(dir, e.Name()), BootID: boot, Start: start, Seq: seq,
			Size: info.Size(), Mod: info.ModTime(),
		})
	}
	sort.Slice(files, func(i, j int) bool {
		if !files[i].Start.Equal(files[j].Start) {
			return files[i].Start.Before(files[j].Start)
		}
		return files[i].Seq < files[j].Seq
	})
	return files, nil
}

// LastBoot picks the two captures `nfstrace compare --last-boot` compares:
// the newest capture of the boot before the current one (the newest capture
// of any other boot) and the newest capture of the current boot.
func LastBoot(dir, currentBootID string) (prev, cur DirFile, err error) {
	if currentBootID == "" {
		return prev, cur, errors.New("last boot: current boot ID unknown")
	}
	files, err := ListCaptures(dir)
	if err != nil {
		return prev, cur, err
	}
	var havePrev, haveCur bool
	for _, f := range files { // oldest first: the last match is the newest
		if f.BootID == currentBootID {
			cur, haveCur = f, true
		} else {
			prev, havePrev = f, true
		}
	}
	switch {
	case !haveCur:
		return prev, cur, fmt.Errorf("last boot: no capture of the current boot %s in %s (is nfstrace serve --capture-dir running?)", currentBootID, dir)
	case !havePrev:
		return prev, cur, fmt.Errorf("last boot: no capture of an earlier boot in %s", dir)
	}
	return prev, cur, nil
}
