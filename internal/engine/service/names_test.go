package service

import (
	"context"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Names reach the service by ways the API model does not guard (a caller inside the engine, a
// member with no pattern, an ARN): the service refuses those that cannot name a vault with
// InvalidParameterValueException, before any work.
func TestServiceRefusesNamesTheModelDoesNotGuard(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("evidence")
	for what, err := range map[string]error{
		"CreateBackupVault ..": func() error {
			_, err := ts.CreateBackupVault(ts.ctx, &wire.CreateBackupVaultInput{BackupVaultName: ".."})
			return err
		}(),
		"DeleteBackupVault ../evidence": func() error {
			_, err := ts.DeleteBackupVault(ts.ctx, &wire.DeleteBackupVaultInput{BackupVaultName: "../evidence"})
			return err
		}(),
		"DescribeBackupVault of account ..": func() error {
			_, err := ts.DescribeBackupVault(ts.ctx, &wire.DescribeBackupVaultInput{BackupVaultName: "evidence", BackupVaultAccountId: ".."})
			return err
		}(),
		"a caller in region .": func() error {
			ctx := WithCaller(context.Background(), Caller{AccountID: testAccount, Region: ".", AccessKeyID: "AKIDTEST"})
			_, err := ts.CreateBackupVault(ctx, &wire.CreateBackupVaultInput{BackupVaultName: "us-east-1"})
			return err
		}(),
		"a caller of account 1234": func() error {
			ctx := WithCaller(context.Background(), Caller{AccountID: "1234", Region: testRegion, AccessKeyID: "AKIDTEST"})
			_, err := ts.CreateBackupVault(ctx, &wire.CreateBackupVaultInput{BackupVaultName: "evidence2"})
			return err
		}(),
	} {
		if !apierr.Is(err, apierr.InvalidParameterValue) {
			t.Errorf("%s: %v, want InvalidParameterValueException", what, err)
		}
	}
	if out := ts.describe("evidence"); out.BackupVaultName != "evidence" {
		t.Errorf("the evidence vault after the refusals: %+v", out)
	}
}

func TestCheckARNKnowsTheEnginesRegions(t *testing.T) {
	regions, err := region.NewSet("xx-lab-1")
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{regions: regions}
	for _, arn := range []string{
		"arn:aws:backup:eu-west-1:123456789012:backup-vault:dr",
		"arn:aws:backup:xx-lab-1:123456789012:backup-vault:dr",
		"arn:aws:s3:::bucket",
	} {
		if _, err := s.checkARN("F", arn); err != nil {
			t.Errorf("checkARN(%q) = %v", arn, err)
		}
	}
	for arn, says := range map[string]string{
		"arn:aws:backup:zz-fake-9:123456789012:backup-vault:dr": `declare it in the engine config ("regions": {"zz-fake-9": {}})`,
		"arn:aws:backup:us-east-1:123456789012:backup-vault:..": "must be 2 to 50 letters",
		"arn:aws:backup:us-east-1:123:backup-vault:dr":          "must be 12 digits",
	} {
		_, err := s.checkARN("F", arn)
		if e, ok := apierr.As(err); !ok || e.Code != apierr.InvalidParameterValue || !strings.Contains(e.Message, says) || !strings.HasPrefix(e.Message, "F") {
			t.Errorf("checkARN(%q) = %v, want InvalidParameterValueException naming F and saying %q", arn, err, says)
		}
	}
}
