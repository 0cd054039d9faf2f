package arns

import (
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

func TestParseARNHoldsRegionAndAccountToTheirForm(t *testing.T) {
	for _, arn := range []string{
		"arn:aws:backup:us-east-1:123456789012:backup-vault:prod",
		"arn:aws:s3:::bucket",
		"arn:aws:backup:zz-fake-9:123456789012:backup-vault:prod", // a region's form; whether it is served is the domain's question
	} {
		if _, err := Parse(arn); err != nil {
			t.Errorf("Parse(%q) = %v", arn, err)
		}
	}
	for _, arn := range []string{
		"arn:aws:backup:..:123456789012:backup-vault:prod",
		"arn:aws:backup:a b:123456789012:backup-vault:prod",
		"arn:aws:backup:us-east-1:12345678901a:backup-vault:prod",
		"arn:aws:backup:us-east-1:..:backup-vault:prod",
	} {
		if _, err := Parse(arn); !apierr.Is(err, apierr.InvalidParameterValue) {
			t.Errorf("Parse(%q) = %v, want InvalidParameterValueException", arn, err)
		}
	}
}

func TestParseRefusesWhatIsNotAnARN(t *testing.T) {
	for _, s := range []string{"", "fs-1", "arn:aws:backup:us-east-1:123456789012", "arn::backup:us-east-1:123456789012:x", "arn:aws::us-east-1:123456789012:x", "arn:aws:backup:us-east-1:123456789012:", "nra:aws:backup:us-east-1:123456789012:x"} {
		if _, err := Parse(s); !apierr.Is(err, apierr.InvalidParameterValue) {
			t.Errorf("Parse(%q) = %v, want InvalidParameterValueException", s, err)
		}
	}
}

func TestBuiltARNsParseBackToTheirKindAndName(t *testing.T) {
	for arn, kind := range map[string]string{
		Vault("eu-west-1", "123456789012", "prod"):         "backup-vault",
		RecoveryPoint("eu-west-1", "123456789012", "prod"): "recovery-point",
		Plan("eu-west-1", "123456789012", "prod"):          "backup-plan",
		LegalHold("eu-west-1", "123456789012", "prod"):     "legal-hold",
	} {
		a, err := Parse(arn)
		if err != nil || a.Kind() != kind || a.Name() != "prod" || a.Region != "eu-west-1" || a.AccountID != "123456789012" || a.String() != arn {
			t.Errorf("Parse(%q) = %+v (kind %q, name %q), %v", arn, a, a.Kind(), a.Name(), err)
		}
	}
}

func TestDefaultKeyIsAStableKMSKeyPerAccountAndRegion(t *testing.T) {
	k := DefaultKey("us-east-1", "123456789012")
	if err := CheckKMSKey(k); err != nil {
		t.Fatalf("the default key %s is refused: %v", k, err)
	}
	if DefaultKey("us-east-1", "123456789012") != k || DefaultKey("us-east-2", "123456789012") == k || DefaultKey("us-east-1", "210987654321") == k {
		t.Errorf("the default key is not one per account and region: %s", k)
	}
	for _, s := range []string{"arn:aws:kms:us-east-1:123456789012:alias/backup"} {
		if err := CheckKMSKey(s); err != nil {
			t.Errorf("CheckKMSKey(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"key/1", "arn:aws:kms:us-east-1:123456789012:key/", "arn:aws:s3:us-east-1:123456789012:key/1", "arn:aws:kms:us-east-1:123456789012:secret/1"} {
		if err := CheckKMSKey(s); !apierr.Is(err, apierr.InvalidParameterValue) {
			t.Errorf("CheckKMSKey(%q) = %v, want InvalidParameterValueException", s, err)
		}
	}
}
