package compare

import (
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestThreadShift(t *testing.T) {
	start := time.Unix(1700000000, 0)
	snap := func(threads int, u *model.ThreadUse, pools ...model.Pool) *model.Snapshot {
		s := &model.Snapshot{Start: start, End: start.Add(time.Second), Threads: u}
		s.Host.NFSD.Threads = threads
		s.Host.NFSD.Pools = pools
		return s
	}
	use := func(snaps ...*model.Snapshot) *threadUse {
		var u threadUse
		for _, s := range snaps {
			u.add(s)
		}
		return &u
	}
	counted := "sunrpc:svc_pool_thread_noidle"
	for _, tc := range []struct {
		name string
		a, b *threadUse
		want string
	}{
		{"nothing measured", use(snap(8, nil)), use(snap(1, nil)), ""},
		{"threads cut from 8 to 1, counted",
			use(snap(8, &model.ThreadUse{BusyNs: 2e9, Wakeups: 100, NoIdle: 0, NoIdleFrom: counted})),
			use(snap(1, &model.ThreadUse{BusyNs: 1e9, Wakeups: 100, NoIdle: 80, NoIdleFrom: counted})),
			"nfsd threads busy 25% → 100%; requests that found no idle thread 0% → 80%"},
		{"procfs: estimate only",
			use(snap(8, nil, model.Pool{PacketsArrived: 100, SocketsQueued: 100, ThreadsWoken: 95})),
			use(snap(1, nil, model.Pool{PacketsArrived: 100, SocketsQueued: 100, ThreadsWoken: 40})),
			"requests that found no idle thread 5% → 60% (estimated from pool_stats)"},
		{"busy in B only",
			use(snap(8, nil)),
			use(snap(2, &model.ThreadUse{BusyNs: 1e9})),
			"nfsd threads busy unknown → 50%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := threadsText(threadShift(tc.a, tc.b)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
