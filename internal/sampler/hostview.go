package sampler

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/nfstrace/nfstrace/internal/host"
	"github.com/nfstrace/nfstrace/internal/model"
)

// MaxStackFrames is how many frames of /proc/PID/stack a D-task group keeps,
// innermost first: enough to reach nfsd_vfs_write or nfsd_commit from the
// wait site on 4.9 and 6.x kernels.
const MaxStackFrames = 12

// wrapWindow is the largest growth per interval that is read as the wrap of
// a 32-bit counter rather than a reset: 1 GiB of nfsd IO, or 12 days of
// diskstats milliseconds.
const wrapWindow = 1 << 30

// delta64 is the growth of a 64-bit cumulative counter. A counter that went
// down was reset (device re-added, nfsd restarted, module reloaded) and has
// counted cur since.
func delta64(prev, cur uint64) uint64 {
	if cur >= prev {
		return cur - prev
	}
	return cur
}

// delta32 is the growth of a counter that is 32 bits wide on some kernels
// (diskstats milliseconds; reply cache, IO bytes and procedure counts of
// /proc/net/rpc/nfsd on 4.x). A drop is a wrap if the wrapped growth is
// small, a reset otherwise.
func delta32(prev, cur uint64) uint64 {
	if cur >= prev {
		return cur - prev
	}
	if prev <= math.MaxUint32 {
		if d := (math.MaxUint32 - prev) + cur + 1; d <= wrapWindow {
			return d
		}
	}
	return cur
}

// HostView builds the procfs/sysfs view of the interval between two samples
// of the same host taken elapsed apart and ending at end (the time stamp of
// scheduler changes). Counters become deltas and rates per second; gauges
// (load, D tasks, in-flight requests, averages) are taken from cur. prev may
// be nil, for a view of gauges only.
func HostView(prev, cur *host.Sample, elapsed time.Duration, end time.Time) model.Host {
	if prev == nil {
		prev = &host.Sample{}
	}
	secs := elapsed.Seconds()
	h := model.Host{
		Uptime: cur.Uptime,
		Load: model.Load{
			Avg1: cur.Load.Load1, Avg5: cur.Load.Load5, Avg15: cur.Load.Load15,
			Running: cur.ProcsRunning,
			InD:     len(cur.DTasks),
			DGroups: GroupDTasks(cur.DTasks, cur.Uptime),
		},
		NFSD: nfsdView(&prev.NFSD, &cur.NFSD, secs),
	}
	for _, t := range cur.DTasks {
		if t.Comm == "nfsd" {
			h.NFSD.ThreadsInD++
		}
	}
	h.Devices, h.Changes = devicesView(prev.Disks, cur.Disks, secs, end)
	if p := cur.IOPressure; p != nil {
		mp := &model.Pressure{SomeAvg10: p.Some.Avg10, FullAvg10: p.Full.Avg10}
		if pp := prev.IOPressure; pp != nil {
			mp.SomeUs = delta64(pp.Some.Total, p.Some.Total)
			mp.FullUs = delta64(pp.Full.Total, p.Full.Total)
		}
		h.Pressure = mp
	}
	return h
}

func rate(n uint64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(n) / secs
}

func nfsdView(prev, cur *host.NFSD, secs float64) model.NFSD {
	n := model.NFSD{Running: cur.Running(), Threads: cur.Threads}
	for _, p := range cur.Pools {
		var pp host.Pool
		for _, q := range prev.Pools {
			if q.ID == p.ID {
				pp = q
				break
			}
		}
		n.Pools = append(n.Pools, model.Pool{
			ID:              p.ID,
			PacketsArrived:  delta64(pp.PacketsArrived, p.PacketsArrived),
			SocketsQueued:   delta64(pp.SocketsQueued, p.SocketsQueued),
			ThreadsWoken:    delta64(pp.ThreadsWoken, p.ThreadsWoken),
			ThreadsTimedout: delta64(pp.ThreadsTimedout, p.ThreadsTimedout),
		})
	}
	c := cur.RPC
	if c == nil {
		return n
	}
	p := prev.RPC
	if p == nil {
		p = &host.RPC{}
	}
	n.RCHits = delta32(p.RCHits, c.RCHits)
	n.RCMisses = delta32(p.RCMisses, c.RCMisses)
	n.RCNoCache = delta32(p.RCNoCache, c.RCNoCache)
	n.ReadBytes = delta32(p.ReadBytes, c.ReadBytes)
	n.WriteBytes = delta32(p.WriteBytes, c.WriteBytes)
	procName := func(vers int) func(uint32) string {
		return func(i uint32) string { return model.NFSProcName(vers, i) }
	}
	for _, l := range []struct {
		proto       string
		name        func(uint32) string
		prev, count []uint64
	}{
		{"v2", procName(2), p.Proc2, c.Proc2},
		{"v3", procName(3), p.Proc3, c.Proc3},
		{"v4", procName(4), p.Proc4, c.Proc4},
		{"v4op", model.NFSv4OpName, p.Proc4Ops, c.Proc4Ops},
	} {
		for i, v := range l.count {
			var pv uint64
			if i < len(l.prev) {
				pv = l.prev[i]
			}
			if d := delta32(pv, v); d > 0 {
				n.Ops = append(n.Ops, model.OpCount{
					Proto: l.proto, Op: l.name(uint32(i)), Count: d, Rate: rate(d, secs),
				})
			}
		}
	}
	// Busiest first; the order of protocols and operation numbers breaks ties.
	slices.SortStableFunc(n.Ops, func(a, b model.OpCount) int { return cmp.Compare(b.Count, a.Count) })
	return n
}

