package capture

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestRoundTrip(t *testing.T) {
	onlyHost := fullSnapshot(0)
	onlyHost.DState, onlyHost.Block, onlyHost.RPC, onlyHost.Host.Pressure = nil, nil, nil, nil
	withEvents := fullSnapshot(1)
	withEvents.Events = events(500, 0)
	withSched := fullSnapshot(2)
	withSched.Host.Changes = []model.SchedChange{
		{Time: ts(2500), Device: "vda", From: "mq-deadline", To: "bfq"},
		{Time: ts(2600), Device: "loop0", From: "none", To: "kyber"},
	}
	withCgroups := fullSnapshot(5)
	withCgroups.Host.Cgroups = map[string]string{"/bench cpu.max": "10000 100000", "/bench io.max": "7:0 rbps=1048576 wbps=max riops=max wiops=max"}
	manyEvents := fullSnapshot(3)
	manyEvents.Events = events(maxBatch*2+17, 0)
	odd := fullSnapshot(4)
	odd.DState[0].Comm = "nfsd\x00ünïcødé"
	odd.Host.Load.Avg1 = -1.5e-300
	odd.DState[0].Hist.Buckets[63] = 5
	odd.DState[0].Hist.MaxNs = 1<<64 - 1

	tests := []struct {
		name  string
		snaps []*model.Snapshot
	}{
		{"zero snapshot", []*model.Snapshot{{}}},
		{"host view only", []*model.Snapshot{onlyHost}},
		{"histogram rows", []*model.Snapshot{fullSnapshot(0), fullSnapshot(1)}},
		{"events", []*model.Snapshot{withEvents}},
		{"scheduler changes", []*model.Snapshot{withSched}},
		{"cgroup limits", []*model.Snapshot{fullSnapshot(0), withCgroups, fullSnapshot(1)}},
		{"events over several frames", []*model.Snapshot{manyEvents}},
		{"odd values", []*model.Snapshot{odd}},
		{"no snapshots", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := writeCapture(t, tt.snaps, true)
			got, r, err := readAll(data, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.snaps) {
				t.Fatalf("read %d snapshots, wrote %d", len(got), len(tt.snaps))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], tt.snaps[i]) {
					t.Errorf("snapshot %d:\n got %s\nwant %s", i, describe(got[i]), describe(tt.snaps[i]))
				}
			}
			if n := r.Notes(); len(n) != 0 {
				t.Errorf("notes on a clean file: %q", n)
			}
			if !reflect.DeepEqual(r.Meta(), testMeta()) {
				t.Errorf("meta:\n got %+v\nwant %+v", r.Meta(), testMeta())
			}
			idx := r.Index()
			if idx == nil {
				t.Fatal("no index in a closed file")
			}
			var evs, lost uint64
			for _, s := range tt.snaps {
				evs += uint64(len(s.Events))
				lost += s.Stats.Lost
			}
			if idx.Snapshots != len(tt.snaps) || idx.Events != evs || idx.Lost != lost {
				t.Errorf("index says %d snapshots, %d events, %d lost; want %d, %d, %d",
					idx.Snapshots, idx.Events, idx.Lost, len(tt.snaps), evs, lost)
			}
		})
	}
}

