package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

// Request body bounds. The model gives almost no input a maximum size, so the bounds come from
// the shape of each operation's payload (bodyLimit): an operation whose input is all URI, query
// and header members never needs more than an empty JSON object; one whose payload is flat
// (names, ARNs, tags, restore metadata) fits in bodyLimitFlat many times over; and plan
// documents, selections and policies, the largest AWS Backup inputs, get bodyLimitDocument.
// AWS's own front end bounds request sizes the same way, far below the engine's old 8 MiB.
const (
	bodyLimitNoPayload = 16 << 10
	bodyLimitFlat      = 256 << 10
	bodyLimitDocument  = 1 << 20
	// bodyLimitExtension bounds the extension API's bodies: a resource locator and its tags,
	// or a clock move.
	bodyLimitExtension = 64 << 10
	// bodyBudgetBytes bounds the request bodies held in memory at once, across all requests,
	// so many concurrent large bodies cannot add up to more than this.
	bodyBudgetBytes = 16 << 20
)

// ServerLimits are the HTTP server's timeouts and size limits.
type ServerLimits struct {
	// HeaderTimeout bounds reading a request's line and headers (http.Server.ReadHeaderTimeout).
	HeaderTimeout time.Duration
	// BodyTimeout bounds reading a request's body, from when the engine starts reading it: after
	// the headers have authenticated and the body has its share of the body budget, so neither
	// check eats into the client's time. It is set per request (http.ResponseController) rather
	// than as http.Server.ReadTimeout, which runs from the first byte of the request.
	BodyTimeout time.Duration
	// ResponseTimeout bounds writing a response, from its first byte. It is set per response
	// rather than as http.Server.WriteTimeout, which also counts the handler's run: a clock move
	// that waits for the jobs it starts would have its answer cut off.
	ResponseTimeout time.Duration
	// IdleTimeout closes keep-alive connections that send no next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
}

// DefaultServerLimits are the limits of `engine serve` and of test servers: generous for any
// client on a slow link, short enough that an idle or trickling connection is let go.
func DefaultServerLimits() ServerLimits {
	return ServerLimits{
		HeaderTimeout:   10 * time.Second,
		BodyTimeout:     60 * time.Second,
		ResponseTimeout: 60 * time.Second,
		IdleTimeout:     120 * time.Second,
		MaxHeaderBytes:  64 << 10,
	}
}

type limitsKey struct{}

// NewServer returns the HTTP server for an engine handler with limits l. `engine serve` and the
// test servers both use it, so they share one definition of the limits.
func NewServer(h http.Handler, l ServerLimits) *http.Server {
	return &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), limitsKey{}, l)))
		}),
		ReadHeaderTimeout: l.HeaderTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// limitsFrom returns the limits NewServer put in ctx, else the defaults (the in-process
// transport of the embedded engine has no server, and no connection to time out).
func limitsFrom(ctx context.Context) ServerLimits {
	if l, ok := ctx.Value(limitsKey{}).(ServerLimits); ok {
		return l
	}
	return DefaultServerLimits()
}

