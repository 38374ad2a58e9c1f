package lab

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// OpKey names one nfsd operation as /proc/net/rpc/nfsd counts it: Proto is
// "v3" (procedures) or "v4" (NFSv4 operations inside COMPOUNDs), Op the
// lower-case name.
type OpKey struct {
	Proto string
	Op    string
}

func (k OpKey) String() string { return k.Proto + "/" + k.Op }

// v3Procs are the NFSv3 procedures in the order of the "proc3" line.
var v3Procs = []string{"null", "getattr", "setattr", "lookup", "access", "readlink", "read", "write",
	"create", "mkdir", "symlink", "mknod", "remove", "rmdir", "rename", "link", "readdir",
	"readdirplus", "fsstat", "fsinfo", "pathconf", "commit"}

// v4Ops are the NFSv4 operations by number (RFC 7530, 8881, 7862, 8276), the
// index in the "proc4ops" line. 0-2 are unused.
var v4Ops = []string{"", "", "", "access", "close", "commit", "create", "delegpurge", "delegreturn",
	"getattr", "getfh", "link", "lock", "lockt", "locku", "lookup", "lookupp", "nverify", "open",
	"openattr", "open_confirm", "open_downgrade", "putfh", "putpubfh", "putrootfh", "read",
	"readdir", "readlink", "remove", "rename", "renew", "restorefh", "savefh", "secinfo",
	"setattr", "setclientid", "setclientid_confirm", "verify", "write", "release_lockowner",
	"backchannel_ctl", "bind_conn_to_session", "exchange_id", "create_session",
	"destroy_session", "free_stateid", "get_dir_delegation", "getdeviceinfo", "getdevicelist",
	"layoutcommit", "layoutget", "layoutreturn", "secinfo_no_name", "sequence", "set_ssv",
	"test_stateid", "want_delegation", "destroy_clientid", "reclaim_complete", "allocate",
	"copy", "copy_notify", "deallocate", "io_advise", "layouterror", "layoutstats",
	"offload_cancel", "offload_status", "read_plus", "seek", "write_same", "clone",
	"getxattr", "setxattr", "listxattrs", "removexattr"}

// ParseNFSDOps parses /proc/net/rpc/nfsd and returns the per-operation
// counts of its "proc3" and "proc4ops" lines (and "proc4" as v4/compound).
func ParseNFSDOps(b []byte) (map[OpKey]uint64, error) {
	out := map[OpKey]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	found := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		var names []string
		proto := "v4"
		switch f[0] {
		case "proc3":
			names, proto = v3Procs, "v3"
		case "proc4ops":
			names = v4Ops
		case "proc4":
			names = []string{"null", "compound"}
		default:
			continue
		}
		found = true
		n, err := strconv.Atoi(f[1])
		if err != nil || n != len(f)-2 {
			return nil, fmt.Errorf("nfsd stats: %s line: count %q does not match %d values", f[0], f[1], len(f)-2)
		}
		for i, v := range f[2:] {
			c, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("nfsd stats: %s value %q: %w", f[0], v, err)
			}
			name := fmt.Sprintf("op%d", i)
			if i < len(names) && names[i] != "" {
				name = names[i]
			}
			if c > 0 || i < len(names) {
				out[OpKey{proto, name}] = c
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("nfsd stats: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("nfsd stats: no proc3 or proc4ops line")
	}
	return out, nil
}

// OpDelta returns after-before for every operation whose count grew.
func OpDelta(before, after map[OpKey]uint64) map[OpKey]uint64 {
	d := map[OpKey]uint64{}
	for k, a := range after {
		if b := before[k]; a > b {
			d[k] = a - b
		}
	}
	return d
}
