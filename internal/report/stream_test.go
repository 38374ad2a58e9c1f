package report

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/nfstrace/nfstrace/internal/capture"
	"github.com/nfstrace/nfstrace/internal/model"
)

// readLabCapture reads every snapshot of a capture, without events.
func readLabCapture(t *testing.T, path string) (model.Config, []*model.Snapshot) {
	t.Helper()
	r, err := capture.Open(path, capture.ReadOptions{SkipEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var snaps []*model.Snapshot
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, s)
	}
	return r.Config(), snaps
}

// summaryBytes is a summary as a table and as JSON.
func summaryBytes(t *testing.T, s *Summary) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := s.Render(&b, Layout{Width: 200}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSummarizerMatchesWholeList feeds every lab capture one snapshot at a
// time to a Summarizer and compares its table and JSON, byte for byte, with
// Summarize over the whole list of snapshots.
func TestSummarizerMatchesWholeList(t *testing.T) {
	caps, err := filepath.Glob("../../testdata/captures/*.nft")
	if err != nil || len(caps) == 0 {
		t.Fatalf("no lab captures (%v)", err)
	}
	opts := []SummaryOptions{
		{MaxRows: 60},
		{MaxRows: 10, Sort: SortDevice},
		{Step: 10 * time.Second},
		{Step: 3 * time.Second, Sort: SortWaitSite},
		{},
	}
	for _, path := range caps {
		cfg, snaps := readLabCapture(t, path)
		for _, opt := range opts {
			whole, err := Summarize(cfg, snaps, opt)
			if err != nil {
				t.Fatal(err)
			}
			var span Span
			for _, s := range snaps {
				span.Add(s)
			}
			if span.Unordered || span.Snapshots != len(snaps) {
				t.Fatalf("%s: span %+v of %d snapshots", path, span, len(snaps))
			}
			z := NewSummarizer(cfg, span, opt)
			for _, s := range snaps {
				if err := z.Add(s); err != nil {
					t.Fatal(err)
				}
			}
			streamed, err := z.Summary()
			if err != nil {
				t.Fatal(err)
			}
			want, got := summaryBytes(t, whole), summaryBytes(t, streamed)
			if !bytes.Equal(got, want) {
				t.Errorf("%s %+v: streamed summary differs from the whole-list one:\n--- streamed\n%s\n--- whole list\n%s", filepath.Base(path), opt, got, want)
			}
		}
	}
}

func TestSummarizerRefusesDisorder(t *testing.T) {
	snaps := busyWindow(3)
	z := NewSummarizer(busyConfig(), Span{}, SummaryOptions{})
	if _, err := z.Summary(); err == nil {
		t.Error("summary of nothing: no error")
	}
	if err := z.Add(snaps[1]); err != nil {
		t.Fatal(err)
	}
	if err := z.Add(snaps[0]); !errors.Is(err, ErrUnordered) {
		t.Errorf("an earlier snapshot after a later one: %v, want ErrUnordered", err)
	}
	var span Span
	span.Add(snaps[1])
	span.Add(snaps[0])
	if !span.Unordered {
		t.Error("span of two snapshots out of order: not Unordered")
	}
}
