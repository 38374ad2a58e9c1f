package ebpf

// The nfsd programs use kprobes (the nfsd_dispatch fallback), whose argument
// registers are architecture specific: build for amd64 (bpf/vmlinux.h is amd64); other architectures get a stub (nfsd_other.go).

//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -target amd64 -cc clang -cflags "-O2 -g -Wall -I../../../bpf" -type rpc_key -type file_key -type file_val nfsd ../../../bpf/nfsd.bpf.c
