package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/audit"
)

// Auditor appends one record per API call to the audit trail (audit.Log implements it).
//
// An audit failure is never silent, but it does not undo a call: the operation has run by the
// time its record is written. The failure is logged at error level and counted
// (Handler.AuditFailures), and until a record can be written again every call is refused with
// ServiceUnavailableException, which the SDKs retry, before it runs, so no further change goes
// unrecorded. Each refusal tries to record itself, and the first that succeeds reopens the API.
//
// A read-only call (readOnly) is recorded with AppendRead, which does not wait for the record's
// fsync (see package audit for what a crash can lose); every other call, and every call while
// the API refuses calls, with Append, which does.
type Auditor interface {
	Append(audit.Record) error
	AppendRead(audit.Record) error
}

// auditCall collects, as a request is served, what its audit record says.
type auditCall struct {
	eventName   string
	accountID   string
	accessKeyID string
	region      string
	params      map[string]any
	response    any
	// input is the decoded request of shape inputShape, which becomes params, its sensitive
	// members redacted, when the record is made.
	inputShape string
	input      any
}

// readOnly operations change nothing. They have no responseElements in CloudTrail: their
// answers (lists, above all) can be large and hold nothing the request did not ask to see. The
// extension API's reads (ListResources, GetResource, GetClock, ListPlanResources) are named the
// same way.
func readOnly(name string) bool {
	return strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "Describe")
}

// claimedCredential reads the access key and region a SigV4 Authorization header claims, so a
// refused signature is still recorded with who it claimed to be.
var claimedCredential = regexp.MustCompile(`Credential=([^/,\s]+)/[^/,\s]*/([^/,\s]+)/`)

func (h *Handler) audit(ctx context.Context, r *http.Request, reqID string, started time.Time, rec *statusRecorder, call *auditCall) {
	if h.auditor == nil {
		return
	}
	if call.accessKeyID == "" {
		if m := claimedCredential.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			call.accessKeyID, call.region = m[1], m[2]
		}
	}
	if call.eventName == "" {
		// A call refused before routing (by SigV4, say) is still named by the route it took.
		call.eventName = "Unknown"
		if strings.HasPrefix(r.URL.Path, ExtensionPrefix) {
			call.eventName = extensionEventName(r)
		} else if o, _, ok := h.router.match(r.Method, r.URL.EscapedPath(), r.URL.Query()); ok {
			call.eventName = o.Name
		}
	}
	if call.params == nil && call.input != nil {
		call.params, _ = h.model.redactSensitive(call.inputShape, call.input).(map[string]any)
	}
	params := call.params
	if params == nil {
		params = map[string]any{}
		if len(r.URL.Query()) > 0 {
			params["query"] = flatQuery(r.URL.Query())
		}
	}
	params["httpMethod"], params["path"] = r.Method, r.URL.Path
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	record := audit.Record{
		EventTime: started.UTC().Format(time.RFC3339Nano), EventName: call.eventName, AWSRegion: call.region,
		SourceIPAddress: ip, UserAgent: r.UserAgent(),
		UserIdentity:      audit.Identity{AccountID: call.accountID, AccessKeyID: call.accessKeyID},
		RequestParameters: params, ErrorCode: rec.errCode, ErrorMessage: rec.errMsg,
		RequestID: reqID, EventID: newRequestID(),
	}
	if rec.errCode == "" {
		record.ResponseElements = call.response
	}
	appendRecord := h.auditor.Append
	if readOnly(call.eventName) && !h.auditDown.Load() {
		appendRecord = h.auditor.AppendRead
	}
	if err := appendRecord(record); err != nil {
		h.auditFailures.Add(1)
		h.auditDown.Store(true)
		h.log.LogAttrs(ctx, slog.LevelError, "audit record lost: the API refuses calls until the audit log can be written",
			slog.String("request_id", reqID), slog.String("operation", call.eventName), slog.Any("error", err))
		return
	}
	h.auditDown.Store(false)
}

// AuditFailures is how many audit records could not be written.
func (h *Handler) AuditFailures() int64 { return h.auditFailures.Load() }

// extensionEventName names an /_engine/ call as an AWS operation would be named: its verb and
// what it acts on ("RegisterResource", "ListResources", "SetClock"); a path the extension does
// not serve is "Engine" plus its method.
func extensionEventName(r *http.Request) string {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, ExtensionPrefix), "/"), "/")
	if len(parts) > 1 && parts[0] == "v1" {
		parts = parts[1:]
	}
	one := len(parts) > 1
	switch {
	case parts[0] == "resources" && !one && r.Method == http.MethodPost:
		return "RegisterResource"
	case parts[0] == "resources" && !one && r.Method == http.MethodGet:
		return "ListResources"
	case parts[0] == "resources" && one && r.Method == http.MethodGet:
		return "GetResource"
	case parts[0] == "resources" && one && r.Method == http.MethodPatch:
		return "UpdateResource"
	case parts[0] == "resources" && one && r.Method == http.MethodDelete:
		return "DeregisterResource"
	case parts[0] == "clock" && r.Method == http.MethodGet:
		return "GetClock"
	case parts[0] == "clock" && r.Method == http.MethodPost:
		return "SetClock"
	case parts[0] == "plans" && r.Method == http.MethodGet:
		return "ListPlanResources"
	}
	return "Engine" + r.Method
}

func flatQuery(q url.Values) map[string]any {
	out := map[string]any{}
	for k, v := range q {
		if len(v) == 1 {
			out[k] = v[0]
		} else {
			out[k] = v
		}
	}
	return out
}

// jsonObject decodes b as a JSON object for an audit record, or returns nil.
func jsonObject(b []byte) map[string]any {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// redactSensitive replaces, in v (a document of shapeName), every value whose shape the model
// marks sensitive by audit.Redacted. The audit log adds its deny-list of secret member names.
func (m *Model) redactSensitive(shapeName string, v any) any {
	s := m.Shapes[shapeName]
	if s == nil || v == nil {
		return v
	}
	if s.Sensitive {
		return audit.Redacted
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(obj))
		for k, val := range obj {
			if mem, ok := s.Members[k]; ok {
				out[k] = m.redactSensitive(mem.Shape, val)
			} else {
				out[k] = val
			}
		}
		return out
	case "list":
		arr, ok := v.([]any)
		if !ok || s.Member == nil {
			return v
		}
		out := make([]any, len(arr))
		for i, val := range arr {
			out[i] = m.redactSensitive(s.Member.Shape, val)
		}
		return out
	case "map":
		obj, ok := v.(map[string]any)
		if !ok || s.Value == nil {
			return v
		}
		out := make(map[string]any, len(obj))
		for k, val := range obj {
			out[k] = m.redactSensitive(s.Value.Shape, val)
		}
		return out
	}
	return v
}
