package content

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// packWriter streams one pack into the store while it is filled: the store's Save reads the
// other end of a pipe. Nothing of a pack is held in memory beyond a small staging buffer (that
// batches small chunks into large writes), and the kernel starts writing a pack back long before
// it is complete, so the final fsync has little left to do.
type packWriter struct {
	id      PackID
	pw      *io.PipeWriter
	stage   *[]byte
	size    int64
	entries []packEntry
	// done is closed when Save returned; err is its result.
	done chan struct{}
	err  error
}

const (
	stageSize   = 1 << 20
	directWrite = 256 << 10
)

var stageBufs = sync.Pool{New: func() any { b := make([]byte, 0, stageSize+directWrite); return &b }}

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
	pr, pw := io.Pipe()
	p := &packWriter{pw: pw, stage: stageBufs.Get().(*[]byte), done: make(chan struct{})}
	rand.Read(p.id[:])
	*p.stage = append((*p.stage)[:0], packMagic...)
	p.size = int64(len(packMagic))
	s.packsInFlight.Add(1)
	go func() {
		defer s.packsInFlight.Done()
		var err error
		if ds, ok := s.r.st.(blob.DeferredStore); ok {
			// Made durable in a batch before the index file that lists it (writeIndex).
			err = ds.SaveDeferred(s.ctx, p.id.name(), pr)
		} else {
			err = s.r.st.Save(s.ctx, p.id.name(), pr)
		}
		if err == nil {
			err = io.ErrClosedPipe // a writer still writing after Save returned is an error
			pr.CloseWithError(err)
			err = nil
		} else {
			pr.CloseWithError(err)
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

func (p *packWriter) write(b []byte) error {
	if _, err := p.pw.Write(b); err != nil {
		return fmt.Errorf("store pack %s: %w", p.id.name(), err)
	}
	return nil
}

func (p *packWriter) flushStage() error {
	if len(*p.stage) == 0 {
		return nil
	}
	err := p.write(*p.stage)
	*p.stage = (*p.stage)[:0]
	return err
}

// add appends a sealed chunk.
func (p *packWriter) add(id ID, sealed []byte, raw int) error {
	p.entries = append(p.entries, packEntry{id: id, off: uint32(p.size), length: uint32(len(sealed)), raw: uint32(raw)})
	p.size += int64(len(sealed))
	if len(sealed) >= directWrite {
		if err := p.flushStage(); err != nil {
			return err
		}
		return p.write(sealed)
	}
	*p.stage = append(*p.stage, sealed...)
	if len(*p.stage) >= stageSize {
		return p.flushStage()
	}
	return nil
}

// finish writes the table and footer and ends the pack; Save then fsyncs and publishes it.
func (p *packWriter) finish(k *keys) error {
	defer p.release()
	table := k.seal(nil, appendEntries(nil, p.entries), packTableAAD(p.id))
	*p.stage = append(*p.stage, table...)
	*p.stage = binary.LittleEndian.AppendUint32(*p.stage, uint32(len(table)))
	*p.stage = append(*p.stage, packFooterMagic...)
	if err := p.flushStage(); err != nil {
		p.pw.CloseWithError(err)
		return err
	}
	return p.pw.Close()
}

// abandon ends the pack without publishing it.
func (p *packWriter) abandon() {
	p.pw.CloseWithError(errPackAbandoned)
	p.release()
}

func (p *packWriter) release() {
	if p.stage != nil {
		stageBufs.Put(p.stage)
		p.stage = nil
	}
}
