package console

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// inProcessEndpoint is the base URL the console's clients sign for. Nothing listens on it: the
// transport hands each request to the API handler in this process.
const inProcessEndpoint = "http://engine.console"

// inProcess is an http.RoundTripper that serves a request with the API handler. It is the
// engine's in-process transport (engine.InProcessTransport) plus one thing the console needs:
// the request carries the browser's address, so the audit trail records where a console user
// acted from, not "in-process".
type inProcess struct {
	api        http.Handler
	remoteAddr string
}

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = t.remoteAddr
	if in.Body == nil {
		in.Body = http.NoBody
	}
	w := &responseBuffer{header: http.Header{}}
	t.api.ServeHTTP(w, in)
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status: strconv.Itoa(w.status) + " " + http.StatusText(w.status), StatusCode: w.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: w.header,
		Body: io.NopCloser(bytes.NewReader(w.body.Bytes())), ContentLength: int64(w.body.Len()), Request: req,
	}, nil
}

type responseBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *responseBuffer) Header() http.Header { return w.header }

func (w *responseBuffer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *responseBuffer) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
