package lab_test

import (
	"strings"
	"testing"
)

// The directories nfsload works through: one mount for every client, or
// one mount each.
func TestGuestClientDirs(t *testing.T) {
	tests := []struct {
		mounts, clients, want string
	}{
		{"one", "3", "/mnt/nfs/v4.2"},
		{"", "3", "/mnt/nfs/v4.2"},
		{"each", "1", "/mnt/nfs.c0/v4.2"},
		{"each", "3", "/mnt/nfs.c0/v4.2,/mnt/nfs.c1/v4.2,/mnt/nfs.c2/v4.2"},
	}
	for _, tt := range tests {
		cmd := guestCmd(t, []string{"LAB_CLIENT_MOUNTS=" + tt.mounts, "LAB_CLIENTS=" + tt.clients}, "client_dirs", "/mnt/nfs", "4.2")
		out, err := cmd.Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != tt.want {
			t.Errorf("client_dirs with %q mounts and %s clients = %q, %v; want %q", tt.mounts, tt.clients, got, err, tt.want)
		}
	}
}
