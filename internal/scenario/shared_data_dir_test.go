package scenario

import "testing"

// Two engines on one data dir (as `engine serve` and the provider's embedded engine share the
// default one): a change made through one is what the other describes next, although the other
// answers a repeated DescribeBackupVault from what it answered before while nothing changed.
// The AWS CLI is the client of both.
func TestAWSCLI_aVaultChangedThroughAnotherEngineOnTheDataDirIsDescribedChanged(t *testing.T) {
	parallel(t)
	const region = "us-east-1"
	first := startDaemon(t)
	first.mustAWS(t, region, "backup", "create-backup-vault", "--backup-vault-name", "shared")
	for range 2 { // the second is the kept answer
		if d := first.mustAWS(t, region, "backup", "describe-backup-vault", "--backup-vault-name", "shared"); d["Locked"] != false || d["BackupVaultName"] != "shared" {
			t.Fatalf("describe-backup-vault before the lock: %v", d)
		}
	}
	second := startDaemon(t, "--data-dir", first.DataDir)
	second.mustAWS(t, region, "backup", "put-backup-vault-lock-configuration", "--backup-vault-name", "shared", "--min-retention-days", "7")
	d := first.mustAWS(t, region, "backup", "describe-backup-vault", "--backup-vault-name", "shared")
	if d["Locked"] != true || d["MinRetentionDays"] != float64(7) {
		t.Fatalf("the first engine describes the vault the second locked as %v; want Locked, MinRetentionDays 7", d)
	}
}
