package host

import (
	"testing"
	"time"
)

func TestParseSchedstat(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"260292322 11128044 727\n", 727, true},
		{"0 0 1", 1, true},
		{"260292322 11128044\n", 0, false}, // a field short
		{"1 2 x\n", 0, false},
		{"", 0, false},
	} {
		got, ok := parseSchedstat([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseSchedstat(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseSwitches(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"Name:\tnfsd\nvoluntary_ctxt_switches:\t636\nnonvoluntary_ctxt_switches:\t91\n", 727, true},
		{"voluntary_ctxt_switches:\t636\n", 0, false}, // one of the two
		{"voluntary_ctxt_switches:\tx\nnonvoluntary_ctxt_switches:\t91\n", 0, false},
		{"Name:\tnfsd\n", 0, false},
	} {
		got, ok := parseSwitches([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseSwitches(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCarryBlocked(t *testing.T) {
	const s = time.Second
	prev := &Sample{Uptime: 10 * s, DTasks: []Task{
		{TID: 1, Switches: 5, HasSwitches: true, Since: 4 * s}, // in D since 4 s
		{TID: 2, Switches: 7, HasSwitches: true, Since: 10 * s},
		{TID: 3, Switches: 9, HasSwitches: true, Since: 8 * s},
		{TID: 4, Since: 6 * s}, // no count
	}}
	cur := &Sample{Uptime: 11 * s, DTasks: []Task{
		{TID: 3, Switches: 10, HasSwitches: true}, // ran in between: a new wait
		{TID: 1, Switches: 5, HasSwitches: true},  // still in the same wait
		{TID: 4},                                  // cannot tell: starts anew
		{TID: 5, Switches: 1, HasSwitches: true},  // new in D
		{TID: 2, Switches: 7, HasSwitches: true},
	}}
	CarryBlocked(prev, cur)
	want := map[int]time.Duration{1: 4 * s, 2: 10 * s, 3: 11 * s, 4: 11 * s, 5: 11 * s}
	for _, task := range cur.DTasks {
		if task.Since != want[task.TID] {
			t.Errorf("tid %d: since %v, want %v", task.TID, task.Since, want[task.TID])
		}
	}
	// The first sample has no previous one.
	first := &Sample{Uptime: 3 * s, DTasks: []Task{{TID: 1, Switches: 5, HasSwitches: true}}}
	CarryBlocked(nil, first)
	if first.DTasks[0].Since != 3*s {
		t.Errorf("first sample: since %v", first.DTasks[0].Since)
	}
	// A previous Since after the current uptime (a damaged or reset
	// clock) is not carried.
	bad := &Sample{Uptime: 20 * s, DTasks: []Task{{TID: 1, Switches: 5, HasSwitches: true, Since: 30 * s}}}
	next := &Sample{Uptime: 21 * s, DTasks: []Task{{TID: 1, Switches: 5, HasSwitches: true}}}
	CarryBlocked(bad, next)
	if next.DTasks[0].Since != 21*s {
		t.Errorf("since after uptime carried: %v", next.DTasks[0].Since)
	}
}

// CarryBlocked runs every interval: it allocates nothing.
func TestCarryBlockedAllocs(t *testing.T) {
	prev, cur := &Sample{Uptime: time.Second}, &Sample{Uptime: 2 * time.Second}
	for i := range 64 {
		prev.DTasks = append(prev.DTasks, Task{TID: i, Switches: 1, HasSwitches: true, Since: time.Second})
		cur.DTasks = append(cur.DTasks, Task{TID: 63 - i, Switches: 1, HasSwitches: true})
	}
	if n := testing.AllocsPerRun(10, func() { CarryBlocked(prev, cur) }); n != 0 {
		t.Errorf("%v allocations a call", n)
	}
	for _, task := range cur.DTasks {
		if task.Since != time.Second {
			t.Fatalf("tid %d: since %v, want 1s", task.TID, task.Since)
		}
	}
}
