package service

import (
	"reflect"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

func TestVaultNotificationsRoundTripExactly(t *testing.T) {
	ts := newTestService(t)
	ts.createVault("noisy")
	// Not sorted, with a repeat: the configuration comes back as put.
	events := []string{"RESTORE_JOB_COMPLETED", "BACKUP_JOB_FAILED", "COPY_JOB_FAILED", "BACKUP_JOB_FAILED"}
	topic := "arn:aws:sns:us-east-1:123456789012:backup-events.fifo"
	if _, err := ts.PutBackupVaultNotifications(ts.ctx, &wire.PutBackupVaultNotificationsInput{BackupVaultName: "noisy", SNSTopicArn: topic, BackupVaultEvents: events}); err != nil {
		t.Fatal(err)
	}
	out, err := ts.GetBackupVaultNotifications(ts.ctx, &wire.GetBackupVaultNotificationsInput{BackupVaultName: "noisy"})
	if err != nil {
		t.Fatal(err)
	}
	if out.SNSTopicArn != topic || !reflect.DeepEqual(out.BackupVaultEvents, events) {
		t.Errorf("got %s %v, want %s %v", out.SNSTopicArn, out.BackupVaultEvents, topic, events)
	}
	if out.BackupVaultArn != VaultARN(testRegion, testAccount, "noisy") || out.BackupVaultName != "noisy" {
		t.Errorf("answer names %s / %s", out.BackupVaultName, out.BackupVaultArn)
	}
	// A put replaces the whole configuration.
	if _, err := ts.PutBackupVaultNotifications(ts.ctx, &wire.PutBackupVaultNotificationsInput{BackupVaultName: "noisy", SNSTopicArn: "arn:aws:sns:eu-west-1:123456789012:other", BackupVaultEvents: []string{"BACKUP_JOB_COMPLETED"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = ts.GetBackupVaultNotifications(ts.ctx, &wire.GetBackupVaultNotificationsInput{BackupVaultName: "noisy"})
	if out.SNSTopicArn != "arn:aws:sns:eu-west-1:123456789012:other" || !reflect.DeepEqual(out.BackupVaultEvents, []string{"BACKUP_JOB_COMPLETED"}) {
		t.Errorf("second put did not replace: %+v", out)
	}
	for i := 0; i < 2; i++ {
		if _, err := ts.DeleteBackupVaultNotifications(ts.ctx, &wire.DeleteBackupVaultNotificationsInput{BackupVaultName: "noisy"}); err != nil {
			t.Fatalf("delete #%d: %v", i+1, err)
		}
	}
	_, err = ts.GetBackupVaultNotifications(ts.ctx, &wire.GetBackupVaultNotificationsInput{BackupVaultName: "noisy"})
	wantCode(t, err, apierr.ResourceNotFound, "noisy has no notification configuration")
}

func TestVaultNotificationsValidation(t *testing.T) {
	cases := []struct {
		name     string
		topic    string
		events   []string
		fragment string // "" when accepted
	}{
		{"standard topic", "arn:aws:sns:us-west-2:111122223333:MyVaultTopic", []string{"BACKUP_JOB_COMPLETED"}, ""},
		{"GovCloud topic", "arn:aws-us-gov:sns:us-gov-west-1:111122223333:t_1-a", []string{"BACKUP_JOB_COMPLETED"}, ""},
		{"not an ARN", "backup-events", []string{"BACKUP_JOB_FAILED"}, "is not an SNS topic ARN"},
		{"an SQS queue", "arn:aws:sqs:us-east-1:123456789012:queue", []string{"BACKUP_JOB_FAILED"}, "is not an SNS topic ARN"},
		{"no account", "arn:aws:sns:us-east-1::topic", []string{"BACKUP_JOB_FAILED"}, "is not an SNS topic ARN"},
		{"topic name with a dot", "arn:aws:sns:us-east-1:123456789012:my.topic", []string{"BACKUP_JOB_FAILED"}, "is not an SNS topic ARN"},
		{"a subscription, not a topic", "arn:aws:sns:us-east-1:123456789012:topic:3f1c8b0e-6b5e-4f8e-9e8f-1f2e3d4c5b6a", []string{"BACKUP_JOB_FAILED"}, "is not an SNS topic ARN"},
		{"no events", "arn:aws:sns:us-east-1:123456789012:topic", nil, "at least one event"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestService(t)
			ts.createVault("noisy")
			_, err := ts.PutBackupVaultNotifications(ts.ctx, &wire.PutBackupVaultNotificationsInput{BackupVaultName: "noisy", SNSTopicArn: tc.topic, BackupVaultEvents: tc.events})
			if tc.fragment == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantCode(t, err, apierr.InvalidParameterValue, tc.fragment)
			_, err = ts.GetBackupVaultNotifications(ts.ctx, &wire.GetBackupVaultNotificationsInput{BackupVaultName: "noisy"})
			wantCode(t, err, apierr.ResourceNotFound)
		})
	}
	ts := newTestService(t)
	_, err := ts.PutBackupVaultNotifications(ts.ctx, &wire.PutBackupVaultNotificationsInput{BackupVaultName: "absent", SNSTopicArn: "arn:aws:sns:us-east-1:123456789012:t", BackupVaultEvents: []string{"BACKUP_JOB_FAILED"}})
	wantCode(t, err, apierr.ResourceNotFound, "absent")
}
