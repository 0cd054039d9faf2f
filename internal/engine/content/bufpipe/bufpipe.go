// Package bufpipe is a pipe that hands over whole buffers, with a few of them of slack, so a
// writer filling buffers and a reader draining them (a pack streamed into the store) overlap.
package bufpipe

import "io"

// Pipe is io.Pipe with a few buffers of slack: the writer hands over whole buffers and goes on
// unless `depth` of them wait to be read. Each buffer is handed to release once read (or refused).
type Pipe struct {
	release func(*[]byte)
	ch      chan *[]byte
	closed  chan struct{} // the reader is gone; rerr says why
	rerr    error
	werr    error // the writer's error, or nil for EOF; set before ch is closed
	cur     *[]byte
	off     int
}

// New returns a pipe that holds up to depth unread buffers and gives each buffer to release
// once it is read or refused.
func New(depth int, release func(*[]byte)) *Pipe {
	return &Pipe{release: release, ch: make(chan *[]byte, depth), closed: make(chan struct{})}
}

// Send hands b to the reader, waiting while depth buffers are unread. It fails with the
// reader's error once the reader is closed.
func (p *Pipe) Send(b *[]byte) error {
	select {
	case p.ch <- b:
		return nil
	case <-p.closed:
		p.release(b)
		return p.rerr
	}
}

// CloseWrite ends the stream: the reader gets err after the buffers sent, or io.EOF if err is
// nil.
func (p *Pipe) CloseWrite(err error) {
	p.werr = err
	close(p.ch)
}

// CloseRead tells the writer the reader is gone; Send fails with err from then on.
func (p *Pipe) CloseRead(err error) {
	p.rerr = err
	close(p.closed)
}

// next makes cur a buffer with unread bytes, or returns the end of the stream.
func (p *Pipe) next() error {
	for p.cur == nil || p.off == len(*p.cur) {
		if p.cur != nil {
			p.release(p.cur)
			p.cur = nil
		}
		b, ok := <-p.ch
		if !ok {
			if p.werr != nil {
				return p.werr
			}
			return io.EOF
		}
		p.cur, p.off = b, 0
	}
	return nil
}

// Read implements io.Reader.
func (p *Pipe) Read(b []byte) (int, error) {
	if err := p.next(); err != nil {
		return 0, err
	}
	n := copy(b, (*p.cur)[p.off:])
	p.off += n
	return n, nil
}

// WriteTo writes each buffer as it comes, without an intermediate copy.
func (p *Pipe) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if err := p.next(); err != nil {
			if err == io.EOF {
				return total, nil
			}
			return total, err
		}
		n, err := w.Write((*p.cur)[p.off:])
		total += int64(n)
		p.off += n
		if err != nil {
			return total, err
		}
	}
}