func TestWriteEventsAheadOfSnapshot(t *testing.T) {
	var b buffer
	w, err := NewWriter(&b, testMeta(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	early := events(10, 0)
	s := fullSnapshot(0)
	s.Events = events(5, 1e6)
	if err := w.WriteEvents(early); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSnapshot(s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _, err := readAll(b.Bytes(), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]model.DEvent(nil), early...), s.Events...)
	if len(got) != 1 || !reflect.DeepEqual(got[0].Events, want) {
		t.Fatalf("got %d snapshots; events of the first: %d, want %d in order", len(got), len(got[0].Events), len(want))
	}
}

func TestSkipEvents(t *testing.T) {
	snaps := []*model.Snapshot{fullSnapshot(0), fullSnapshot(1), fullSnapshot(2)}
	for i, s := range snaps {
		s.Events = events(100*(i+1), 0)
	}
	for _, closed := range []bool{true, false} {
		data := writeCapture(t, snaps, closed)
		got, r, err := readAll(data, ReadOptions{SkipEvents: true})
		if err != nil {
			t.Fatal(err)
		}
		if (r.Index() != nil) != closed {
			t.Errorf("closed=%v: index present = %v", closed, r.Index() != nil)
		}
		if len(got) != len(snaps) {
			t.Fatalf("closed=%v: %d snapshots, want %d", closed, len(got), len(snaps))
		}
		for i := range got {
			want := *snaps[i]
			want.Events = nil
			if !reflect.DeepEqual(*got[i], want) {
				t.Errorf("closed=%v: snapshot %d differs without events", closed, i)
			}
		}
	}
}

// TestTruncatedEveryOffset cuts a small capture at every byte and checks
// that the intact prefix reads with the right note.
func TestTruncatedEveryOffset(t *testing.T) {
	snaps := []*model.Snapshot{fullSnapshot(0), fullSnapshot(1), fullSnapshot(2)}
	snaps[1].Events = events(40, 0)
	snaps[2].Host.Changes = []model.SchedChange{{Time: ts(1), Device: "vda", From: "none", To: "bfq"}}
	data := writeCapture(t, snaps, true)
	spans := frames(t, data)
	metaEnd := spans[0].end

	for cut := 0; cut < len(data); cut++ {
		got, r, err := readAll(data[:cut], ReadOptions{})
		if cut < int(metaEnd) {
			if err == nil {
				t.Fatalf("cut at %d (inside header or metadata): no error", cut)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("cut at %d: error spans lines: %q", cut, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		// the intact prefix: frames that end at or before the cut
		nFrames, boundary, nSnaps := 0, int64(fileHeaderLen), 0
		for _, sp := range spans {
			if sp.end > int64(cut) {
				break
			}
			nFrames++
			boundary = sp.end
			if sp.typ == FrameSnapshot {
				nSnaps++
			}
		}
		if len(got) != nSnaps {
			t.Fatalf("cut at %d: %d snapshots, want %d", cut, len(got), nSnaps)
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], snaps[i]) {
				t.Fatalf("cut at %d: snapshot %d differs", cut, i)
			}
		}
		want := fmt.Sprintf("truncated after %d frames at offset %d ", nFrames, boundary)
		notes := strings.Join(r.Notes(), "\n")
		if !strings.Contains(notes, want) {
			t.Fatalf("cut at %d: notes %q, want one starting %q", cut, notes, want)
		}
	}
}

func TestCorruptMiddle(t *testing.T) {
	snaps := []*model.Snapshot{fullSnapshot(0), fullSnapshot(1), fullSnapshot(2), fullSnapshot(3)}
	for _, s := range snaps {
		s.Events = events(20, 0)
	}
	clean := writeCapture(t, snaps, true)
	spans := frames(t, clean)
	var second frameSpan // the second snapshot frame
	n := 0
	for _, sp := range spans {
		if sp.typ == FrameSnapshot {
			if n++; n == 2 {
				second = sp
			}
		}
	}
	tests := []struct {
		name   string
		at     int64 // byte to flip
		reason string
	}{
		{"payload byte", second.off + frameHeaderLen + 3, "checksum mismatch"},
		{"checksum field", second.off + 9, "checksum mismatch"},
		{"sync byte", second.off, "bad frame header"},
		{"length field", second.off + 6, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := bytes.Clone(clean)
			data[tt.at] ^= 0x5a
			got, _, err := readAll(data, ReadOptions{})
			if err == nil {
				t.Fatalf("no error; read %d snapshots", len(got))
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Offset != second.off {
				t.Fatalf("error %q: want a CorruptError at offset %d", err, second.off)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("offset %d", second.off)) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not name offset %d and %q", err, second.off, tt.reason)
			}
			if len(got) != 1 {
				t.Errorf("read %d snapshots before the damage, want 1", len(got))
			}

			got, r, err := readAll(data, ReadOptions{Salvage: true})
			if err != nil {
				t.Fatalf("salvage: %v", err)
			}
			if len(got) != len(snaps)-1 {
				t.Fatalf("salvage read %d snapshots, want %d", len(got), len(snaps)-1)
			}
			for i, want := range []*model.Snapshot{snaps[0], snaps[2], snaps[3]} {
				if !reflect.DeepEqual(got[i], want) {
					t.Errorf("salvaged snapshot %d differs", i)
				}
			}
			notes := strings.Join(r.Notes(), "\n")
			if !strings.Contains(notes, fmt.Sprintf("at offset %d", second.off)) {
				t.Errorf("salvage notes %q do not name offset %d", notes, second.off)
			}
		})
	}
}

func TestUnknownFrameSkipped(t *testing.T) {
	var b buffer
	w, err := NewWriter(&b, testMeta(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	snaps := []*model.Snapshot{fullSnapshot(0), fullSnapshot(1)}
	if err := w.WriteSnapshot(snaps[0]); err != nil {
		t.Fatal(err)
	}
	// as a newer writer would: a frame of a type this version does not know
	w.appendFrame(200, bytes.Repeat([]byte("future"), 30), 0)
	w.appendFrame(201, []byte{1, 2, 3}, 0)
	w.appendFrame(200, nil, 0)
	if err := w.WriteSnapshot(snaps[1]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, skip := range []bool{false, true} {
		got, r, err := readAll(b.Bytes(), ReadOptions{SkipEvents: skip})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !reflect.DeepEqual(got[1], snaps[1]) {
			t.Fatalf("read %d snapshots around unknown frames", len(got))
		}
		want := []string{
			"skipped 2 frames of unknown type 200 (written by a newer nfstrace?)",
			"skipped 1 frames of unknown type 201 (written by a newer nfstrace?)",
		}
		if !reflect.DeepEqual(r.Notes(), want) {
			t.Errorf("notes %q, want %q", r.Notes(), want)
		}
	}
}

func TestBadHeaderOneLine(t *testing.T) {
	good := writeCapture(t, []*model.Snapshot{fullSnapshot(0)}, true)
	v2 := bytes.Clone(good)
	v2[8] = 2
	tests := []struct {
		name string
		data []byte
		want string
		is   error
	}{
		{"empty", nil, "capture: not an nfstrace capture (empty file)", ErrNotCapture},
		{"text", []byte("hello, this is not a capture at all"), "capture: not an nfstrace capture (bad magic)", ErrNotCapture},
		{"gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7}, "capture: not an nfstrace capture (bad magic)", ErrNotCapture},
		{"short", []byte(Magic[:5]), "capture: truncated inside the 16-byte file header (5 bytes)", nil},
		{"version", v2, "capture: unsupported capture format version 2 (this nfstrace reads version 1)", ErrVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.data), int64(len(tt.data)), ReadOptions{})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
		})
	}
}

func TestMaxSize(t *testing.T) {
	const limit = 6000
	var b buffer
	w, err := NewWriter(&b, testMeta(), Options{MaxSize: limit})
	if err != nil {
		t.Fatal(err)
	}
	wrote := 0
	for i := range 1000 {
		s := fullSnapshot(i)
		s.Events = events(10, int64(i)*1e9)
		err = w.WriteSnapshot(s)
		if err != nil {
			break
		}
		wrote++
	}
	if !errors.Is(err, ErrSizeLimit) {
		t.Fatalf("writing past the limit: %v, want ErrSizeLimit", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close after the limit: %v", err)
	}
	if b.Len() > limit {
		t.Errorf("file is %d bytes, over the %d limit", b.Len(), limit)
	}
	got, r, err := readAll(b.Bytes(), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != wrote || r.Index() == nil || len(r.Notes()) != 0 {
		t.Errorf("read %d snapshots (wrote %d), index %v, notes %q", len(got), wrote, r.Index() != nil, r.Notes())
	}
}

func TestSalvagePlaceholderStrings(t *testing.T) {
	// Damage the first Strings frame: with salvage, later frames that use
	// its ids still read, with placeholders.
	snaps := []*model.Snapshot{fullSnapshot(0), fullSnapshot(1)}
	data := writeCapture(t, snaps, true)
	var str frameSpan
	for _, sp := range frames(t, data) {
		if sp.typ == FrameStrings {
			str = sp
			break
		}
	}
	data[str.off+frameHeaderLen] ^= 0xff
	if _, _, err := readAll(data, ReadOptions{}); err == nil {
		t.Fatal("no error without salvage")
	}
	got, r, err := readAll(data, ReadOptions{Salvage: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("salvage read nothing")
	}
	if !strings.Contains(strings.Join(r.Notes(), "\n"), "placeholders") {
		t.Errorf("notes %q do not mention placeholders", r.Notes())
	}
	_ = time.Second
}

// TestFirstReleaseFile reads a capture written before D-state rows and events
// carried the client (10 event columns, no client section): everything
// decodes and the clients are "". The file is a lab capture of that time
// (testdata/captures/6.12-sched-none-v4.2.nft as first committed).
func TestFirstReleaseFile(t *testing.T) {
	data, err := os.ReadFile("testdata/first-release.nft")
	if err != nil {
		t.Fatal(err)
	}
	snaps, r, err := readAll(data, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rows, evs int
	for _, s := range snaps {
		for _, d := range s.DState {
			rows++
			if d.Client != "" {
				t.Errorf("D-state row with client %q in a file without clients", d.Client)
			}
		}
		for _, e := range s.Events {
			evs++
			if e.Client != "" || e.Comm == "" || e.Site == "" {
				t.Fatalf("event %+v", e)
			}
		}
	}
	if rows == 0 || evs == 0 {
		t.Errorf("%d D-state rows and %d events: want some of each", rows, evs)
	}
	if n := r.Notes(); len(n) != 0 {
		t.Errorf("notes: %q", n)
	}
}
