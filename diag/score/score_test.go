package score

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nfstrace/nfstrace/internal/compare"
	"github.com/nfstrace/nfstrace/internal/testenv"
)

const (
	hostDir  = "../../testdata/diagnosis/host"
	labPairs = "../../testdata/diagnosis/lab/pairs.json"
	labLong  = "../../testdata/diagnosis/lab-long/pairs.json"
	labAll   = "../../testdata/diagnosis/lab*/pairs.json" // every lab set, as score's -lab default
	docFile  = "../../docs/diagnosis.md"
)

// TestPairs forms the pairs of a truth.json: one injected pair per seed and
// one null pair per condition.
func TestPairs(t *testing.T) {
	dir := t.TempDir()
	g := filepath.Join(dir, "dev", "slow", "5s")
	if err := os.MkdirAll(g, 0o755); err != nil {
		t.Fatal(err)
	}
	truth := `{"scenario":"slow","cause":"device","set":"dev","length":"5s","captures":[
		{"file":"base-1.nft","condition":"base","seed":1},{"file":"inj-1.nft","condition":"inj","seed":1},
		{"file":"inj-2.nft","condition":"inj","seed":2},{"file":"base-2.nft","condition":"base","seed":2}]}`
	if err := os.WriteFile(filepath.Join(g, "truth.json"), []byte(truth), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := Pairs(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Name()+" "+filepath.Base(p.A)+" "+filepath.Base(p.B)+" "+p.Truth)
	}
	want := []string{
		"slow/5s/seed 1 base-1.nft inj-1.nft device",
		"slow/5s/seed 2 base-2.nft inj-2.nft device",
		"slow/5s/null base-1~base-2 base-1.nft base-2.nft none",
		"slow/5s/null inj-1~inj-2 inj-1.nft inj-2.nft none",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pairs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCount counts false alarms (one on a null pair whose workload moved), a
// too-short null and a correct cause.
func TestCount(t *testing.T) {
	rs := []Result{
		{Pair: Pair{Set: "dev", Truth: "device", Change: ""}, Predicted: "device", Outcome: compare.OutcomeWorse},
		{Pair: Pair{Set: "dev", Truth: "device", Effect: 1.1}, Predicted: "device", Outcome: compare.OutcomeBetter},
		{Pair: Pair{Set: "dev", Truth: "scheduler", Change: "scheduler loop0"}, Predicted: "bio", LeadNamesChange: true},
		{Pair: Pair{Set: "dev", Null: true, Truth: None}, Predicted: "cpu"},
		{Pair: Pair{Set: "dev", Null: true, Truth: None, Effect: 0.5}, Predicted: "cpu"},
		{Pair: Pair{Set: "dev", Null: true, Truth: None, Effect: 1.2}, Predicted: None},
		{Pair: Pair{Set: "dev", Null: true, Truth: None}, Predicted: TooShort},
		{Pair: Pair{Set: "heldout", Truth: "lock"}, Predicted: "lock"},
	}
	got := Count(rs, "dev")
	want := Tally{Injected: 3, InjectedCorrect: 1, Effective: 2, EffectiveCorrect: 1, Null: 4, FalseAlarms: 2, NullTooShort: 1,
		Steady: 3, SteadyFalseAlarms: 1, WithChange: 1, LeadNamed: 1}
	if got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
}

// TestLabFiles: score's -lab default takes in every lab set, and a pattern
// that names no file is an error rather than a set silently left out.
func TestLabFiles(t *testing.T) {
	got, err := LabFiles(labAll)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{labPairs, labLong} {
		if !slices.Contains(got, want) {
			t.Errorf("LabFiles(%q) = %q, lacks %s", labAll, got, want)
		}
	}
	if got, err := LabFiles(labPairs + ",," + labLong); err != nil || !slices.Equal(got, []string{labPairs, labLong}) {
		t.Errorf("LabFiles(two files) = %q, %v; want both, in order", got, err)
	}
	for _, bad := range []string{"../../testdata/diagnosis/no-such-set/pairs.json", labPairs + ",../../testdata/nolab*/pairs.json", "["} {
		if got, err := LabFiles(bad); err == nil {
			t.Errorf("LabFiles(%q) = %q, want an error", bad, got)
		}
	}
}

// TestBenchmark replays every recorded pair of the diagnosis benchmark
// (host and lab) through compare and checks that docs/diagnosis.md holds
// exactly the scores they give now: a change to compare that moves a
// verdict shows here, and the document is regenerated with
// `go run ./diag/cmd/nfstrace-diag score`.
func TestBenchmark(t *testing.T) {
	if _, err := os.Stat(hostDir); err != nil {
		testenv.Skip(t, "no recorded pairs in "+hostDir)
	}
	labs, err := LabFiles(labAll)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Benchmark(context.Background(), hostDir, labs, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	all := Count(rs, "")
	if all.Injected < 40 || all.Null < 20 {
		t.Errorf("%d injected and %d null pairs: the benchmark needs at least 40 and 20", all.Injected, all.Null)
	}
	doc, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := bytes.Cut(doc, []byte(Marker))
	if !ok {
		t.Fatalf("%s lacks the line %q", docFile, Marker)
	}
	var b bytes.Buffer
	if err := Markdown(&b, rs, ""); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(body), bytes.TrimSpace(b.Bytes())) {
		t.Errorf("%s is not what the recorded pairs give now; regenerate it with `go run ./diag/cmd/nfstrace-diag score`", docFile)
	}
}

// TestSets orders the sets the results hold: tuned on, held out, the
// held-out length, the lab, then any other by name; absent ones are left out.
func TestSets(t *testing.T) {
	tests := []struct {
		sets []string
		want string
	}{
		{[]string{"lab", "dev", "heldout2", "dev"}, "dev heldout2 lab"},
		{[]string{"long", "lab", "dev"}, "dev long lab"},
		{[]string{"lab-long", "lab", "long"}, "long lab lab-long"},
		{[]string{"zeta", "lab", "alpha", "heldout2"}, "heldout2 lab alpha zeta"},
		{[]string{"heldout31", "heldout", "heldout9", "dev2", "dev"}, "dev dev2 heldout heldout9 heldout31"},
		{nil, ""},
	}
	for _, tt := range tests {
		var rs []Result
		for _, s := range tt.sets {
			rs = append(rs, Result{Pair: Pair{Set: s}})
		}
		if got := strings.Join(Sets(rs), " "); got != tt.want {
			t.Errorf("Sets(%v) = %q, want %q", tt.sets, got, tt.want)
		}
	}
}

// TestCorrect: a rise named by its true cause, or a memory limit's rise by
// the cache it shrank, is correct; a fall, another cause, or any cause on a
// null pair is not.
func TestCorrect(t *testing.T) {
	tests := []struct {
		truth, predicted, outcome string
		null                      bool
		want                      bool
	}{
		{"device", "device", compare.OutcomeWorse, false, true},
		{"device", "device", compare.OutcomeBetter, false, false},
		{"device", "workload", compare.OutcomeWorse, false, false},
		{"reclaim", "reclaim", compare.OutcomeWorse, false, true},
		{"reclaim", "cache", compare.OutcomeWorse, false, true},
		{"reclaim", "cache", compare.OutcomeBetter, false, false},
		{"device", "cache", compare.OutcomeWorse, false, false},
		{"workload", "cache", compare.OutcomeWorse, false, false},
		{None, None, compare.OutcomeNoChange, true, true},
		{None, "cache", compare.OutcomeWorse, true, false},
	}
	for _, tt := range tests {
		r := Result{Pair: Pair{Truth: tt.truth, Null: tt.null}, Predicted: tt.predicted, Outcome: tt.outcome}
		if got := r.Correct(); got != tt.want {
			t.Errorf("truth %s, verdict %s %s: Correct() = %v, want %v", tt.truth, tt.outcome, tt.predicted, got, tt.want)
		}
	}
}

// TestAside: a verdict that names no cause shows the layer (or the
// scheduler of a device) that moved beside it; one that names a cause has
// none, though a pooled verdict keeps the layer it was read off as its
// aside.
func TestAside(t *testing.T) {
	queue := &compare.LayerShare{Kind: compare.LayerQueue}
	block := &compare.LayerShare{Kind: "block"}
	tests := []struct {
		predicted string
		d         compare.Diagnosis
		want      string
	}{
		{None, compare.Diagnosis{Aside: block}, "block"},
		{TooShort, compare.Diagnosis{Aside: queue}, compare.LayerQueue},
		{None, compare.Diagnosis{AsideDevice: &compare.DeviceFinding{}}, compare.CauseScheduler},
		{None, compare.Diagnosis{}, ""},
		{compare.CauseQueue, compare.Diagnosis{Aside: queue, Pooled: true}, ""},
		{Spread, compare.Diagnosis{Aside: block}, ""},
	}
	for _, tt := range tests {
		if got := aside(tt.predicted, tt.d); got != tt.want {
			t.Errorf("aside(%s, %+v) = %q, want %q", tt.predicted, tt.d, got, tt.want)
		}
	}
}

// TestClientLatency reads nfsload's figures as the clients' time over the
// operations they completed; a file without any of the three is an error.
func TestClientLatency(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{`{"clients":8,"seconds":20,"ops":{"write":1500,"read":100}}`, 0.1, false},
		{`{"clients":4,"seconds":120.5,"ops":{"getattr":241}}`, 2, false},
		{`{"clients":8,"seconds":20,"ops":{}}`, 0, true},
		{`{"clients":0,"seconds":20,"ops":{"write":1}}`, 0, true},
		{`{"clients":8,"ops":{"write":1}}`, 0, true},
		{`{"clients":`, 0, true},
	}
	for _, tt := range tests {
		got, err := clientLatency([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("clientLatency(%s) = %g, %v; want %g, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestLabPairs reads a lab pairs file: its set (lab by default), the
// captures beside it, and each pair's effect from its clients' figures
// where both captures have them.
func TestLabPairs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("long/pairs.json", `{"set":"lab-long","captures":"captures","pairs":[
		{"scenario":"sched-none","length":"v4.2 120s","kernel":"6.1","a":"6.1-mq","b":"6.1-none","truth":"scheduler","change":"scheduler nullb0"},
		{"scenario":"baseline null","length":"v4.2 120s","kernel":"6.1","a":"6.1-base-1","b":"6.1-base-2","truth":"none"}]}`)
	write("long/captures/6.1-mq.load.json", `{"clients":8,"seconds":100,"ops":{"write":1000}}`)
	write("long/captures/6.1-none.load.json", `{"clients":8,"seconds":100,"ops":{"write":500}}`)
	write("long/captures/6.1-base-1.load.json", `{"clients":4,"seconds":100,"ops":{"read":400}}`)
	write("short/pairs.json", `{"captures":"../c","pairs":[{"scenario":"baseline","length":"v3","kernel":"6.12","a":"x","b":"y","truth":"none"}]}`)

	got, err := LabPairs(filepath.Join(dir, "long/pairs.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{
		{Set: "lab-long", Scenario: "6.1 sched-none", Length: "v4.2 120s", A: filepath.Join(dir, "long/captures/6.1-mq.nft"),
			B: filepath.Join(dir, "long/captures/6.1-none.nft"), Truth: "scheduler", Change: "scheduler nullb0", Effect: 2},
		{Set: "lab-long", Scenario: "6.1 baseline null", Length: "v4.2 120s", Null: true, A: filepath.Join(dir, "long/captures/6.1-base-1.nft"),
			B: filepath.Join(dir, "long/captures/6.1-base-2.nft"), Truth: None},
	}
	if len(got) != len(want) {
		t.Fatalf("LabPairs = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pair %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := got[0].Name(); n != "6.1 sched-none/v4.2 120s" {
		t.Errorf("Name = %q", n)
	}

	short, err := LabPairs(filepath.Join(dir, "short/pairs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(short) != 1 || short[0].Set != "lab" || short[0].A != filepath.Join(dir, "c/x.nft") || short[0].Effect != 0 {
		t.Errorf("LabPairs without a set = %+v", short)
	}

	write("bad/pairs.json", `{"captures":".","pairs":[{"scenario":"s","length":"l","kernel":"k","a":"a","b":"b","truth":"device"}]}`)
	write("bad/a.load.json", `{"clients":8,"seconds":10,"ops":{}}`)
	write("bad/b.load.json", `{"clients":8,"seconds":10,"ops":{"read":1}}`)
	if _, err := LabPairs(filepath.Join(dir, "bad/pairs.json")); err == nil {
		t.Error("LabPairs accepted a load file with no operations")
	}
}
