package capture

import "github.com/nfstrace/nfstrace/internal/model"

// secSubmits holds Snapshot.Submits, written only when it is set. Added
// within version 1: older files lack it and read with Submits nil; older
// readers skip it as an unknown section.
const secSubmits = 20

// appendSubmits encodes Snapshot.Submits: uvarint iocbs, then SQEs.
func appendSubmits(p []byte, s *model.Submits) []byte {
	p = appendUvarint(p, s.AIO)
	return appendUvarint(p, s.URing)
}

// decodeSubmits decodes what appendSubmits wrote.
func decodeSubmits(sd *decoder) *model.Submits {
	if err := sd.bud.take(1, sizeSubmits); err != nil {
		sd.fail(err)
		return nil
	}
	s := &model.Submits{AIO: sd.uvarint(), URing: sd.uvarint()}
	if sd.err != nil {
		return nil
	}
	return s
}
