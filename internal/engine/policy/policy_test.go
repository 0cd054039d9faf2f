package policy

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// known is a slice of AWS Backup's operation names, enough for the tests.
var known = []string{"DeleteRecoveryPoint", "DescribeBackupVault", "DescribeRecoveryPoint", "ListRecoveryPointsByBackupVault", "PutBackupVaultAccessPolicy", "StartBackupJob", "UpdateRecoveryPointLifecycle"}

func TestParseAcceptsTheShapesIAMAllows(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want Document
	}{
		{
			name: "single statement object, single strings",
			doc: `{"Version":"2012-10-17","Statement":{"Sid":"DenyDelete","Effect":"Deny","Principal":"*",
				"Action":"backup:DeleteRecoveryPoint","Resource":"*"}}`,
			want: Document{Version: Version2012, Statements: []Statement{{
				Sid: "DenyDelete", Effect: Deny, Principal: &Principal{Anyone: true},
				Actions: []string{"backup:DeleteRecoveryPoint"}, Resources: []string{"*"},
			}}},
		},
		{
			name: "lists, AWS principals, wildcards, condition",
			doc: `{
  "Version": "2012-10-17",
  "Id": "vault-policy",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"AWS": ["123456789012", "arn:aws:iam::210987654321:role/backup-admin"]},
      "Action": ["backup:Describe*", "backup:ListRecoveryPointsByBackupVault"],
      "Resource": ["arn:aws:backup:us-east-1:123456789012:backup-vault:prod", "arn:aws:backup:*:123456789012:recovery-point:*"],
      "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-abc", "o-def"]}, "Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"backup:x": 7}}
    },
    {
      "Sid": "2",
      "Effect": "Deny",
      "NotPrincipal": {"Service": "backup.amazonaws.com"},
      "NotAction": "backup:Start*",
      "NotResource": "arn:aws:backup:us-east-1:123456789012:backup-vault:prod"
    }
  ]
}`,
			want: Document{Version: Version2012, ID: "vault-policy", Statements: []Statement{
				{
					Effect:    Allow,
					Principal: &Principal{AWS: []string{"123456789012", "arn:aws:iam::210987654321:role/backup-admin"}},
					Actions:   []string{"backup:Describe*", "backup:ListRecoveryPointsByBackupVault"},
					Resources: []string{"arn:aws:backup:us-east-1:123456789012:backup-vault:prod", "arn:aws:backup:*:123456789012:recovery-point:*"},
					Conditions: map[string]map[string][]string{
						"StringEquals":    {"aws:PrincipalOrgID": {"o-abc", "o-def"}},
						"Bool":            {"aws:SecureTransport": {"true"}},
						"NumericLessThan": {"backup:x": {"7"}},
					},
				},
				{
					Sid: "2", Effect: Deny, NotPrincipal: &Principal{Service: []string{"backup.amazonaws.com"}},
					NotActions: []string{"backup:Start*"}, NotResources: []string{"arn:aws:backup:us-east-1:123456789012:backup-vault:prod"},
				},
			}},
		},
		{
			name: "2008 version, AWS star, action case-insensitive, bare star action",
			doc:  `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["BACKUP:deleterecoverypoint","*"],"Resource":"*"}]}`,
			want: Document{Version: Version2008, Statements: []Statement{{
				Effect: Allow, Principal: &Principal{Anyone: true, AWS: []string{"*"}},
				Actions: []string{"BACKUP:deleterecoverypoint", "*"}, Resources: []string{"*"},
			}}},
		},
		{
			name: "condition operators with qualifiers and IfExists",
			doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:*","Resource":"*",
				"Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":"team*"},"DateGreaterThanIfExists":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}]}`,
			want: Document{Version: Version2012, Statements: []Statement{{
				Effect: Deny, Principal: &Principal{Anyone: true}, Actions: []string{"backup:*"}, Resources: []string{"*"},
				Conditions: map[string]map[string][]string{
					"ForAnyValue:StringLike":  {"aws:TagKeys": {"team*"}},
					"DateGreaterThanIfExists": {"aws:CurrentTime": {"2030-01-01T00:00:00Z"}},
				},
			}}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.doc, Options{Actions: known})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", *got, tc.want)
			}
		})
	}
}

func TestParseRefusalsPointAtTheFault(t *testing.T) {
	valid := func(stmt string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"backup:*","Resource":"*"},` + stmt + `]}`
	}
	cases := []struct {
		name, doc       string
		path, mentioned string
	}{
		{"not JSON", `{"Version": "2012-10-17",`, "", "not valid JSON"},
		{"syntax error has a position", "{\n  \"Version\": \"2012-10-17\"\n  \"Statement\": []\n}", "", "line 3"},
		{"empty document", ``, "", "not valid JSON"},
		{"trailing text", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"backup:*","Resource":"*"}} x`, "", "more text"},
		{"not an object", `["Version"]`, "", "JSON object"},
		{"no version", `{"Statement":[]}`, "Version", `add "Version": "2012-10-17"`},
		{"bad version", `{"Version":"2020-01-01","Statement":[]}`, "Version", `"2012-10-17"`},
		{"unknown top-level element", `{"Version":"2012-10-17","Statement":[],"Extra":1}`, "Extra", "not a policy element"},
		{"misspelt case", `{"version":"2012-10-17","Statement":[]}`, "version", `write "Version"`},
		{"no statement", `{"Version":"2012-10-17"}`, "Statement", "at least one statement"},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, "Statement", "at least one statement"},
		{"statement is a string", `{"Version":"2012-10-17","Statement":"allow"}`, "Statement", "object or a list"},
		{"statement item not an object", valid(`"x"`), "Statement[1]", "must be an object"},
		{"lowercase effect", valid(`{"Effect":"allow","Principal":"*","Action":"backup:*","Resource":"*"}`), "Statement[1].Effect", `"Allow" or "Deny", got "allow"`},
		{"missing effect", valid(`{"Principal":"*","Action":"backup:*","Resource":"*"}`), "Statement[1].Effect", "is missing"},
		{"missing principal", valid(`{"Effect":"Deny","Action":"backup:*","Resource":"*"}`), "Statement[1].Principal", "is missing"},
		{"principal and not principal", valid(`{"Effect":"Deny","Principal":"*","NotPrincipal":"*","Action":"backup:*","Resource":"*"}`), "Statement[1]", "both Principal and NotPrincipal"},
		{"principal string not star", valid(`{"Effect":"Deny","Principal":"me","Action":"backup:*","Resource":"*"}`), "Statement[1].Principal", `got "me"`},
		{"principal unknown type", valid(`{"Effect":"Deny","Principal":{"Federated":"x"},"Action":"backup:*","Resource":"*"}`), "Statement[1].Principal.Federated", "not a policy element"},
		{"bad AWS principal", valid(`{"Effect":"Deny","Principal":{"AWS":["123456789012","bob"]},"Action":"backup:*","Resource":"*"}`), "Statement[1].Principal.AWS[1]", `"bob" is not an AWS principal`},
		{"principal AWS number", valid(`{"Effect":"Deny","Principal":{"AWS":123456789012},"Action":"backup:*","Resource":"*"}`), "Statement[1].Principal.AWS", "string or a list of strings"},
		{"bad service principal", valid(`{"Effect":"Deny","Principal":{"Service":"backup"},"Action":"backup:*","Resource":"*"}`), "Statement[1].Principal.Service", "not a service principal"},
		{"missing action", valid(`{"Effect":"Deny","Principal":"*","Resource":"*"}`), "Statement[1].Action", "is missing"},
		{"action of another service", valid(`{"Effect":"Deny","Principal":"*","Action":["backup:*","s3:GetObject"],"Resource":"*"}`), "Statement[1].Action[1]", "only name backup: actions"},
		{"unknown backup action", valid(`{"Effect":"Deny","Principal":"*","Action":"backup:DeleteEverything","Resource":"*"}`), "Statement[1].Action", "matches no AWS Backup action"},
		{"wildcard matching nothing", valid(`{"Effect":"Deny","Principal":"*","Action":"backup:Frobnicate*","Resource":"*"}`), "Statement[1].Action", "matches no AWS Backup action"},
		{"action without service", valid(`{"Effect":"Deny","Principal":"*","Action":"DeleteRecoveryPoint","Resource":"*"}`), "Statement[1].Action", "backup:ACTION"},
		{"action with bad characters", valid(`{"Effect":"Deny","Principal":"*","Action":"backup:Delete-Point","Resource":"*"}`), "Statement[1].Action", "not a valid action name"},
		{"action empty list", valid(`{"Effect":"Deny","Principal":"*","Action":[],"Resource":"*"}`), "Statement[1].Action", "empty list"},
		{"action list of numbers", valid(`{"Effect":"Deny","Principal":"*","Action":[1],"Resource":"*"}`), "Statement[1].Action[0]", "must be a string"},
		{"action and not action", valid(`{"Effect":"Deny","Principal":"*","Action":"backup:*","NotAction":"backup:*","Resource":"*"}`), "Statement[1]", "both Action and NotAction"},
		{"missing resource", valid(`{"Effect":"Deny","Principal":"*","Action":"backup:*"}`), "Statement[1].Resource", "is missing"},
		{"resource not an ARN", valid(`{"Effect":"Deny","Principal":"*","Action":"backup:*","Resource":["*","my-vault"]}`), "Statement[1].Resource[1]", `"my-vault" is not a resource`},
		{"unknown statement element", valid(`{"Effect":"Deny","Principal":"*","Action":"backup:*","Resource":"*","Actions":"x"}`), "Statement[1].Actions", "not a policy element"},
		{"condition not an object", valid(`{"Effect":"Deny","Principal":"*","Action":"backup:*","Resource":"*","Condition":"x"}`), "Statement[1].Condition", "object of condition operators"},
		{"unknown condition operator", valid(`{"Effect":"Deny","Principal":"*","Action":"backup:*","Resource":"*","Condition":{"StringMatches":{"a":"b"}}}`), "Statement[1].Condition.StringMatches", "not an IAM condition operator"},
		{"condition value object", valid(`{"Effect":"Deny","Principal":"*","Action":"backup:*","Resource":"*","Condition":{"StringEquals":{"a":{"b":1}}}}`), "Statement[1].Condition.StringEquals.a", "string, number or boolean"},
		{"duplicate sid", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"backup:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Principal":"*","Action":"backup:*","Resource":"*"}]}`, "Statement[1].Sid", "must be unique"},
		{"single statement path has no index", `{"Version":"2012-10-17","Statement":{"Effect":"Permit","Principal":"*","Action":"backup:*","Resource":"*"}}`, "Statement.Effect", `got "Permit"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.doc, Options{Actions: known})
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a *policy.Error", err)
			}
			if pe.Path != tc.path {
				t.Errorf("fault at %q, want %q (%v)", pe.Path, tc.path, err)
			}
			if !strings.Contains(err.Error(), tc.mentioned) {
				t.Errorf("message %q does not say %q", err.Error(), tc.mentioned)
			}
		})
	}
}

func TestParseWithoutKnownActionsAcceptsAnyBackupActionName(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:SomethingNew","Resource":"*"}]}`
	if _, err := Parse(doc, Options{}); err != nil {
		t.Errorf("Parse without a known-action list: %v", err)
	}
	if _, err := Parse(doc, Options{Actions: known}); err == nil {
		t.Errorf("Parse with a known-action list accepted backup:SomethingNew")
	}
}

