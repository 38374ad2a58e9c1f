//go:build ignore

// gen writes the fixture trees of testdata/hosts: procfs, sysfs and /boot
// of hand-modelled hosts at two moments one second apart (t0 and t1), in the
// file formats of the kernels they stand for. Run it from this directory:
//
//	go run gen.go
//
// The numbers are invented but consistent: per-second deltas between t0 and
// t1 agree with the load, the nfsd operation counts, the reply cache, the
// RPC and pool counters and the disk activity each host is meant to show.
// See README.md.
package main

import (
	"fmt"
	"hash/fnv"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// files maps a path below a tree (proc/..., sys/..., boot/...) to content.
type files map[string]string

func (f files) add(path, content string) { f[path] = content }

func main() {
	for name, gen := range map[string]func(t int) files{
		"k4.9-nfsd-busy": func(t int) files { return host49(t, true) },
		"k4.9-no-nfsd":   func(t int) files { return host49(t, false) },
		"k6.12-nfsd":     func(t int) files { return host612(t, true) },
		"k6.12-no-nfsd":  func(t int) files { return host612(t, false) },
	} {
		if err := os.RemoveAll(name); err != nil {
			log.Fatal(err)
		}
		for t := 0; t < 2; t++ {
			root := filepath.Join(name, fmt.Sprintf("t%d", t))
			fs := gen(t)
			paths := make([]string, 0, len(fs))
			for p := range fs {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, p := range paths {
				full := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					log.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(fs[p]), 0o644); err != nil {
					log.Fatal(err)
				}
			}
		}
	}
}

// era selects the formats of a kernel generation.
type era int

const (
	era49  era = 49
	era612 era = 612
)

// ---- tasks ----

type task struct {
	pid, tid int
	comm     string
	state    byte
	ppid     int
	kthread  bool
	threads  int // of the process; set on the leader
	wchan    string
	stack    []string // "func+0xoff/0xsize [mod]", innermost first
	utime    int
	stime    int
	start    int
	prio     int
	nice     int
}

func statLine(t *task, threads int) string {
	flags := 4194560 // PF_FORKNOEXEC|PF_RANDOMIZE
	vsize, rss := 94208000, 3100
	if t.kthread {
		flags = 2129984 // PF_KTHREAD|PF_NOFREEZE|...
		vsize, rss = 0, 0
	}
	prio := t.prio
	if prio == 0 {
		prio = 20
	}
	f := []string{
		fmt.Sprint(t.tid), "(" + t.comm + ")", string(t.state), fmt.Sprint(t.ppid),
		fmt.Sprint(t.pid), fmt.Sprint(t.pid), "0", "-1", fmt.Sprint(flags),
		"1203", "0", "12", "0", fmt.Sprint(t.utime), fmt.Sprint(t.stime), "0", "0",
		fmt.Sprint(prio), fmt.Sprint(t.nice), fmt.Sprint(threads), "0", fmt.Sprint(t.start),
		fmt.Sprint(vsize), fmt.Sprint(rss), "18446744073709551615", "0", "0", "0", "0", "0",
		"0", "0", "2147483647", "0", "0", "0", "0", "17", fmt.Sprint(t.tid % 4), "0", "0",
		"1893", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0",
	}
	if t.kthread {
		f[3] = "2"
		f[4], f[5] = "0", "0"
	}
	if len(f) != 52 {
		panic(fmt.Sprintf("stat line has %d fields", len(f)))
	}
	return strings.Join(f, " ") + "\n"
}

func stackText(e era, frames []string) string {
	var b strings.Builder
	for _, fr := range frames {
		if e == era49 {
			h := fnv.New32a()
			h.Write([]byte(fr))
			base := uint64(0xffffffff81000000)
			if strings.HasSuffix(fr, "]") {
				base = 0xffffffffc0400000
			}
			fmt.Fprintf(&b, "[<%016x>] %s\n", base+uint64(h.Sum32()%0x600000), fr)
		} else {
			fmt.Fprintf(&b, "[<0>] %s\n", fr)
		}
	}
	if e == era49 {
		b.WriteString("[<ffffffffffffffff>] 0xffffffffffffffff\n")
	}
	return b.String()
}

// addTasks writes /proc/PID/stat and /proc/PID/task/TID/stat of every task,
// and the wait channel and stack of tasks in D state (of the leader for
// single-threaded processes, of the thread otherwise). Threads of a process
// follow their leader in the list. Files nothing reads (comm, status, the
// wait channels of sleeping tasks...) are left out to keep the trees small.
func addTasks(fs files, e era, tasks []task) {
	threads := map[int]int{}
	for _, t := range tasks {
		threads[t.pid]++
	}
	for i := range tasks {
		t := &tasks[i]
		n := threads[t.pid]
		tdir := fmt.Sprintf("proc/%d/task/%d", t.pid, t.tid)
		fs.add(tdir+"/stat", statLine(t, n))
		if t.tid == t.pid {
			fs.add(fmt.Sprintf("proc/%d/stat", t.pid), statLine(t, n))
		}
		if t.state != 'D' {
			continue
		}
		dir := tdir
		if n == 1 {
			dir = fmt.Sprintf("proc/%d", t.pid)
		}
		fs.add(dir+"/wchan", t.wchan)
		fs.add(dir+"/stack", stackText(e, t.stack))
	}
}

// taskList builds tasks with consecutive PIDs.
type taskList struct {
	tasks []task
	next  int
}

func (l *taskList) kthread(comm string, state byte, wchan string, stack []string) {
	l.tasks = append(l.tasks, task{pid: l.next, tid: l.next, comm: comm, state: state, ppid: 2,
		kthread: true, wchan: wchan, stack: stack, stime: l.next % 97, start: 3 + l.next})
	l.next++
}

// proc adds a process with threads named by comms (the first is the leader).
func (l *taskList) proc(ppid int, comms []string, states []byte, wchans []string, stacks [][]string) {
	pid := l.next
	for i, c := range comms {
		var stack []string
		if stacks != nil {
			stack = stacks[i]
		}
		l.tasks = append(l.tasks, task{pid: pid, tid: l.next, comm: c, state: states[i], ppid: ppid,
			wchan: wchans[i], stack: stack, utime: 100 + l.next, stime: 40 + l.next%13, start: 900 + pid})
		l.next++
	}
}

func (l *taskList) count(state byte) int {
	n := 0
	for _, t := range l.tasks {
		if t.state == state {
			n++
		}
	}
	return n
}

// ---- disks ----

// disk is a diskstats line at t0 and its growth over the second to t1.
type disk struct {
	major, minor int
	name         string
	base, delta  [17]uint64 // reads..flush ticks; [8] is in-flight (a gauge)
	inflight     [2]uint64
	wrap32       []int // field indexes printed as 32-bit (wrap)
	sys          bool  // has /sys/block/NAME
	sched        [2]string
	rotational   int
	nrRequests   int
	size         uint64
}

func (d *disk) line(t, nfields int) string {
	v := d.base
	for i := range v {
		if t == 1 {
			v[i] += d.delta[i]
		}
	}
	for _, i := range d.wrap32 {
		v[i] &= 0xffffffff
	}
	v[8] = d.inflight[t]
	var b strings.Builder
	fmt.Fprintf(&b, "%4d %7d %s", d.major, d.minor, d.name)
	for i := 0; i < nfields-3; i++ {
		fmt.Fprintf(&b, " %d", v[i])
	}
	b.WriteString("\n")
	return b.String()
}

func addDisks(fs files, t, nfields int, disks []disk) {
	var b strings.Builder
	for i := range disks {
		b.WriteString(disks[i].line(t, nfields))
		d := &disks[i]
		if !d.sys {
			continue
		}
		dir := "sys/block/" + d.name
		fs.add(dir+"/dev", fmt.Sprintf("%d:%d\n", d.major, d.minor))
		fs.add(dir+"/size", fmt.Sprintf("%d\n", d.size))
		fs.add(dir+"/queue/scheduler", d.sched[t]+"\n")
		fs.add(dir+"/queue/rotational", fmt.Sprintf("%d\n", d.rotational))
		fs.add(dir+"/queue/nr_requests", fmt.Sprintf("%d\n", d.nrRequests))
	}
	fs.add("proc/diskstats", b.String())
}

// ---- nfsd ----

// rpcStats are the /proc/net/rpc/nfsd counters of one moment.
type rpcStats struct {
	rc             [3]uint64
	fh             uint64
	io             [2]uint64
	threads        int
	net            [4]uint64
	calls, badcall uint64
	proc2, proc3   []uint64
	proc4          []uint64
	ops            []uint64
}

func (s *rpcStats) text(e era) string {
	var b strings.Builder
	nums := func(key string, v []uint64, withCount bool) {
		b.WriteString(key)
		if withCount {
			fmt.Fprintf(&b, " %d", len(v))
		}
		for _, x := range v {
			fmt.Fprintf(&b, " %d", x)
		}
		b.WriteString("\n")
	}
	u32 := func(v uint64) uint64 {
		if e == era49 {
			return v & 0xffffffff // 4.x prints unsigned int counters
		}
		return v
	}
	fmt.Fprintf(&b, "rc %d %d %d\n", u32(s.rc[0]), u32(s.rc[1]), u32(s.rc[2]))
	if e == era49 {
		fmt.Fprintf(&b, "fh %d 0 0 0 0\n", s.fh)
	} else {
		fmt.Fprintf(&b, "fh %d 0 0 0 0\n", s.fh)
	}
	fmt.Fprintf(&b, "io %d %d\n", u32(s.io[0]), u32(s.io[1]))
	fmt.Fprintf(&b, "th %d 0 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000\n", s.threads)
	if e == era49 {
		fmt.Fprintf(&b, "ra %d 0 0 0 0 0 0 0 0 0 0 0\n", 2*s.threads)
	} else {
		b.WriteString("ra 0 0 0 0 0 0 0 0 0 0 0 0\n")
	}
	fmt.Fprintf(&b, "net %d %d %d %d\n", u32(s.net[0]), u32(s.net[1]), u32(s.net[2]), u32(s.net[3]))
	fmt.Fprintf(&b, "rpc %d %d 0 %d 0\n", u32(s.calls), s.badcall, s.badcall)
	if s.proc2 != nil {
		nums("proc2", mapU32(s.proc2, u32), true)
	}
	nums("proc3", mapU32(s.proc3, u32), true)
	nums("proc4", mapU32(s.proc4, u32), true)
	nums("proc4ops", mapU32(s.ops, u32), true)
	if e == era612 {
		b.WriteString("wdeleg_getattr 0\n")
	}
	return b.String()
}

func mapU32(v []uint64, f func(uint64) uint64) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = f(x)
	}
	return out
}

