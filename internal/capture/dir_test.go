package capture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	bootA = "0b1c4a5e-0000-4000-8000-00000000000a"
	bootB = "0b1c4a5e-0000-4000-8000-00000000000b"
)

func TestFileName(t *testing.T) {
	start := time.Date(2026, 11, 25, 6, 0, 1, 500, time.UTC)
	for _, seq := range []int{0, 3} {
		name := FileName(bootA, start, seq)
		boot, got, gotSeq, ok := parseFileName(name)
		if !ok || boot != bootA || !got.Equal(start.Truncate(time.Second)) || gotSeq != seq {
			t.Errorf("parseFileName(%q) = %q %v %d %v", name, boot, got, gotSeq, ok)
		}
	}
	for _, old := range []string{"nfstrace-" + bootA + "-20261125T060001Z.nfstrace", "nfstrace-" + bootA + "-20261125T060001Z.3.cap"} {
		if boot, _, _, ok := parseFileName(old); !ok || boot != bootA {
			t.Errorf("parseFileName(%q) = %q, %v: an earlier version's name", old, boot, ok)
		}
	}
	if name := FileName(bootA, start, 0); !strings.HasSuffix(name, ".nft") {
		t.Errorf("FileName = %q, want the .nft extension", name)
	}
	for _, bad := range []string{"notes.txt", "nfstrace-.nfstrace", "nfstrace-abc-20261125T060001Z.nft.tmp", "nfstrace-abc-20261125T060001Z.capture", "nfstrace-abc-2026.nfstrace",
		"nfstrace-abc-20261125T060001Z.x.nfstrace", "nfstrace-abc-20261125T060001Z.nfstrace.tmp"} {
		if _, _, _, ok := parseFileName(bad); ok {
			t.Errorf("parseFileName(%q) accepted", bad)
		}
	}
}

func TestListCapturesAndLastBoot(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC)
	touch := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, _, err := LastBoot(dir, bootB); err == nil || !strings.Contains(err.Error(), "no capture of the current boot") {
		t.Errorf("empty dir: err = %v", err)
	}
	touch("notes.txt")
	a1 := touch(FileName(bootA, t0, 0))
	a2 := touch(FileName(bootA, t0.Add(time.Hour), 0))
	if _, _, err := LastBoot(dir, bootA); err == nil || !strings.Contains(err.Error(), "no capture of an earlier boot") {
		t.Errorf("one boot only: err = %v", err)
	}
	b2 := touch(FileName(bootB, t0.Add(3*time.Hour), 0))
	b1 := touch(FileName(bootB, t0.Add(2*time.Hour), 1))
	files, err := ListCaptures(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
	}
	if want := []string{a1, a2, b1, b2}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ListCaptures = %q, want %q (oldest first, other files left out)", got, want)
	}
	prev, cur, err := LastBoot(dir, bootB)
	if err != nil {
		t.Fatal(err)
	}
	if prev.Path != a2 || cur.Path != b2 {
		t.Errorf("LastBoot = %s, %s; want %s, %s", prev.Path, cur.Path, a2, b2)
	}
	if _, _, err := LastBoot(dir, ""); err == nil {
		t.Error("LastBoot with no boot ID: no error")
	}
	if _, err := ListCaptures(filepath.Join(dir, "missing")); err == nil {
		t.Error("ListCaptures of a missing directory: no error")
	}
}
