package capture

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/nfstrace/nfstrace/internal/model"
)

func TestEach(t *testing.T) {
	var snaps []*model.Snapshot
	for i := range 5 {
		snaps = append(snaps, fullSnapshot(i))
	}
	data := writeCapture(t, snaps, true)
	stop := errors.New("stop")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		limit   int
		failAt  int // fn fails on this snapshot (1-based); 0: never
		want    int
		wantErr error
	}{
		{"all", context.Background(), 0, 0, 5, nil},
		{"limit", context.Background(), 3, 0, 3, nil},
		{"limit past the end", context.Background(), 9, 0, 5, nil},
		{"fn error", context.Background(), 0, 2, 2, stop},
		{"canceled", canceled, 0, 0, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(data), int64(len(data)), ReadOptions{SkipEvents: true})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			err = r.Each(tt.ctx, tt.limit, func(s *model.Snapshot) error {
				n++
				if len(s.Events) != 0 {
					t.Errorf("snapshot %d has %d events with SkipEvents", n, len(s.Events))
				}
				if n == tt.failAt {
					return stop
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("Each = %v, want %v", err, tt.wantErr)
			}
			if n != tt.want {
				t.Errorf("Each passed %d snapshots, want %d", n, tt.want)
			}
		})
	}
}

func TestEachDamaged(t *testing.T) {
	var snaps []*model.Snapshot
	for i := range 4 {
		snaps = append(snaps, fullSnapshot(i))
	}
	data := writeCapture(t, snaps, true)
	// Damage the payload of the last snapshot frame but one.
	var last []frameSpan
	for _, f := range frames(t, data) {
		if f.typ == FrameSnapshot {
			last = append(last, f)
		}
	}
	if len(last) < 2 {
		t.Fatalf("%d snapshot frames", len(last))
	}
	f := last[len(last)-2]
	bad := bytes.Clone(data)
	bad[f.end-1] ^= 0xff
	for _, salvage := range []bool{false, true} {
		r, err := NewReader(bytes.NewReader(bad), int64(len(bad)), ReadOptions{SkipEvents: true, Salvage: salvage})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = r.Each(context.Background(), 0, func(*model.Snapshot) error { n++; return nil })
		switch {
		case !salvage && !errors.Is(err, ErrCorrupt):
			t.Errorf("without salvage: %v after %d snapshots, want ErrCorrupt", err, n)
		case salvage && (err != nil || n != len(snaps)-1):
			t.Errorf("with salvage: %v after %d snapshots, want %d", err, n, len(snaps)-1)
		}
	}
}
