package s3blob

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// TestBlockBufferHoldsBodiesAcrossBlockBoundaries checks what Save relies on: the held bytes are
// exactly the reader's, up to the limit, and a reader of them can seek back and read them again
// (the SDK reads the body once to sign it and again to send it, and again on a retry).
func TestBlockBufferHoldsBodiesAcrossBlockBoundaries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, blockSize - 1, blockSize, blockSize + 1, 3*blockSize + blockSize/2} {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte(rng.Uint32())
		}
		for _, limit := range []int64{int64(size) + 1, int64(size), int64(size / 2)} {
			var b blockBuffer
			// OneByteReader and HalfReader make fill cope with short reads.
			n, err := b.fill(iotest.HalfReader(bytes.NewReader(body)), limit)
			if err != nil {
				t.Fatalf("size %d limit %d: %v", size, limit, err)
			}
			want := body[:min(int64(size), limit)]
			if n != int64(len(want)) {
				t.Fatalf("size %d limit %d: held %d bytes, want %d", size, limit, n, len(want))
			}
			r := b.reader()
			if r.Len() != len(want) {
				t.Fatalf("Len = %d, want %d", r.Len(), len(want))
			}
			for pass := range 2 {
				got, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("size %d limit %d pass %d: read %d bytes (err %v), not the body", size, limit, pass, len(got), err)
				}
				if _, err := r.Seek(0, io.SeekStart); err != nil {
					t.Fatal(err)
				}
			}
			if len(want) > 10 {
				if _, err := r.Seek(-10, io.SeekEnd); err != nil {
					t.Fatal(err)
				}
				tail, _ := io.ReadAll(r)
				if !bytes.Equal(tail, want[len(want)-10:]) {
					t.Fatalf("size %d: the tail after SeekEnd differs", size)
				}
			}
			b.release()
		}
	}
}

// TestBlockBufferReportsAFailingReader: a reader that fails before its end is an error, so Save
// stores nothing of a half-read body.
func TestBlockBufferReportsAFailingReader(t *testing.T) {
	var b blockBuffer
	defer b.release()
	r := io.MultiReader(bytes.NewReader(make([]byte, blockSize+5)), iotest.ErrReader(io.ErrUnexpectedEOF))
	if _, err := b.fill(r, 4*blockSize); err == nil {
		t.Fatal("fill of a failing reader succeeded")
	}
}
