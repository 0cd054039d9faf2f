// Package extension serves the engine's own API, the parts AWS Backup has no operation for, under
// api.ExtensionPrefix (/_engine/). Requests reach it after SigV4 authentication, with the caller in
// the request context, so the extension API is exactly as protected as the AWS one. Errors use the
// same rest-json error format, so one client-side decoder serves both.
//
//	POST   /_engine/v1/resources         register a protected resource   {"ResourceType","Locator","Tags"}
//	GET    /_engine/v1/resources         list them                        ?type=EFS&maxResults=N&nextToken=T
//	GET    /_engine/v1/resources/{arn}   describe one (the ARN path-escaped)
//	PATCH  /_engine/v1/resources/{arn}   replace its tags                 {"Tags"}
//	DELETE /_engine/v1/resources/{arn}   remove it from the registry
//	GET    /_engine/v1/clock             the engine clock                 {"Mode","Now","Persistent"}
//	POST   /_engine/v1/clock             move a fake clock, running what comes due   {"Set"} or {"Advance"}, "MaxWaitSeconds"
//	GET    /_engine/v1/plans/{id}/resources   the registered resources a plan's selections cover now   {"ResourceArns"}
//	                                          (?selectionId=S: those selection S covers)
//	GET    /_engine/v1/frameworks/{name}/compliance   a framework's verdicts per control and resource, evaluated now
//	                                     {"FrameworkArn","FrameworkName","ComplianceStatus","EvaluationTime","Results":[{"ControlName","ResourceArn","ResourceType","ComplianceStatus","Reason","EvaluationTime"}]}
package extension

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/strongroom/terraform-provider-backup/internal/engine/api"
	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/service"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// ResourcesPath is the collection of registered resources.
const ResourcesPath = api.ExtensionPrefix + "v1/resources"

// ClockPath is the engine clock.
const ClockPath = api.ExtensionPrefix + "v1/clock"

// PlansPath is the collection of backup plans, for what AWS Backup has no operation for.
const PlansPath = api.ExtensionPrefix + "v1/plans"

// FrameworksPath is the collection of Backup Audit Manager frameworks, for their compliance
// results (AWS keeps those in AWS Config, which the engine does not serve).
const FrameworksPath = api.ExtensionPrefix + "v1/frameworks"

// Handler returns the extension API over s.
func Handler(s *service.Service) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+ResourcesPath, func(w http.ResponseWriter, r *http.Request) {
		var in wire.RegisterResourceInput
		if !decode(w, r, &in) {
			return
		}
		out, err := s.RegisterResource(r.Context(), &in)
		reply(w, http.StatusCreated, out, err)
	})
	mux.HandleFunc("GET "+ResourcesPath, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		in := wire.ListResourcesInput{ResourceType: q.Get("type"), NextToken: q.Get("nextToken")}
		if v := q.Get("maxResults"); v != "" {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				api.WriteError(w, apierr.InvalidParameter("maxResults must be a whole number, got %q", v))
				return
			}
			maxResults := int32(n)
			in.MaxResults = &maxResults
		}
		out, err := s.ListResources(r.Context(), &in)
		reply(w, http.StatusOK, out, err)
	})
	mux.HandleFunc("GET "+ResourcesPath+"/{arn}", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.GetResource(r.Context(), &wire.GetResourceInput{ResourceArn: r.PathValue("arn")})
		reply(w, http.StatusOK, out, err)
	})
	mux.HandleFunc("PATCH "+ResourcesPath+"/{arn}", func(w http.ResponseWriter, r *http.Request) {
		var in wire.UpdateResourceInput
		if !decode(w, r, &in) {
			return
		}
		in.ResourceArn = r.PathValue("arn")
		out, err := s.UpdateResource(r.Context(), &in)
		reply(w, http.StatusOK, out, err)
	})
	mux.HandleFunc("DELETE "+ResourcesPath+"/{arn}", func(w http.ResponseWriter, r *http.Request) {
		_, err := s.RemoveResource(r.Context(), &wire.GetResourceInput{ResourceArn: r.PathValue("arn")})
		reply(w, http.StatusNoContent, nil, err)
	})
	mux.HandleFunc("GET "+ClockPath, func(w http.ResponseWriter, r *http.Request) {
		out, err := s.ShowClock(r.Context(), nil)
		reply(w, http.StatusOK, out, err)
	})
	mux.HandleFunc("POST "+ClockPath, func(w http.ResponseWriter, r *http.Request) {
		var in wire.MoveClockInput
		if !decode(w, r, &in) {
			return
		}
		out, err := s.MoveClock(r.Context(), &in)
		reply(w, http.StatusOK, out, err)
	})
	mux.HandleFunc("GET "+PlansPath+"/{id}/resources", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.ListPlanResources(r.Context(), &wire.ListPlanResourcesInput{BackupPlanId: r.PathValue("id"), SelectionId: r.URL.Query().Get("selectionId")})
		reply(w, http.StatusOK, out, err)
	})
	mux.HandleFunc("GET "+FrameworksPath+"/{name}/compliance", func(w http.ResponseWriter, r *http.Request) {
		out, err := s.FrameworkCompliance(r.Context(), r.PathValue("name"))
		reply(w, http.StatusOK, out, err)
	})
	mux.HandleFunc(api.ExtensionPrefix, func(w http.ResponseWriter, r *http.Request) {
		api.WriteError(w, apierr.New(apierr.UnknownOperation, "the engine has no extension endpoint %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// decode reads a JSON body into v, as strictly as the AWS API reads its own (api.DecodeJSON); an
// empty body leaves v zero. The API handler has already read the body, bounded, to verify its
// signature.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		api.WriteError(w, apierr.New(apierr.SerializationException, "cannot read the request body: %v", err))
		return false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return true
	}
	if err := api.DecodeJSON(b, v); err != nil {
		api.WriteError(w, err)
		return false
	}
	return true
}

func reply(w http.ResponseWriter, status int, out any, err error) {
	if err != nil {
		api.WriteError(w, err)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