var proc3 = map[string]int{"NULL": 0, "GETATTR": 1, "SETATTR": 2, "LOOKUP": 3, "ACCESS": 4,
	"READLINK": 5, "READ": 6, "WRITE": 7, "CREATE": 8, "MKDIR": 9, "SYMLINK": 10, "MKNOD": 11,
	"REMOVE": 12, "RMDIR": 13, "RENAME": 14, "LINK": 15, "READDIR": 16, "READDIRPLUS": 17,
	"FSSTAT": 18, "FSINFO": 19, "PATHCONF": 20, "COMMIT": 21}

var op4 = map[string]int{"ACCESS": 3, "CLOSE": 4, "COMMIT": 5, "GETATTR": 9, "GETFH": 10,
	"LOOKUP": 15, "OPEN": 18, "PUTFH": 22, "PUTROOTFH": 24, "READ": 25, "READDIR": 26,
	"REMOVE": 28, "RENEW": 30, "SETATTR": 34, "WRITE": 38, "EXCHANGE_ID": 42,
	"SEQUENCE": 53, "TEST_STATEID": 55}

// nfsdLoad is the work an nfsd host does per second, and the totals at t0.
type nfsdLoad struct {
	v3, v4                map[string]uint64 // per second
	v4ops                 map[string]uint64
	compounds             uint64
	readBytes, writeBytes uint64
	days                  uint64 // uptime scale for the totals at t0
	threads               int
	nops                  int // proc4ops entries
	v2                    bool
}

// rpcAt returns the counters at t (0 or 1): t0 is `days` of this load with
// a deterministic spread, t1 adds one second.
func (l *nfsdLoad) rpcAt(t int) rpcStats {
	secs := l.days * 86400 / 5 // averaged over a day, the server is busy a fifth of the time
	s := rpcStats{threads: l.threads, proc3: make([]uint64, 22), proc4: make([]uint64, 2), ops: make([]uint64, l.nops)}
	if l.v2 {
		s.proc2 = make([]uint64, 18)
		s.proc2[0] = 3 // a few v2 NULL pings long ago
	}
	add := func(dst []uint64, i int, perSec uint64) {
		dst[i] += perSec*secs + perSec*uint64(i%7)*13 + uint64(t)*perSec
	}
	for name, n := range l.v3 {
		add(s.proc3, proc3[name], n)
	}
	add(s.proc4, 1, l.compounds)
	s.proc4[0] = 11 // NULL pings
	for name, n := range l.v4ops {
		add(s.ops, op4[name], n)
	}
	var calls, misses, nocache uint64
	for _, v := range s.proc3 {
		calls += v
	}
	calls += s.proc4[0] + s.proc4[1]
	for _, name := range []string{"WRITE", "CREATE", "REMOVE", "SETATTR", "RENAME", "MKDIR"} {
		misses += s.proc3[proc3[name]]
	}
	nocache = calls - misses
	// A retransmitted non-idempotent call now and then hits the cache.
	hits := misses / 40000
	s.rc = [3]uint64{hits, misses, nocache}
	s.io = [2]uint64{l.readBytes*secs + uint64(t)*l.readBytes, l.writeBytes*secs + uint64(t)*l.writeBytes}
	s.calls = calls
	s.badcall = 4
	s.net = [4]uint64{calls, 0, calls, 1873}
	s.fh = 17
	return s
}

