package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

func TestIAMPolicySemanticEquality(t *testing.T) {
	base := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":["backup:DeleteRecoveryPoint","backup:PutBackupVaultAccessPolicy"],"Resource":"*"}]}`
	cases := []struct {
		name  string
		other string
		equal bool
	}{
		{"identical", base, true},
		{"whitespace", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ { \"Effect\": \"Deny\", \"Principal\": {\"AWS\": \"*\"}, \"Action\": [\"backup:DeleteRecoveryPoint\", \"backup:PutBackupVaultAccessPolicy\"], \"Resource\": \"*\" } ]\n}\n", true},
		{"key order", `{"Statement":[{"Resource":"*","Action":["backup:DeleteRecoveryPoint","backup:PutBackupVaultAccessPolicy"],"Principal":{"AWS":"*"},"Effect":"Deny"}],"Version":"2012-10-17"}`, true},
		{"one-item lists for strings, statement as object", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":["backup:PutBackupVaultAccessPolicy","backup:DeleteRecoveryPoint"],"Resource":["*"]}}`, true},
		{"another effect", strings.Replace(base, "Deny", "Allow", 1), false},
		{"an action fewer", strings.Replace(base, `,"backup:PutBackupVaultAccessPolicy"`, "", 1), false},
		{"another principal", strings.Replace(base, `{"AWS":"*"}`, `{"AWS":"123456789012"}`, 1), false},
		{"not JSON", `{"Version":`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := NewIAMPolicyValue(base).StringSemanticEquals(context.Background(), NewIAMPolicyValue(tc.other))
			if diags.HasError() {
				t.Fatalf("diagnostics: %v", diags)
			}
			if got != tc.equal {
				t.Errorf("equal = %v, want %v", got, tc.equal)
			}
		})
	}
}

// The engine's own policy rules run at plan time: JSON faults with their position, and the
// policy's grammar.
func TestIAMPolicyValidationCatchesBadJSON(t *testing.T) {
	cases := map[string]string{
		`{"Version": "2012-10-17", "Statement": [}`:                "line 1, column",
		"{\n  \"Version\": \"2012-10-17\"\n  \"Statement\": []\n}": "line 3",
		``:            "empty or ends early",
		`{"a": 1`:     "empty or ends early",
		`"a string"`:  "must be a JSON object with Version and Statement, not a string",
		`{"a": 1} {}`: "more text after the policy's closing brace",
		`{"Version":"2012-10-17","Statement":[]}`: "Statement is empty: a policy needs at least one statement",
	}
	for text, want := range cases {
		resp := &xattr.ValidateAttributeResponse{}
		NewIAMPolicyValue(text).ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("policy")}, resp)
		if !resp.Diagnostics.HasError() {
			t.Errorf("%q: accepted", text)
			continue
		}
		if d := resp.Diagnostics.Errors()[0].Detail(); !strings.Contains(d, want) {
			t.Errorf("%q: detail %q does not say %q", text, d, want)
		}
	}
	resp := &xattr.ValidateAttributeResponse{}
	NewIAMPolicyValue(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}`).
		ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("policy")}, resp)
	if resp.Diagnostics.HasError() {
		t.Errorf("a valid policy was refused: %v", resp.Diagnostics)
	}
}
