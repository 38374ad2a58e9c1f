package ebpf

import "testing"

func TestNFSDStatusName(t *testing.T) {
	tests := []struct {
		vers   uint8
		kind   uint8
		status uint32
		want   string
	}{
		{3, statusNFS, 0, "ok"},
		{4, statusNFS, 0, "ok"},
		{3, statusNFS, 2, "NFS3ERR_NOENT"},
		{3, statusNFS, 10008, "NFS3ERR_JUKEBOX"},
		{3, statusNFS, 10006, "NFS3ERR_SERVERFAULT"},
		{3, statusNFS, 12345, "NFS3ERR_12345"},
		{2, statusNFS, 70, "NFSERR_STALE"},
		{4, statusNFS, 2, "NFS4ERR_NOENT"},
		{4, statusNFS, 13, "NFS4ERR_ACCESS"},
		{4, statusNFS, 10008, "NFS4ERR_DELAY"},
		{4, statusNFS, 10013, "NFS4ERR_GRACE"},
		{4, statusNFS, 10052, "NFS4ERR_BADSESSION"},
		{4, statusNFS, 10094, "NFS4ERR_OFFLOAD_NO_REQS"},
		{4, statusNFS, 10096, "NFS4ERR_XATTR2BIG"},
		{4, statusNFS, 10073, "NFS4ERR_10073"}, // unassigned
		{3, statusRPC, 4, "rpc:GARBAGE_ARGS"},
		{4, statusRPC, 3, "rpc:PROC_UNAVAIL"},
		{3, statusRPC, 9, "rpc:accept_stat_9"},
		{3, statusDenied, 1, "rpc:AUTH_ERROR"},
		{3, statusDenied, 0, "rpc:RPC_MISMATCH"},
		{3, statusDenied, 7, "rpc:denied"},
		{4, statusUnknown, 0, "unknown"},
		{4, 9, 0, "unknown"},
	}
	for _, tt := range tests {
		if got := nfsdStatusName(tt.vers, tt.kind, tt.status); got != tt.want {
			t.Errorf("nfsdStatusName(%d, %d, %d) = %q, want %q", tt.vers, tt.kind, tt.status, got, tt.want)
		}
	}
}

func TestNFSDStatusTablesUnique(t *testing.T) {
	for name, table := range map[string]map[uint32]string{"v2": nfsdStat2, "v3": nfsdStat3, "v4": nfsdStat4} {
		seen := map[string]uint32{}
		for num, s := range table {
			if prev, dup := seen[s]; dup {
				t.Errorf("%s: %q names both %d and %d", name, s, prev, num)
			}
			seen[s] = num
		}
	}
}

func TestThreadOpName(t *testing.T) {
	tests := []struct {
		proto, op uint32
		want      string
	}{
		{ProtoNFS3, 7, "v3 WRITE"},
		{ProtoNFS3, 21, "v3 COMMIT"},
		{ProtoNFS3, 99, "v3 PROC_99"},
		{ProtoNFS4, 38, "v4 WRITE"},
		{ProtoNFS4, 53, "v4 SEQUENCE"},
		{ProtoNFS4, 0, "v4 COMPOUND"},
		{ProtoUnknown, 5, ""},
		{7, 1, ""},
	}
	for _, tt := range tests {
		if got := ThreadOpName(tt.proto, tt.op); got != tt.want {
			t.Errorf("ThreadOpName(%d, %d) = %q, want %q", tt.proto, tt.op, got, tt.want)
		}
	}
}