// ---- hosts ----

// frames of the 4.9 host.
var (
	stack49Commit = []string{
		"wait_on_page_bit+0xcc/0xf0",
		"__filemap_fdatawait_range+0xfd/0x160",
		"filemap_fdatawait_range+0x14/0x30",
		"filemap_write_and_wait_range+0x3f/0x70",
		"ext4_sync_file+0x121/0x3b0 [ext4]",
		"vfs_fsync_range+0x4b/0xb0",
		"nfsd_commit+0xc2/0x100 [nfsd]",
		"nfsd3_proc_commit+0x91/0x110 [nfsd]",
		"nfsd_dispatch+0xc4/0x260 [nfsd]",
		"svc_process_common+0x46a/0x6d0 [sunrpc]",
		"svc_process+0xfb/0x1b0 [sunrpc]",
		"nfsd+0xe9/0x160 [nfsd]",
		"kthread+0xd9/0xf0",
		"ret_from_fork+0x25/0x30",
	}
	stack49Write = []string{
		"call_rwsem_down_write_failed+0x13/0x20",
		"ext4_file_write_iter+0x4f/0x3a0 [ext4]",
		"do_iter_readv_writev+0xb0/0x130",
		"do_readv_writev+0x1ad/0x240",
		"vfs_writev+0x3c/0x50",
		"nfsd_vfs_write+0xc6/0x390 [nfsd]",
		"nfsd_write+0x144/0x310 [nfsd]",
		"nfsd3_proc_write+0xbd/0x150 [nfsd]",
		"nfsd_dispatch+0xc4/0x260 [nfsd]",
		"svc_process_common+0x46a/0x6d0 [sunrpc]",
		"svc_process+0xfb/0x1b0 [sunrpc]",
		"nfsd+0xe9/0x160 [nfsd]",
		"kthread+0xd9/0xf0",
		"ret_from_fork+0x25/0x30",
	}
	stack49Jbd2 = []string{
		"__wait_on_buffer+0x2a/0x30",
		"jbd2_journal_commit_transaction+0x1038/0x1770 [jbd2]",
		"kjournald2+0xcd/0x260 [jbd2]",
		"kthread+0xd9/0xf0",
		"ret_from_fork+0x25/0x30",
	}
	stack49Flush = []string{
		"get_request+0x2e5/0x760",
		"blk_queue_bio+0xcf/0x3f0",
		"generic_make_request+0x112/0x2d0",
		"submit_bio+0x73/0x150",
		"ext4_io_submit+0x4c/0x60 [ext4]",
		"ext4_writepages+0x4c4/0xd10 [ext4]",
		"do_writepages+0x1e/0x30",
		"__writeback_single_inode+0x3d/0x320",
		"writeback_sb_inodes+0x23b/0x470",
		"__writeback_inodes_wb+0x87/0xb0",
		"wb_writeback+0x288/0x320",
		"wb_workfn+0x314/0x410",
		"process_one_work+0x151/0x410",
		"worker_thread+0x65/0x4a0",
		"kthread+0xd9/0xf0",
		"ret_from_fork+0x25/0x30",
	}
	stack49Rsync = []string{
		"wait_on_page_bit_killable+0xc2/0xe0",
		"generic_file_read_iter+0x4f1/0x8c0",
		"__vfs_read+0xd6/0x130",
		"vfs_read+0x93/0x130",
		"SyS_read+0x52/0xc0",
		"entry_SYSCALL_64_fastpath+0x1e/0xad",
	}
)

