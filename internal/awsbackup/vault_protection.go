package awsbackup

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Vault lock modes, as the provider shows them. AWS's API has no mode member: a lock with a lock
// date is in compliance mode, one without is in governance mode.
const (
	LockModeGovernance = "GOVERNANCE"
	LockModeCompliance = "COMPLIANCE"
)

// HeaderLockChangeableForDays is the response header in which the engine's DescribeBackupVault
// says what ChangeableForDays a compliance-mode lock was put with (AWS's output shape has no member
// for it). It must equal the engine's service.HeaderLockChangeableForDays; a provider test checks
// that. AWS Backup itself never sends it.
const HeaderLockChangeableForDays = "X-Backup-Engine-Lock-Changeable-For-Days"

// VaultLock is a vault's Backup Vault Lock as the API describes it.
type VaultLock struct {
	VaultName        string
	VaultARN         string
	VaultType        types.VaultType
	MinRetentionDays *int64
	MaxRetentionDays *int64
	// LockDate is when a compliance-mode lock becomes immutable; nil in governance mode.
	LockDate *time.Time
	// ChangeableForDays is what the lock was put with, when the endpoint says (the engine does,
	// AWS does not); nil otherwise.
	ChangeableForDays *int64
}

// Mode is LockModeCompliance when the lock has a lock date, else LockModeGovernance.
func (l *VaultLock) Mode() string {
	if l.LockDate != nil {
		return LockModeCompliance
	}
	return LockModeGovernance
}

// FindVaultLock describes a vault's lock. It returns a NotFoundError when the vault does not
// exist or has no lock.
func FindVaultLock(ctx context.Context, c *backup.Client, name string) (*VaultLock, error) {
	out, err := FindVaultByName(ctx, c, name)
	if err != nil {
		return nil, err
	}
	if !aws.ToBool(out.Locked) {
		return nil, &NotFoundError{What: fmt.Sprintf("vault lock of backup vault %q", name)}
	}
	l := &VaultLock{
		VaultName:        aws.ToString(out.BackupVaultName),
		VaultARN:         aws.ToString(out.BackupVaultArn),
		VaultType:        out.VaultType,
		MinRetentionDays: out.MinRetentionDays,
		MaxRetentionDays: out.MaxRetentionDays,
		LockDate:         out.LockDate,
	}
	if raw, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response); ok {
		if v := raw.Header.Get(HeaderLockChangeableForDays); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("the endpoint sent %s %q, not a number of days: %w", HeaderLockChangeableForDays, v, err)
			}
			l.ChangeableForDays = &n
		}
	}
	return l, nil
}

// FindVaultAccessPolicy returns a vault's access policy, or a NotFoundError when the vault or its
// policy does not exist.
func FindVaultAccessPolicy(ctx context.Context, c *backup.Client, name string) (*backup.GetBackupVaultAccessPolicyOutput, error) {
	out, err := c.GetBackupVaultAccessPolicy(ctx, &backup.GetBackupVaultAccessPolicyInput{BackupVaultName: aws.String(name)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("access policy of backup vault %q", name), err)
	}
	return out, nil
}

// FindVaultNotifications returns a vault's notification configuration, or a NotFoundError when
// the vault or its configuration does not exist.
func FindVaultNotifications(ctx context.Context, c *backup.Client, name string) (*backup.GetBackupVaultNotificationsOutput, error) {
	out, err := c.GetBackupVaultNotifications(ctx, &backup.GetBackupVaultNotificationsInput{BackupVaultName: aws.String(name)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("notification configuration of backup vault %q", name), err)
	}
	return out, nil
}

// StatusVault reads a vault's state, for waiting on a vault AWS creates asynchronously (a
// logically air-gapped vault is CREATING before it is AVAILABLE).
func StatusVault(c *backup.Client, name string) StatusFunc[*backup.DescribeBackupVaultOutput] {
	return func(ctx context.Context) (*backup.DescribeBackupVaultOutput, string, error) {
		out, err := FindVaultByName(ctx, c, name)
		if err != nil {
			return nil, "", err
		}
		return out, string(out.VaultState), nil
	}
}
