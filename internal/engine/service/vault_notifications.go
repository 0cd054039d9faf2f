package service

import (
	"context"
	"regexp"
	"sync"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// snsTopicARN is an SNS topic ARN: arn:PARTITION:sns:REGION:ACCOUNT:TOPIC, where a topic name is
// 1–256 letters, digits, hyphens and underscores, with a .fifo suffix for FIFO topics (SNS
// CreateTopic's naming rule). Its bounded repetition makes a large program (about 0.4 ms to
// compile), so it is compiled on first use, not at every start of the engine or the provider.
var snsTopicARN = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)
})

// validateNotifications checks a notification configuration. The API layer has already checked
// each event against the model's BackupVaultEvent enum; what is left is the topic ARN and that
// there is something to notify about. Faults are InvalidParameterValueException.
func validateNotifications(in *wire.PutBackupVaultNotificationsInput) error {
	if !snsTopicARN().MatchString(in.SNSTopicArn) {
		return apierr.InvalidParameter("SNSTopicArn %q is not an SNS topic ARN: expected arn:aws:sns:REGION:ACCOUNT:TOPIC_NAME, e.g. arn:aws:sns:us-east-1:123456789012:backup-events", in.SNSTopicArn)
	}
	if len(in.BackupVaultEvents) == 0 {
		return apierr.InvalidParameter("BackupVaultEvents must name at least one event, e.g. BACKUP_JOB_FAILED; to stop notifications, call DeleteBackupVaultNotifications")
	}
	return nil
}

// PutBackupVaultNotifications sets (or replaces) the SNS topic and events a vault notifies.
func (s *Service) PutBackupVaultNotifications(ctx context.Context, in *wire.PutBackupVaultNotificationsInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateNotifications(in); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		return records.PutDoc(tx, records.CollVaultNotifications, records.VaultKey(v.AccountID, v.Region, v.Name),
			records.VaultNotifications{SNSTopicArn: in.SNSTopicArn, BackupVaultEvents: in.BackupVaultEvents})
	})
	if err != nil {
		return nil, internal("put backup vault notifications", err)
	}
	return &struct{}{}, nil
}

// GetBackupVaultNotifications returns a vault's notification configuration as it was put. A vault
// without one answers ResourceNotFoundException, as AWS does.
func (s *Service) GetBackupVaultNotifications(ctx context.Context, in *wire.GetBackupVaultNotificationsInput) (*wire.GetBackupVaultNotificationsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.GetBackupVaultNotificationsOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		n, found, err := records.GetDoc[records.VaultNotifications](tx, records.CollVaultNotifications, records.VaultKey(v.AccountID, v.Region, v.Name))
		if err != nil {
			return err
		}
		if !found {
			return apierr.NotFound("Backup vault %s has no notification configuration", v.Name)
		}
		out = &wire.GetBackupVaultNotificationsOutput{BackupVaultArn: v.ARN, BackupVaultName: v.Name, SNSTopicArn: n.SNSTopicArn, BackupVaultEvents: n.BackupVaultEvents}
		return nil
	})
	if err != nil {
		return nil, internal("get backup vault notifications", err)
	}
	return out, nil
}

// DeleteBackupVaultNotifications turns a vault's notifications off. Turning off notifications that
// are not on succeeds, so retries are safe; a vault that does not exist is
// ResourceNotFoundException.
func (s *Service) DeleteBackupVaultNotifications(ctx context.Context, in *wire.DeleteBackupVaultNotificationsInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		return records.DeleteIfExists(tx, records.CollVaultNotifications, records.VaultKey(v.AccountID, v.Region, v.Name))
	})
	if err != nil {
		return nil, internal("delete backup vault notifications", err)
	}
	return &struct{}{}, nil
}