func TestMatchActionAndResource(t *testing.T) {
	cases := []struct {
		pattern, op string
		want        bool
	}{
		{"backup:*", "DeleteRecoveryPoint", true},
		{"*", "DeleteRecoveryPoint", true},
		{"backup:Delete*", "DeleteRecoveryPoint", true},
		{"backup:delete*", "DeleteRecoveryPoint", true},
		{"BACKUP:DeleteRecoveryPoint", "DeleteRecoveryPoint", true},
		{"backup:Describe*", "DeleteRecoveryPoint", false},
		{"backup:DeleteRecoveryPoin?", "DeleteRecoveryPoint", true},
		{"backup:DeleteRecoveryPoin?", "DeleteRecoveryPoints", false},
		{"s3:*", "DeleteRecoveryPoint", false},
		{"backup:*Point", "DeleteRecoveryPoint", true},
		{"backup:*Point*Lock", "DeleteRecoveryPoint", false},
	}
	for _, tc := range cases {
		if got := MatchAction(tc.pattern, tc.op); got != tc.want {
			t.Errorf("MatchAction(%q, %q) = %v, want %v", tc.pattern, tc.op, got, tc.want)
		}
	}
	arn := "arn:aws:backup:us-east-1:123456789012:recovery-point:abc"
	for pattern, want := range map[string]bool{
		"*": true,
		"arn:aws:backup:us-east-1:123456789012:recovery-point:*": true,
		"arn:aws:backup:*:*:recovery-point:*":                    true,
		"arn:aws:backup:us-east-1:123456789012:backup-vault:*":   false,
		"ARN:aws:backup:us-east-1:123456789012:recovery-point:*": false,
	} {
		if got := MatchResource(pattern, arn); got != want {
			t.Errorf("MatchResource(%q) = %v, want %v", pattern, got, want)
		}
	}
}

// FuzzParse (seeds in testdata/fuzz/FuzzParse) checks that no input makes Parse panic or hang, that every refusal is a located
// *Error, and that every accepted document has the shape the Statement type documents.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := Parse(doc, Options{Actions: known})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Problem == "" {
				t.Fatalf("refusal %v is not a located *policy.Error", err)
			}
			return
		}
		if d.Version != Version2012 && d.Version != Version2008 {
			t.Fatalf("accepted version %q", d.Version)
		}
		if len(d.Statements) == 0 {
			t.Fatalf("accepted a policy without statements")
		}
		for i, s := range d.Statements {
			if s.Effect != Allow && s.Effect != Deny {
				t.Fatalf("statement %d: effect %q", i, s.Effect)
			}
			if (s.Principal == nil) == (s.NotPrincipal == nil) {
				t.Fatalf("statement %d: not exactly one of Principal and NotPrincipal", i)
			}
			if (len(s.Actions) == 0) == (len(s.NotActions) == 0) {
				t.Fatalf("statement %d: not exactly one of Action and NotAction", i)
			}
			if (len(s.Resources) == 0) == (len(s.NotResources) == 0) {
				t.Fatalf("statement %d: not exactly one of Resource and NotResource", i)
			}
		}
	})
}