func host49(t int, nfsd bool) files {
	fs := files{}
	e := era49
	hostname := "labstore1004"
	if !nfsd {
		hostname = "labstore1005"
	}
	fs.add("proc/sys/kernel/hostname", hostname+"\n")
	fs.add("proc/sys/kernel/osrelease", "4.9.0-0.bpo.3-amd64\n")
	fs.add("proc/sys/kernel/version", "#1 SMP Debian 4.9.25-1~bpo8+3 (2017-06-20)\n")
	fs.add("proc/sys/kernel/random/boot_id", "3c1a6f02-9d5e-4b8c-a2f7-5e0d1c4b9a83\n")
	fs.add("proc/cmdline", "BOOT_IMAGE=/vmlinuz-4.9.0-0.bpo.3-amd64 root=/dev/mapper/"+hostname+"--vg-root ro quiet\n")
	fs.add("proc/meminfo", meminfo(65867412, 2210344))
	for _, k := range []string{"4.4.0-3-amd64", "4.9.0-0.bpo.3-amd64"} {
		fs.add("boot/vmlinuz-"+k, "placeholder for the kernel image of "+k+"\n")
		fs.add("boot/config-"+k, "# placeholder\n")
		fs.add("boot/System.map-"+k, "placeholder\n")
		fs.add("boot/initrd.img-"+k, "placeholder\n")
	}
	if nfsd {
		// GRUB_DEFAULT=saved, and grub-set-default pinned the next boot to
		// 4.4 (what the engineers did at 21:40): the next boot runs another
		// kernel than the newest installed one.
		const uuid = "1773f282-5a1b-441e-865c-8b70a0ebc925"
		fs.add("boot/grub/grub.cfg", grubCfg(uuid, "${saved_entry}", "Debian GNU/Linux", []string{"4.9.0-0.bpo.3-amd64", "4.4.0-3-amd64"}))
		fs.add("boot/grub/grubenv", grubEnv("saved_entry=gnulinux-advanced-"+uuid+">gnulinux-4.4.0-3-amd64-advanced-"+uuid))
	}
	sysctls(fs, map[string]string{
		"kernel/hung_task_timeout_secs": "120", "net/core/netdev_max_backlog": "1000",
		"net/core/rmem_default": "212992", "net/core/rmem_max": "16777216", "net/core/somaxconn": "128",
		"net/core/wmem_default": "212992", "net/core/wmem_max": "16777216",
		"net/ipv4/tcp_rmem": "4096\t87380\t6291456", "net/ipv4/tcp_wmem": "4096\t16384\t4194304",
		"vm/dirty_background_bytes": "0", "vm/dirty_background_ratio": "10", "vm/dirty_bytes": "0",
		"vm/dirty_expire_centisecs": "3000", "vm/dirty_ratio": "20", "vm/dirty_writeback_centisecs": "500",
		"vm/min_free_kbytes": "90112",
	})
	if nfsd {
		sysctls(fs, map[string]string{
			"sunrpc/max_resvport": "1023", "sunrpc/min_resvport": "665", "sunrpc/tcp_fin_timeout": "15",
			"sunrpc/tcp_max_slot_table_entries": "65536", "sunrpc/tcp_slot_table_entries": "2",
			"sunrpc/udp_slot_table_entries": "16",
		})
	}

	// Tasks: 32 CPUs worth of per-CPU threads would add nothing; a handful
	// stands for them. On 4.9 idle kernel threads sleep in S (TASK_IDLE
	// shows as I only from 4.14 on).
	l := taskList{next: 1}
	l.proc(0, []string{"systemd"}, []byte{'S'}, []string{"ep_poll"}, nil)
	l.kthread("kthreadd", 'S', "kthreadd", nil)
	for cpu := 0; cpu < 4; cpu++ {
		l.kthread(fmt.Sprintf("ksoftirqd/%d", cpu), 'S', "smpboot_thread_fn", nil)
		l.kthread(fmt.Sprintf("kworker/%d:1", cpu), 'S', "worker_thread", nil)
	}
	l.kthread("rcu_sched", 'S', "rcu_gp_kthread", nil)
	l.kthread("kswapd0", 'S', "kswapd", nil)
	l.kthread("jbd2/dm-0-8", 'S', "kjournald2", nil)
	l.kthread("drbd_w_tools", 'S', "drbd_worker", nil)
	l.kthread("drbd_r_tools", 'S', "drbd_receiver", nil)
	l.kthread("drbd_s_tools", 'S', "drbd_sender", nil)
	if nfsd {
		l.kthread("jbd2/drbd0-8", 'D', "__wait_on_buffer", stack49Jbd2)
		l.kthread("kworker/u66:2", 'D', "get_request", stack49Flush)
		l.kthread("lockd", 'S', "svc_recv", nil)
		l.kthread("nfsd4_callbacks", 'S', "rescuer_thread", nil)
		// 64 nfsd threads: at t1 41 wait for COMMIT writeback, 17 for the
		// inode lock of WRITE, 2 run, 4 wait for work; at t0 one of the
		// COMMIT waiters was still running.
		for i := 0; i < 64; i++ {
			switch {
			case i < 41 && !(t == 0 && i == 40):
				l.kthread("nfsd", 'D', "wait_on_page_bit", stack49Commit)
			case i < 58 && i >= 41:
				l.kthread("nfsd", 'D', "call_rwsem_down_write_failed", stack49Write)
			case i < 60 || (t == 0 && i == 40):
				l.kthread("nfsd", 'R', "", nil)
			default:
				l.kthread("nfsd", 'S', "svc_get_next_xprt", nil)
			}
		}
	} else {
		l.kthread("jbd2/drbd0-8", 'S', "kjournald2", nil)
		l.kthread("kworker/u66:2", 'S', "worker_thread", nil)
	}
	l.proc(1, []string{"systemd-journal"}, []byte{'S'}, []string{"ep_poll"}, nil)
	l.proc(1, []string{"rsyslogd", "in:imuxsock", "in:imklog", "rs:main Q:Reg"}, []byte("SSSS"),
		[]string{"poll_schedule_timeout", "poll_schedule_timeout", "do_syslog", "futex_wait_queue_me"}, nil)
	l.proc(1, []string{"sshd"}, []byte{'S'}, []string{"poll_schedule_timeout"}, nil)
	l.proc(1, []string{"rpcbind"}, []byte{'S'}, []string{"poll_schedule_timeout"}, nil)
	if nfsd {
		l.proc(1, []string{"rpc.mountd"}, []byte{'S'}, []string{"poll_schedule_timeout"}, nil)
		l.proc(1, []string{"rsync"}, []byte{'D'}, []string{"wait_on_page_bit_killable"}, [][]string{stack49Rsync})
		l.proc(1, []string{"diamond"}, []byte{'R'}, []string{""}, nil)
	}
	addTasks(fs, e, l.tasks)

	running := l.count('R')
	total := len(l.tasks)
	load := [2][3]float64{{87.42, 64.13, 35.20}, {87.61, 64.92, 35.61}}
	blocked := [2]int{43, 44}
	if !nfsd {
		load = [2][3]float64{{0.31, 0.42, 0.40}, {0.29, 0.41, 0.40}}
		blocked = [2]int{0, 0}
		running = 1
	}
	fs.add("proc/loadavg", fmt.Sprintf("%.2f %.2f %.2f %d/%d %d\n", load[t][0], load[t][1], load[t][2], running, total, l.next+31000))
	fs.add("proc/stat", procStat(32, t, running, blocked[t], 1497360000))
	fs.add("proc/uptime", fmt.Sprintf("%.2f %.2f\n", 1645093.27+float64(t), 49871123.55+float64(t)*4.1))

	// Disks: sda holds the system (LVM dm-0, dm-1), sdb the NFS data under
	// drbd0. The legacy block layer prints "noop deadline [cfq]"; during the
	// second between t0 and t1 someone switched sdb from deadline to cfq.
	busy := nfsd
	sdbSched := [2]string{"noop [deadline] cfq", "noop deadline [cfq]"}
	if !nfsd {
		sdbSched[1] = sdbSched[0]
	}
	scale := func(v uint64) uint64 {
		if busy {
			return v
		}
		return v / 200
	}
	disks := []disk{
		{major: 7, minor: 0, name: "loop0", sys: true, sched: [2]string{"none", "none"}, nrRequests: 128},
		{major: 7, minor: 1, name: "loop1", sys: true, sched: [2]string{"none", "none"}, nrRequests: 128},
		{major: 8, minor: 0, name: "sda", sys: true, sched: [2]string{"noop deadline [cfq]", "noop deadline [cfq]"},
			rotational: 1, nrRequests: 128, size: 1170997248,
			base:   [17]uint64{1854210, 20331, 95402872, 3611020, 9944310, 6410233, 301225664, 89122410, 0, 16634120, 92735020},
			delta:  [17]uint64{2, 0, 16, 4, 35, 12, 376, 61, 0, 40, 65},
			wrap32: []int{3, 7, 9, 10}, inflight: [2]uint64{0, 1}},
		{major: 8, minor: 1, name: "sda1", base: [17]uint64{1853001, 20112, 95380440, 3610001, 9944190, 6410190, 301224800, 89122380, 0, 16630020, 92730410}},
		{major: 8, minor: 16, name: "sdb", sys: true, sched: sdbSched,
			rotational: 1, nrRequests: 128, size: 46874951680,
			base:   [17]uint64{310224561, 1203344, 39708743808, 2855101334, 2281946710, 40219873, 36511147360, 4294960000, 0, 1400331210, 3112004555},
			delta:  [17]uint64{scale(210), 0, scale(13440), scale(2310), scale(3720), scale(140), scale(59520), scale(13392), 0, scale(1000), scale(15702)},
			wrap32: []int{3, 7, 9, 10}, inflight: [2]uint64{31, 29}},
		{major: 8, minor: 17, name: "sdb1", base: [17]uint64{310224001, 1203300, 39708700000, 2855100000, 2281946000, 40219800, 36511140000, 4294950000, 0, 1400330000, 3112000000}},
		{major: 147, minor: 0, name: "drbd0", sys: true, sched: [2]string{"none", "none"}, nrRequests: 128, size: 46874689536,
			// drbd accounts its bios itself: the latency of sdb plus replication.
			base:   [17]uint64{310220002, 0, 39708000004, 3120331204, 2322100455, 0, 36510977003, 1210334909, 0, 1400120331, 4001233410},
			delta:  [17]uint64{scale(210), 0, scale(13440), scale(2400), scale(3860), 0, scale(59600), scale(19300), 0, scale(1000), scale(21700)},
			wrap32: []int{3, 7, 9, 10}, inflight: [2]uint64{58, 57}},
		{major: 253, minor: 0, name: "dm-0", sys: true, sched: [2]string{"none", "none"}, nrRequests: 128, size: 97652736,
			base:  [17]uint64{1802200, 0, 94988000, 3600112, 16354411, 0, 301188012, 110331004, 0, 16621003, 113931116},
			delta: [17]uint64{2, 0, 16, 4, 47, 0, 376, 70, 0, 40, 74}, wrap32: []int{3, 7, 9, 10}, inflight: [2]uint64{0, 1}},
		{major: 253, minor: 1, name: "dm-1", sys: true, sched: [2]string{"none", "none"}, nrRequests: 128, size: 16777216,
			base: [17]uint64{300, 0, 2400, 12, 0, 0, 0, 0, 0, 12, 12}},
	}
	if !nfsd {
		for i := range disks {
			disks[i].inflight = [2]uint64{} // an idle host has nothing in flight
		}
	}
	addDisks(fs, t, 14, disks)

	if nfsd {
		fs.add("proc/fs/nfsd/threads", "64\n")
		fs.add("proc/fs/nfsd/versions", "-2 +3 +4 +4.1 +4.2\n")
		nl := nfsdLoad{
			v3: map[string]uint64{"GETATTR": 5200, "SETATTR": 40, "LOOKUP": 900, "ACCESS": 2100, "READ": 2300,
				"WRITE": 1210, "CREATE": 25, "REMOVE": 18, "READDIRPLUS": 120, "FSSTAT": 30, "COMMIT": 410},
			compounds: 600,
			v4ops: map[string]uint64{"SEQUENCE": 600, "PUTFH": 590, "GETATTR": 450, "ACCESS": 60,
				"WRITE": 80, "READ": 40, "LOOKUP": 30, "GETFH": 30, "OPEN": 12, "CLOSE": 12, "PUTROOTFH": 10},
			readBytes: 150000000, writeBytes: 61000000, days: 19, threads: 64, nops: 72, v2: true,
		}
		s := nl.rpcAt(t)
		// Shift the 32-bit read byte counter so that it wraps between t0
		// and t1, as it does every 4 GiB on this kernel.
		s.io[0] = 4200000000 + uint64(t)*nl.readBytes
		fs.add("proc/net/rpc/nfsd", s.text(e))
		arrived := 3214009871 + uint64(t)*11830
		fs.add("proc/fs/nfsd/pool_stats", fmt.Sprintf(
			"# pool packets-arrived sockets-enqueued threads-woken threads-timedout\n0 %d %d %d %d\n",
			arrived, 1900231+uint64(t)*1100, 38900417+uint64(t)*10700, 1021))
	}
	return fs
}

