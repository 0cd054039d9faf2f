package scenario

import (
	"strings"
	"testing"
)

// The foundation's external-client story: the AWS CLI creates, describes, lists and deletes a
// vault on `engine serve`, and the errors it prints are AWS's.
func TestAWSCLI_vaultLifecycle(t *testing.T) {
	parallel(t)
	d := startDaemon(t)

	created := d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "prod-primary-vault",
		"--backup-vault-tags", "team=platform,env=prod", "--creator-request-id", "cli-1")
	arn, _ := created["BackupVaultArn"].(string)
	if !strings.HasPrefix(arn, "arn:aws:backup:us-east-1:") || !strings.HasSuffix(arn, ":backup-vault:prod-primary-vault") {
		t.Fatalf("create-backup-vault printed ARN %q", arn)
	}
	// AWS CLI v1 prints rest-json timestamps as the epoch seconds the service sent.
	if secs, ok := created["CreationDate"].(float64); !ok || secs < 1e9 {
		t.Errorf("create-backup-vault printed CreationDate %v, want epoch seconds", created["CreationDate"])
	}

	desc := d.mustAWS(t, "us-east-1", "backup", "describe-backup-vault", "--backup-vault-name", "prod-primary-vault")
	if desc["BackupVaultArn"] != arn || desc["BackupVaultName"] != "prod-primary-vault" || desc["CreatorRequestId"] != "cli-1" {
		t.Errorf("describe-backup-vault printed %v", desc)
	}
	if desc["NumberOfRecoveryPoints"] != float64(0) || desc["VaultType"] != "BACKUP_VAULT" || desc["VaultState"] != "AVAILABLE" {
		t.Errorf("describe-backup-vault printed %v", desc)
	}

	tags := d.mustAWS(t, "us-east-1", "backup", "list-tags", "--resource-arn", arn)
	if tm, _ := tags["Tags"].(map[string]any); tm["team"] != "platform" || tm["env"] != "prod" {
		t.Errorf("list-tags printed %v", tags)
	}

	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "second-vault")
	list := d.mustAWS(t, "us-east-1", "backup", "list-backup-vaults")
	var names []string
	for _, v := range list["BackupVaultList"].([]any) {
		names = append(names, v.(map[string]any)["BackupVaultName"].(string))
	}
	if strings.Join(names, ",") != "prod-primary-vault,second-vault" {
		t.Errorf("list-backup-vaults printed %v", names)
	}
	// The CLI follows NextToken itself; a page size of 1 must still list both.
	paged := d.mustAWS(t, "us-east-1", "backup", "list-backup-vaults", "--page-size", "1")
	if n := len(paged["BackupVaultList"].([]any)); n != 2 {
		t.Errorf("list-backup-vaults --page-size 1 listed %d vaults, want 2", n)
	}
	// Other regions are other vaults.
	eu := d.mustAWS(t, "eu-west-1", "backup", "list-backup-vaults")
	if n := len(eu["BackupVaultList"].([]any)); n != 0 {
		t.Errorf("eu-west-1 lists %d vaults, want 0", n)
	}

	dup := d.aws(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "prod-primary-vault")
	if dup.Code == 0 || !strings.Contains(dup.Stderr, "AlreadyExistsException") {
		t.Errorf("duplicate create: exit %d, stderr %q; want AlreadyExistsException", dup.Code, dup.Stderr)
	}

	d.mustAWS(t, "us-east-1", "backup", "delete-backup-vault", "--backup-vault-name", "prod-primary-vault")
	gone := d.aws(t, "us-east-1", "backup", "describe-backup-vault", "--backup-vault-name", "prod-primary-vault")
	if gone.Code == 0 || !strings.Contains(gone.Stderr, "ResourceNotFoundException") {
		t.Errorf("describe after delete: exit %d, stderr %q; want ResourceNotFoundException", gone.Code, gone.Stderr)
	}
	bad := d.aws(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "bad.name")
	if bad.Code == 0 || !strings.Contains(bad.Stderr, "InvalidParameterValueException") {
		t.Errorf("bad name: exit %d, stderr %q; want InvalidParameterValueException", bad.Code, bad.Stderr)
	}
}

// boto3 decodes the engine's errors into its modeled exception classes.
func TestBoto3_decodesTypedExceptions(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	r := d.python(t, "us-east-1", `
import os, boto3
c = boto3.client("backup", endpoint_url=os.environ["ENDPOINT"])
c.create_backup_vault(BackupVaultName="boto-vault")
try:
    c.create_backup_vault(BackupVaultName="boto-vault")
except c.exceptions.AlreadyExistsException as e:
    print("AlreadyExists", e.response["Error"]["Code"], e.response["ResponseMetadata"]["RequestId"] != "")
try:
    c.describe_backup_vault(BackupVaultName="missing-vault")
except c.exceptions.ResourceNotFoundException as e:
    print("NotFound", e.response["ResponseMetadata"]["HTTPStatusCode"])
print("Types", c.get_supported_resource_types()["ResourceTypes"] is not None)
`)
	if r.Code != 0 {
		t.Fatalf("boto3 script failed: %s", r.Stderr)
	}
	want := "AlreadyExists AlreadyExistsException True\nNotFound 400\nTypes True\n"
	if r.Stdout != want {
		t.Errorf("boto3 printed %q, want %q", r.Stdout, want)
	}
}
