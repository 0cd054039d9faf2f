package chunker

import (
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
)

func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestChunkerCutsWithinBoundsNearTheAverage(t *testing.T) {
	var gear [256]uint64
	r := rand.New(rand.NewPCG(1, 1))
	for i := range gear {
		gear[i] = r.Uint64()
	}
	c := New(&gear, DataParams)
	data := randomData(64<<20, 5)
	var sizes []int
	for p := 0; p < len(data); {
		n := c.Cut(data[p:])
		sizes = append(sizes, n)
		p += n
	}
	for i, n := range sizes[:len(sizes)-1] {
		if n < DataParams.Min || n > DataParams.Max {
			t.Fatalf("chunk %d is %d bytes, outside [%d, %d]", i, n, DataParams.Min, DataParams.Max)
		}
	}
	avg := len(data) / len(sizes)
	if avg < 800<<10 || avg > 1600<<10 {
		t.Fatalf("average chunk %d bytes, want about 1 MiB", avg)
	}
}

// Cut points depend on content only: the same data read in odd-sized pieces, or shifted by an
// insertion, gives the same chunks after the change.
func TestChunkerBoundariesAreContentDefined(t *testing.T) {
	var gear [256]uint64
	for i := range gear {
		gear[i] = uint64(i)*0x9e3779b97f4a7c15 + 1
	}
	c := New(&gear, DataParams)
	data := randomData(24<<20, 11)
	cuts := func(rd io.Reader) [][]byte {
		sp := NewSplitter(c, rd, nil)
		var out [][]byte
		for {
			ch, _, err := sp.Next()
			if err == io.EOF {
				return out
			}
			mustNil(t, err)
			out = append(out, bytes.Clone(ch))
		}
	}
	whole := cuts(bytes.NewReader(data))
	pieces := cuts(io.MultiReader(iotestHalfReader{bytes.NewReader(data)}))
	if len(whole) != len(pieces) {
		t.Fatalf("%d chunks from one reader, %d from a slow reader", len(whole), len(pieces))
	}
	for i := range whole {
		if !bytes.Equal(whole[i], pieces[i]) {
			t.Fatalf("chunk %d differs between read patterns", i)
		}
	}
	shifted := cuts(bytes.NewReader(append([]byte("inserted at the front"), data...)))
	same := 0
	set := map[string]bool{}
	for _, ch := range whole {
		set[string(ch)] = true
	}
	for _, ch := range shifted {
		if set[string(ch)] {
			same++
		}
	}
	if same < len(whole)-2 {
		t.Fatalf("after an insertion only %d of %d chunks were unchanged", same, len(whole))
	}
}

type iotestHalfReader struct{ r io.Reader }

func (h iotestHalfReader) Read(p []byte) (int, error) {
	if len(p) > 777 {
		p = p[:777]
	}
	return h.r.Read(p)
}

// However the input arrives and whatever buffer the splitter starts with, it cuts exactly where
// Cut over the whole input in memory cuts.
func TestSplitterCutsWhereCutOverTheWholeInputDoes(t *testing.T) {
	var gear [256]uint64
	for i := range gear {
		gear[i] = uint64(i)*0x9e3779b97f4a7c15 + 7
	}
	// Besides the data parameters, a maximum close to the average, so that many chunks end at
	// the maximum and a splitter that offered Cut fewer bytes than that would cut elsewhere.
	for _, p := range []Params{DataParams, {Min: 64 << 10, Avg: 512 << 10, Max: 640 << 10}} {
		splitterMatchesCut(t, New(&gear, p), p)
	}
}

func splitterMatchesCut(t *testing.T, c *Chunker, p Params) {
	t.Helper()
	data := randomData(29<<20+12345, 12)
	var want []int
	for start := 0; start < len(data); {
		n := c.Cut(data[start:])
		want = append(want, n)
		start += n
	}
	for _, bufSize := range []int{0, 128 << 10, 2 * p.Max} {
		for _, rd := range []io.Reader{bytes.NewReader(data), iotestHalfReader{bytes.NewReader(data)}} {
			sp := NewSplitter(c, rd, make([]byte, bufSize))
			var got []int
			off := 0
			for {
				ch, last, err := sp.Next()
				if err == io.EOF {
					break
				}
				mustNil(t, err)
				if !bytes.Equal(ch, data[off:off+len(ch)]) {
					t.Fatalf("buffer %d: chunk %d at %d does not hold the input's bytes", bufSize, len(got), off)
				}
				off += len(ch)
				got = append(got, len(ch))
				if last != (off == len(data)) {
					t.Fatalf("buffer %d: last=%v at %d of %d", bufSize, last, off, len(data))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("buffer %d: the splitter cut %d chunks %v, Cut over the whole input %d %v", bufSize, len(got), got, len(want), want)
			}
		}
	}
}