// frames of the 6.12 host.
var (
	stack612Commit = []string{
		"folio_wait_bit_common+0x13d/0x350",
		"folio_wait_writeback+0x2b/0x90",
		"__filemap_fdatawait_range+0x7f/0xf0",
		"file_write_and_wait_range+0xa0/0xc0",
		"ext4_sync_file+0x86/0x390 [ext4]",
		"vfs_fsync_range+0x47/0x90",
		"nfsd_commit+0x10e/0x1d0 [nfsd]",
		"nfsd3_proc_commit+0x6c/0x110 [nfsd]",
		"nfsd_dispatch+0xd3/0x220 [nfsd]",
		"svc_process_common+0x2f6/0x6f0 [sunrpc]",
		"svc_process+0x136/0x1f0 [sunrpc]",
		"svc_handle_xprt+0x46e/0x570 [sunrpc]",
		"svc_recv+0x185/0x320 [sunrpc]",
		"nfsd+0x87/0xe0 [nfsd]",
		"kthread+0xcf/0x100",
		"ret_from_fork+0x31/0x50",
		"ret_from_fork_asm+0x1a/0x30",
	}
	stack612Write = []string{
		"ext4_buffered_write_iter+0x70/0x120 [ext4]",
		"ext4_file_write_iter+0x95/0x7a0 [ext4]",
		"vfs_iter_write+0x86/0x1f0",
		"nfsd_vfs_write+0x23a/0x650 [nfsd]",
		"nfsd4_write+0x12e/0x1b0 [nfsd]",
		"nfsd4_proc_compound+0x38a/0x750 [nfsd]",
		"nfsd_dispatch+0xd3/0x220 [nfsd]",
		"svc_process_common+0x2f6/0x6f0 [sunrpc]",
		"svc_process+0x136/0x1f0 [sunrpc]",
		"svc_handle_xprt+0x46e/0x570 [sunrpc]",
		"svc_recv+0x185/0x320 [sunrpc]",
		"nfsd+0x87/0xe0 [nfsd]",
		"kthread+0xcf/0x100",
		"ret_from_fork+0x31/0x50",
		"ret_from_fork_asm+0x1a/0x30",
	}
	stack612Jbd2 = []string{
		"__wait_on_buffer+0x2a/0x30",
		"jbd2_journal_commit_transaction+0x1009/0x1c10 [jbd2]",
		"kjournald2+0xab/0x280 [jbd2]",
		"kthread+0xcf/0x100",
		"ret_from_fork+0x31/0x50",
		"ret_from_fork_asm+0x1a/0x30",
	}
	stack612Flush = []string{
		"blk_mq_get_tag+0x11a/0x2a0",
		"__blk_mq_alloc_requests+0x1b4/0x380",
		"blk_mq_submit_bio+0x2b7/0x720",
		"__submit_bio+0x97/0x190",
		"submit_bio_noacct_nocheck+0x2a7/0x390",
		"ext4_io_submit+0x24/0x40 [ext4]",
		"ext4_do_writepages+0x3a5/0xd50 [ext4]",
		"ext4_writepages+0xad/0x180 [ext4]",
		"do_writepages+0x7e/0x280",
		"__writeback_single_inode+0x41/0x340",
		"writeback_sb_inodes+0x21c/0x4f0",
		"__writeback_inodes_wb+0x4c/0xe0",
		"wb_writeback+0x193/0x310",
		"wb_workfn+0x2a9/0x440",
		"process_one_work+0x177/0x330",
		"worker_thread+0x252/0x390",
		"kthread+0xcf/0x100",
		"ret_from_fork+0x31/0x50",
		"ret_from_fork_asm+0x1a/0x30",
	}
)

