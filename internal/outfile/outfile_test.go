package outfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nfstrace/nfstrace/internal/testenv"
)

const victimText = "precious\n"

func TestCreate(t *testing.T) {
	tests := []struct {
		name  string
		root  bool // setup needs root (mknod, chown)
		setup func(t *testing.T, dir, path string)
		force bool
		// wantErr is a substring of the error; "" means Create succeeds
		// and path is then an empty regular file of mode 0600.
		wantErr string
	}{
		{name: "new file", setup: func(*testing.T, string, string) {}},
		{name: "new file force", setup: func(*testing.T, string, string) {}, force: true},
		{name: "existing", setup: writeOld, wantErr: "file exists (use --force"},
		{name: "existing force", setup: writeOld, force: true},
		{name: "symlink to victim", setup: linkVictim, wantErr: "file exists"},
		{name: "symlink to victim force", setup: linkVictim, force: true, wantErr: "symbolic link"},
		{name: "dangling symlink force", setup: func(t *testing.T, dir, path string) {
			if err := os.Symlink(filepath.Join(dir, "absent"), path); err != nil {
				t.Fatal(err)
			}
		}, force: true, wantErr: "symbolic link"},
		{name: "fifo force", setup: func(t *testing.T, dir, path string) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}, force: true, wantErr: "not a regular file"},
		{name: "directory force", setup: func(t *testing.T, dir, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, force: true, wantErr: "not a regular file"},
		{name: "device force", root: true, setup: func(t *testing.T, dir, path string) {
			// a copy of /dev/null's node (character device 1,3)
			if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
				t.Fatal(err)
			}
		}, force: true, wantErr: "not a regular file"},
		{name: "other user's file force", root: true, setup: func(t *testing.T, dir, path string) {
			writeOld(t, dir, path)
			if err := os.Chown(path, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}, force: true, wantErr: "belongs to uid 65534"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root {
				testenv.RequireRoot(t)
			}
			dir := t.TempDir()
			victim := filepath.Join(dir, "victim")
			if err := os.WriteFile(victim, []byte(victimText), 0o644); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "out")
			tt.setup(t, dir, path)
			before, _ := os.Lstat(path)

			f, err := Create(path, tt.force)
			if tt.wantErr != "" {
				if err == nil {
					f.Close()
					t.Fatalf("Create succeeded, want an error containing %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "file exists") && !errors.Is(err, ErrExist) {
					t.Errorf("error %q does not wrap ErrExist", err)
				}
				// the existing entry is left as it was
				after, lerr := os.Lstat(path)
				if before != nil && (lerr != nil || !os.SameFile(before, after) || before.Mode() != after.Mode() || before.Size() != after.Size()) {
					t.Errorf("%s changed: before %v, after %v (%v)", path, before, after, lerr)
				}
				if _, err := os.Lstat(filepath.Join(dir, "absent")); err == nil {
					t.Error("the dangling symlink's target was created")
				}
			} else {
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				if _, err := f.WriteString("new"); err != nil {
					t.Fatal(err)
				}
				f.Close()
				st, err := os.Lstat(path)
				if err != nil {
					t.Fatal(err)
				}
				if !st.Mode().IsRegular() || st.Mode().Perm() != Mode || st.Size() != 3 {
					t.Errorf("%s: mode %v size %d, want a regular file of mode %v holding 3 bytes", path, st.Mode(), st.Size(), Mode)
				}
			}
			// whatever happened, the victim is neither truncated nor re-moded
			b, err := os.ReadFile(victim)
			if err != nil || string(b) != victimText {
				t.Errorf("victim now holds %q (%v), want %q", b, err, victimText)
			}
			if st, err := os.Stat(victim); err != nil || st.Mode().Perm() != 0o644 {
				t.Errorf("victim mode %v (%v), want 0644", st.Mode(), err)
			}
		})
	}
}

func writeOld(t *testing.T, _, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("old contents\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func linkVictim(t *testing.T, dir, path string) {
	t.Helper()
	if err := os.Symlink(filepath.Join(dir, "victim"), path); err != nil {
		t.Fatal(err)
	}
}
