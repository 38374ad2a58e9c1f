package model

import "testing"

func TestPoolsNoIdle(t *testing.T) {
	for _, tc := range []struct {
		name             string
		pools            []Pool
		noIdle, arrivals uint64
	}{
		{"none", nil, 0, 0},
		{"4.x: queued only when no thread was idle", []Pool{{PacketsArrived: 12000, SocketsQueued: 1900, ThreadsWoken: 10100}}, 1900, 12000},
		{"5.x: every arrival queued", []Pool{{PacketsArrived: 5000, SocketsQueued: 5000, ThreadsWoken: 4200}}, 800, 5000},
		{"5.x: every arrival woke a thread", []Pool{{PacketsArrived: 5000, SocketsQueued: 5000, ThreadsWoken: 5000}}, 0, 5000},
		{"6.x: more woken than queued", []Pool{{PacketsArrived: 9000, SocketsQueued: 3000, ThreadsWoken: 3500}}, 0, 3000},
		{"pools summed", []Pool{
			{ID: 0, PacketsArrived: 100, SocketsQueued: 100, ThreadsWoken: 60},
			{ID: 1, PacketsArrived: 100, SocketsQueued: 100, ThreadsWoken: 100},
		}, 40, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, a := PoolsNoIdle(tc.pools)
			if n != tc.noIdle || a != tc.arrivals {
				t.Errorf("PoolsNoIdle = %d of %d, want %d of %d", n, a, tc.noIdle, tc.arrivals)
			}
		})
	}
}

func TestBusyRatio(t *testing.T) {
	snap := func(threads int, u *ThreadUse) *Snapshot {
		s := &Snapshot{Threads: u}
		s.Host.NFSD.Threads = threads
		s.End = s.Start.Add(2e9)
		return s
	}
	for _, tc := range []struct {
		name string
		s    *Snapshot
		want float64
		ok   bool
	}{
		{"not measured", snap(8, nil), 0, false},
		{"no threads", snap(0, &ThreadUse{BusyNs: 1e9}), 0, false},
		{"half busy", snap(8, &ThreadUse{BusyNs: 8e9}), 0.5, true},
		{"long requests ending at once cap at 1", snap(1, &ThreadUse{BusyNs: 30e9}), 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.s.BusyRatio()
			if got != tc.want || ok != tc.ok {
				t.Errorf("BusyRatio = %v %v, want %v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
