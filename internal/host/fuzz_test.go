package host

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// addFixtureSeeds adds a file of every fixture tree as a seed.
func addFixtureSeeds(f *testing.F, rel string) {
	paths, _ := filepath.Glob(filepath.Join(fixtures, "*", "t0", rel))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzDiskstats(f *testing.F) {
	addFixtureSeeds(f, "proc/diskstats")
	f.Add([]byte("8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		disks, err := parseDiskstats(b, nil, nil)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		if len(disks) > bytes.Count(b, []byte("\n"))+1 {
			t.Errorf("%d disks from %d lines", len(disks), bytes.Count(b, []byte("\n"))+1)
		}
		for _, d := range disks {
			if d.Fields < 14 || d.Fields > 20 || d.Name == "" {
				t.Errorf("disk %+v", d)
			}
		}
	})
}

func FuzzRPC(f *testing.F) {
	addFixtureSeeds(f, "proc/net/rpc/nfsd")
	f.Add([]byte(rpc49))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseRPC(b)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		for _, l := range [][]uint64{s.Proc2, s.Proc3, s.Proc4, s.Proc4Ops} {
			if len(l) > maxProcs {
				t.Errorf("%d procedures", len(l))
			}
		}
		if s.Threads < 0 {
			t.Errorf("threads %d", s.Threads)
		}
	})
}

func FuzzPoolStats(f *testing.F) {
	addFixtureSeeds(f, "proc/fs/nfsd/pool_stats")
	f.Add([]byte("# pool packets-arrived sockets-enqueued threads-woken threads-timedout no-threads-avail\n0 100 2 90 0 8\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pools, err := parsePoolStats(b, nil)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		for _, p := range pools {
			if p.ID < 0 {
				t.Errorf("pool %+v", p)
			}
		}
	})
}

func FuzzTaskStat(f *testing.F) {
	addFixtureSeeds(f, "proc/1/stat")
	f.Add([]byte(stat("811 (rs:main Q:Reg) S", "4")))
	f.Add([]byte(stat("9 (a) b (c)) D", "2")))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStat(b)
		if err != nil {
			return
		}
		if st.PID <= 0 || st.Threads < 0 || st.State == 0 {
			t.Errorf("stat %+v", st)
		}
		if !bytes.Contains(b, st.Comm) {
			t.Errorf("comm %q not in input", st.Comm)
		}
	})
}

func FuzzStack(f *testing.F) {
	for _, host := range []string{"k4.9-nfsd-busy", "k6.12-nfsd"} {
		paths, _ := filepath.Glob(filepath.Join(fixtures, host, "t0", "proc", "*", "stack"))
		for _, p := range paths[:min(len(paths), 3)] {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("[<0>] 0xffffffffc0001234\n[<0>] schedule\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fr := range parseStack(b) {
			if fr == "" || strings.ContainsAny(fr, "+ \t\n") || strings.HasPrefix(fr, "0x") {
				t.Errorf("frame %q", fr)
			}
		}
	})
}

func FuzzScheduler(f *testing.F) {
	for _, s := range []string{"noop deadline [cfq]\n", "[mq-deadline] kyber bfq none\n", "none\n", "[none] mq-deadline kyber bfq\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		active, available, err := ParseScheduler(string(b))
		if err != nil {
			return
		}
		if len(available) > 0 && !slices.Contains(available, active) {
			t.Errorf("active %q not in %q", active, available)
		}
		if len(available) == 0 && active != "" {
			t.Errorf("active %q without available schedulers", active)
		}
	})
}

func FuzzProcStat(f *testing.F) {
	addFixtureSeeds(f, "proc/stat")
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseProcStat(b)
		if err != nil {
			return
		}
		if st.running < 0 || st.blocked < 0 || st.cpus < 0 {
			t.Errorf("stat %+v", st)
		}
	})
}

func FuzzGrub(f *testing.F) {
	addFixtureSeeds(f, "boot/grub/grub.cfg")
	addFixtureSeeds(f, "boot/grub/grubenv")
	f.Add([]byte("saved_entry=Advanced options>Debian GNU/Linux, with Linux 4.4.0-3-amd64 (recovery mode)\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		def := grubDefault(b)
		if def == "" && !bytes.Contains(b, []byte("set default=")) {
			t.Errorf("empty default without a set default line")
		}
		for k, v := range parseGrubEnv(b) {
			if strings.Contains(k, "\n") || strings.Contains(v, "\n") {
				t.Errorf("variable %q=%q spans lines", k, v)
			}
			if rel := grubEntryRelease(v); strings.ContainsAny(rel, " \t\n") {
				t.Errorf("release %q from %q", rel, v)
			}
		}
		if rel := grubFirstKernel(b); strings.ContainsAny(rel, " \t\n") {
			t.Errorf("first kernel %q", rel)
		}
	})
}
