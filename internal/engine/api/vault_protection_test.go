package api_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/service"
)

var start = time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC)

func startEngineAt(t *testing.T) (*backup.Client, *clock.Fake) {
	t.Helper()
	fake := clock.NewFake(start)
	return enginetest.Start(t, engine.Options{Clock: fake}).Client("us-east-1"), fake
}

func mustCreateVault(t *testing.T, c *backup.Client, name string) {
	t.Helper()
	if _, err := c.CreateBackupVault(context.Background(), &backup.CreateBackupVaultInput{BackupVaultName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

func TestVaultLockThroughSDK(t *testing.T) {
	ctx := context.Background()
	c, fake := startEngineAt(t)
	mustCreateVault(t, c, "locked")

	if _, err := c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{
		BackupVaultName: aws.String("locked"), MinRetentionDays: aws.Int64(7), MaxRetentionDays: aws.Int64(365),
	}); err != nil {
		t.Fatalf("governance lock: %v", err)
	}
	d, err := c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("locked")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(d.Locked) || aws.ToInt64(d.MinRetentionDays) != 7 || aws.ToInt64(d.MaxRetentionDays) != 365 || d.LockDate != nil {
		t.Errorf("governance lock described as locked=%v min=%v max=%v lockDate=%v", aws.ToBool(d.Locked), d.MinRetentionDays, d.MaxRetentionDays, d.LockDate)
	}

	if _, err := c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{
		BackupVaultName: aws.String("locked"), MinRetentionDays: aws.Int64(7), MaxRetentionDays: aws.Int64(365), ChangeableForDays: aws.Int64(30),
	}); err != nil {
		t.Fatalf("compliance lock: %v", err)
	}
	d, err = c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("locked")})
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(30 * 24 * time.Hour); d.LockDate == nil || !d.LockDate.Equal(want) {
		t.Errorf("LockDate = %v, want %v", d.LockDate, want)
	}
	raw, ok := awsmiddleware.GetRawResponse(d.ResultMetadata).(*smithyhttp.Response)
	if !ok {
		t.Fatalf("no raw response in the SDK's result metadata")
	}
	if got := raw.Header.Get(service.HeaderLockChangeableForDays); got != "30" {
		t.Errorf("%s = %q, want 30", service.HeaderLockChangeableForDays, got)
	}

	fake.Advance(31 * 24 * time.Hour)
	_, err = c.DeleteBackupVaultLockConfiguration(ctx, &backup.DeleteBackupVaultLockConfigurationInput{BackupVaultName: aws.String("locked")})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), "immutable") {
		t.Fatalf("remove after the lock date: err = %v, want InvalidRequestException about immutability", err)
	}
	_, err = c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("locked"), MinRetentionDays: aws.Int64(1)})
	if !errors.As(err, &ire) {
		t.Fatalf("change after the lock date: err = %v, want InvalidRequestException", err)
	}

	mustCreateVault(t, c, "other")
	for _, in := range []*backup.PutBackupVaultLockConfigurationInput{
		{MinRetentionDays: aws.Int64(0)},
		{MaxRetentionDays: aws.Int64(36501)},
		{MinRetentionDays: aws.Int64(10), MaxRetentionDays: aws.Int64(5)},
		{ChangeableForDays: aws.Int64(2)},
	} {
		in.BackupVaultName = aws.String("other")
		_, err := c.PutBackupVaultLockConfiguration(ctx, in)
		var ipv *types.InvalidParameterValueException
		if !errors.As(err, &ipv) {
			t.Errorf("put %+v: err = %v, want InvalidParameterValueException", in, err)
		}
	}
	_, err = c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("nope"), MinRetentionDays: aws.Int64(1)})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("lock on a missing vault: err = %v, want ResourceNotFoundException", err)
	}
}

