package host

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCompareKernelReleases(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"4.9.0-0.bpo.3-amd64", "4.4.0-3-amd64", 1},
		{"6.12.107+deb12-amd64", "6.1.0-56-amd64", 1},
		{"6.1.0-56-amd64", "6.1.0-9-amd64", 1},
		{"4.9.0-0.bpo.3-amd64", "4.9.0-3-amd64", -1}, // a backport precedes the release
		{"6.12.57+deb12-amd64", "6.12.107+deb12-amd64", -1},
		{"5.10.0-28-amd64", "5.10.0-28-amd64", 0},
		{"5.10.0-028-amd64", "5.10.0-28-amd64", 0}, // leading zeros
		{"6.1.0-56-amd64", "6.1.0-56-cloud-amd64", -1},
		{"6.1.0", "6.1.0-1", -1},
		{"6.1~rc3", "6.1", -1}, // '~' sorts before the end
		{"4.18.0-553.el8_10.x86_64", "4.18.0-477.27.1.el8_8.x86_64", 1},
		{"", "4.4", -1},
		{"99999999999999999999999.1", "9.1", 1}, // numbers of any length
	}
	for _, tt := range tests {
		if got := CompareKernelReleases(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareKernelReleases(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareKernelReleases(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareKernelReleases(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestInstalledKernels(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"vmlinuz-6.12.107+deb12-amd64", "vmlinuz-6.1.0-56-amd64", "vmlinuz-6.12.57+deb12-amd64",
		"vmlinuz", "vmlinuz.old", "initrd.img-6.1.0-56-amd64", "config-6.1.0-56-amd64",
		"vmlinuz-5.15.0-91-generic.efi.signed", "vmlinuz-5.15.0-91-generic",
		"vmlinuz-0-rescue-4f1c2a", "vmlinuz-",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := InstalledKernels(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"5.15.0-91-generic", "6.1.0-56-amd64", "6.12.57+deb12-amd64", "6.12.107+deb12-amd64"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}

	got, err = InstalledKernels(filepath.Join(dir, "missing"))
	if err != nil || got != nil {
		t.Errorf("missing dir: %q, %v; want nothing, no error", got, err)
	}
}
