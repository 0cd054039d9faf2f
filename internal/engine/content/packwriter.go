package content

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/bufpipe"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunker"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
)

// packWriter streams one pack into the store while it is filled: the store's Save reads the
// other end of a pipe. Nothing of a pack is held in memory beyond a few staging buffers (that
// batch small chunks into large writes, and let the workers run ahead of a slow disk for a
// while), and the kernel starts writing a pack back long before it is complete.
type packWriter struct {
	id      PackID
	pw      *bufpipe.Pipe
	stage   *[]byte
	size    int64
	entries []packEntry
	// done is closed when Save returned; err is its result.
	done chan struct{}
	err  error
}

const stageSize = 1 << 20

var stageBufs = sync.Pool{New: func() any { b := make([]byte, 0, stageSize+chunker.DataParams.Max/4); return &b }}

// errPackAbandoned ends the Save of a pack whose session failed.
var errPackAbandoned = errors.New("content: pack abandoned")

// openPack starts a pack; the caller holds s.mu. It waits for a free slot, bounding how many
// packs are being written (and fsynced) at once.
func (s *Session) openPack() (*packWriter, error) {
	select {
	case s.packSlots <- struct{}{}:
	case <-s.ctx.Done():
		return nil, s.Err()
	}
	pipe := bufpipe.New(4, func(b *[]byte) { stageBufs.Put(b) })
	pr, pw := pipe, pipe
	p := &packWriter{pw: pw, stage: stageBufs.Get().(*[]byte), done: make(chan struct{})}
	fillRandom(p.id[:])
	*p.stage = append((*p.stage)[:0], packMagic...)
	p.size = int64(len(packMagic))
	s.packsInFlight.Add(1)
	go func() {
		defer s.packsInFlight.Done()
		var err error
		if ds, ok := blob.AsDeferred(s.r.st); ok {
			// Made durable in a batch before the index file that lists it (writeIndex).
			err = ds.SaveDeferred(s.ctx, p.id.name(), pr)
		} else {
			err = s.r.st.Save(s.ctx, p.id.name(), pr)
		}
		if err == nil {
			pr.CloseRead(io.ErrClosedPipe) // a writer still writing after Save returned is an error
		} else {
			pr.CloseRead(err)
		}
		p.err = err
		close(p.done)
		<-s.packSlots
		switch {
		case err == nil:
			s.storedPacks.Add(1)
			s.packStored(p.id, p.entries)
		case errors.Is(err, errPackAbandoned) || s.ctx.Err() != nil:
		default:
			s.fail(fmt.Errorf("store pack %s: %w", p.id.name(), err))
		}
	}()
	return p, nil
}

// flushStage hands the staging buffer to the reader and takes a fresh one.
func (p *packWriter) flushStage() error {
	if len(*p.stage) == 0 {
		return nil
	}
	full := p.stage
	p.stage = stageBufs.Get().(*[]byte)
	*p.stage = (*p.stage)[:0]
	if err := p.pw.Send(full); err != nil {
		return fmt.Errorf("store pack %s: %w", p.id.name(), err)
	}
	return nil
}

// add appends a sealed chunk.
func (p *packWriter) add(id chunk.ID, sealed []byte, raw int) error {
	p.entries = append(p.entries, packEntry{id: id, off: uint32(p.size), length: uint32(len(sealed)), raw: uint32(raw)})
	p.size += int64(len(sealed))
	if len(*p.stage)+len(sealed) > cap(*p.stage) {
		if err := p.flushStage(); err != nil {
			return err
		}
		if len(sealed) > cap(*p.stage) {
			*p.stage = make([]byte, 0, len(sealed))
		}
	}
	*p.stage = append(*p.stage, sealed...)
	if len(*p.stage) >= stageSize {
		return p.flushStage()
	}
	return nil
}

// directMin is the size from which a sealed chunk is handed to the store as its own buffer
// rather than copied into the staging buffer: large enough that the store still gets large
// writes, and every chunk of a large file (256 KiB and more) is one.
const directMin = 256 << 10

// addOwned appends a sealed chunk held in sealed, a buffer from stageBufs, which it takes over
// (it goes back to the pool once written, or at once if copied).
func (p *packWriter) addOwned(id chunk.ID, sealed *[]byte, raw int) error {
	if len(*sealed) < directMin {
		err := p.add(id, *sealed, raw)
		stageBufs.Put(sealed)
		return err
	}
	p.entries = append(p.entries, packEntry{id: id, off: uint32(p.size), length: uint32(len(*sealed)), raw: uint32(raw)})
	p.size += int64(len(*sealed))
	if err := p.flushStage(); err != nil {
		stageBufs.Put(sealed)
		return err
	}
	if err := p.pw.Send(sealed); err != nil { // Send gives sealed back to the pool if it fails
		return fmt.Errorf("store pack %s: %w", p.id.name(), err)
	}
	return nil
}

// finish writes the table and footer and ends the pack; Save then fsyncs and publishes it.
func (p *packWriter) finish(k *keyring.Keys) error {
	defer p.release()
	table := k.Seal(nil, appendEntries(nil, p.entries), packTableAAD(p.id))
	*p.stage = append(*p.stage, table...)
	*p.stage = binary.LittleEndian.AppendUint32(*p.stage, uint32(len(table)))
	*p.stage = append(*p.stage, packFooterMagic...)
	if err := p.flushStage(); err != nil {
		p.pw.CloseWrite(err)
		return err
	}
	p.pw.CloseWrite(nil)
	return nil
}

// abandon ends the pack without publishing it.
func (p *packWriter) abandon() {
	p.pw.CloseWrite(errPackAbandoned)
	p.release()
}

func (p *packWriter) release() {
	if p.stage != nil {
		stageBufs.Put(p.stage)
		p.stage = nil
	}
}