func TestVaultAccessPolicyThroughSDK(t *testing.T) {
	ctx := context.Background()
	c, _ := startEngineAt(t)
	mustCreateVault(t, c, "guarded")
	written := `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "NoDeletes",
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": ["backup:DeleteRecoveryPoint", "backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVault*", "backup:UpdateRecoveryPointLifecycle"],
    "Resource": "*"
  }]
}`
	if _, err := c.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String("guarded"), Policy: aws.String(written)}); err != nil {
		t.Fatalf("put (actions named from the real model): %v", err)
	}
	got, err := c.GetBackupVaultAccessPolicy(ctx, &backup.GetBackupVaultAccessPolicyInput{BackupVaultName: aws.String("guarded")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Policy) != written || aws.ToString(got.BackupVaultName) != "guarded" || !strings.HasSuffix(aws.ToString(got.BackupVaultArn), ":backup-vault:guarded") {
		t.Errorf("get returned %q for %s (%s)", aws.ToString(got.Policy), aws.ToString(got.BackupVaultName), aws.ToString(got.BackupVaultArn))
	}

	bad := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoints","Resource":"*"}]}`
	_, err = c.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String("guarded"), Policy: aws.String(bad)})
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) || !strings.Contains(ipv.ErrorMessage(), `Statement[1].Action "backup:DeleteRecoveryPoints" matches no AWS Backup action`) {
		t.Fatalf("misspelt action: err = %v, want InvalidParameterValueException naming Statement[1].Action", err)
	}
	if again, _ := c.GetBackupVaultAccessPolicy(ctx, &backup.GetBackupVaultAccessPolicyInput{BackupVaultName: aws.String("guarded")}); aws.ToString(again.Policy) != written {
		t.Errorf("a refused put changed the stored policy")
	}

	if _, err := c.DeleteBackupVaultAccessPolicy(ctx, &backup.DeleteBackupVaultAccessPolicyInput{BackupVaultName: aws.String("guarded")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBackupVaultAccessPolicy(ctx, &backup.GetBackupVaultAccessPolicyInput{BackupVaultName: aws.String("guarded")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("get after delete: err = %v, want ResourceNotFoundException", err)
	}
}

func TestVaultNotificationsThroughSDK(t *testing.T) {
	ctx := context.Background()
	c, _ := startEngineAt(t)
	mustCreateVault(t, c, "noisy")
	events := []types.BackupVaultEvent{types.BackupVaultEventRestoreJobCompleted, types.BackupVaultEventBackupJobFailed, types.BackupVaultEventCopyJobFailed}
	topic := "arn:aws:sns:us-east-1:123456789012:backup-events"
	if _, err := c.PutBackupVaultNotifications(ctx, &backup.PutBackupVaultNotificationsInput{BackupVaultName: aws.String("noisy"), SNSTopicArn: aws.String(topic), BackupVaultEvents: events}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBackupVaultNotifications(ctx, &backup.GetBackupVaultNotificationsInput{BackupVaultName: aws.String("noisy")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.SNSTopicArn) != topic || !reflect.DeepEqual(got.BackupVaultEvents, events) {
		t.Errorf("got %s %v, want %s %v", aws.ToString(got.SNSTopicArn), got.BackupVaultEvents, topic, events)
	}

	// The event names are checked against the model's BackupVaultEvent enum.
	_, err = c.PutBackupVaultNotifications(ctx, &backup.PutBackupVaultNotificationsInput{BackupVaultName: aws.String("noisy"), SNSTopicArn: aws.String(topic),
		BackupVaultEvents: []types.BackupVaultEvent{types.BackupVaultEventBackupJobFailed, "BACKUP_JOB_EXPLODED"}})
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) || !strings.Contains(ipv.ErrorMessage(), "BackupVaultEvents[1]") || !strings.Contains(ipv.ErrorMessage(), "BACKUP_JOB_EXPLODED") {
		t.Fatalf("unknown event: err = %v, want InvalidParameterValueException naming BackupVaultEvents[1]", err)
	}
	_, err = c.PutBackupVaultNotifications(ctx, &backup.PutBackupVaultNotificationsInput{BackupVaultName: aws.String("noisy"), SNSTopicArn: aws.String("arn:aws:sqs:us-east-1:123456789012:q"),
		BackupVaultEvents: []types.BackupVaultEvent{types.BackupVaultEventBackupJobFailed}})
	if !errors.As(err, &ipv) || !strings.Contains(ipv.ErrorMessage(), "SNS topic ARN") {
		t.Fatalf("SQS ARN: err = %v, want InvalidParameterValueException about the SNS topic ARN", err)
	}

	if _, err := c.DeleteBackupVaultNotifications(ctx, &backup.DeleteBackupVaultNotificationsInput{BackupVaultName: aws.String("noisy")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBackupVaultNotifications(ctx, &backup.GetBackupVaultNotificationsInput{BackupVaultName: aws.String("noisy")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("get after delete: err = %v, want ResourceNotFoundException", err)
	}
}

func TestLogicallyAirGappedVaultThroughSDK(t *testing.T) {
	ctx := context.Background()
	c, _ := startEngineAt(t)
	mustCreateVault(t, c, "ordinary")
	out, err := c.CreateLogicallyAirGappedBackupVault(ctx, &backup.CreateLogicallyAirGappedBackupVaultInput{
		BackupVaultName: aws.String("isolated"), MinRetentionDays: aws.Int64(7), MaxRetentionDays: aws.Int64(90), CreatorRequestId: aws.String("lag-1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.VaultState != types.VaultStateAvailable || !out.CreationDate.Equal(start) || !strings.HasSuffix(aws.ToString(out.BackupVaultArn), ":backup-vault:isolated") {
		t.Errorf("create answered state=%s created=%v arn=%s", out.VaultState, out.CreationDate, aws.ToString(out.BackupVaultArn))
	}
	d, err := c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("isolated")})
	if err != nil {
		t.Fatal(err)
	}
	if d.VaultType != types.VaultTypeLogicallyAirGappedBackupVault || !aws.ToBool(d.Locked) || aws.ToInt64(d.MinRetentionDays) != 7 || aws.ToInt64(d.MaxRetentionDays) != 90 || d.LockDate == nil || !d.LockDate.Equal(start) {
		t.Errorf("describe: type=%s locked=%v min=%v max=%v lockDate=%v", d.VaultType, aws.ToBool(d.Locked), d.MinRetentionDays, d.MaxRetentionDays, d.LockDate)
	}
	list, err := c.ListBackupVaults(ctx, &backup.ListBackupVaultsInput{ByVaultType: types.VaultTypeLogicallyAirGappedBackupVault})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.BackupVaultList) != 1 || aws.ToString(list.BackupVaultList[0].BackupVaultName) != "isolated" || !aws.ToBool(list.BackupVaultList[0].Locked) {
		t.Errorf("list by air-gapped type: %+v", list.BackupVaultList)
	}

	_, err = c.DeleteBackupVaultLockConfiguration(ctx, &backup.DeleteBackupVaultLockConfigurationInput{BackupVaultName: aws.String("isolated")})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), "air-gapped") {
		t.Errorf("remove an air-gapped vault's lock: err = %v, want InvalidRequestException", err)
	}
	_, err = c.CreateLogicallyAirGappedBackupVault(ctx, &backup.CreateLogicallyAirGappedBackupVaultInput{BackupVaultName: aws.String("short"), MinRetentionDays: aws.Int64(1), MaxRetentionDays: aws.Int64(30)})
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) || !strings.Contains(ipv.ErrorMessage(), "at least 7") {
		t.Errorf("min 1: err = %v, want InvalidParameterValueException", err)
	}
	_, err = c.CreateLogicallyAirGappedBackupVault(ctx, &backup.CreateLogicallyAirGappedBackupVaultInput{BackupVaultName: aws.String("ordinary"), MinRetentionDays: aws.Int64(7), MaxRetentionDays: aws.Int64(30)})
	var exists *types.AlreadyExistsException
	if !errors.As(err, &exists) {
		t.Errorf("name of an ordinary vault: err = %v, want AlreadyExistsException", err)
	}
}
