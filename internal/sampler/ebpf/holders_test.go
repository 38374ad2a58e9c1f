package ebpf

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/nfstrace/nfstrace/internal/model"
)

// comm16 is a kernel comm or desc as bpf2go has it.
func comm16(s string) [16]int8 {
	var a [16]int8
	for i := 0; i < len(s) && i < 15; i++ {
		a[i] = int8(s[i])
	}
	return a
}

func TestHolderName(t *testing.T) {
	for _, tt := range []struct {
		name string
		key  coreHkey
		want string
	}{
		{"a process", coreHkey{Name: comm16("nfst-hog")}, "nfst-hog"},
		{"a per-CPU kernel thread loses its CPU", coreHkey{Name: comm16("ksoftirqd/1"), Kernel: 1}, "ksoftirqd"},
		{"a worker without work loses its pool", coreHkey{Name: comm16("kworker/u8:3"), Kernel: 1}, "kworker"},
		{"a workqueue's name is kept as it is", coreHkey{Name: comm16("loop0"), Kernel: 1, Work: 1}, "loop0"},
		{"work that looks like a per-CPU name too", coreHkey{Name: comm16("dm-thin/0"), Kernel: 1, Work: 1}, "dm-thin/0"},
		{"a work description of 15 bytes", coreHkey{Name: comm16("flush-259:65536"), Kernel: 1, Work: 1}, "flush-259:65536"},
	} {
		if got := holderName(&tt.key); got != tt.want {
			t.Errorf("%s: holderName = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSortHolders(t *testing.T) {
	w := func(ns uint64) model.Waits { return model.Waits{Count: 1, SumNs: ns} }
	got := []model.CPUHolder{
		{Name: "b", Waits: w(5)},
		{Name: "kworker", Kernel: true, Waits: w(5)},
		{Name: "a", Waits: w(5)},
		{Name: "loop0", Kernel: true, Work: true, Waits: w(90)},
		{Name: "x", Kernel: true, Waits: w(7)},
		{Name: "x", Waits: w(7)},
		{Name: "x", Kernel: true, Work: true, Waits: w(7)},
	}
	want := []model.CPUHolder{
		{Name: "loop0", Kernel: true, Work: true, Waits: w(90)},
		{Name: "x", Kernel: true, Work: true, Waits: w(7)},
		{Name: "x", Kernel: true, Waits: w(7)},
		{Name: "x", Waits: w(7)},
		{Name: "a", Waits: w(5)},
		{Name: "b", Waits: w(5)},
		{Name: "kworker", Kernel: true, Waits: w(5)},
	}
	sortHolders(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sorted:\n got %+v\nwant %+v", got, want)
	}
}

// kernelTypes builds a BTF spec of the given structs.
func kernelTypes(t *testing.T, types ...btf.Type) *btf.Spec {
	t.Helper()
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	return builtSpec(t, b)
}

// builtSpec marshals b and loads it back as a spec, as the kernel's BTF
// is read.
func builtSpec(t *testing.T, b *btf.Builder) *btf.Spec {
	t.Helper()
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestWorkerDescWhy: the naming of workqueue workers by their work is
// decided by the kernel's types, as the programs' CO-RE probes decide it.
func TestWorkerDescWhy(t *testing.T) {
	ptr := &btf.Pointer{Target: &btf.Void{}}
	char := &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
	desc := btf.Member{Name: "desc", Type: &btf.Array{Index: &btf.Int{Name: "int", Size: 4}, Type: char, Nelems: 32}, Offset: 64}
	worker := &btf.Struct{Name: "worker", Size: 40, Members: []btf.Member{{Name: "task", Type: ptr}, desc}}
	kthread := &btf.Struct{Name: "kthread", Size: 16, Members: []btf.Member{{Name: "flags", Type: ptr}, {Name: "data", Type: ptr, Offset: 64}}}
	// worker_private inside an anonymous union, as a member may be.
	anon := &btf.Union{Size: 8, Members: []btf.Member{{Name: "worker_private", Type: ptr}}}
	task := &btf.Struct{Name: "task_struct", Size: 16, Members: []btf.Member{{Name: "flags", Type: ptr}, {Type: anon, Offset: 64}}}
	oldTask := &btf.Struct{Name: "task_struct", Size: 16, Members: []btf.Member{{Name: "flags", Type: ptr}, {Name: "set_child_tid", Type: ptr, Offset: 64}}}
	for _, tt := range []struct {
		name  string
		types []btf.Type
		want  string
	}{
		{"5.17 and later", []btf.Type{task, kthread, worker}, ""},
		{"before 5.17", []btf.Type{oldTask, kthread, worker}, "struct task_struct has no worker_private in this kernel"},
		{"no struct worker", []btf.Type{task, kthread}, "struct worker has no desc in this kernel"},
	} {
		if got := workerDescWhy(kernelTypes(t, tt.types...)); got != tt.want {
			t.Errorf("%s: workerDescWhy = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := workerDescWhy(nil); got == "" {
		t.Error("workerDescWhy(nil) = \"\", want a reason")
	}
}

// The programs' counters and the Go indexes of them must agree in number:
// a counter added on one side only would be read as another.
func TestCountersMirrored(t *testing.T) {
	spec, err := loadCore()
	if err != nil {
		t.Fatal(err)
	}
	if n := spec.Maps["counters"].MaxEntries; n != cntMax {
		t.Errorf("bpf/core.bpf.c has %d counters, tracer.go %d", n, cntMax)
	}
}
