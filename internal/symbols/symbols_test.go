package symbols

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/testenv"
)

func TestLookup(t *testing.T) {
	tab, err := Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tab.Len(), 7; got != want {
		t.Fatalf("Len = %d, want %d (data and absolute symbols and the _text marker dropped)", got, want)
	}
	tests := []struct {
		addr   uint64
		name   string
		module string
		ok     bool
	}{
		{0xffffffff80ffffff, "", "", false},
		{0xffffffff81000000, "startup_64", "", true},
		{0xffffffff81001010, "do_one_initcall", "", true},
		{0xffffffff81002010, "do_one_initcall", "", true}, // data symbols are not functions
		{0xffffffff81003020, "io_schedule", "", true},
		{0xffffffff81003041, "folio_wait_bit_common", "", true},
		{0xffffffffc0a01abc, "nfsd_dispatch", "nfsd", true},
		{0xffffffffc0a02001, "nfsd_read", "nfsd", true},
		{0xffffffffc0b00010, "svc_process", "sunrpc", true},
	}
	for _, tt := range tests {
		s, ok := tab.Lookup(tt.addr)
		if ok != tt.ok || s.Name != tt.name || s.Module != tt.module {
			t.Errorf("Lookup(%#x) = %+v, %v; want %q [%s], %v", tt.addr, s, ok, tt.name, tt.module, tt.ok)
		}
	}
	if got := tab.Name(0x10); got != "0x10" {
		t.Errorf("Name(0x10) = %q, want 0x10", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
	}{
		{"short line", "ffffffff81000000 T\n", "line 1"},
		{"bad address", "zzzz T foo\n", "bad address"},
		{"bad type", "ffffffff81000000 TT foo\n", "bad symbol type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRestricted(t *testing.T) {
	_, err := Parse(strings.NewReader("0000000000000000 T _text\n0000000000000000 t foo [nfsd]\n"))
	if !errors.Is(err, ErrRestricted) {
		t.Fatalf("err = %v, want ErrRestricted", err)
	}
}

// TestHostKallsyms resolves a known kernel function on the running kernel.
func TestHostKallsyms(t *testing.T) {
	testenv.RequireRoot(t) // kallsyms addresses are zero for others
	tab, err := Load("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for i := range tab.entries {
		e := tab.entries[i]
		name := string(tab.names[e.nameOff : e.nameOff+uint32(e.nameLen)])
		if name != "schedule" {
			continue
		}
		if got := tab.Name(e.addr + 1); got != "schedule" {
			t.Fatalf("Name(schedule+1) = %q", got)
		}
		return
	}
	t.Fatalf("schedule not found among %d symbols", tab.Len())
}

func BenchmarkLoad(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	for b.Loop() {
		if _, err := Load("/proc"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSectionMarkers: a section marker at the address of the section's first
// function never names a frame (seen on Debian 6.1: "__sched_text_start"
// instead of the scheduler function it shares its address with).
func TestSectionMarkers(t *testing.T) {
	const kallsyms = `ffffffff81000000 T _stext
ffffffff81000000 T startup_64
ffffffff81c00000 T __schedule
ffffffff81c00000 T __sched_text_start
ffffffff81c00800 T schedule
ffffffff81c01000 T __sched_text_end
ffffffff81c01000 T __lock_text_start
ffffffff81c01000 T _raw_spin_lock
`
	tab, err := Parse(strings.NewReader(kallsyms))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr uint64
		want string
	}{
		{0xffffffff81000010, "startup_64"},
		{0xffffffff81c00010, "__schedule"},
		{0xffffffff81c00810, "schedule"},
		{0xffffffff81c01004, "_raw_spin_lock"},
	} {
		if got := tab.Name(tc.addr); got != tc.want {
			t.Errorf("Name(%#x) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

func TestRange(t *testing.T) {
	tab, err := Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		start, end uint64
		ok         bool
	}{
		{"io_schedule", 0xffffffff81003000, 0xffffffff81003040, true},
		{"startup_64", 0xffffffff81000000, 0xffffffff81001000, true},
		{"do_one_initcall", 0xffffffff81001000, 0xffffffff81003000, true}, // the data symbol is not an end
		{"folio_wait_bit_common", 0, 0, false},                            // the image's last: no end known
		{"nfsd_dispatch", 0, 0, false},                                    // a module's, not the image's
		{"no_such_function", 0, 0, false},
	}
	for _, tt := range tests {
		start, end, ok := tab.Range(tt.name)
		if start != tt.start || end != tt.end || ok != tt.ok {
			t.Errorf("Range(%s) = %#x, %#x, %v; want %#x, %#x, %v", tt.name, start, end, ok, tt.start, tt.end, tt.ok)
		}
	}
}
