package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Moving state from the AWS provider, through the protocol as Terraform does for
// `moved { from = aws_backup_X.n  to = backup_X.n }`: MoveResourceState against
// providerserver.NewProtocol6WithError.
//
// testdata/moved holds one resource instance ({"schema_version", "attributes"}, as in a
// terraform.tfstate) per AWS counterpart and AWS provider version, built from hashicorp/aws's
// provider schema (`terraform providers schema -json`) at v5.100.0, the last 5.x, and v6.47.0:
// every attribute and block the AWS provider stores, unset blocks as [], unset single blocks
// (timeouts) as null. 6.x adds `region` everywhere, `rule.scan_action`, `scan_setting` and
// `rule.target_logically_air_gapped_backup_vault_arn` to the plan, and `encryption_key_arn` to
// the air-gapped vault.

// movedCounterparts maps each AWS provider resource with a counterpart here to it.
var movedCounterparts = map[string]string{
	"aws_backup_vault":                      "backup_vault",
	"aws_backup_vault_lock_configuration":   "backup_vault_lock",
	"aws_backup_vault_policy":               "backup_vault_policy",
	"aws_backup_vault_notifications":        "backup_vault_notifications",
	"aws_backup_logically_air_gapped_vault": "backup_logically_air_gapped_vault",
	"aws_backup_plan":                       "backup_plan",
	"aws_backup_selection":                  "backup_selection",
	"aws_backup_restore_testing_plan":       "backup_restore_testing_plan",
	"aws_backup_restore_testing_selection":  "backup_restore_testing_selection",
	"aws_backup_framework":                  "backup_framework",
	"aws_backup_report_plan":                "backup_report_plan",
	"aws_backup_global_settings":            "backup_global_settings",
	"aws_backup_region_settings":            "backup_region_settings",
}

// movedIDs are the IDs a move sets where this provider's differ from the AWS provider's: the
// global settings' is the account ID there.
var movedIDs = map[string]string{"aws_backup_global_settings": globalSettingsID}

var awsProviderVersions = []string{"v5.100.0", "v6.47.0"}

const awsProviderAddress = "registry.terraform.io/hashicorp/aws"

// awsInstance is a resource instance as terraform.tfstate stores it.
type awsInstance struct {
	SchemaVersion int64           `json:"schema_version"`
	Attributes    json.RawMessage `json:"attributes"`
}

func readAWSInstance(t *testing.T, awsType, version string) awsInstance {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "moved", awsType+"."+version+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var in awsInstance
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	return in
}

