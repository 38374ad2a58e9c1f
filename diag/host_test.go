package diag

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRestoreSysctls(t *testing.T) {
	tests := []struct {
		name  string
		saved map[string]string
		want  map[string]string // file -> content after restore
	}{
		{
			name:  "ratio was in force: the zero bytes value is not written back",
			saved: map[string]string{"vm.dirty_bytes": "0", "vm.dirty_ratio": "20"},
			want:  map[string]string{"vm/dirty_bytes": "1048576", "vm/dirty_ratio": "20"},
		},
		{
			name:  "bytes was in force",
			saved: map[string]string{"vm.dirty_bytes": "8388608", "vm.dirty_ratio": "0"},
			want:  map[string]string{"vm/dirty_bytes": "8388608", "vm/dirty_ratio": "0"},
		},
		{
			name:  "a sysctl without a pair is written as saved, zero included",
			saved: map[string]string{"vm.swappiness": "0"},
			want:  map[string]string{"vm/swappiness": "0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proc := t.TempDir()
			if err := os.MkdirAll(filepath.Join(proc, "sys", "vm"), 0o755); err != nil {
				t.Fatal(err)
			}
			// the injected state: what a capture left before its undo
			for f, v := range map[string]string{"vm/dirty_bytes": "1048576", "vm/dirty_ratio": "0", "vm/swappiness": "60"} {
				if err := os.WriteFile(filepath.Join(proc, "sys", f), []byte(v), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := (Host{Proc: proc}).restoreSysctls(tt.saved); err != nil {
				t.Fatal(err)
			}
			for f, want := range tt.want {
				b, err := os.ReadFile(filepath.Join(proc, "sys", f))
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != want {
					t.Errorf("%s = %q, want %q", f, b, want)
				}
			}
		})
	}
}

func TestParseScheduler(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "[none] mq-deadline kyber bfq", want: "none"},
		{in: "none mq-deadline kyber [bfq]", want: "bfq"},
		{in: "none", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseScheduler(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseScheduler(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
