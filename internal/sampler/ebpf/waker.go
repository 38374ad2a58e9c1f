package ebpf

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// wakerName labels a waker: per-CPU kernel threads lose their CPU or pool
// number ("kworker/u8:3" -> "kworker", "migration/1" -> "migration"), so
// that labels stay few; ksoftirqd is softirq work. Named threads such as
// "jbd2/vda-8" keep their name.
func wakerName(comm string) string {
	name := model.ThreadName(comm)
	if name == "ksoftirqd" {
		return model.WakerSoftIRQ
	}
	return name
}

type wRowKey struct {
	comm, site, waker string
}

// collectWakers turns the kernel's waker counts into snap.Wakers rows:
// deltas since the previous call per comm, wait site and waker.
func (t *Tracer) collectWakers(snap *model.Snapshot) error {
	rows := make(map[wRowKey]*model.Waker)
	err := eachDelta(t.wakers, t.prevW, func(cur, last *coreWval) (coreWval, bool) {
		prev := *last
		if cur.Count < prev.Count { // the entry was recreated
			prev = coreWval{}
		}
		return coreWval{Count: cur.Count - prev.Count, SumNs: cur.SumNs - prev.SumNs}, cur.Count != prev.Count
	}, func(k *coreWkey, d *coreWval) {
		waker := model.WakerIRQ
		if k.WakerIrq == 0 {
			waker = wakerName(string(int8s(&k.Waker)))
		}
		rk := wRowKey{comm: threadName(&k.Comm), site: string(t.site(k.StackId)), waker: waker}
		row := rows[rk]
		if row == nil {
			row = &model.Waker{Comm: rk.comm, WaitSite: model.WaitSite(rk.site), Waker: waker}
			rows[rk] = row
		}
		row.Count += d.Count
		row.Time += time.Duration(d.SumNs)
	})
	if err != nil {
		return fmt.Errorf("read wakers: %w", err)
	}
	for _, r := range rows {
		snap.Wakers = append(snap.Wakers, *r)
	}
	slices.SortFunc(snap.Wakers, func(a, b model.Waker) int {
		return cmp.Or(cmp.Compare(b.Time, a.Time), strings.Compare(string(a.WaitSite), string(b.WaitSite)),
			strings.Compare(a.Waker, b.Waker))
	})
	return nil
}
