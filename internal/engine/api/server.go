// Package api serves the AWS Backup API (rest-json, SigV4, version 2018-11-15) over HTTP.
//
// Routing, input decoding and validation are driven by the embedded service model
// (model/service-2.json) rather than hand-written per operation: the model is the contract the
// SDKs were generated from, so reading it here keeps the two sides from drifting. Operation
// bodies live in the service package; this package only translates HTTP to calls and errors to
// the rest-json error format that aws-sdk-go-v2 and botocore decode into typed exceptions.
package api

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
	"github.com/strongroom/terraform-provider-backup/internal/engine/service"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// ExtensionPrefix is the path under which the engine serves its own, non-AWS endpoints (the
// protected-resource registry, the clock). AWS Backup paths never start with it.
const ExtensionPrefix = "/_engine/"

// opFunc runs one operation on a validated input document.
type opFunc func(ctx context.Context, input []byte) (any, error)

// op adapts a typed service method to an opFunc.
func op[In, Out any](f func(context.Context, *In) (*Out, error)) opFunc {
	return func(ctx context.Context, input []byte) (any, error) {
		var in In
		// input holds only the model's members (validate drops the rest), so nothing reaches In
		// that the model lacks.
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, apierr.New(apierr.SerializationException, "cannot read the request: %v", err)
		}
		out, err := f(ctx, &in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// operationSets lists, per concept, the operations the engine implements. Each returns a map
// from model operation name to its implementation, and lives in its concept's ops_*.go file.
var operationSets = []func(*service.Service) map[string]opFunc{
	vaultOperations,
	vaultProtectionOperations,
	planOperations,
	jobOperations,
	recoveryPointOperations,
	legalHoldOperations,
	copyOperations,
	jobSummaryOperations,
	restoreTestingOperations,
	settingsOperations,
	auditManagerOperations,
}

// Handler serves the AWS Backup API and the engine's extension API.
type Handler struct {
	model      *Model
	router     *router
	ops        map[string]opFunc
	bodyLimits map[string]int64
	bodies     *bodyBudget
	verifier   *verifier
	log        *slog.Logger
	extension  http.Handler
	wall       func() time.Time
	metrics    *metrics.Registry
	auditor    Auditor
	// answers keeps pure reads' answers while the store's Version holds (nil: none kept).
	answers *answerCache
	// auditDown is set while the audit log cannot be written; see Auditor.
	auditDown     atomic.Bool
	auditFailures atomic.Int64
}

// Options configure a Handler.
type Options struct {
	Service *service.Service
	Keys    KeyLookup
	Log     *slog.Logger
	// Extension serves requests under ExtensionPrefix, after SigV4 authentication; the caller's
	// identity is in the request context (service.CallerFrom).
	Extension http.Handler
	// Regions are the regions requests may be signed for (nil: AWS's standard regions).
	Regions *region.Set
	// Metrics, when set, records every request's latency by operation and status.
	Metrics *metrics.Registry
	// Auditor records every call, accepted or refused (nil: no audit trail).
	Auditor Auditor
	// Versions, when set, lets pure reads be answered again without the store while nothing
	// was committed (answers.go).
	Versions store.Versioner
}

// NewHandler returns the engine's HTTP handler.
func NewHandler(o Options) (*Handler, error) {
	m, err := LoadModel()
	if err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{model: m, router: newRouter(m), ops: map[string]opFunc{}, bodyLimits: map[string]int64{}, bodies: newBodyBudget(bodyBudgetBytes),
		verifier: newVerifier(o.Keys), log: o.Log, extension: o.Extension, wall: clock.Wall, metrics: o.Metrics, auditor: o.Auditor,
		answers: newAnswerCache(o.Versions)}
	for name, op := range m.Operations {
		h.bodyLimits[name] = m.bodyLimit(op)
	}
	h.verifier.regions = o.Regions
	for _, set := range operationSets {
		for name, fn := range set(o.Service) {
			if _, ok := m.Operations[name]; !ok {
				return nil, fmt.Errorf("operation %s is not in the service model", name)
			}
			h.ops[name] = fn
		}
	}
	return h, nil
}

// Implemented reports whether the engine implements the named operation.
func (h *Handler) Implemented(name string) bool { _, ok := h.ops[name]; return ok }

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := clock.Wall()
	reqID := newRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	limits := limitsFrom(r.Context())
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK, writeDeadline: func() time.Time { return h.wall().Add(limits.ResponseTimeout) }}
	call := &auditCall{}
	var opName string
	if h.auditDown.Load() {
		dropUnreadBody(rec, r, h.wall)
		writeError(rec, apierr.New(apierr.ServiceUnavailable, "the engine cannot write its audit trail, so it refuses calls until it can: see the engine's log"))
	} else {
		opName = h.serve(rec, r, reqID, call)
	}
	if rec.complete && readOnly(call.eventName) && !h.auditDown.Load() {
		// The answer is whole (its Content-Length sent), and a read's record need not be
		// durable before it (AppendRead): send it now, so the client reads it while the record
		// and the metrics are made. A change's answer still waits for its durable record.
		_ = http.NewResponseController(rec).Flush()
	}
	h.audit(r.Context(), r, reqID, started, rec, call)
	level := slog.LevelInfo
	if rec.status >= 500 {
		level = slog.LevelError
	}
	h.log.LogAttrs(r.Context(), level, "request",
		slog.String("request_id", reqID), slog.String("operation", opName), slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.String("error_code", rec.errCode),
		slog.Duration("duration", clock.Since(started)))
	if opName == "" {
		opName = unroutedOperation
	}
	h.metrics.APIRequest(opName, rec.status, clock.Since(started))
}

