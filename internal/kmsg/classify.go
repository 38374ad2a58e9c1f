package kmsg

import (
	"strconv"
	"strings"
	"time"

	"github.com/nfstrace/nfstrace/internal/model"
)

// Classify returns the class of a kernel message (model.Klog*), or "" for a
// message of no interest here. Allocation failures and hung tasks come
// first: their messages start with the name of the task that hit them.
func Classify(msg string) string {
	m := strings.TrimSpace(msg)
	switch {
	case isHungTask(m):
		return model.KlogHungTask
	case strings.Contains(m, "soft lockup - CPU#"):
		return model.KlogSoftLockup
	case strings.Contains(m, "out of memory: Killed process") ||
		strings.HasPrefix(m, "Out of memory: Kill") || strings.HasPrefix(m, "Memory cgroup out of memory: Kill"):
		return model.KlogOOM
	case strings.Contains(m, "page allocation failure: order:") || strings.Contains(m, "page allocation stalls for"):
		return model.KlogAllocFail
	case hasAnyPrefix(m, "nfsd", "NFSD", "nfsd4", "NFSD:"):
		return model.KlogNFSD
	case hasAnyPrefix(m, "svc:", "svc_", "svcrdma", "RPC:", "rpc:", "sunrpc", "rpcbind", "xs_"):
		return model.KlogSunRPC
	case hasAnyPrefix(m, "lockd", "statd", "NLM:", "nlm", "nsm"):
		return model.KlogLockd
	case hasAnyPrefix(m, "EXT4-fs", "EXT3-fs", "EXT2-fs", "XFS", "JBD2", "jbd2", "Aborting journal"):
		return model.KlogFS
	case isBlockError(m):
		return model.KlogBlock
	}
	return ""
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func isHungTask(m string) bool {
	return strings.HasPrefix(m, "INFO: task ") && strings.Contains(m, " blocked for more than ")
}

// isBlockError tells the block layer's and the disk drivers' error
// messages: failed requests, IO errors, resets and timeouts.
func isBlockError(m string) bool {
	if hasAnyPrefix(m, "blk_update_request:", "print_req_error:", "end_request:", "Buffer I/O error",
		"I/O error, dev ", "critical medium error", "critical target error", "critical space allocation error",
		"blk_print_req_error", "lost page write", "lost async page write") {
		return true
	}
	if strings.Contains(m, "I/O error, dev ") {
		return true
	}
	driver := hasAnyPrefix(m, "sd ", "nvme", "ata", "scsi", "virtio_blk", "mpt", "megaraid", "device-mapper", "md/", "md:", "loop", "blk-mq", "dm-")
	if !driver {
		return false
	}
	l := strings.ToLower(m)
	for _, w := range []string{"error", "fail", "timeout", "timed out", "timing out", "reset", "abort", "sense key", "offline", "exception"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// Template strips a message of what varies between occurrences of the same
// event: numbers (N), hexadecimal addresses and values (0xN, X), UUIDs
// (UUID), block device names (DEV), and the name and pid of the task a
// hung-task, soft-lockup or OOM message names (COMM:N).
func Template(class, msg string) string {
	m := strings.TrimSpace(msg)
	switch class {
	case model.KlogHungTask:
		// "INFO: task dd:4385 blocked for more than 2 seconds."
		if i := strings.Index(m, " blocked for more than "); i >= 0 {
			m = "INFO: task COMM:N" + m[i:]
		}
	case model.KlogSoftLockup:
		// "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [nfsd:1234]"
		if i := strings.LastIndex(m, " ["); i >= 0 && strings.HasSuffix(m, "]") {
			m = m[:i] + " [COMM:N]"
		}
	case model.KlogOOM:
		// "Out of memory: Killed process 1234 (java) total-vm:..."
		if i := strings.Index(m, " ("); i >= 0 {
			if j := strings.IndexByte(m[i:], ')'); j >= 0 {
				m = m[:i] + " (COMM)" + m[i+j+1:]
			}
		}
	case model.KlogAllocFail:
		// "nfsd: page allocation failure: order:4, mode:..."
		if i := strings.Index(m, ": page allocation"); i > 0 {
			m = "COMM" + m[i:]
		}
	}
	return stripWords(m)
}

// stripWords replaces the variable words of m, words being separated by
// spaces and punctuation.
func stripWords(m string) string {
	var b strings.Builder
	b.Grow(len(m))
	start := -1
	flush := func(end int) {
		if start >= 0 {
			b.WriteString(word(m[start:end]))
			start = -1
		}
	}
	for i := 0; i < len(m); i++ {
		if isSep(m[i]) {
			flush(i)
			b.WriteByte(m[i])
			continue
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(m))
	return b.String()
}

func isSep(c byte) bool {
	switch c {
	case ' ', '\t', ',', ':', ';', '(', ')', '[', ']', '{', '}', '<', '>', '=', '/', '"', '\'', '#', '!', '@', '|', '+':
		return true
	}
	return false
}

// word returns the stripped form of one word; a full stop that ends it
// ends a sentence.
func word(w string) string {
	if t := strings.TrimRight(w, "."); len(t) < len(w) && t != "" {
		return word(t) + w[len(t):]
	}
	switch {
	case w == "COMM" || w == "N":
		return w
	case isUUID(w):
		return "UUID"
	case len(w) > 2 && (w[:2] == "0x" || w[:2] == "0X") && isHex(w[2:]):
		return "0xN"
	case isDevice(w):
		return "DEV"
	}
	digits := 0
	for i := 0; i < len(w); i++ {
		if w[i] >= '0' && w[i] <= '9' {
			digits++
		}
	}
	if digits == 0 {
		return w
	}
	if len(w) >= 8 && isHex(w) {
		return "X"
	}
	// A number, possibly signed, dotted (1.5, 10.0.0.1) or with a unit
	// (22s, 4096kB): keep the unit.
	i := 0
	if w[0] == '-' || w[0] == '+' {
		i = 1
	}
	j := i
	for j < len(w) && (w[j] >= '0' && w[j] <= '9' || w[j] == '.') {
		j++
	}
	if j > i {
		rest := w[j:]
		if isLetters(rest) {
			return w[:i] + "N" + rest
		}
	}
	// A host name or version (client-7.example, 6.18.44-fc): its digits.
	if strings.Contains(w, ".") {
		return digitRuns(w)
	}
	return w
}

// digitRuns replaces each run of digits in w with N.
func digitRuns(w string) string {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] >= '0' && w[i] <= '9' {
			if i == 0 || w[i-1] < '0' || w[i-1] > '9' {
				b.WriteByte('N')
			}
			continue
		}
		b.WriteByte(w[i])
	}
	return b.String()
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func isUUID(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) != 5 {
		return false
	}
	for i, n := range []int{8, 4, 4, 4, 12} {
		if len(parts[i]) != n || !isHex(parts[i]) {
			return false
		}
	}
	return true
}

// isDevice tells the names of block devices: sda, sdb1, vda, xvdb2, hdc,
// nvme0n1p2, nvme0, loop3, dm-0, md127, mmcblk0p1, sr0, and a jbd2
// journal's "sda1-8".
func isDevice(w string) bool {
	if i := strings.LastIndexByte(w, '-'); i > 0 && digitsOnly(w[i+1:]) && w[:i] != "dm" {
		w = w[:i]
	}
	for _, p := range []string{"sd", "vd", "xvd", "hd"} {
		if rest, ok := strings.CutPrefix(w, p); ok {
			k := 0
			for k < len(rest) && rest[k] >= 'a' && rest[k] <= 'z' {
				k++
			}
			return k > 0 && k <= 3 && (k == len(rest) || digitsOnly(rest[k:]))
		}
	}
	for _, p := range []string{"loop", "dm-", "md", "sr", "nbd", "rbd", "zram"} {
		if rest, ok := strings.CutPrefix(w, p); ok {
			return digitsOnly(rest)
		}
	}
	for _, p := range []string{"nvme", "mmcblk"} {
		if rest, ok := strings.CutPrefix(w, p); ok {
			return rest != "" && rest[0] >= '0' && rest[0] <= '9' && strings.Trim(rest, "0123456789np") == ""
		}
	}
	return false
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// blockedFor returns the N seconds of "blocked for more than N seconds".
func blockedFor(msg string) time.Duration {
	_, rest, ok := strings.Cut(msg, " blocked for more than ")
	if !ok {
		return 0
	}
	n, _, _ := strings.Cut(rest, " ")
	s, err := strconv.ParseUint(n, 10, 32)
	if err != nil {
		return 0
	}
	return time.Duration(s) * time.Second
}
