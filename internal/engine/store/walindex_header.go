package store

import "unsafe"

// walHeaderValid checks a WAL-index header as SQLite's walIndexTryHdr does: isInit set, and
// aCksum (its last two words) the checksum of the 40 bytes before it, summed as the machine's
// own words (SQLite writes and checks this checksum in native byte order, always).
func walHeaderValid(h *[walHeaderWords]uint32) bool {
	b := (*[4 * walHeaderWords]byte)(unsafe.Pointer(h))
	if b[12] == 0 { // isInit
		return false
	}
	var s1, s2 uint32
	for i := 0; i < 10; i += 2 {
		s1 += h[i] + s2
		s2 += h[i+1] + s1
	}
	return s1 == h[10] && s2 == h[11]
}