// unroutedOperation labels the latency of requests refused before they named an operation
// (authentication failures, unknown paths), so they are counted without one label per path.
const unroutedOperation = "unrouted"

func (h *Handler) serve(w *statusRecorder, r *http.Request, reqID string, call *auditCall) string {
	// Everything that can be refused without the body is refused before a byte of it is read.
	signed, err := h.verifier.verify(r.Context(), r)
	if err != nil {
		dropUnreadBody(w, r, h.wall)
		writeError(w, err)
		return ""
	}
	extension := strings.HasPrefix(r.URL.Path, ExtensionPrefix) && h.extension != nil
	var op *Operation
	var labels map[string]string
	limit, what := int64(bodyLimitNoPayload), "this request"
	if extension {
		limit, what = bodyLimitExtension, "the engine's extension API"
	} else if o, l, ok := h.router.match(r.Method, r.URL.EscapedPath(), r.URL.Query()); ok {
		op, labels = o, l
		limit, what = h.bodyLimits[op.Name], op.Name
	}
	body, release, err := h.readBody(w, r, limit, what)
	defer release()
	if err != nil {
		dropUnreadBody(w, r, h.wall)
		writeError(w, err)
		return ""
	}
	id, err := h.verifier.verifyBody(r.Context(), signed, body)
	if err != nil {
		writeError(w, err)
		return ""
	}
	ctx := service.WithCaller(r.Context(), service.Caller{AccountID: id.AccountID, Region: id.Region, AccessKeyID: id.AccessKeyID})
	call.accountID, call.accessKeyID, call.region = id.AccountID, id.AccessKeyID, id.Region

	if extension {
		call.params = jsonObject(body)
		r = r.WithContext(ctx)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		h.extension.ServeHTTP(w, r)
		return "extension"
	}
	if op == nil {
		writeError(w, apierr.New(apierr.UnknownOperation, "no AWS Backup operation matches %s %s", r.Method, r.URL.Path))
		return ""
	}
	call.eventName = op.Name
	fn, ok := h.ops[op.Name]
	if !ok {
		writeError(w, apierr.InvalidReq("%s is not implemented by this engine yet", op.Name))
		return op.Name
	}
	doc, err := h.model.decodeInput(op, labels, r, body)
	if err != nil {
		writeError(w, err)
		return op.Name
	}
	if op.Input != nil {
		// Redacted for the record when it is made, after a read's answer is sent.
		call.inputShape, call.input = op.Input.Shape, doc
	}
	if op.Input != nil {
		if err := h.model.validate(op.Input.Shape, doc); err != nil {
			writeError(w, err)
			return op.Name
		}
	}
	input, err := json.Marshal(doc)
	if err != nil {
		writeError(w, err)
		return op.Name
	}
	var key string
	var before store.Version
	keepAnswer := false
	if h.answers != nil && pureReads[op.Name] {
		key = answerKey(op.Name, id, input)
		a, now, ok := h.answers.lookup(key)
		if a != nil {
			writeAnswer(w, a)
			return op.Name
		}
		before, keepAnswer = now, ok
	}
	out, err := fn(ctx, input)
	if err != nil {
		if _, isAPI := apierr.As(err); !isAPI && !errors.Is(err, context.Canceled) {
			h.log.ErrorContext(ctx, "operation failed", slog.String("request_id", reqID), slog.String("operation", op.Name), slog.Any("error", err))
		}
		writeError(w, err)
		return op.Name
	}
	var extra map[string]string
	if x, ok := out.(extensionHeaders); ok {
		extra = x.ExtensionHeaders()
		for k, v := range extra {
			w.Header().Set(k, v)
		}
	}
	status := op.HTTP.ResponseCode
	if status == 0 {
		status = http.StatusOK
	}
	payload, err := json.Marshal(out)
	if err != nil {
		writeError(w, fmt.Errorf("encode %s output: %w", op.Name, err))
		return op.Name
	}
	if !readOnly(op.Name) {
		call.response = jsonObject(payload)
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return op.Name
	}
	if keepAnswer {
		h.answers.keep(before, key, &answer{status: status, headers: extra, payload: payload})
	}
	writeBody(w, status, payload)
	return op.Name
}