func devicesView(prev, cur []host.Disk, secs float64, end time.Time) ([]model.Device, []model.SchedChange) {
	var devs []model.Device
	var changes []model.SchedChange
	for i := range cur {
		c := &cur[i]
		var p host.Disk
		found := false
		for j := range prev {
			if prev[j].Name == c.Name {
				p, found = prev[j], true
				break
			}
		}
		// A device that is new, or was removed and re-added (another device
		// number, or request counts that went down), counts from zero.
		if !found || p.Major != c.Major || p.Minor != c.Minor ||
			c.ReadIOs < p.ReadIOs || c.WriteIOs < p.WriteIOs {
			p = host.Disk{Name: c.Name, Scheduler: p.Scheduler}
		}
		if found && p.Scheduler != "" && c.Scheduler != "" && p.Scheduler != c.Scheduler {
			changes = append(changes, model.SchedChange{Time: end, Device: c.Name, From: p.Scheduler, To: c.Scheduler})
		}
		rd := delta64(p.ReadIOs, c.ReadIOs)
		wr := delta64(p.WriteIOs, c.WriteIOs)
		ios := rd + wr + delta64(p.DiscardIOs, c.DiscardIOs) + delta64(p.FlushIOs, c.FlushIOs)
		ticks := delta32(p.ReadTicks, c.ReadTicks) + delta32(p.WriteTicks, c.WriteTicks) +
			delta32(p.DiscardTicks, c.DiscardTicks) + delta32(p.FlushTicks, c.FlushTicks)
		d := model.Device{
			Name:      c.Name,
			Scheduler: c.Scheduler,
			ReadIOPS:  rate(rd, secs),
			WriteIOPS: rate(wr, secs),
			ReadBps:   rate(delta64(p.ReadSectors, c.ReadSectors)*512, secs),
			WriteBps:  rate(delta64(p.WriteSectors, c.WriteSectors)*512, secs),
			InFlight:  c.InFlight,
		}
		if ios > 0 {
			d.AwaitMs = float64(ticks) / float64(ios)
		}
		if secs > 0 {
			d.Util = min(max(float64(delta32(p.IOTicks, c.IOTicks))/(secs*1000), 0), 1)
		}
		devs = append(devs, d)
	}
	return devs, changes
}

// GroupDTasks groups tasks in D state by command, wait channel and the top
// MaxStackFrames frames of their stack, largest group first. Threads count
// under model.ThreadName ("kworker/u8:3" as "kworker"); stacks lose
// the frames every kernel thread or system call starts from. A group's
// Longest is the longest time up to uptime that one of its tasks has been
// in its wait (host.CarryBlocked).
func GroupDTasks(tasks []host.Task, uptime time.Duration) []model.TaskGroup {
	type key struct {
		comm, wchan string
		stack       model.WaitSite
	}
	idx := make(map[key]int)
	var groups []model.TaskGroup
	for _, t := range tasks {
		k := key{comm: model.ThreadName(t.Comm), wchan: t.WChan, stack: model.NewWaitSite(topFrames(t.Stack))}
		var blocked time.Duration
		if t.Since > 0 && t.Since < uptime {
			blocked = uptime - t.Since
		}
		if i, ok := idx[k]; ok {
			groups[i].Count++
			groups[i].Longest = max(groups[i].Longest, blocked)
			continue
		}
		idx[k] = len(groups)
		groups = append(groups, model.TaskGroup{Comm: k.comm, WaitChan: k.wchan, Stack: k.stack, Count: 1, Longest: blocked})
	}
	slices.SortFunc(groups, func(a, b model.TaskGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Comm, b.Comm),
			cmp.Compare(a.WaitChan, b.WaitChan), cmp.Compare(a.Stack, b.Stack))
	})
	return groups
}

// topFrames drops the entry frames a stack ends with and keeps at most
// MaxStackFrames of the rest.
func topFrames(frames []string) []string {
	frames = model.TrimEntryFrames(frames)
	if len(frames) > MaxStackFrames {
		frames = frames[:MaxStackFrames]
	}
	return frames
}

// ConfigFrom is the model.Config of a host's static configuration. Backend,
// Targets and Start describe the run, not the host; the caller sets them.
func ConfigFrom(st *host.Static) model.Config {
	c := model.Config{
		Hostname:        st.Hostname,
		KernelRelease:   st.KernelRelease,
		KernelVersion:   st.KernelVersion,
		Cmdline:         st.Cmdline,
		InstalledKernel: st.NewestKernel,
		NextBootKernel:  st.NextBootKernel,
		NextBootFrom:    st.NextBootFrom,
		BootID:          st.BootID,
		CPUs:            st.CPUs,
		MemTotal:        st.MemTotal,
		NFSDThreads:     st.NFSD.Threads,
		NFSDVersions:    st.NFSD.Versions,
	}
	for _, d := range st.Devices {
		c.Devices = append(c.Devices, model.DeviceConfig{
			Name:       d.Name,
			Scheduler:  d.Scheduler,
			Available:  slices.Clone(d.Available),
			Rotational: d.Rotational,
			NrRequests: d.NrRequests,
			Dev:        d.Dev,
		})
	}
	if len(st.Sysctls) > 0 {
		c.Sysctls = make(map[string]string, len(st.Sysctls))
		for k, v := range st.Sysctls {
			c.Sysctls[k] = v
		}
	}
	return c
}
