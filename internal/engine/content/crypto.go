package content

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/zstd"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
)

// Chunk plaintext inside the envelope: one flag byte, then the content, zstd-compressed when
// flagCompressed is set. The chunk's ID is the additional data, so a chunk authenticates as the
// content of exactly that ID: a pack entry swapped for another, or an index entry pointing at
// the wrong offset, fails to decrypt rather than restoring wrong bytes.
const flagCompressed = 0x01

// compressor holds the shared zstd encoder and decoder. EncodeAll and DecodeAll are safe for
// concurrent use.
type compressor struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

func newCompressor(concurrency int) *compressor {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(concurrency),
		// The GCM tag authenticates every byte; a zstd checksum would only cost time.
		zstd.WithEncoderCRC(false),
	)
	if err != nil {
		panic(err)
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(concurrency),
		// Chunks are at most 4 MiB and metadata objects are bounded; this caps what a corrupt
		// or hostile frame can make the decoder allocate.
		zstd.WithDecoderMaxMemory(256<<20),
	)
	if err != nil {
		panic(err)
	}
	return &compressor{enc: enc, dec: dec}
}

// compressPays is the rule for storing a chunk compressed: only if that saves more than 3%.
func compressPays(raw, compressed int) bool { return compressed <= raw*97/100 }

// sealObject encodes a whole object (index file, snapshot): magic, then the sealed zstd of body,
// authenticated with the magic and the object's name, so an object copied to another name (a
// snapshot renamed, an index file swapped) does not open.
func (r *Repository) sealObject(magic, name string, body []byte) []byte {
	z := r.comp.enc.EncodeAll(body, nil)
	out := append(make([]byte, 0, len(magic)+keyring.SealOverhead+len(z)), magic...)
	return r.keys.Seal(out, z, []byte(magic+"\x00"+name))
}

func (r *Repository) openObject(magic, name string, data []byte) ([]byte, error) {
	if len(data) < len(magic) || !bytes.Equal(data[:len(magic)], []byte(magic)) {
		return nil, fmt.Errorf("%s: not a %q object (bad magic)", name, magic)
	}
	z, err := r.keys.Open(data[len(magic):], []byte(magic+"\x00"+name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	body, err := r.comp.dec.DecodeAll(z, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: decompress: %w", name, err)
	}
	return body, nil
}