func host612(t int, nfsd bool) files {
	fs := files{}
	e := era612
	hostname := "filer-b2"
	if !nfsd {
		hostname = "build-7"
	}
	fs.add("proc/sys/kernel/hostname", hostname+"\n")
	fs.add("proc/sys/kernel/osrelease", "6.12.57+deb12-amd64\n")
	fs.add("proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 6.12.57-1~deb12u1 (2025-11-05)\n")
	fs.add("proc/sys/kernel/random/boot_id", "b7e04c55-61d2-4f0e-8a3b-2c9d7f1e6a40\n")
	fs.add("proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.12.57+deb12-amd64 root=UUID=5f3c2a9e-8b41-4d7e-9c06-1e2f3a4b5c6d ro quiet\n")
	fs.add("proc/meminfo", meminfo(131612844, 5123400))
	// 6.12.107 was installed by unattended-upgrades and not booted yet.
	for _, k := range []string{"6.1.0-56-amd64", "6.12.57+deb12-amd64", "6.12.107+deb12-amd64"} {
		fs.add("boot/vmlinuz-"+k, "placeholder for the kernel image of "+k+"\n")
		fs.add("boot/config-"+k, "# placeholder\n")
		fs.add("boot/initrd.img-"+k, "placeholder\n")
	}
	if nfsd {
		// GRUB_DEFAULT=0: the first entry, which update-grub makes the newest kernel.
		const uuid = "5f3c2a9e-8b41-4d7e-9c06-1e2f3a4b5c6d"
		fs.add("boot/grub/grub.cfg", grubCfg(uuid, "0", "Debian GNU/Linux", []string{"6.12.107+deb12-amd64", "6.12.57+deb12-amd64", "6.1.0-56-amd64"}))
		fs.add("boot/grub/grubenv", grubEnv(""))
	}
	sysctls(fs, map[string]string{
		"kernel/hung_task_timeout_secs": "120", "net/core/netdev_max_backlog": "1000",
		"net/core/rmem_default": "212992", "net/core/rmem_max": "212992", "net/core/somaxconn": "4096",
		"net/core/wmem_default": "212992", "net/core/wmem_max": "212992",
		"net/ipv4/tcp_rmem": "4096\t131072\t6291456", "net/ipv4/tcp_wmem": "4096\t16384\t4194304",
		"vm/dirty_background_bytes": "0", "vm/dirty_background_ratio": "10", "vm/dirty_bytes": "0",
		"vm/dirty_expire_centisecs": "3000", "vm/dirty_ratio": "20", "vm/dirty_writeback_centisecs": "500",
		"vm/min_free_kbytes": "67584",
	})
	if nfsd {
		sysctls(fs, map[string]string{
			"sunrpc/max_resvport": "1023", "sunrpc/min_resvport": "665", "sunrpc/tcp_fin_timeout": "15",
			"sunrpc/tcp_max_slot_table_entries": "65536", "sunrpc/tcp_slot_table_entries": "2",
			"sunrpc/udp_slot_table_entries": "16",
		})
	}

	// On 6.x idle kernel threads, idle nfsd threads included, sleep in
	// TASK_IDLE and show as I: not D, not load.
	l := taskList{next: 1}
	l.proc(0, []string{"systemd"}, []byte{'S'}, []string{"ep_poll"}, nil)
	l.kthread("kthreadd", 'S', "kthreadd", nil)
	l.kthread("pool_workqueue_release", 'S', "kthread_worker_fn", nil)
	for cpu := 0; cpu < 4; cpu++ {
		l.kthread(fmt.Sprintf("ksoftirqd/%d", cpu), 'S', "smpboot_thread_fn", nil)
		l.kthread(fmt.Sprintf("kworker/%d:0-events", cpu), 'I', "worker_thread", nil)
		l.kthread(fmt.Sprintf("kworker/%d:1H-kblockd", cpu), 'I', "worker_thread", nil)
	}
	l.kthread("rcu_preempt", 'I', "rcu_gp_fqs_loop", nil)
	l.kthread("kswapd0", 'S', "kswapd", nil)
	l.kthread("jbd2/nvme0n1p2-8", 'S', "kjournald2", nil)
	if nfsd {
		l.kthread("jbd2/sda1-8", 'D', "__wait_on_buffer", stack612Jbd2)
		l.kthread("kworker/u128:1+flush-8:0", 'D', "blk_mq_get_tag", stack612Flush)
		l.kthread("lockd", 'I', "svc_recv", nil)
		// 32 nfsd threads: at t0 3 wait for COMMIT writeback, 2 for the
		// inode lock of a v4 WRITE, 1 runs, 26 are idle; at t1 a WRITE
		// waiter got the lock and waits for writeback in a COMMIT.
		for i := 0; i < 32; i++ {
			switch {
			case i < 3 || (t == 1 && i == 3):
				l.kthread("nfsd", 'D', "folio_wait_bit_common", stack612Commit)
			case i < 5:
				l.kthread("nfsd", 'D', "ext4_buffered_write_iter", stack612Write)
			case i == 5:
				l.kthread("nfsd", 'R', "", nil)
			default:
				l.kthread("nfsd", 'I', "svc_recv", nil)
			}
		}
	} else {
		l.kthread("jbd2/sda1-8", 'S', "kjournald2", nil)
		l.kthread("kworker/u128:1-events_unbound", 'I', "worker_thread", nil)
	}
	l.proc(1, []string{"systemd-journal"}, []byte{'S'}, []string{"do_epoll_wait"}, nil)
	l.proc(1, []string{"rsyslogd", "in:imuxsock", "in:imklog", "rs:main Q:Reg"}, []byte("SSSS"),
		[]string{"do_select", "do_select", "syslog_print", "futex_wait_queue"}, nil)
	l.proc(1, []string{"sshd"}, []byte{'S'}, []string{"do_select"}, nil)
	if nfsd {
		l.proc(1, []string{"rpcbind"}, []byte{'S'}, []string{"do_epoll_wait"}, nil)
		l.proc(1, []string{"rpc.mountd"}, []byte{'S'}, []string{"do_select"}, nil)
	} else {
		l.proc(1, []string{"cc1"}, []byte{'R'}, []string{""}, nil)
		l.proc(1, []string{"make"}, []byte{'S'}, []string{"do_wait"}, nil)
	}
	addTasks(fs, e, l.tasks)

	running := l.count('R')
	total := len(l.tasks)
	load := [2][3]float64{{8.91, 7.64, 5.02}, {9.02, 7.70, 5.05}}
	blocked := [2]int{5, 5}
	if !nfsd {
		load = [2][3]float64{{1.12, 1.31, 1.20}, {1.11, 1.30, 1.20}}
		blocked = [2]int{0, 0}
	}
	fs.add("proc/loadavg", fmt.Sprintf("%.2f %.2f %.2f %d/%d %d\n", load[t][0], load[t][1], load[t][2], running, total, l.next+412000))
	fs.add("proc/stat", procStat(16, t, running, blocked[t], 1761900000))
	fs.add("proc/uptime", fmt.Sprintf("%.2f %.2f\n", 1730412.55+float64(t), 26970001.12+float64(t)*15.2))
	if nfsd {
		fs.add("proc/pressure/io", psi(t, 34.12, 29.80, 21.44, 1022139412, 341200, 27.03, 23.90, 16.70, 801723001, 270300))
	} else {
		fs.add("proc/pressure/io", psi(t, 0.21, 0.35, 0.30, 41009312, 2100, 0.10, 0.18, 0.15, 30122004, 1000))
	}

	// nvme0n1 holds the system, sda the exports (ext4 on sda1, mq-deadline),
	// sdb backups (bfq); dm-0 is an LVM volume on sdb; loop0 is an attached
	// image with some IO; loop1 and zram0 never did IO.
	scale := func(v uint64) uint64 {
		if nfsd {
			return v
		}
		return v / 100
	}
	disks := []disk{
		{major: 7, minor: 0, name: "loop0", sys: true, sched: [2]string{"[none] mq-deadline kyber bfq", "[none] mq-deadline kyber bfq"},
			nrRequests: 128, size: 2097152,
			base:  [17]uint64{812, 0, 40210, 33, 120, 0, 8190, 41, 0, 88, 74, 0, 0, 0, 0, 6, 0},
			delta: [17]uint64{}},
		{major: 7, minor: 1, name: "loop1", sys: true, sched: [2]string{"[none] mq-deadline kyber bfq", "[none] mq-deadline kyber bfq"}, nrRequests: 128},
		{major: 8, minor: 0, name: "sda", sys: true, sched: [2]string{"[mq-deadline] kyber bfq none", "[mq-deadline] kyber bfq none"},
			rotational: 1, nrRequests: 64, size: 31251759104,
			base:   [17]uint64{88012331, 1203312, 22014400512, 1405223110, 401229934, 88123901, 61223049920, 3999123410, 0, 1601003210, 1110240012, 1203, 0, 8120013, 901, 9120331, 120442},
			delta:  [17]uint64{scale(80), 0, scale(10240), scale(1312), scale(310), scale(41), scale(39680), scale(5270), 0, scale(972), scale(6682), 0, 0, 0, 0, scale(4), scale(100)},
			wrap32: []int{3, 7, 9, 10, 14, 16}, inflight: [2]uint64{24, 22}},
		{major: 8, minor: 1, name: "sda1", base: [17]uint64{88011002, 1203300, 22014390000, 1405220000, 401229000, 88123800, 61223040000, 3999120000, 0, 1601000000, 1110230000, 1203, 0, 8120013, 901, 0, 0}},
		{major: 8, minor: 16, name: "sdb", sys: true, sched: [2]string{"mq-deadline kyber [bfq] none", "mq-deadline kyber [bfq] none"},
			rotational: 1, nrRequests: 64, size: 15627053056,
			base:   [17]uint64{1203441, 1100, 960331002, 30110203, 22040113, 902331, 9871201304, 201334501, 0, 60123302, 231440210, 0, 0, 0, 0, 340012, 10231},
			delta:  [17]uint64{0, 0, 0, 0, scale(150), scale(12), scale(153600), scale(1365), 0, scale(610), scale(1380), 0, 0, 0, 0, scale(1), scale(12)},
			wrap32: []int{3, 7, 9, 10, 14, 16}, inflight: [2]uint64{3, 2}},
		{major: 253, minor: 0, name: "dm-0", sys: true, sched: [2]string{"none", "none"}, nrRequests: 128, size: 15627051008,
			base:     [17]uint64{1202301, 0, 960330002, 30223011, 22942013, 0, 9871201004, 212334501, 0, 60223302, 242557512, 0, 0, 0, 0, 0, 0},
			delta:    [17]uint64{0, 0, 0, 0, scale(162), 0, scale(153600), scale(1401), 0, scale(612), scale(1401), 0, 0, 0, 0, 0, 0},
			inflight: [2]uint64{3, 2}},
		{major: 253, minor: 1, name: "zram0", sys: true, sched: [2]string{"none", "none"}, nrRequests: 128},
		{major: 259, minor: 0, name: "nvme0n1", sys: true, sched: [2]string{"[none] mq-deadline kyber bfq", "[none] mq-deadline kyber bfq"},
			nrRequests: 1023, size: 1000215216,
			base:     [17]uint64{20331004, 4102, 900213442, 4120331, 301220044, 12203310, 5123012234, 61203442, 0, 40123302, 66440120, 12033120, 0, 2301203304, 120331, 8120330, 41223},
			delta:    [17]uint64{scale(120), 0, scale(3840), scale(24), scale(850), scale(120), scale(16400), scale(170), 0, scale(160), scale(198), scale(10), 0, scale(2048), 0, scale(20), scale(4)},
			inflight: [2]uint64{0, 1}},
		{major: 259, minor: 1, name: "nvme0n1p1", base: [17]uint64{1201, 0, 12003, 301, 2, 0, 2, 1, 0, 310, 302}},
		{major: 259, minor: 2, name: "nvme0n1p2", base: [17]uint64{20329801, 4102, 900201439, 4120030, 301220042, 12203310, 5123012232, 61203441, 0, 40122992, 66439818}},
	}
	if !nfsd {
		for i := range disks {
			disks[i].inflight = [2]uint64{}
		}
	}
	addDisks(fs, t, 20, disks)

	if nfsd {
		fs.add("proc/fs/nfsd/threads", "32\n")
		fs.add("proc/fs/nfsd/versions", "+3 +4 +4.1 +4.2\n")
		nl := nfsdLoad{
			v3: map[string]uint64{"GETATTR": 410, "LOOKUP": 120, "ACCESS": 200, "READ": 160,
				"WRITE": 300, "CREATE": 4, "REMOVE": 3, "READDIRPLUS": 12, "FSSTAT": 2, "COMMIT": 35},
			compounds: 940,
			v4ops: map[string]uint64{"SEQUENCE": 930, "PUTFH": 925, "GETATTR": 610, "ACCESS": 70,
				"WRITE": 180, "READ": 95, "LOOKUP": 40, "GETFH": 40, "OPEN": 30, "CLOSE": 29, "COMMIT": 6,
				"TEST_STATEID": 1},
			readBytes: 20000000, writeBytes: 33000000, days: 20, threads: 32, nops: 76,
		}
		s := nl.rpcAt(t)
		fs.add("proc/net/rpc/nfsd", s.text(e))
		// Two pools (pool_mode pernode); threads-timedout is always 0 from 6.6 on.
		fs.add("proc/fs/nfsd/pool_stats", fmt.Sprintf(
			"# pool packets-arrived sockets-enqueued threads-woken threads-timedout\n0 %d %d %d 0\n1 %d %d %d 0\n",
			401223004+uint64(t)*640, 120334+uint64(t)*21, 389010223+uint64(t)*611,
			398772312+uint64(t)*655, 118220+uint64(t)*19, 386331201+uint64(t)*630))
	}
	return fs
}

