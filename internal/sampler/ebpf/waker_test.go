package ebpf

import "testing"

func TestWakerName(t *testing.T) {
	for comm, want := range map[string]string{
		"jbd2/vda-8":    "jbd2/vda-8",
		"kworker/u8:3":  "kworker",
		"kworker/1:1H":  "kworker",
		"ksoftirqd/1":   "softirq",
		"migration/0":   "migration",
		"swapper/1":     "swapper",
		"nfsd":          "nfsd",
		"xfsaild/dm-0":  "xfsaild/dm-0",
		"rcuop/12":      "rcuop",
		"":              "",
		"irq/24-virtio": "irq/24-virtio",
	} {
		if got := wakerName(comm); got != want {
			t.Errorf("wakerName(%q) = %q, want %q", comm, got, want)
		}
	}
}
