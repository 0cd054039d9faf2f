// Package varint decodes the repository's uvarint-based binary formats (index files, pack
// tables, node lists, copy maps), refusing anything that claims more than it holds, so a
// damaged or hostile object cannot make a decoder read past its end or allocate without bound.
package varint

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error about an object that does not parse.
var ErrMalformed = errors.New("malformed")

// Decoder reads values from a byte slice. The first failure sticks: later reads return zero
// values, and Err reports the failure.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder decodes b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err is the first failure, wrapping ErrMalformed, or nil.
func (d *Decoder) Err() error { return d.err }

// Len is how many bytes are left.
func (d *Decoder) Len() int { return len(d.b) }

// Fail records a failure (if none is recorded yet) naming what was wrong.
func (d *Decoder) Fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrMalformed, what)
	}
}

// Uvarint reads an unsigned varint; what names it in the error.
func (d *Decoder) Uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.Fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// Varint reads a signed varint.
func (d *Decoder) Varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.Fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// U32 reads an unsigned varint that must fit 32 bits.
func (d *Decoder) U32(what string) uint32 {
	v := d.Uvarint(what)
	if v > 1<<32-1 {
		d.Fail(what + " out of range")
		return 0
	}
	return uint32(v)
}

// Bytes reads n bytes; the result aliases the input.
func (d *Decoder) Bytes(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.Fail(what + " truncated")
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// Count reads an element count and checks it against what is left, given each element takes
// at least minSize bytes, so a corrupt count cannot make the decoder allocate without bound.
func (d *Decoder) Count(minSize int, what string) int {
	v := d.Uvarint(what)
	if d.err == nil && v > uint64(len(d.b)/minSize) {
		d.Fail(what + " larger than the data")
		return 0
	}
	return int(v)
}