// ---- shared files ----

func sysctls(fs files, m map[string]string) {
	for k, v := range m {
		fs.add("proc/sys/"+k, v+"\n")
	}
}

func meminfo(totalKB, freeKB uint64) string {
	return fmt.Sprintf(`MemTotal:       %d kB
MemFree:        %d kB
MemAvailable:   %d kB
Buffers:          412300 kB
Cached:         %d kB
SwapCached:            0 kB
Active:         %d kB
Inactive:       %d kB
Dirty:            901224 kB
Writeback:        120340 kB
SwapTotal:       8388604 kB
SwapFree:        8388604 kB
`, totalKB, freeKB, freeKB*5, totalKB*3/4, totalKB/3, totalKB/3)
}

// procStat is /proc/stat with ncpu CPU lines.
func procStat(ncpu, t, running, blocked int, btime int64) string {
	var b strings.Builder
	per := func(i int) [10]uint64 {
		base := uint64(1000000 + i*1301)
		return [10]uint64{base*3 + uint64(t)*31, 1201, base + uint64(t)*9, base*40 + uint64(t)*52, base / 2, 0, 30211, 0, 0, 0}
	}
	var sum [10]uint64
	for i := 0; i < ncpu; i++ {
		for j, v := range per(i) {
			sum[j] += v
		}
	}
	line := func(name string, v [10]uint64) {
		b.WriteString(name)
		for _, x := range v {
			fmt.Fprintf(&b, " %d", x)
		}
		b.WriteString("\n")
	}
	line("cpu ", sum)
	for i := 0; i < ncpu; i++ {
		line(fmt.Sprintf("cpu%d", i), per(i))
	}
	fmt.Fprintf(&b, "intr %d 40 9 0 0 0 0 0 0 0 1 0 0 155 0 0 0\n", 912034412+t*20000)
	fmt.Fprintf(&b, "ctxt %d\n", 20311203312+int64(t)*120000)
	fmt.Fprintf(&b, "btime %d\n", btime)
	fmt.Fprintf(&b, "processes %d\n", 31200001+t*3)
	fmt.Fprintf(&b, "procs_running %d\n", running)
	fmt.Fprintf(&b, "procs_blocked %d\n", blocked)
	b.WriteString("softirq 2212031 0 1020311 201 301200 120 0 40211 500122 0 349866\n")
	return b.String()
}

