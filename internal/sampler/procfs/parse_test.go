package procfs

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/host"
)

// A real line from this host (6.18), and variants of its comm.
const statTail = " 8305 8305 4772 0 -1 4194304 103 0 0 0 0 0 0 0 20 0 1 0 34599 3133440 380 18446744073709551615 0\n"

func TestParseState(t *testing.T) {
	tests := []struct {
		name string
		line string
		want byte
		ok   bool
	}{
		{"plain", "8366 (cat) R" + statTail, 'R', true},
		{"comm with space", "12 (kworker 0:1) S" + statTail, 'S', true},
		{"comm with parens", "12 (a) b) (c) D" + statTail, 'D', true},
		{"comm is a paren", "12 ()) D" + statTail, 'D', true},
		{"comm ends with paren space", "12 (x) ) I" + statTail, 'I', true},
		{"empty comm", "12 () Z" + statTail, 'Z', true},
		{"truncated after paren", "12 (nfsd)", 0, false},
		{"truncated after space", "12 (nfsd) ", 0, false},
		{"no space after paren", "12 (nfsd)D 1", 0, false},
		{"no paren", "12 nfsd D 1", 0, false},
		{"empty", "", 0, false},
		{"state not a letter", "12 (nfsd) 1 2", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseState([]byte(tc.line))
			if got != tc.want || ok != tc.ok {
				t.Errorf("parseState(%q) = %q, %v; want %q, %v", tc.line, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestParseStateAll checks every state letter Linux has printed (fs/proc/array.c
// task_state_array across 2.6 to 6.x: R S D T t X Z P I, and W x K on 3.x).
func TestParseStateAll(t *testing.T) {
	for _, s := range []byte("RSDTtXZPIWxK") {
		line := "7 (nfsd) " + string(s) + statTail
		got, ok := parseState([]byte(line))
		if !ok || got != s {
			t.Errorf("state %c: got %q, %v", s, got, ok)
		}
	}
}

func TestParsePcount(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"667200 84478 2\n", 2, true},
		{"139538708 6299914 17375", 17375, true},
		{"0 0 0\n", 0, true},
		{"1 2\n", 0, false},
		{"1 2 x\n", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := parsePcount([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parsePcount(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseWchan(t *testing.T) {
	for in, want := range map[string]string{
		"submit_bio_wait":  "submit_bio_wait",
		"io_schedule\n":    "io_schedule",
		"0":                "",
		"":                 "",
		" folio_wait_bit ": "folio_wait_bit",
	} {
		if got := string(parseWchan([]byte(in))); got != want {
			t.Errorf("parseWchan(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseStack(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"6.x hidden addresses", "[<0>] submit_bio_wait+0x74/0xc0\n[<0>] __blkdev_direct_IO_simple+0x1d6/0x2d0\n[<0>] blkdev_write_iter+0x21a/0x350\n",
			"submit_bio_wait,__blkdev_direct_IO_simple,blkdev_write_iter"},
		{"4.x addresses and module", "[<ffffffff8117d3e5>] wait_on_page_bit+0x85/0xb0\n[<ffffffffc04a1d2e>] nfsd_vfs_write+0x1ae/0x3a0 [nfsd]\n",
			"wait_on_page_bit,nfsd_vfs_write"},
		{"no trailing newline", "[<0>] kthread+0xfa/0x240", "kthread"},
		{"bare symbol", "io_schedule\n", "io_schedule"},
		{"empty", "", ""},
		{"blank lines", "\n\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range parseStack([]byte(tc.in), nil) {
				got = append(got, string(f))
			}
			if s := strings.Join(got, ","); s != tc.want {
				t.Errorf("parseStack = %q, want %q", s, tc.want)
			}
		})
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("8366 (cat) R" + statTail))
	f.Add([]byte("12 (a) b) (c) D" + statTail))
	f.Add([]byte("12 ()) D"))
	f.Add([]byte("(((((())))))"))
	f.Add([]byte("208 0x3 0x1 0x8 0x7ffc 0x0 0x0 0x7ffd 0x7f12\n"))
	f.Add([]byte("running\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := host.ParseStat(b)
		s, ok := parseState(b)
		if err == nil {
			// A line host.ParseStat accepts has a state parseState agrees with.
			if !ok || s != st.State {
				t.Errorf("host.ParseStat state %q, parseState %q %v on %q", st.State, s, ok, b)
			}
		}
		if ok && (s < 'A' || s > 'z') {
			t.Errorf("parseState returned %q on %q", s, b)
		}
		parsePcount(b)
		parseStack(b, nil)
		// A system call number is the line's first field, in full.
		if nr, ok := parseSyscallNr(b); ok {
			field, _, _ := strings.Cut(strings.TrimSuffix(string(b), "\n"), " ")
			field, _, _ = strings.Cut(field, "\n")
			if n, err := strconv.ParseUint(field, 10, 64); err != nil || n != nr {
				t.Errorf("parseSyscallNr(%q) = %d; the first field %q parses as %d, %v", b, nr, field, n, err)
			}
		}
	})
}

func TestParseSyscallNr(t *testing.T) {
	tests := []struct {
		in   string
		nr   uint64
		want bool
	}{
		{"208 0x3 0x1 0x8 0x7ffc 0x0 0x0 0x7ffd 0x7f12\n", 208, true},
		{"426 0x5 0x0 0x1 0x1 0x0 0x8 0x7ffd 0x7f12\n", 426, true},
		{"0\n", 0, true},
		{"running\n", 0, false},
		{"-1 0x7ffd 0x7f12\n", 0, false},
		{"", 0, false},
		{"12345678 0x0\n", 0, false},
		{"20x8 0x0\n", 0, false},
	}
	for _, tt := range tests {
		nr, ok := parseSyscallNr([]byte(tt.in))
		if nr != tt.nr || ok != tt.want {
			t.Errorf("parseSyscallNr(%q) = %d, %v; want %d, %v", tt.in, nr, ok, tt.nr, tt.want)
		}
	}
}
