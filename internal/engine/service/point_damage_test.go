package service

import (
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

func TestADamagedPointIsPartialRefusesRestoreAndCopyAndCanBeCleared(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("vault-a")
	rp := ts.putPoint("vault-a", resA, t0, RecoveryPointCompleted, nil)

	changed, err := records.SetPointDamage(ts.ctx, ts.store, testAccount, testRegion, "vault-a", rp.ID, "snapshot 0123 is missing from the repository")
	if err != nil || !changed {
		t.Fatalf("SetPointDamage: changed %v, err %v", changed, err)
	}
	out, err := ts.DescribeRecoveryPoint(ts.ctx, &wire.DescribeRecoveryPointInput{BackupVaultName: "vault-a", RecoveryPointArn: rp.ARN})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != RecoveryPointPartial || !strings.Contains(out.StatusMessage, "snapshot 0123 is missing") {
		t.Fatalf("damaged point: status %s, message %q", out.Status, out.StatusMessage)
	}
	_, err = ts.StartRestoreJob(ts.ctx, &wire.StartRestoreJobInput{RecoveryPointArn: rp.ARN, Metadata: map[string]string{"newFileSystem": "true"}})
	wantCode(t, err, "InvalidRequestException", rp.ARN, "damaged", "snapshot 0123 is missing", "engine repair")
	_, err = ts.StartCopyJob(ts.ctx, &wire.StartCopyJobInput{RecoveryPointArn: rp.ARN, SourceBackupVaultName: "vault-a",
		DestinationBackupVaultArn: arns.Vault(testRegion, testAccount, "vault-a"), IamRoleArn: "arn:aws:iam::123456789012:role/r"})
	wantCode(t, err, "InvalidRequestException", "damaged")

	points, err := records.VaultPoints(ts.ctx, ts.store, testAccount, testRegion, "vault-a")
	if err != nil || len(points) != 1 || points[0].Damage == "" || points[0].SnapshotID != rp.SnapshotID {
		t.Fatalf("VaultPoints: %+v, %v", points, err)
	}
	// Marking again with the same damage changes nothing; clearing gives the old status back.
	if changed, _ := records.SetPointDamage(ts.ctx, ts.store, testAccount, testRegion, "vault-a", rp.ID, "snapshot 0123 is missing from the repository"); changed {
		t.Fatal("marking the same damage twice reported a change")
	}
	if changed, err := records.SetPointDamage(ts.ctx, ts.store, testAccount, testRegion, "vault-a", rp.ID, ""); err != nil || !changed {
		t.Fatalf("clear: %v %v", changed, err)
	}
	out, err = ts.DescribeRecoveryPoint(ts.ctx, &wire.DescribeRecoveryPointInput{BackupVaultName: "vault-a", RecoveryPointArn: rp.ARN})
	if err != nil || out.Status != RecoveryPointCompleted || out.StatusMessage != "" {
		t.Fatalf("cleared point: %+v %v", out, err)
	}
}