// writeAnswer sends a kept answer as serve sent it.
func writeAnswer(w http.ResponseWriter, a *answer) {
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	writeBody(w, a.status, a.payload)
}

// extensionHeaders is implemented by outputs that carry facts AWS's output shape has no member
// for (service.HeaderLockChangeableForDays). They travel as response headers, which AWS clients
// ignore, so the body stays exactly AWS's shape.
type extensionHeaders interface {
	ExtensionHeaders() map[string]string
}

// errorBody is the rest-json error document. The SDKs read the code from the x-amzn-ErrorType
// header or __type, and the message from message or Message.
type errorBody struct {
	Type             string `json:"__type"`
	Code             string `json:"Code"`
	Message          string `json:"Message"`
	LowerMessage     string `json:"message"`
	ErrType          string `json:"Type,omitempty"`
	Context          string `json:"Context,omitempty"`
	Arn              string `json:"Arn,omitempty"`
	CreatorRequestId string `json:"CreatorRequestId,omitempty"`
}

// WriteError writes err in the rest-json error format; errors that are not *apierr.Error become
// ServiceUnavailableException, which the SDKs retry.
func WriteError(w http.ResponseWriter, err error) { writeError(w, err) }

func writeError(w http.ResponseWriter, err error) {
	e, ok := apierr.As(err)
	if !ok {
		e = apierr.New(apierr.ServiceUnavailable, "the engine could not complete the request: %v", err)
	}
	status := e.Status()
	var withStatus *statusError
	if errors.As(err, &withStatus) {
		status = withStatus.status
	}
	if rec, ok := w.(*statusRecorder); ok {
		rec.errCode, rec.errMsg = e.Code, e.Message
	}
	b, _ := json.Marshal(errorBody{Type: e.Code, Code: e.Code, Message: e.Message, LowerMessage: e.Message, ErrType: e.Type, Context: e.Context, Arn: e.Arn, CreatorRequestId: e.CreatorRequestId})
	w.Header().Set("x-amzn-ErrorType", e.Code)
	writeBody(w, status, b)
}

// statusRecorder records the answer's status for the request log, and bounds the time its
// writing may take (ServerLimits.ResponseTimeout) from the moment it starts.
type statusRecorder struct {
	http.ResponseWriter
	status  int
	errCode string
	errMsg  string
	started bool
	// complete is set once a whole answer with its Content-Length is written (writeBody).
	complete bool
	// writeDeadline returns the deadline for writing the answer, from its start.
	writeDeadline func() time.Time
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.start()
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.start()
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) start() {
	if s.started {
		return
	}
	s.started = true
	if s.writeDeadline != nil {
		_ = http.NewResponseController(s.ResponseWriter).SetWriteDeadline(s.writeDeadline()) // not supported in-process
	}
}

// writeBody writes a whole JSON answer with its Content-Length, as net/http would have set it for
// a small one, so that it can be flushed before the handler returns.
func writeBody(w http.ResponseWriter, status int, payload []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
	w.WriteHeader(status)
	_, err := w.Write(payload)
	if rec, ok := w.(*statusRecorder); ok && err == nil {
		rec.complete = true
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// newRequestID returns a random ID in AWS's request ID form (8-4-4-4-12 hex digits). An ID
// names a request and an audit event; it guards nothing, so it comes from math/rand/v2's
// runtime-seeded generator (ChaCha8) rather than a getrandom system call per ID.
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	var h [36]byte
	hex.Encode(h[0:8], b[0:4])
	h[8] = '-'
	hex.Encode(h[9:13], b[4:6])
	h[13] = '-'
	hex.Encode(h[14:18], b[6:8])
	h[18] = '-'
	hex.Encode(h[19:23], b[8:10])
	h[23] = '-'
	hex.Encode(h[24:36], b[10:16])
	return string(h[:])
}
