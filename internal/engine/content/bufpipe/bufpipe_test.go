package bufpipe

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"
)

// released counts the buffers a pipe gave back.
type released struct {
	mu   sync.Mutex
	bufs []*[]byte
}

func (r *released) put(b *[]byte) {
	r.mu.Lock()
	r.bufs = append(r.bufs, b)
	r.mu.Unlock()
}

func (r *released) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bufs)
}

func buf(s string) *[]byte { b := []byte(s); return &b }

func TestBuffersArriveInOrderThroughReadAndWriteTo(t *testing.T) {
	for _, viaWriteTo := range []bool{false, true} {
		var rel released
		p := New(2, rel.put)
		go func() {
			for _, s := range []string{"one ", "", "two ", "three"} {
				if err := p.Send(buf(s)); err != nil {
					t.Error(err)
				}
			}
			p.CloseWrite(nil)
		}()
		var out bytes.Buffer
		var err error
		if viaWriteTo {
			_, err = p.WriteTo(&out)
		} else {
			_, err = io.Copy(&out, struct{ io.Reader }{p}) // hides WriteTo: Read only
		}
		if err != nil {
			t.Fatalf("WriteTo %v: %v", viaWriteTo, err)
		}
		if out.String() != "one two three" {
			t.Fatalf("WriteTo %v: read %q", viaWriteTo, out.String())
		}
		if rel.count() != 4 {
			t.Fatalf("WriteTo %v: %d of 4 buffers released", viaWriteTo, rel.count())
		}
	}
}

func TestTheReaderGetsTheWritersErrorAfterTheData(t *testing.T) {
	var rel released
	p := New(2, rel.put)
	stop := errors.New("pack abandoned")
	if err := p.Send(buf("data")); err != nil {
		t.Fatal(err)
	}
	p.CloseWrite(stop)
	got, err := io.ReadAll(p)
	if string(got) != "data" || !errors.Is(err, stop) {
		t.Fatalf("read %q, %v; want the data, then %v", got, err, stop)
	}
}

func TestSendFailsWithTheReadersErrorAndReleasesTheBuffer(t *testing.T) {
	var rel released
	p := New(1, rel.put)
	gone := errors.New("store failed")
	if err := p.Send(buf("a")); err != nil { // fills the slack
		t.Fatal(err)
	}
	p.CloseRead(gone)
	if err := p.Send(buf("b")); !errors.Is(err, gone) {
		t.Fatalf("Send after CloseRead: %v, want %v", err, gone)
	}
	if rel.count() != 1 || string(*rel.bufs[0]) != "b" {
		t.Fatalf("the refused buffer was not released (released %d)", rel.count())
	}
}