// moveState sends MoveResourceState and returns the response, the moved state as plain Go
// values (nil when it was not moved) and the moved identity.
func moveState(t *testing.T, server tfprotov6.ProviderServer, schemas *tfprotov6.GetProviderSchemaResponse, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, map[string]any, map[string]string) {
	t.Helper()
	resp, err := server.MoveResourceState(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if hasErrors(resp.Diagnostics) || resp.TargetState == nil {
		return resp, nil, nil
	}
	v, err := resp.TargetState.Unmarshal(schemas.ResourceSchemas[req.TargetTypeName].ValueType())
	if err != nil {
		t.Fatal(err)
	}
	state, _ := plainValue(t, v).(map[string]any)
	var identity map[string]string
	if resp.TargetIdentity != nil {
		ids, err := server.GetResourceIdentitySchemas(context.Background(), &tfprotov6.GetResourceIdentitySchemasRequest{})
		if err != nil {
			t.Fatal(err)
		}
		iv, err := resp.TargetIdentity.IdentityData.Unmarshal(ids.IdentitySchemas[req.TargetTypeName].ValueType())
		if err != nil {
			t.Fatal(err)
		}
		identity = stringAttributes(t, iv)
	}
	return resp, state, identity
}

// plainValue is v as the Go values encoding/json decodes (with UseNumber): nil, string, bool,
// json.Number, []any, map[string]any.
func plainValue(t *testing.T, v tftypes.Value) any {
	t.Helper()
	if v.IsNull() {
		return nil
	}
	typ := v.Type()
	switch {
	case typ.Is(tftypes.String):
		var s string
		_ = v.As(&s)
		return s
	case typ.Is(tftypes.Bool):
		var b bool
		_ = v.As(&b)
		return b
	case typ.Is(tftypes.Number):
		f := new(big.Float)
		_ = v.As(&f)
		return json.Number(f.Text('f', -1))
	case typ.Is(tftypes.List{}), typ.Is(tftypes.Set{}):
		var elems []tftypes.Value
		_ = v.As(&elems)
		out := []any{}
		for _, e := range elems {
			out = append(out, plainValue(t, e))
		}
		return out
	case typ.Is(tftypes.Map{}), typ.Is(tftypes.Object{}):
		var attrs map[string]tftypes.Value
		_ = v.As(&attrs)
		out := map[string]any{}
		for k, e := range attrs {
			out[k] = plainValue(t, e)
		}
		return out
	}
	t.Fatalf("no plain value for type %s", typ)
	return nil
}

// canonicalJSON is v re-encoded, so that equal values compare equal as strings.
func canonicalJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodeJSON(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// sharedAttributesDiffer names the attributes, at any depth, that source and target both have
// and whose values differ (a set in the source compares as the list it was stored as).
func sharedAttributesDiffer(t *testing.T, source, target map[string]any, at string) []string {
	var differ []string
	for name, sv := range source {
		tv, shared := target[name]
		if !shared {
			continue
		}
		sm, sIsObj := sv.(map[string]any)
		tm, tIsObj := tv.(map[string]any)
		sl, sIsList := sv.([]any)
		tl, tIsList := tv.([]any)
		switch {
		case sIsObj && tIsObj && !isStringMap(sm):
			differ = append(differ, sharedAttributesDiffer(t, sm, tm, joinPath(at, name))...)
		case sIsList && tIsList && len(sl) == len(tl) && len(sl) > 0 && isObject(sl[0]):
			for i := range sl {
				differ = append(differ, sharedAttributesDiffer(t, sl[i].(map[string]any), tl[i].(map[string]any), fmt.Sprintf("%s[%d]", joinPath(at, name), i))...)
			}
		case canonicalJSON(t, sv) != canonicalJSON(t, tv):
			differ = append(differ, fmt.Sprintf("%s: %s became %s", joinPath(at, name), canonicalJSON(t, sv), canonicalJSON(t, tv)))
		}
	}
	sort.Strings(differ)
	return differ
}

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

// isStringMap tells a map attribute (tags) from a nested object: tags compare whole.
func isStringMap(m map[string]any) bool {
	for _, v := range m {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return len(m) > 0
}

func TestMovedFromAWS_everyCounterpartMovesItsStateAsBothMajorVersionsWroteIt(t *testing.T) {
	ctx := context.Background()
	server, schemas, err := protocolServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for awsType, target := range movedCounterparts {
		for _, version := range awsProviderVersions {
			t.Run(awsType+"@"+version, func(t *testing.T) {
				in := readAWSInstance(t, awsType, version)
				resp, moved, identity := moveState(t, server, schemas, &tfprotov6.MoveResourceStateRequest{
					SourceProviderAddress: awsProviderAddress, SourceTypeName: awsType, SourceSchemaVersion: in.SchemaVersion,
					SourceState: &tfprotov6.RawState{JSON: in.Attributes}, TargetTypeName: target,
				})
				if moved == nil || len(resp.Diagnostics) > 0 {
					t.Fatalf("moving %s to %s: %s", awsType, target, diagText(resp.Diagnostics))
				}
				source := decodeJSON(t, in.Attributes)
				wantID, idDiffers := movedIDs[awsType]
				if idDiffers {
					delete(source, "id")
				}
				if differ := sharedAttributesDiffer(t, source, moved, ""); len(differ) > 0 {
					t.Errorf("attributes that did not carry over:\n%s", strings.Join(differ, "\n"))
				}
				// The restore testing resources have no id, in either provider: their names identify them.
				if idDiffers && moved["id"] != wantID {
					t.Errorf("id %v, want %q", moved["id"], wantID)
				} else if _, hasID := source["id"]; hasID && (moved["id"] != source["id"] || moved["id"] == nil) {
					t.Errorf("id %v, want the AWS provider's %v", moved["id"], source["id"])
				}
				if len(identity) == 0 {
					t.Errorf("the move set no identity")
				}
				for k, v := range identity {
					if v == "" {
						t.Errorf("identity %s is empty: %v", k, identity)
					}
				}
			})
		}
	}
}

func TestMovedFromAWS_openTofusAddressForTheAWSProviderMovesToo(t *testing.T) {
	ctx := context.Background()
	server, schemas, err := protocolServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in := readAWSInstance(t, "aws_backup_vault", "v6.47.0")
	resp, moved, _ := moveState(t, server, schemas, &tfprotov6.MoveResourceStateRequest{
		SourceProviderAddress: "registry.opentofu.org/hashicorp/aws", SourceTypeName: "aws_backup_vault",
		SourceState: &tfprotov6.RawState{JSON: in.Attributes}, TargetTypeName: "backup_vault",
	})
	if moved == nil || moved["name"] != "moved-vault" {
		t.Errorf("moving from OpenTofu's hashicorp/aws: %v\n%s", moved, diagText(resp.Diagnostics))
	}
}

// What the counterpart does not model is dropped with a warning naming it; the per-resource
// region of 6.x, which every state has, and unset attributes are dropped quietly.
func TestMovedFromAWS_droppedValuesAreNamedInAWarning(t *testing.T) {
	ctx := context.Background()
	server, schemas, err := protocolServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	source := decodeJSON(t, readAWSInstance(t, "aws_backup_logically_air_gapped_vault", "v6.47.0").Attributes)
	source["encryption_key_arn"] = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
	source["timeouts"] = map[string]any{"create": "45m"}
	raw, err := json.Marshal(source)
	if err != nil {
		t.Fatal(err)
	}
	resp, moved, _ := moveState(t, server, schemas, &tfprotov6.MoveResourceStateRequest{
		SourceProviderAddress: awsProviderAddress, SourceTypeName: "aws_backup_logically_air_gapped_vault",
		SourceState: &tfprotov6.RawState{JSON: raw}, TargetTypeName: "backup_logically_air_gapped_vault",
	})
	if moved == nil {
		t.Fatalf("not moved: %s", diagText(resp.Diagnostics))
	}
	text := diagText(resp.Diagnostics)
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Severity != tfprotov6.DiagnosticSeverityWarning ||
		!strings.Contains(text, "encryption_key_arn") || strings.Contains(text, "region") || strings.Contains(text, "timeouts") {
		t.Errorf("want one warning naming encryption_key_arn only, got:\n%s", text)
	}
	if got := canonicalJSON(t, moved["timeouts"]); got != `{"create":"45m"}` {
		t.Errorf("timeouts.create, which both have, became %s", got)
	}
}

func TestMovedFromAWS_refusals(t *testing.T) {
	ctx := context.Background()
	server, schemas, err := protocolServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vault := readAWSInstance(t, "aws_backup_vault", "v5.100.0")
	plan := readAWSInstance(t, "aws_backup_plan", "v5.100.0")
	for _, c := range []struct {
		name string
		req  *tfprotov6.MoveResourceStateRequest
		want string
	}{
		{"a plan state older than the AWS provider 5.x writes", &tfprotov6.MoveResourceStateRequest{
			SourceProviderAddress: awsProviderAddress, SourceTypeName: "aws_backup_plan", SourceSchemaVersion: 0,
			SourceState: &tfprotov6.RawState{JSON: plan.Attributes}, TargetTypeName: "backup_plan",
		}, "terraform apply -refresh-only"},
		{"another provider's resource of the same name", &tfprotov6.MoveResourceStateRequest{
			SourceProviderAddress: "registry.terraform.io/example/aws", SourceTypeName: "aws_backup_vault",
			SourceState: &tfprotov6.RawState{JSON: vault.Attributes}, TargetTypeName: "backup_vault",
		}, "Unable to Move Resource State"},
		{"a vault into a plan", &tfprotov6.MoveResourceStateRequest{
			SourceProviderAddress: awsProviderAddress, SourceTypeName: "aws_backup_vault",
			SourceState: &tfprotov6.RawState{JSON: vault.Attributes}, TargetTypeName: "backup_plan",
		}, "Unable to Move Resource State"},
		{"a state whose attribute has the wrong type", &tfprotov6.MoveResourceStateRequest{
			SourceProviderAddress: awsProviderAddress, SourceTypeName: "aws_backup_vault",
			SourceState: &tfprotov6.RawState{JSON: []byte(`{"id":"v","name":"v","recovery_points":"many"}`)}, TargetTypeName: "backup_vault",
		}, "recovery_points: want a number"},
	} {
		resp, moved, _ := moveState(t, server, schemas, c.req)
		if moved != nil || !hasErrors(resp.Diagnostics) || !strings.Contains(diagText(resp.Diagnostics), c.want) {
			t.Errorf("%s: moved %v, diagnostics:\n%s\nwant an error saying %q", c.name, moved, diagText(resp.Diagnostics), c.want)
		}
	}
}
