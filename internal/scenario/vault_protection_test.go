package scenario

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The vault-protection story with the AWS CLI against `engine serve`: a lock moves from governance
// to compliance and shows in describe-backup-vault; an access policy and a notification
// configuration round-trip exactly; a logically air-gapped vault is created, listed by type and
// refuses to have its lock touched; every refusal prints AWS's error code.
func TestAWSCLI_vaultProtection(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	const region = "us-east-1"
	aws := func(args ...string) map[string]any {
		return d.mustAWS(t, region, append([]string{"backup"}, args...)...)
	}
	refused := func(code, fragment string, args ...string) {
		t.Helper()
		r := d.aws(t, region, append([]string{"backup"}, args...)...)
		if r.Code == 0 || !strings.Contains(r.Stderr, code) || !strings.Contains(r.Stderr, fragment) {
			t.Errorf("aws backup %s: exit %d, stderr %q; want %s mentioning %q", strings.Join(args, " "), r.Code, r.Stderr, code, fragment)
		}
	}

	aws("create-backup-vault", "--backup-vault-name", "prod-primary-vault")

	// Governance: no lock date.
	aws("put-backup-vault-lock-configuration", "--backup-vault-name", "prod-primary-vault", "--min-retention-days", "7", "--max-retention-days", "365")
	desc := aws("describe-backup-vault", "--backup-vault-name", "prod-primary-vault")
	if desc["Locked"] != true || desc["MinRetentionDays"] != float64(7) || desc["MaxRetentionDays"] != float64(365) {
		t.Errorf("governance lock: describe-backup-vault printed %v", desc)
	}
	if _, has := desc["LockDate"]; has {
		t.Errorf("governance lock has a LockDate: %v", desc["LockDate"])
	}

	// Compliance: the lock date is now + 3 days.
	before := time.Now()
	aws("put-backup-vault-lock-configuration", "--backup-vault-name", "prod-primary-vault", "--min-retention-days", "7", "--max-retention-days", "365", "--changeable-for-days", "3")
	after := time.Now()
	desc = aws("describe-backup-vault", "--backup-vault-name", "prod-primary-vault")
	secs, ok := desc["LockDate"].(float64)
	if !ok {
		t.Fatalf("compliance lock: describe-backup-vault printed no LockDate: %v", desc)
	}
	lockDate := time.UnixMilli(int64(secs * 1000))
	if lockDate.Before(before.Add(72*time.Hour).Add(-time.Second)) || lockDate.After(after.Add(72*time.Hour).Add(time.Second)) {
		t.Errorf("LockDate %v is not 3 days after the put (%v–%v)", lockDate, before, after)
	}
	list := aws("list-backup-vaults")
	if v := list["BackupVaultList"].([]any)[0].(map[string]any); v["Locked"] != true || v["LockDate"] != desc["LockDate"] {
		t.Errorf("list-backup-vaults printed %v", v)
	}
	refused("InvalidParameterValueException", "must not be greater than MaxRetentionDays",
		"put-backup-vault-lock-configuration", "--backup-vault-name", "prod-primary-vault", "--min-retention-days", "30", "--max-retention-days", "7")
	refused("InvalidParameterValueException", "ChangeableForDays must be at least 3",
		"put-backup-vault-lock-configuration", "--backup-vault-name", "prod-primary-vault", "--changeable-for-days", "2")
	// Inside the grace time the compliance lock can still be removed.
	aws("delete-backup-vault-lock-configuration", "--backup-vault-name", "prod-primary-vault")
	if desc := aws("describe-backup-vault", "--backup-vault-name", "prod-primary-vault"); desc["Locked"] != false {
		t.Errorf("after removing the lock: %v", desc)
	}

	// Access policy: stored and returned as written.
	policy := `{"Version": "2012-10-17",
  "Statement": [{"Sid": "NoDeletes", "Effect": "Deny", "Principal": {"AWS": "*"},
                 "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"], "Resource": "*"}]}`
	aws("put-backup-vault-access-policy", "--backup-vault-name", "prod-primary-vault", "--policy", policy)
	got := aws("get-backup-vault-access-policy", "--backup-vault-name", "prod-primary-vault")
	if got["Policy"] != policy || got["BackupVaultName"] != "prod-primary-vault" {
		t.Errorf("get-backup-vault-access-policy printed %v, want the policy as written", got)
	}
	refused("InvalidParameterValueException", `Statement[0].Effect must be "Allow" or "Deny", got "Refuse"`,
		"put-backup-vault-access-policy", "--backup-vault-name", "prod-primary-vault", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Refuse","Principal":"*","Action":"backup:*","Resource":"*"}]}`)
	refused("InvalidParameterValueException", "matches no AWS Backup action",
		"put-backup-vault-access-policy", "--backup-vault-name", "prod-primary-vault", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteEverything","Resource":"*"}]}`)
	aws("delete-backup-vault-access-policy", "--backup-vault-name", "prod-primary-vault")
	refused("ResourceNotFoundException", "no access policy", "get-backup-vault-access-policy", "--backup-vault-name", "prod-primary-vault")

	// Notifications: the events come back in the order given.
	topic := "arn:aws:sns:us-east-1:123456789012:backup-events"
	aws("put-backup-vault-notifications", "--backup-vault-name", "prod-primary-vault", "--sns-topic-arn", topic,
		"--backup-vault-events", "RESTORE_JOB_COMPLETED", "BACKUP_JOB_FAILED", "COPY_JOB_FAILED")
	notif := aws("get-backup-vault-notifications", "--backup-vault-name", "prod-primary-vault")
	events, _ := json.Marshal(notif["BackupVaultEvents"])
	if notif["SNSTopicArn"] != topic || string(events) != `["RESTORE_JOB_COMPLETED","BACKUP_JOB_FAILED","COPY_JOB_FAILED"]` {
		t.Errorf("get-backup-vault-notifications printed %v", notif)
	}
	refused("InvalidParameterValueException", "BACKUP_JOB_EXPLODED",
		"put-backup-vault-notifications", "--backup-vault-name", "prod-primary-vault", "--sns-topic-arn", topic, "--backup-vault-events", "BACKUP_JOB_EXPLODED")
	refused("InvalidParameterValueException", "not an SNS topic ARN",
		"put-backup-vault-notifications", "--backup-vault-name", "prod-primary-vault", "--sns-topic-arn", "my-topic", "--backup-vault-events", "BACKUP_JOB_FAILED")

	// A logically air-gapped vault: compliance-locked from its creation, listed by type.
	created := aws("create-logically-air-gapped-backup-vault", "--backup-vault-name", "isolated-vault", "--min-retention-days", "7", "--max-retention-days", "35")
	if created["VaultState"] != "AVAILABLE" || !strings.HasSuffix(created["BackupVaultArn"].(string), ":backup-vault:isolated-vault") {
		t.Errorf("create-logically-air-gapped-backup-vault printed %v", created)
	}
	desc = aws("describe-backup-vault", "--backup-vault-name", "isolated-vault")
	if desc["VaultType"] != "LOGICALLY_AIR_GAPPED_BACKUP_VAULT" || desc["Locked"] != true || desc["MinRetentionDays"] != float64(7) ||
		desc["MaxRetentionDays"] != float64(35) || desc["LockDate"] != desc["CreationDate"] {
		t.Errorf("describe-backup-vault of the air-gapped vault printed %v", desc)
	}
	byType := aws("list-backup-vaults", "--by-vault-type", "LOGICALLY_AIR_GAPPED_BACKUP_VAULT")
	if vs := byType["BackupVaultList"].([]any); len(vs) != 1 || vs[0].(map[string]any)["BackupVaultName"] != "isolated-vault" {
		t.Errorf("list-backup-vaults --by-vault-type LOGICALLY_AIR_GAPPED_BACKUP_VAULT printed %v", byType)
	}
	plain := aws("list-backup-vaults", "--by-vault-type", "BACKUP_VAULT")
	if vs := plain["BackupVaultList"].([]any); len(vs) != 1 || vs[0].(map[string]any)["BackupVaultName"] != "prod-primary-vault" {
		t.Errorf("list-backup-vaults --by-vault-type BACKUP_VAULT printed %v", plain)
	}
	refused("InvalidRequestException", "logically air-gapped", "delete-backup-vault-lock-configuration", "--backup-vault-name", "isolated-vault")
	refused("InvalidRequestException", "logically air-gapped",
		"put-backup-vault-lock-configuration", "--backup-vault-name", "isolated-vault", "--min-retention-days", "1")
	refused("InvalidParameterValueException", "MinRetentionDays must be at least 7",
		"create-logically-air-gapped-backup-vault", "--backup-vault-name", "too-short", "--min-retention-days", "1", "--max-retention-days", "35")
	refused("AlreadyExistsException", "isolated-vault",
		"create-backup-vault", "--backup-vault-name", "isolated-vault")

	// Deleting a vault takes its protections with it.
	aws("delete-backup-vault", "--backup-vault-name", "prod-primary-vault")
	aws("create-backup-vault", "--backup-vault-name", "prod-primary-vault")
	refused("ResourceNotFoundException", "no notification configuration", "get-backup-vault-notifications", "--backup-vault-name", "prod-primary-vault")
}