// statusError carries the HTTP status of an error whose code AWS answers with more than one
// status, such as SerializationException for a body too large (413).
type statusError struct {
	err    *apierr.Error
	status int
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// bodyLimit is the largest body op accepts, derived from its input shape in the model.
func (m *Model) bodyLimit(op *Operation) int64 {
	if op.Input == nil {
		return bodyLimitNoPayload
	}
	in := m.Shapes[op.Input.Shape]
	payload := false
	for name, mem := range in.Members {
		if mem.Location != "" {
			continue
		}
		payload = true
		if m.carriesDocument(name, mem.Shape, map[string]bool{}) {
			return bodyLimitDocument
		}
	}
	if !payload {
		return bodyLimitNoPayload
	}
	return bodyLimitFlat
}

// carriesDocument reports whether a member holds a document: a list or map of structures (plan
// rules, selection conditions), or a JSON or policy text (BackupPlanTemplateJson, IAMPolicy).
func (m *Model) carriesDocument(member, shapeName string, seen map[string]bool) bool {
	if seen[shapeName] {
		return false
	}
	seen[shapeName] = true
	s := m.Shapes[shapeName]
	if s == nil {
		return false
	}
	switch s.Type {
	case "string":
		return strings.HasSuffix(member, "Json") || strings.Contains(shapeName, "Policy")
	case "structure":
		for name, mem := range s.Members {
			if m.carriesDocument(name, mem.Shape, seen) {
				return true
			}
		}
	case "list":
		if e := m.Shapes[s.Member.Shape]; e != nil && e.Type == "structure" {
			return true
		}
		return m.carriesDocument(member, s.Member.Shape, seen)
	case "map":
		if e := m.Shapes[s.Value.Shape]; e != nil && e.Type == "structure" {
			return true
		}
		return m.carriesDocument(member, s.Value.Shape, seen)
	}
	return false
}

// bodyBudget bounds the request body bytes held in memory at once, across requests.
type bodyBudget struct{ sem *semaphore.Weighted }

func newBodyBudget(n int64) *bodyBudget { return &bodyBudget{sem: semaphore.NewWeighted(n)} }

// readBody reads r's body, at most limit bytes, within the body timeout; what names the
// operation in errors. The returned release gives its share of the body budget back once the
// request is done with the body.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, limit int64, what string) (body []byte, release func(), err error) {
	release = func() {}
	if r.ContentLength > limit {
		return nil, release, tooLarge(what, limit)
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return nil, release, nil
	}
	size := limit + 1
	if r.ContentLength > 0 {
		size = r.ContentLength
	}
	l := limitsFrom(r.Context())
	wait, cancel := context.WithTimeout(r.Context(), l.BodyTimeout)
	defer cancel()
	if err := h.bodies.sem.Acquire(wait, size); err != nil {
		return nil, release, apierr.New(apierr.ServiceUnavailable, "the engine is receiving too many large requests at once; retry later")
	}
	release = func() { h.bodies.sem.Release(size) }

	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(h.wall().Add(l.BodyTimeout)) // not supported in-process: nothing to time out there
	// Exactly the budgeted size is allocated (a growing buffer would overshoot it): the declared
	// length, or one byte over the limit for a chunked body, to tell a body at the limit from one
	// beyond it.
	buf := make([]byte, size)
	n, err := io.ReadFull(r.Body, buf)
	_ = rc.SetReadDeadline(time.Time{})
	if r.ContentLength < 0 && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)) {
		err = nil // a chunked body shorter than the limit
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, release, &statusError{apierr.New("RequestTimeoutException", "the request body did not arrive within %s; send it at once", l.BodyTimeout), http.StatusRequestTimeout}
	case err != nil:
		return nil, release, apierr.New(apierr.SerializationException, "cannot read the request body: %v", err)
	case int64(n) > limit:
		return nil, release, tooLarge(what, limit)
	}
	return buf[:n], release, nil
}

func tooLarge(what string, limit int64) error {
	return &statusError{apierr.New(apierr.SerializationException, "the request body is too large: %s accepts at most %d bytes", what, limit), http.StatusRequestEntityTooLarge}
}

// dropUnreadBody is called when a request is answered without reading (all of) its body. It
// closes the connection after the answer, and gives net/http, which drains up to 256 KiB of an
// unread body after the handler returns, only unreadBodyGrace to do so: a client sending at full
// speed is drained, so net/http closes gently and the client reads the answer; a trickling one is
// cut off instead of holding the connection.
func dropUnreadBody(w http.ResponseWriter, r *http.Request, wall func() time.Time) {
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return
	}
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(wall().Add(unreadBodyGrace))
}

// unreadBodyGrace bounds the draining of a body the engine did not read.
const unreadBodyGrace = time.Second
