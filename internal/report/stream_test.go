package report

import (
	"errors"
	"testing"
)

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
