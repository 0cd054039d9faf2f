package content

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/varint"
)

// PackID names a pack file: 16 random bytes.
type PackID [16]byte

func (p PackID) String() string { return hex.EncodeToString(p[:]) }

// name is the pack's object name: packs/<first two hex digits>/<hex>.
func (p PackID) name() string {
	h := p.String()
	return "packs/" + h[:2] + "/" + h
}

func parsePackName(name string) (PackID, bool) {
	var p PackID
	if len(name) != len("packs/xx/")+32 || name[:6] != "packs/" || name[8] != '/' {
		return p, false
	}
	b, err := hex.DecodeString(name[9:])
	if err != nil || name[6:8] != name[9:11] {
		return p, false
	}
	copy(p[:], b)
	return p, true
}

// indexEntry says where a chunk is: 48 bytes.
type indexEntry struct {
	id chunk.ID
	// pack is the pack's number in Repository.packs.
	pack uint32
	// off and length locate the sealed chunk in the pack; raw is its plaintext length.
	off, length, raw uint32
}

// chunkIndex answers "have I got this chunk, and where?" from memory.
//
// Layout, chosen for the ≤ 64 bytes per chunk budget (TestIndexMemoryPerChunk measures it):
// entries live in fixed pages of 2048 (so growth never copies them and never leaves a doubled
// slice half empty), 48 bytes each; an open-addressing table of uint32 entry numbers (linear
// probing, load factor kept between 0.4 and 0.8, so 5 to 10 bytes per entry) finds them. Chunk
// IDs are outputs of a keyed hash, so their first eight bytes are already a uniform hash.
// Entries are never removed: a repository reloads its index after a GC instead. An ID may have
// several entries (the same chunk stored twice by concurrent backups, or copied by a repack);
// find takes a predicate to skip entries in packs about to be deleted.
type chunkIndex struct {
	pages [][]indexEntry
	n     int
	slots []uint32
}

const (
	indexPageShift = 11
	indexPageSize  = 1 << indexPageShift
)

func (ix *chunkIndex) len() int { return ix.n }

func (ix *chunkIndex) at(i int) *indexEntry {
	return &ix.pages[i>>indexPageShift][i&(indexPageSize-1)]
}

func (ix *chunkIndex) add(e indexEntry) {
	if (ix.n+1)*5 > len(ix.slots)*4 {
		ix.grow()
	}
	if ix.n>>indexPageShift == len(ix.pages) {
		ix.pages = append(ix.pages, make([]indexEntry, indexPageSize))
	}
	*ix.at(ix.n) = e
	ix.insert(e.id, uint32(ix.n+1))
	ix.n++
}

func (ix *chunkIndex) insert(id chunk.ID, v uint32) {
	mask := uint64(len(ix.slots) - 1)
	i := binary.LittleEndian.Uint64(id[:8]) & mask
	for ix.slots[i] != 0 {
		i = (i + 1) & mask
	}
	ix.slots[i] = v
}

func (ix *chunkIndex) grow() {
	size := 1024
	if len(ix.slots) > 0 {
		size = 2 * len(ix.slots)
	}
	ix.slots = make([]uint32, size)
	for i := 0; i < ix.n; i++ {
		ix.insert(ix.at(i).id, uint32(i+1))
	}
}

// find returns the number of the first entry for id that accept allows (nil: any).
func (ix *chunkIndex) find(id chunk.ID, accept func(e *indexEntry) bool) (int, bool) {
	if ix.n == 0 {
		return 0, false
	}
	mask := uint64(len(ix.slots) - 1)
	i := binary.LittleEndian.Uint64(id[:8]) & mask
	for {
		v := ix.slots[i]
		if v == 0 {
			return 0, false
		}
		e := ix.at(int(v - 1))
		if e.id == id && (accept == nil || accept(e)) {
			return int(v - 1), true
		}
		i = (i + 1) & mask
	}
}

// memoryBytes is what the index holds allocated.
func (ix *chunkIndex) memoryBytes() int {
	return len(ix.pages)*indexPageSize*48 + len(ix.slots)*4 + cap(ix.pages)*24
}

// Index files ("index/<16 random bytes in hex>") list packs and the chunks in them. Each backup
// session writes its own (and starts a new one every indexFlushEntries entries), so concurrent
// backups never write the same object; GC replaces them with consolidated ones.
//
// Body (sealed as an object with magic indexMagic):
//
//	uvarint version (1)
//	uvarint number of packs
//	per pack: 16-byte pack ID, uvarint number of entries,
//	          per entry: 32-byte chunk ID, uvarint offset, uvarint length, uvarint raw length
const indexMagic = "SRIX"

type packEntry struct {
	id               chunk.ID
	off, length, raw uint32
}

type indexPack struct {
	id      PackID
	entries []packEntry
}

func encodeIndex(packs []indexPack) []byte {
	n := 0
	for _, p := range packs {
		n += 16 + 4 + len(p.entries)*(32+12)
	}
	b := make([]byte, 0, n+8)
	b = binary.AppendUvarint(b, 1)
	b = binary.AppendUvarint(b, uint64(len(packs)))
	for _, p := range packs {
		b = append(b, p.id[:]...)
		b = appendEntries(b, p.entries)
	}
	return b
}

func appendEntries(b []byte, entries []packEntry) []byte {
	b = binary.AppendUvarint(b, uint64(len(entries)))
	for _, e := range entries {
		b = append(b, e.id[:]...)
		b = binary.AppendUvarint(b, uint64(e.off))
		b = binary.AppendUvarint(b, uint64(e.length))
		b = binary.AppendUvarint(b, uint64(e.raw))
	}
	return b
}

// errFormat is wrapped by every error about a repository object that does not parse, whichever
// decoder found it.
var errFormat = varint.ErrMalformed

func decodeIndex(b []byte) ([]indexPack, error) {
	d := varint.NewDecoder(b)
	if v := d.Uvarint("version"); d.Err() == nil && v != 1 {
		return nil, fmt.Errorf("index format version %d is not supported (this engine reads 1)", v)
	}
	np := d.Count(17, "pack count")
	packs := make([]indexPack, 0, np)
	for i := 0; i < np && d.Err() == nil; i++ {
		var p indexPack
		copy(p.id[:], d.Bytes(16, "pack ID"))
		p.entries = decodeEntries(d)
		packs = append(packs, p)
	}
	if d.Err() == nil && d.Len() != 0 {
		d.Fail("trailing bytes")
	}
	return packs, d.Err()
}

func decodeEntries(d *varint.Decoder) []packEntry {
	ne := d.Count(35, "entry count")
	es := make([]packEntry, 0, ne)
	for j := 0; j < ne && d.Err() == nil; j++ {
		var e packEntry
		copy(e.id[:], d.Bytes(32, "chunk ID"))
		e.off = d.U32("offset")
		e.length = d.U32("length")
		e.raw = d.U32("raw length")
		if d.Err() == nil && e.length < keyring.SealOverhead+1 {
			d.Fail("entry shorter than a sealed chunk")
		}
		es = append(es, e)
	}
	return es
}
