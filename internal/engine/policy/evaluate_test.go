package policy

import (
	"fmt"
	"testing"
)

const (
	owner  = "111111111111"
	source = "222222222222"
	other  = "333333333333"
	vault  = "arn:aws:backup:eu-west-1:111111111111:backup-vault:dr-vault"
	point  = "arn:aws:backup:eu-west-1:111111111111:recovery-point:0190a3c2-aaaa-7bbb-8ccc-000000000001"
)

func mustParse(t *testing.T, statements string) *Document {
	t.Helper()
	d, err := Parse(`{"Version":"2012-10-17","Statement":[`+statements+`]}`, Options{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return d
}

// Each case cites the rule of IAM's evaluation logic it checks:
//   - [deny-allow] "By default, all requests are implicitly denied … An explicit deny overrides an
//     explicit allow" (reference_policies_evaluation-logic_policy-eval-denyallow.html);
//   - [implicit] "An implicit denial occurs when there is no applicable Deny statement but also no
//     applicable Allow statement" (…AccessPolicyLanguage_Interplay.html);
//   - [account] "The account ARN and the shortened account ID behave the same way. Both delegate
//     permissions to the account" (reference_policies_elements_principal.html);
//   - [wildcard] actions and resources match with * and ?, actions case-insensitively
//     (reference_policies_elements_action.html, …_resource.html);
//   - [not] NotPrincipal, NotAction and NotResource match everything except what they list;
//   - [absent] "If the key … is not present in the request context, the values do not match and the
//     condition is false … [for] StringNotLike or ArnNotLike … the condition is true", except
//     …IfExists and Null (reference_policies_elements_condition_operators.html).
func TestEvaluate_followsIAMsDocumentedLogic(t *testing.T) {
	copyFrom := func(account string) Request {
		return Request{Account: account, Action: "CopyIntoBackupVault", Resource: vault}
	}
	cases := []struct {
		rule, name, statements string
		req                    Request
		want                   Decision
	}{
		{"implicit", "no statement applies", `{"Effect":"Allow","Principal":{"AWS":"` + other + `"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}`,
			copyFrom(source), ImplicitDeny},
		{"account", "the source account's root ARN grants copies", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + source + `:root"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}`,
			copyFrom(source), Allowed},
		{"account", "the bare account ID grants the same", `{"Effect":"Allow","Principal":{"AWS":"` + source + `"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}`,
			copyFrom(source), Allowed},
		{"account", "the account ARN covers the account's roles too", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + source + `:root"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}`,
			Request{Account: source, PrincipalARN: "arn:aws:iam::" + source + ":role/ops", Action: "CopyIntoBackupVault", Resource: vault}, Allowed},
		{"account", "a role ARN names only that role", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + source + `:role/ops"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}`,
			copyFrom(source), ImplicitDeny},
		{"account", "everyone", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*"}`,
			copyFrom(other), Allowed},
		{"account", "AWS star is everyone", `{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}`,
			copyFrom(other), Allowed},
		{"account", "a service principal is not an account's caller", `{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}`,
			copyFrom(source), ImplicitDeny},
		{"deny-allow", "an explicit deny beats an allow, in any order", `{"Effect":"Deny","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*"},{"Effect":"Allow","Principal":{"AWS":"` + source + `"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}`,
			copyFrom(source), ExplicitDeny},
		{"deny-allow", "a deny of another action leaves the allow", `{"Effect":"Allow","Principal":{"AWS":"` + source + `"},"Action":"backup:CopyIntoBackupVault","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}`,
			copyFrom(source), Allowed},
		{"deny-allow", "deny applies to the owner account too", `{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point}, ExplicitDeny},
		{"wildcard", "backup:* covers every action", `{"Effect":"Allow","Principal":{"AWS":"` + source + `"},"Action":"backup:*","Resource":"*"}`,
			copyFrom(source), Allowed},
		{"wildcard", "a prefix wildcard", `{"Effect":"Deny","Principal":"*","Action":"backup:Delete*","Resource":"*"}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point}, ExplicitDeny},
		{"wildcard", "? is one character", `{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoin?","Resource":"*"}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point}, ExplicitDeny},
		{"wildcard", "action names are case-insensitive", `{"Effect":"Deny","Principal":"*","Action":"backup:deleterecoverypoint","Resource":"*"}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point}, ExplicitDeny},
		{"wildcard", "a resource pattern that covers the vault", `{"Effect":"Allow","Principal":{"AWS":"` + source + `"},"Action":"backup:CopyIntoBackupVault","Resource":"arn:aws:backup:*:111111111111:backup-vault:dr-*"}`,
			copyFrom(source), Allowed},
		{"wildcard", "a resource pattern for another vault", `{"Effect":"Allow","Principal":{"AWS":"` + source + `"},"Action":"backup:CopyIntoBackupVault","Resource":"arn:aws:backup:*:111111111111:backup-vault:prod-*"}`,
			copyFrom(source), ImplicitDeny},
		{"wildcard", "resources match case-sensitively", `{"Effect":"Allow","Principal":{"AWS":"` + source + `"},"Action":"backup:CopyIntoBackupVault","Resource":"arn:aws:backup:eu-west-1:111111111111:backup-vault:DR-VAULT"}`,
			copyFrom(source), ImplicitDeny},
		{"wildcard", "recovery points of the vault's account", `{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"arn:aws:backup:eu-west-1:111111111111:recovery-point:*"}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point}, ExplicitDeny},
		{"not", "NotPrincipal exempts the listed account", `{"Effect":"Deny","NotPrincipal":{"AWS":"` + owner + `"},"Action":"backup:DeleteRecoveryPoint","Resource":"*"}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point}, ImplicitDeny},
		{"not", "NotPrincipal denies everyone else", `{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::` + owner + `:role/backup-admin"},"Action":"backup:DeleteRecoveryPoint","Resource":"*"}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point}, ExplicitDeny},
		{"not", "NotAction allows all but the listed", `{"Effect":"Allow","Principal":{"AWS":"` + source + `"},"NotAction":"backup:Delete*","Resource":"*"}`,
			copyFrom(source), Allowed},
		{"not", "NotAction does not cover the listed", `{"Effect":"Deny","Principal":"*","NotAction":"backup:DeleteRecoveryPoint","Resource":"*"}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point}, ImplicitDeny},
		{"not", "NotResource", `{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","NotResource":"` + vault + `"}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point}, ExplicitDeny},
		{"absent", "StringEquals on a key the request has", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"` + source + `"}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:PrincipalAccount": {source}}}, Allowed},
		{"absent", "condition key names are case-insensitive", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"StringEquals":{"AWS:principalaccount":"` + source + `"}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:PrincipalAccount": {source}}}, Allowed},
		{"absent", "StringEquals on an absent key (an organisation ID) is false", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}`,
			copyFrom(source), ImplicitDeny},
		{"absent", "StringNotEquals on an absent key is true", `{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*","Condition":{"StringNotEquals":{"aws:userid":"AIDA:*"}}}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point}, ExplicitDeny},
		{"absent", "StringNotEquals exempts the listed value", `{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":["` + owner + `","` + other + `"]}}}`,
			Request{Account: owner, Action: "DeleteRecoveryPoint", Resource: point, Context: map[string][]string{"aws:PrincipalAccount": {owner}}}, ImplicitDeny},
		{"absent", "…IfExists on an absent key is true", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-abc"}}}`,
			copyFrom(source), Allowed},
		{"absent", "Null true on an absent key", `{"Effect":"Deny","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"Null":{"aws:PrincipalOrgID":"true"}}}`,
			copyFrom(source), ExplicitDeny},
		{"absent", "StringLike", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::2222*:root"}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:PrincipalArn": {"arn:aws:iam::" + source + ":root"}}}, Allowed},
		{"absent", "ArnLike matches component by component", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:root"}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:PrincipalArn": {"arn:aws:iam::" + source + ":root"}}}, Allowed},
		{"absent", "DateLessThan", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:CurrentTime": {"2026-06-01T12:00:00Z"}}}, Allowed},
		{"absent", "DateGreaterThan with epoch seconds", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"DateGreaterThan":{"aws:EpochTime":"1893456000"}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:EpochTime": {"1780000000"}}}, ImplicitDeny},
		{"absent", "NumericLessThanEquals", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"NumericLessThanEquals":{"backup:CopyTargets":"3"}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"backup:CopyTargets": {"3"}}}, Allowed},
		{"absent", "Bool", `{"Effect":"Deny","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:SecureTransport": {"false"}}}, ExplicitDeny},
		{"absent", "IpAddress with a CIDR", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:SourceIp": {"127.0.0.1"}}}, Allowed},
		{"absent", "ForAllValues on an absent key is true", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}}`,
			copyFrom(source), Allowed},
		{"absent", "ForAllValues needs every value listed", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:TagKeys": {"a", "c"}}}, ImplicitDeny},
		{"absent", "ForAnyValue needs one", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:TagKeys": {"a", "c"}}}, Allowed},
		{"absent", "every key of every operator must hold", `{"Effect":"Allow","Principal":"*","Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"` + source + `"},"Bool":{"aws:SecureTransport":"true"}}}`,
			Request{Account: source, Action: "CopyIntoBackupVault", Resource: vault, Context: map[string][]string{"aws:PrincipalAccount": {source}, "aws:SecureTransport": {"false"}}}, ImplicitDeny},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%02d %s: %s", i, c.rule, c.name), func(t *testing.T) {
			if got := mustParse(t, c.statements).Evaluate(c.req); got != c.want {
				t.Errorf("Evaluate(%+v) = %v, want %v", c.req, got, c.want)
			}
		})
	}
}
