package service

import (
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// ListProtectedResourcesByBackupVault answers each resource once, with its newest point in the
// vault, in ARN order, a page at a time.
func TestProtectedResourcesByBackupVaultPageInARNOrderWithTheNewestPoint(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("vault-a")
	ts.createVault("vault-b")
	const resB, resC = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-bbbb",
		"arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-cccc"
	ts.putPoint("vault-a", resC, t0, RecoveryPointCompleted, nil)
	ts.putPoint("vault-a", resA, t0.Add(time.Hour), RecoveryPointCompleted, nil)
	newestA := ts.putPoint("vault-a", resA, t0.Add(2*time.Hour), RecoveryPointCompleted, nil)
	ts.putPoint("vault-a", resB, t0.Add(3*time.Hour), RecoveryPointCompleted, nil)
	ts.putPoint("vault-b", resA, t0.Add(4*time.Hour), RecoveryPointCompleted, nil) // another vault's: not this vault's newest

	two := int32(2)
	first, err := ts.ListProtectedResourcesByBackupVault(ts.ctx, &wire.ListProtectedResourcesByBackupVaultInput{BackupVaultName: "vault-a", MaxResults: &two})
	if err != nil || len(first.Results) != 2 || first.NextToken == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	if first.Results[0].ResourceArn != resA || first.Results[0].LastRecoveryPointArn != newestA.ARN || first.Results[1].ResourceArn != resB {
		t.Errorf("first page: %s (%s), %s; want %s with its newest point %s, then %s",
			first.Results[0].ResourceArn, first.Results[0].LastRecoveryPointArn, first.Results[1].ResourceArn, resA, newestA.ARN, resB)
	}
	rest, err := ts.ListProtectedResourcesByBackupVault(ts.ctx, &wire.ListProtectedResourcesByBackupVaultInput{BackupVaultName: "vault-a", MaxResults: &two, NextToken: first.NextToken})
	if err != nil || len(rest.Results) != 1 || rest.Results[0].ResourceArn != resC || rest.NextToken != "" {
		t.Fatalf("second page: %+v, %v", rest, err)
	}
	_, err = ts.ListProtectedResourcesByBackupVault(ts.ctx, &wire.ListProtectedResourcesByBackupVaultInput{BackupVaultName: "vault-a", NextToken: "garbage"})
	wantCode(t, err, "InvalidParameterValueException")
}
