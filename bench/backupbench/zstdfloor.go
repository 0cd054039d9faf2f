package main

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// zstdFloor is the Go floor of an initial backup: every file of src read in pieces of at most
// 1 MiB, each piece compressed with klauspost/compress's zstd at the engine's settings
// (SpeedFastest, no frame checksum; internal/engine/content/crypto.go) on one goroutine per core,
// and the frames written in order to one file at out, as `tar -cf - | zstd -1 -T2` writes one
// stream. No chunking, no hashing, no encryption, no index, no fsync: what a backup written in Go
// without cgo costs before the repository format adds anything. bench/backup.sh runs it beside
// tar | zstd, so the report shows how close to the C pipeline any Go engine can come on this
// machine, and how much of what remains is the engine's own.
func zstdFloor(src, out string) error {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)), zstd.WithEncoderCRC(false))
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)

	// Pieces are compressed out of order and written in order: each job carries the channel its
	// frame comes back on, and the writer takes the jobs in the order the reader made them.
	type job struct {
		piece []byte
		frame chan []byte
	}
	work := make(chan job, 2*runtime.GOMAXPROCS(0))
	order := make(chan chan []byte, 4*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range work {
				j.frame <- enc.EncodeAll(j.piece, make([]byte, 0, len(j.piece)/2))
			}
		})
	}
	written := make(chan error, 1)
	go func() {
		var werr error
		for frame := range order {
			if _, err := w.Write(<-frame); err != nil && werr == nil {
				werr = err
			}
		}
		written <- werr
	}()

	readErr := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		info, err := in.Stat()
		if err != nil {
			return err
		}
		for left := info.Size(); ; left -= 1 << 20 {
			piece := make([]byte, max(min(left, 1<<20), 1)) // a small file's piece is its size
			n, err := io.ReadFull(in, piece)
			if n > 0 {
				j := job{piece: piece[:n], frame: make(chan []byte, 1)}
				order <- j.frame
				work <- j
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
	close(work)
	close(order)
	wg.Wait()
	if err := <-written; err != nil && readErr == nil {
		readErr = err
	}
	if err := w.Flush(); err != nil && readErr == nil {
		readErr = err
	}
	if err := f.Close(); err != nil && readErr == nil {
		readErr = err
	}
	if readErr != nil {
		return fmt.Errorf("zstd floor of %s: %w", src, readErr)
	}
	return nil
}
