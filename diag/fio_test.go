package diag

import (
	"os"
	"strings"
	"testing"
)

func TestParseFio(t *testing.T) {
	tests := []struct {
		file      string
		wantRead  bool
		wantWrite bool
	}{
		{file: "testdata/fio-randwrite.json", wantWrite: true},
		{file: "testdata/fio-randrw.json", wantRead: true, wantWrite: true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseFio(b)
			if err != nil {
				t.Fatal(err)
			}
			if (r.Read != nil) != tt.wantRead || (r.Write != nil) != tt.wantWrite {
				t.Fatalf("read %v write %v, want %v %v", r.Read, r.Write, tt.wantRead, tt.wantWrite)
			}
			for _, d := range []*Direction{r.Read, r.Write} {
				if d == nil {
					continue
				}
				if d.IOs <= 0 || d.IOPS <= 0 || d.ClatP50Us <= 0 || d.ClatP99Us < d.ClatP50Us || d.ClatMeanUs <= 0 {
					t.Errorf("implausible figures %+v", *d)
				}
			}
			if r.RuntimeMs <= 0 {
				t.Errorf("runtime %d ms", r.RuntimeMs)
			}
			if r.Main() != r.Read && r.Main() != r.Write {
				t.Errorf("main direction is neither")
			}
		})
	}
}

func TestParseFioErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not json", "fio: some error", "fio output"},
		{"two jobs", `{"jobs":[{},{}]}`, "2 jobs, want 1"},
		{"job error", `{"jobs":[{"error":5}]}`, "error 5"},
		{"no io", `{"jobs":[{"read":{"total_ios":0},"write":{"total_ios":0}}]}`, "no IO completed"},
		{"no percentiles", `{"jobs":[{"read":{"total_ios":10,"iops":5,"runtime":2000,"clat_ns":{"mean":3}}}]}`, "no clat p50/p99"},
	}
	for _, tt := range tests {
		_, err := ParseFio([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}
