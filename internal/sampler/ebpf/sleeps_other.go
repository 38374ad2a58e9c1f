//go:build !amd64

package ebpf

// sleepCallsArch returns nothing: the generic table has only the newer calls.
func sleepCallsArch() []uint32 { return nil }
