package compare

import (
	"slices"
	"strings"

	"github.com/nfstrace/nfstrace/internal/model"
)

// profileSite is a wait site as the off-CPU profile shows it: the frames of
// WaitSite.Norm, each with its module kept ("nfsd_vfs_write [nfsd]").
func profileSite(site model.WaitSite) model.WaitSite {
	raw := site.Frames()
	mods := map[string]string{}
	for _, f := range raw {
		if fn, m := model.ParseFrame(f); m != "" {
			mods[model.FuncName(fn)] = m
		}
	}
	fns := site.Norm()
	out := make([]string, len(fns))
	for i, fn := range fns {
		out[i] = fn
		if m := mods[fn]; m != "" {
			out[i] = fn + " [" + m + "]"
		}
	}
	return model.NewWaitSite(out)
}

// Wait-site classes, as the comparison's rows and JSON name them (see
// model.WaitClass).
const (
	ClassBlockIO   = string(model.ClassBlockIO)
	ClassWriteback = string(model.ClassWriteback)
	ClassLock      = string(model.ClassLock)
	ClassReclaim   = string(model.ClassReclaim)
	ClassJournal   = string(model.ClassJournal)
	ClassPageLock  = string(model.ClassPageLock)
	ClassNetwork   = string(model.ClassNetwork)
	ClassOther     = string(model.ClassOther)
)

// AboveBlockLayer reports whether time in a class is spent in kernel code
// above the block layer rather than waiting for a device.
func AboveBlockLayer(class string) bool { return class != ClassBlockIO && class != "" }

// classify names what a wait site waits for (model.ClassifyFrames).
func classify(frames []string, device string) string {
	return string(model.ClassifyFrames(frames, device))
}

// matchK is how many common frames, innermost first, identify a wait site
// across two captures.
const matchK = 5

// siteMatcher maps the wait sites of two captures onto common keys.
//
// Sites whose normalised frames are equal match first. The same code path can
// differ between kernels in more than offsets and compiler suffixes:
// functions get renamed (rwsem_down_write_failed became
// rwsem_down_write_slowpath, wait_on_page_bit became folio_wait_bit) or
// inlined. So the sites left over on each side are paired by the innermost
// matchK of their frames that occur in both captures' stacks (frames only
// one kernel has say nothing about which site of the other a site matches),
// one to one, the pairs with the longest common subsequence of frames
// first. A site left without a partner keeps a key of its own: two sites of
// one capture are never merged because they look alike to the other one.
type siteMatcher struct {
	keys map[model.WaitSite]string // raw site of either capture -> key
}

func newSiteMatcher(a, b []model.WaitSite) *siteMatcher {
	m := &siteMatcher{keys: map[model.WaitSite]string{}}
	norm := func(sites []model.WaitSite) map[string][]model.WaitSite {
		out := map[string][]model.WaitSite{}
		for _, s := range sites {
			k := strings.Join(s.Norm(), model.FrameSep)
			out[k] = append(out[k], s)
		}
		return out
	}
	na, nb := norm(a), norm(b)
	vocab := func(n map[string][]model.WaitSite) map[string]bool {
		v := map[string]bool{}
		for k := range n {
			for _, f := range strings.Split(k, model.FrameSep) {
				v[f] = true
			}
		}
		return v
	}
	va, vb := vocab(na), vocab(nb)
	common := func(k string) string {
		var c []string
		for _, f := range strings.Split(k, model.FrameSep) {
			if va[f] && vb[f] {
				c = append(c, f)
				if len(c) == matchK {
					break
				}
			}
		}
		return strings.Join(c, model.FrameSep)
	}
	type pair struct {
		ka, kb string
		score  int
	}
	var pairs []pair
	var restA []string
	for ka := range na {
		if _, ok := nb[ka]; !ok {
			restA = append(restA, ka)
		}
	}
	slices.Sort(restA)
	var restB []string
	for kb := range nb {
		if _, ok := na[kb]; !ok {
			restB = append(restB, kb)
		}
	}
	slices.Sort(restB)
	for _, ka := range restA {
		ca := common(ka)
		if ca == "" {
			continue
		}
		for _, kb := range restB {
			if common(kb) == ca {
				pairs = append(pairs, pair{ka, kb, lcs(strings.Split(ka, model.FrameSep), strings.Split(kb, model.FrameSep))})
			}
		}
	}
	slices.SortStableFunc(pairs, func(x, y pair) int { return y.score - x.score })
	paired := map[string]string{} // normalised A or B key -> common key
	for _, p := range pairs {
		if _, ok := paired["a\x00"+p.ka]; ok {
			continue
		}
		if _, ok := paired["b\x00"+p.kb]; ok {
			continue
		}
		paired["a\x00"+p.ka] = p.kb
		paired["b\x00"+p.kb] = p.kb
	}
	assign := func(n map[string][]model.WaitSite, side string) {
		for k, sites := range n {
			key := k
			if pk, ok := paired[side+"\x00"+k]; ok {
				key = pk
			}
			for _, s := range sites {
				m.keys[s] = key
			}
		}
	}
	assign(na, "a")
	assign(nb, "b")
	return m
}

// key returns the matching key of a site of either capture.
func (m *siteMatcher) key(site model.WaitSite) string {
	if k, ok := m.keys[site]; ok {
		return k
	}
	return strings.Join(site.Norm(), model.FrameSep)
}

// lcs is the length of the longest common subsequence of two frame lists.
func lcs(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case cur[j] > prev[j+1]:
				cur[j+1] = cur[j]
			default:
				cur[j+1] = prev[j+1]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// shortSite renders a site readably: normalised frames, at most maxFrames of
// them (the innermost ones and the outermost one, "…" between).
func shortSite(site model.WaitSite, maxFrames int) string {
	return shortFrames(site.Norm(), maxFrames)
}

// shortFrames joins a site's frames as shortSite does.
func shortFrames(fns []string, maxFrames int) string {
	if maxFrames > 2 && len(fns) > maxFrames {
		keep := append(append([]string{}, fns[:maxFrames-1]...), "…", fns[len(fns)-1])
		return strings.Join(keep, model.StackSep)
	}
	return strings.Join(fns, model.StackSep)
}
