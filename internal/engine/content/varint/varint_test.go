package varint

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestDecoderReadsWhatWasWritten(t *testing.T) {
	b := binary.AppendUvarint(nil, 300)
	b = binary.AppendVarint(b, -7)
	b = binary.AppendUvarint(b, 2)
	b = append(b, "xy"...)
	d := NewDecoder(b)
	if v := d.Uvarint("u"); v != 300 {
		t.Fatalf("Uvarint = %d", v)
	}
	if v := d.Varint("v"); v != -7 {
		t.Fatalf("Varint = %d", v)
	}
	if s := string(d.Bytes(d.Count(1, "n"), "s")); s != "xy" {
		t.Fatalf("Bytes = %q", s)
	}
	if d.Err() != nil || d.Len() != 0 {
		t.Fatalf("err %v, %d bytes left", d.Err(), d.Len())
	}
}

// A count or length larger than the data is refused before anything is allocated, and the first
// failure is the one reported.
func TestDecoderRefusesWhatClaimsMoreThanItHolds(t *testing.T) {
	for name, tc := range map[string]struct {
		b    []byte
		read func(d *Decoder)
		want string
	}{
		"count": {binary.AppendUvarint(nil, 1<<40), func(d *Decoder) { d.Count(1, "entry count") }, "entry count larger than the data"},
		"bytes": {[]byte{1, 2}, func(d *Decoder) { d.Bytes(3, "chunk ID") }, "chunk ID truncated"},
		"u32":   {binary.AppendUvarint(nil, 1<<32), func(d *Decoder) { d.U32("offset") }, "offset out of range"},
		"empty": {nil, func(d *Decoder) { d.Uvarint("version") }, "version"},
		"first": {nil, func(d *Decoder) { d.Uvarint("first"); d.Fail("second") }, "first"},
	} {
		d := NewDecoder(tc.b)
		tc.read(d)
		err := d.Err()
		if !errors.Is(err, ErrMalformed) || !strings.HasSuffix(err.Error(), ": "+tc.want) {
			t.Errorf("%s: %v, want malformed: %s", name, err, tc.want)
		}
		if d.Uvarint("after") != 0 || d.Bytes(0, "after") != nil {
			t.Errorf("%s: reads after a failure returned values", name)
		}
	}
}
