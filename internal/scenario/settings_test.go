package scenario

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// The AWS CLI drives the four settings operations against `engine serve --fake-clock`: the
// global settings keep what is set with the fake clock's LastUpdateTime, the region settings
// keep each region's opt-ins, an opted-out type is refused on demand with AWS's error, and bad
// values are refused with the exception the model names. boto3 drives them the same way.
func TestAWSCLI_accountSettings(t *testing.T) {
	parallel(t)
	d := startDaemon(t, "--fake-clock", "2025-06-01T08:00:00Z")
	global := d.mustAWS(t, "us-east-1", "backup", "describe-global-settings")
	if gs, _ := global["GlobalSettings"].(map[string]any); gs["isCrossAccountBackupEnabled"] != "true" || len(gs) != 3 {
		t.Fatalf("describe-global-settings printed %v; want the three documented flags, cross-account on", global)
	}
	d.mustAWS(t, "us-east-1", "backup", "update-global-settings", "--global-settings", "isCrossAccountBackupEnabled=false")
	global = d.mustAWS(t, "us-east-1", "backup", "describe-global-settings")
	if gs, _ := global["GlobalSettings"].(map[string]any); gs["isCrossAccountBackupEnabled"] != "false" {
		t.Errorf("after update-global-settings: %v", global)
	}
	if when := epoch(global["LastUpdateTime"]); when.Format("2006-01-02T15:04:05Z") != "2025-06-01T08:00:00Z" {
		t.Errorf("LastUpdateTime = %v, want the fake clock's 2025-06-01T08:00:00Z", global["LastUpdateTime"])
	}
	if r := d.aws(t, "us-east-1", "backup", "update-global-settings", "--global-settings", "isCrossAccountBackupEnabled=maybe"); r.Code == 0 || !strings.Contains(r.Stderr, "InvalidParameterValueException") {
		t.Errorf("a flag that is not true or false: exit %d, %s", r.Code, r.Stderr)
	}

	region := d.mustAWS(t, "us-east-1", "backup", "describe-region-settings")
	optIn, _ := region["ResourceTypeOptInPreference"].(map[string]any)
	if optIn["EFS"] != true || optIn["RDS"] != true || optIn["S3"] != true {
		t.Fatalf("describe-region-settings printed %v; want EFS, RDS and S3 opted in", region)
	}
	d.mustAWS(t, "us-east-1", "backup", "update-region-settings", "--resource-type-opt-in-preference", "EFS=false",
		"--resource-type-management-preference", "S3=false")
	region = d.mustAWS(t, "us-east-1", "backup", "describe-region-settings")
	optIn, _ = region["ResourceTypeOptInPreference"].(map[string]any)
	managed, _ := region["ResourceTypeManagementPreference"].(map[string]any)
	if optIn["EFS"] != false || optIn["RDS"] != true || managed["S3"] != false || managed["EFS"] != true {
		t.Errorf("after update-region-settings: %v", region)
	}
	if eu := d.mustAWS(t, "eu-west-1", "backup", "describe-region-settings"); eu["ResourceTypeOptInPreference"].(map[string]any)["EFS"] != true {
		t.Errorf("eu-west-1 sees us-east-1's opt-out: %v", eu)
	}
	if r := d.aws(t, "us-east-1", "backup", "update-region-settings", "--resource-type-opt-in-preference", "Neptune=false"); r.Code == 0 || !strings.Contains(r.Stderr, "InvalidParameterValueException") {
		t.Errorf("opting out a type the engine does not back up: exit %d, %s", r.Code, r.Stderr)
	}

	// boto3 drives them too, and decodes the refusals into the model's exceptions.
	r := d.python(t, "eu-west-1", `
import os, boto3
c = boto3.client("backup", endpoint_url=os.environ["ENDPOINT"])
c.update_region_settings(ResourceTypeOptInPreference={"RDS": False})
s = c.describe_region_settings()
print("RDS", s["ResourceTypeOptInPreference"]["RDS"], "EFS", s["ResourceTypeOptInPreference"]["EFS"])
print("LastUpdateTime", c.describe_global_settings()["LastUpdateTime"].year)
try:
    c.update_global_settings(GlobalSettings={"isMpaEnabled": "on"})
except c.exceptions.InvalidParameterValueException as e:
    print("Refused", e.response["Error"]["Code"])
`)
	if r.Code != 0 || !strings.Contains(r.Stdout, "RDS False EFS True") || !strings.Contains(r.Stdout, "LastUpdateTime 2025") ||
		!strings.Contains(r.Stdout, "Refused InvalidParameterValueException") {
		t.Errorf("boto3: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}

	dir := filepath.Join(t.TempDir(), "share")
	enginetest.WriteTree(t, dir, 5)
	arn := d.registerDir(t, dir)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "prod")
	r = d.aws(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "prod", "--resource-arn", arn,
		"--iam-role-arn", "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole")
	if r.Code == 0 || !strings.Contains(r.Stderr, "InvalidRequestException") || !strings.Contains(r.Stderr, "opted out") {
		t.Errorf("start-backup-job of an opted-out type: exit %d, %s", r.Code, r.Stderr)
	}
}
