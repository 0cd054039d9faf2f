package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzDecodeRequest feeds the request decoder (decodeInput, then validate) arbitrary operations,
// paths with query strings, and bodies. Whatever it accepts must be strict JSON (one object, valid
// UTF-8, unique names, nothing after it), hold only the model's members at every depth, and
// re-encode to JSON, since the operation's input struct is decoded from that re-encoding.
// Seeds are in testdata/fuzz/FuzzDecodeRequest.
func FuzzDecodeRequest(f *testing.F) {
	m, err := LoadModel()
	if err != nil {
		f.Fatal(err)
	}
	rt := newRouter(m)
	f.Add("CreateBackupVault", "/backup-vaults/v1", []byte(`{"BackupVaultTags":{"a":"b"},"CreatorRequestId":"r-1"}`))
	f.Add("CreateBackupVault", "/backup-vaults/v1", []byte(`{}xyz`))
	f.Add("ListBackupJobs", "/backup-jobs/?state=COMPLETED&maxResults=5", []byte(`{"ByState":"RUNNING"}`))
	f.Add("StartRestoreJob", "/restore-jobs", []byte(`{"RecoveryPointArn":"a","Metadata":{"k":null},"IamRoleArn":"r"}`))
	f.Fuzz(func(t *testing.T, opName, target string, body []byte) {
		op := m.Operations[opName]
		if op == nil || op.Input == nil {
			return
		}
		r, err := http.NewRequest(op.HTTP.Method, "http://engine"+target, bytes.NewReader(body))
		if err != nil || r.URL.Path == "" {
			return
		}
		matched, labels, ok := rt.match(op.HTTP.Method, r.URL.EscapedPath(), r.URL.Query())
		if !ok || matched != op {
			return
		}
		doc, err := m.decodeInput(op, labels, r, body)
		if err != nil {
			return
		}
		if err := m.validate(op.Input.Shape, doc); err != nil {
			return
		}
		if len(bytes.Trim(body, jsonSpace)) > 0 {
			if !jsontext.Value(bytes.Trim(body, jsonSpace)).IsValid() {
				t.Fatalf("accepted a body that is not strict JSON: %q", body)
			}
		}
		if stray := m.unknownMember(op.Input.Shape, "", doc); stray != "" {
			t.Fatalf("accepted input keeps %s, which the model does not have", stray)
		}
		if id, ok := doc["CreatorRequestId"].(string); ok && len(id) > 50 {
			t.Fatalf("accepted a CreatorRequestId of %d bytes", len(id))
		}
		if _, err := json.Marshal(doc); err != nil {
			t.Fatalf("accepted input does not re-encode: %v", err)
		}
	})
}

// unknownMember returns the path of a structure member in v that shape has no member for.
func (m *Model) unknownMember(shape, path string, v any) string {
	s := m.Shapes[shape]
	if s == nil {
		return ""
	}
	switch s.Type {
	case "structure":
		obj, _ := v.(map[string]any)
		for k, val := range obj {
			mem, ok := s.Members[k]
			if !ok {
				return join(path, k)
			}
			if stray := m.unknownMember(mem.Shape, join(path, k), val); stray != "" {
				return stray
			}
		}
	case "list":
		arr, _ := v.([]any)
		for _, e := range arr {
			if stray := m.unknownMember(s.Member.Shape, path+"[]", e); stray != "" {
				return stray
			}
		}
	case "map":
		obj, _ := v.(map[string]any)
		for k, e := range obj {
			if stray := m.unknownMember(s.Value.Shape, path+"["+k+"]", e); stray != "" {
				return stray
			}
		}
	}
	return ""
}

// TestDecodedInputKeepsOnlyModelMembers: a body cannot carry members the model lacks, nor a
// member the model binds to the URI or query string, into the operation's input.
func TestDecodedInputKeepsOnlyModelMembers(t *testing.T) {
	m, err := LoadModel()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		op, target, body string
		want             map[string]any
	}{
		{"CreateBackupVault", "/backup-vaults/v1", `{"BackupVaultName":"other","AccountId":"111111111111","backupVaultTags":{"a":"b"}}`,
			map[string]any{"BackupVaultName": "v1"}},
		{"ListBackupJobs", "/backup-jobs/", `{"ByState":"RUNNING"}`, map[string]any{}},
		{"CreateBackupPlan", "/backup/plans/", `{"BackupPlan":{"BackupPlanName":"p","Rules":[{"RuleName":"r","TargetBackupVaultName":"vv","Internal":true}],"Owner":"x"}}`,
			map[string]any{"BackupPlan": map[string]any{"BackupPlanName": "p", "Rules": []any{map[string]any{"RuleName": "r", "TargetBackupVaultName": "vv"}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			op := m.Operations[tc.op]
			r, _ := http.NewRequest(op.HTTP.Method, "http://engine"+tc.target, strings.NewReader(tc.body))
			_, labels, ok := newRouter(m).match(op.HTTP.Method, r.URL.EscapedPath(), r.URL.Query())
			if !ok {
				t.Fatalf("%s does not route", tc.target)
			}
			doc, err := m.decodeInput(op, labels, r, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if err := m.validate(op.Input.Shape, doc); err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(doc)
			want, _ := json.Marshal(tc.want)
			if !bytes.Equal(got, want) {
				t.Errorf("decoded %s, want %s", got, want)
			}
		})
	}
}

// TestBodyLimitsFollowTheModel: operations without a payload, with a flat one, and with plan
// documents or policies get the three bounds.
func TestBodyLimitsFollowTheModel(t *testing.T) {
	m, err := LoadModel()
	if err != nil {
		t.Fatal(err)
	}
	for op, want := range map[string]int64{
		"ListBackupVaults":           bodyLimitNoPayload,
		"DeleteBackupVault":          bodyLimitNoPayload,
		"GetSupportedResourceTypes":  bodyLimitNoPayload,
		"CreateBackupVault":          bodyLimitFlat,
		"StartBackupJob":             bodyLimitFlat,
		"StartRestoreJob":            bodyLimitFlat,
		"TagResource":                bodyLimitFlat,
		"CreateBackupPlan":           bodyLimitDocument,
		"UpdateBackupPlan":           bodyLimitDocument,
		"CreateBackupSelection":      bodyLimitDocument,
		"GetBackupPlanFromJSON":      bodyLimitDocument,
		"PutBackupVaultAccessPolicy": bodyLimitDocument,
	} {
		if got := m.bodyLimit(m.Operations[op]); got != want {
			t.Errorf("%s: body limit %d, want %d", op, got, want)
		}
	}
}
