package content

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/varint"
)

// Pack files ("packs/<xx>/<pack ID>") hold sealed chunks, ~16 MiB per pack, and describe
// themselves, so verify and an index rebuild need nothing but the pack:
//
//	header   "SRPACK" 0x00 0x01                              8 bytes (magic, format version 1)
//	chunks   sealed chunk, sealed chunk, ...                 (see crypto.go and keyring)
//	table    sealed(uvarint count, per chunk: 32-byte ID, uvarint offset, uvarint length,
//	               uvarint raw length)                        with the pack's name as AAD
//	footer   uint32 little-endian length of the sealed table, "SRPKTAIL"     12 bytes
const (
	packMagic       = "SRPACK\x00\x01"
	packFooterMagic = "SRPKTAIL"
	packFooterSize  = 4 + len(packFooterMagic)
	// packTargetSize is where a pack is closed: it ends with the first chunk that reaches it.
	packTargetSize = 16 << 20
)

func packTableAAD(p PackID) []byte {
	return []byte("strongroom/content/v1 pack table\x00" + p.String())
}

type packBuf struct {
	id      PackID
	data    []byte
	entries []packEntry
}

func newPackBuf(buf []byte) *packBuf {
	p := &packBuf{data: append(buf[:0], packMagic...)}
	fillRandom(p.id[:])
	return p
}

func (p *packBuf) add(id chunk.ID, sealed []byte, raw int) {
	p.entries = append(p.entries, packEntry{id: id, off: uint32(len(p.data)), length: uint32(len(sealed)), raw: uint32(raw)})
	p.data = append(p.data, sealed...)
}

// finish appends the table and the footer.
func (p *packBuf) finish(k *keyring.Keys) {
	table := appendEntries(nil, p.entries)
	n := len(p.data)
	p.data = k.Seal(p.data, table, packTableAAD(p.id))
	p.data = binary.LittleEndian.AppendUint32(p.data, uint32(len(p.data)-n))
	p.data = append(p.data, packFooterMagic...)
}

// parsePackFooter returns the length of the sealed table, given the pack's last
// packFooterSize bytes and its size.
func parsePackFooter(footer []byte, size int64) (int64, error) {
	if len(footer) != packFooterSize || string(footer[4:]) != packFooterMagic {
		return 0, fmt.Errorf("%w: no pack footer (truncated or not a pack)", errFormat)
	}
	n := int64(binary.LittleEndian.Uint32(footer))
	if n < keyring.SealOverhead || n > size-int64(len(packMagic))-int64(packFooterSize) {
		return 0, fmt.Errorf("%w: pack table length %d does not fit the pack's %d bytes", errFormat, n, size)
	}
	return n, nil
}

// decodePackTable parses a pack's (decrypted) table and checks every entry lies in the chunk
// area [len(header), dataEnd) without overlapping another.
func decodePackTable(b []byte, dataEnd int64) ([]packEntry, error) {
	d := varint.NewDecoder(b)
	es := decodeEntries(d)
	if d.Err() == nil && d.Len() != 0 {
		d.Fail("trailing bytes in pack table")
	}
	if d.Err() != nil {
		return nil, d.Err()
	}
	next := int64(len(packMagic))
	for _, e := range es {
		if int64(e.off) < next || int64(e.off)+int64(e.length) > dataEnd {
			return nil, fmt.Errorf("%w: pack table entry %s at [%d, +%d) overlaps another or lies outside the chunk area [%d, %d)", errFormat, e.id.Short(), e.off, e.length, len(packMagic), dataEnd)
		}
		next = int64(e.off) + int64(e.length)
	}
	return es, nil
}

// readPackTable reads and checks the self-description of the pack id.
func (r *Repository) readPackTable(ctx context.Context, id PackID) ([]packEntry, int64, error) {
	name := id.name()
	size, err := r.st.Stat(ctx, name)
	if err != nil {
		return nil, 0, err
	}
	if size < int64(len(packMagic)+packFooterSize+keyring.SealOverhead) {
		return nil, size, fmt.Errorf("%s: %w: %d bytes is too short for a pack", name, errFormat, size)
	}
	footer, err := blob.ReadRange(ctx, r.st, name, size-int64(packFooterSize), int64(packFooterSize), nil)
	if err != nil {
		return nil, size, err
	}
	tlen, err := parsePackFooter(footer, size)
	if err != nil {
		return nil, size, fmt.Errorf("%s: %w", name, err)
	}
	dataEnd := size - int64(packFooterSize) - tlen
	sealed, err := blob.ReadRange(ctx, r.st, name, dataEnd, tlen, nil)
	if err != nil {
		return nil, size, err
	}
	head, err := blob.ReadRange(ctx, r.st, name, 0, int64(len(packMagic)), nil)
	if err != nil {
		return nil, size, err
	}
	if string(head) != packMagic {
		return nil, size, fmt.Errorf("%s: %w: bad pack header", name, errFormat)
	}
	table, err := r.keys.Open(sealed, packTableAAD(id))
	if err != nil {
		return nil, size, fmt.Errorf("%s: pack table: %w", name, err)
	}
	es, err := decodePackTable(table, dataEnd)
	if err != nil {
		return nil, size, fmt.Errorf("%s: %w", name, err)
	}
	return es, size, nil
}