func psi(t int, sa10, sa60, sa300 float64, stotal, sdelta uint64, fa10, fa60, fa300 float64, ftotal, fdelta uint64) string {
	return fmt.Sprintf("some avg10=%.2f avg60=%.2f avg300=%.2f total=%d\nfull avg10=%.2f avg60=%.2f avg300=%.2f total=%d\n",
		sa10, sa60, sa300, stotal+uint64(t)*sdelta, fa10, fa60, fa300, ftotal+uint64(t)*fdelta)
}

// grubCfg is an abridged grub.cfg as Debian's update-grub writes it: the
// default-entry logic, a simple entry for the first kernel and a submenu
// with an advanced and a recovery entry per kernel, newest first.
func grubCfg(uuid, def, os string, kernels []string) string {
	var b strings.Builder
	b.WriteString(`#
# DO NOT EDIT THIS FILE
#
# It is automatically generated by grub-mkconfig using templates
# from /etc/grub.d and settings from /etc/default/grub
#

### BEGIN /etc/grub.d/00_header ###
if [ -s $prefix/grubenv ]; then
  set have_grubenv=true
  load_env
fi
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
`)
	fmt.Fprintf(&b, "   set default=\"%s\"\nfi\n", def)
	b.WriteString(`
function savedefault {
  if [ -z "${boot_once}" ]; then
    saved_entry="${chosen}"
    save_env saved_entry
  fi
}
set timeout=5
### END /etc/grub.d/00_header ###

### BEGIN /etc/grub.d/10_linux ###
`)
	entry := func(indent, title, id, k, extra string) {
		fmt.Fprintf(&b, "%smenuentry '%s' --class debian --class gnu-linux --class gnu --class os $menuentry_id_option '%s' {\n", indent, title, id)
		fmt.Fprintf(&b, "%s\tinsmod ext2\n", indent)
		fmt.Fprintf(&b, "%s\techo\t'Loading Linux %s ...'\n", indent, k)
		fmt.Fprintf(&b, "%s\tlinux\t/boot/vmlinuz-%s root=UUID=%s ro %squiet\n", indent, k, uuid, extra)
		fmt.Fprintf(&b, "%s\tinitrd\t/boot/initrd.img-%s\n", indent, k)
		fmt.Fprintf(&b, "%s}\n", indent)
	}
	entry("", os, "gnulinux-simple-"+uuid, kernels[0], "")
	fmt.Fprintf(&b, "submenu 'Advanced options for %s' $menuentry_id_option 'gnulinux-advanced-%s' {\n", os, uuid)
	for _, k := range kernels {
		entry("\t", os+", with Linux "+k, "gnulinux-"+k+"-advanced-"+uuid, k, "")
		entry("\t", os+", with Linux "+k+" (recovery mode)", "gnulinux-"+k+"-recovery-"+uuid, k, "single ")
	}
	b.WriteString("}\n\n### END /etc/grub.d/10_linux ###\n")
	return b.String()
}

// grubEnv is a grubenv block: 1024 bytes, variables padded with '#'.
func grubEnv(vars string) string {
	s := "# GRUB Environment Block\n"
	if vars != "" {
		s += vars + "\n"
	}
	return s + strings.Repeat("#", 1024-len(s))
}
