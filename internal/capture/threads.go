package capture

import "github.com/nfstrace/nfstrace/internal/model"

// secThreads holds Snapshot.Threads, written only when it is set. Added
// within version 1: older files lack it and read with Threads nil; older
// readers skip it as an unknown section.
const secThreads = 14

// appendThreads encodes Snapshot.Threads: uvarint busy ns, uvarint wakeups,
// uvarint no idle, str no-idle tracepoint.
func appendThreads(p []byte, u *model.ThreadUse, st *strWriter) []byte {
	p = appendUvarint(p, u.BusyNs)
	p = appendUvarint(p, u.Wakeups)
	p = appendUvarint(p, u.NoIdle)
	return appendUvarint(p, uint64(st.id(u.NoIdleFrom)))
}

// decodeThreads decodes what appendThreads wrote.
func decodeThreads(sd *decoder, st *strReader) *model.ThreadUse {
	if err := sd.bud.take(1, sizeThreads); err != nil {
		sd.fail(err)
		return nil
	}
	u := &model.ThreadUse{BusyNs: sd.uvarint(), Wakeups: sd.uvarint(), NoIdle: sd.uvarint()}
	u.NoIdleFrom = st.str(sd)
	if sd.err != nil {
		return nil
	}
	return u
}
