package ebpf

import "testing"

func TestNFSDProcTables(t *testing.T) {
	// Sizes are the procedure counts the kernel prints in /proc/net/rpc/nfsd
	// ("proc2 18", "proc3 22", "proc4 2"), and spot checks are RFC numbers.
	tests := []struct {
		vers  uint8
		table []string
		size  int
		spot  map[uint32]string
	}{
		{2, nfsdV2Procs, 18, map[uint32]string{0: "NULL", 7: "WRITECACHE", 8: "WRITE", 17: "STATFS"}},
		{3, nfsdV3Procs, 22, map[uint32]string{0: "NULL", 1: "GETATTR", 6: "READ", 7: "WRITE", 17: "READDIRPLUS", 21: "COMMIT"}},
		{4, nfsdV4Procs, 2, map[uint32]string{0: "NULL", 1: "COMPOUND"}},
	}
	for _, tt := range tests {
		if len(tt.table) != tt.size {
			t.Errorf("v%d: %d procedures, want %d", tt.vers, len(tt.table), tt.size)
		}
		seen := map[string]bool{}
		for i, name := range tt.table {
			if name == "" || seen[name] {
				t.Errorf("v%d procedure %d: empty or duplicate name %q", tt.vers, i, name)
			}
			seen[name] = true
		}
		for num, want := range tt.spot {
			if got := nfsdProcName(tt.vers, num); got != want {
				t.Errorf("nfsdProcName(%d, %d) = %q, want %q", tt.vers, num, got, want)
			}
		}
	}
}

func TestNFSDV4OpTable(t *testing.T) {
	// 76 entries: /proc/net/rpc/nfsd prints "proc4ops 76" on kernels with
	// the RFC 8276 operations (LAST_NFS4_OP = OP_REMOVEXATTR = 75).
	if len(nfsdV4Ops) != 76 {
		t.Fatalf("%d operation slots, want 76", len(nfsdV4Ops))
	}
	seen := map[string]bool{}
	for op := range nfsdV4Ops {
		name := nfsdV4Ops[op]
		if op < 3 {
			if name != "" {
				t.Errorf("op %d is unassigned but named %q", op, name)
			}
			continue
		}
		if name == "" || seen[name] {
			t.Errorf("op %d: empty or duplicate name %q", op, name)
		}
		seen[name] = true
	}
	tests := []struct {
		op   uint32
		want string
	}{
		{3, "ACCESS"}, {9, "GETATTR"}, {22, "PUTFH"}, {25, "READ"}, {38, "WRITE"},
		{39, "RELEASE_LOCKOWNER"}, {40, "BACKCHANNEL_CTL"}, {53, "SEQUENCE"},
		{58, "RECLAIM_COMPLETE"}, {59, "ALLOCATE"}, {68, "READ_PLUS"}, {71, "CLONE"},
		{75, "REMOVEXATTR"}, {10044, "ILLEGAL"}, {0, "OP_0"}, {76, "OP_76"},
	}
	for _, tt := range tests {
		if got := nfsdV4OpName(tt.op); got != tt.want {
			t.Errorf("nfsdV4OpName(%d) = %q, want %q", tt.op, got, tt.want)
		}
	}
}

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
