package capture

import "github.com/nfstrace/nfstrace/internal/model"

// secCalls holds Snapshot.Calls, written only when it is set. Added within
// version 1: older files lack it and read with Calls nil; older readers skip
// it as an unknown section.
const secCalls = 15

// appendCalls encodes Snapshot.Calls: uvarint reads, writes, read bytes,
// write bytes, threads, then, when the CPU times were read, uvarint user
// ns and system ns (added later within version 1: a reader finds them by
// the bytes left in the section; older readers stop before them).
func appendCalls(p []byte, c *model.Calls) []byte {
	p = appendUvarint(p, c.Reads)
	p = appendUvarint(p, c.Writes)
	p = appendUvarint(p, c.ReadBytes)
	p = appendUvarint(p, c.WriteBytes)
	p = appendInt(p, c.Threads)
	if c.CPU != nil {
		p = appendUvarint(p, c.CPU.UserNs)
		p = appendUvarint(p, c.CPU.SysNs)
	}
	return p
}

// decodeCalls decodes what appendCalls wrote.
func decodeCalls(sd *decoder) *model.Calls {
	if err := sd.bud.take(1, sizeCalls); err != nil {
		sd.fail(err)
		return nil
	}
	c := &model.Calls{Reads: sd.uvarint(), Writes: sd.uvarint(), ReadBytes: sd.uvarint(), WriteBytes: sd.uvarint()}
	c.Threads = sd.int()
	if sd.err == nil && len(sd.b) > 0 {
		if err := sd.bud.take(1, sizeThreadCPU); err != nil {
			sd.fail(err)
			return nil
		}
		c.CPU = &model.ThreadCPU{UserNs: sd.uvarint(), SysNs: sd.uvarint()}
	}
	if sd.err != nil {
		return nil
	}
	return c
}
