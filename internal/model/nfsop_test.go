package model

import "testing"

func TestNFSProcTables(t *testing.T) {
	// Sizes are the procedure counts the kernel prints in /proc/net/rpc/nfsd
	// ("proc2 18", "proc3 22", "proc4 2", "proc4ops 76").
	for vers, size := range map[int]int{2: 18, 3: 22, 4: 2} {
		if n := len(nfsProcs[vers]); n != size {
			t.Errorf("v%d: %d procedures, want %d", vers, n, size)
		}
		seen := map[string]bool{}
		for i, name := range nfsProcs[vers] {
			if name == "" || seen[name] {
				t.Errorf("v%d procedure %d: empty or duplicate name %q", vers, i, name)
			}
			seen[name] = true
		}
	}
	if len(nfsV4Ops) != 76 {
		t.Errorf("%d operation slots, want 76", len(nfsV4Ops))
	}
	seen := map[string]bool{}
	for op, name := range nfsV4Ops {
		if (op < 3) != (name == "") || (name != "" && seen[name]) {
			t.Errorf("op %d: name %q", op, name)
		}
		seen[name] = true
	}
}

func TestNFSNames(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{NFSProcName(2, 7), "WRITECACHE"},
		{NFSProcName(2, 17), "STATFS"},
		{NFSProcName(3, 0), "NULL"},
		{NFSProcName(3, 17), "READDIRPLUS"},
		{NFSProcName(3, 21), "COMMIT"},
		{NFSProcName(3, 22), "PROC_22"},
		{NFSProcName(4, 1), "COMPOUND"},
		{NFSProcName(9, 0), "PROC_0"},
		{NFSv4OpName(3), "ACCESS"},
		{NFSv4OpName(22), "PUTFH"},
		{NFSv4OpName(38), "WRITE"},
		{NFSv4OpName(39), "RELEASE_LOCKOWNER"},
		{NFSv4OpName(53), "SEQUENCE"},
		{NFSv4OpName(58), "RECLAIM_COMPLETE"},
		{NFSv4OpName(68), "READ_PLUS"},
		{NFSv4OpName(75), "REMOVEXATTR"},
		{NFSv4OpName(10044), "ILLEGAL"},
		{NFSv4OpName(0), "OP_0"},
		{NFSv4OpName(76), "OP_76"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestNFSOp(t *testing.T) {
	for _, tc := range []struct {
		proto, op                   string
		want                        string
		v4op, known, req, env, work bool
	}{
		{"v3", "READ", "v3 READ", false, true, true, false, true},
		{"v3", "NULL", "v3 NULL", false, true, false, false, false},
		{"v3", "PROC_22", "v3 PROC_22", false, false, true, false, false},
		{"v2", "writecache", "v2 WRITECACHE", false, true, true, false, true},
		{"v4", "COMPOUND", "v4 COMPOUND", false, true, true, true, false},
		{"v4", "NULL", "v4 NULL", false, true, false, true, false},
		{"v4op", "OPEN", "v4 OPEN", true, true, false, false, true},
		{"v4op", "OP_76", "v4 OP_76", true, false, false, false, false},
		{"v4.2", "READ_PLUS", "v4 READ_PLUS", true, true, false, false, true},
		{"v4.1", "ILLEGAL", "v4 ILLEGAL", true, true, false, false, true},
		{"v5", "READ", "v5 READ", false, false, false, false, false},
	} {
		o := OpOf(tc.proto, tc.op)
		if o.String() != tc.want || o.V4Op != tc.v4op || o.Known() != tc.known || o.IsRequest() != tc.req ||
			o.IsEnvelope() != tc.env || o.IsWork() != tc.work {
			t.Errorf("OpOf(%q, %q) = %q v4op %v known %v request %v envelope %v work %v; want %q %v %v %v %v %v",
				tc.proto, tc.op, o, o.V4Op, o.Known(), o.IsRequest(), o.IsEnvelope(), o.IsWork(),
				tc.want, tc.v4op, tc.known, tc.req, tc.env, tc.work)
		}
	}
}
