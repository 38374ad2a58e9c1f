package ebpf

// The eBPF objects and their Go bindings are generated and committed, so a
// plain `go build` needs no clang. Regenerate with `go generate` (clang and the
// libbpf headers from libbpf-dev needed); CI fails on a diff.

//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -target bpfel -cc clang -cflags "-O2 -g -Wall -I../../../bpf" -type dkey -type bkey -type bval -type hist -type lhop core ../../../bpf/core.bpf.c
