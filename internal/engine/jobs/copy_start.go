package jobs

import (
	"errors"
	"strings"

	awsarn "github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/google/uuid"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// NewJobID returns a job ID. UUIDv7 IDs sort by creation time, so documents keyed by them list in
// creation order.
func NewJobID() string { return strings.ToUpper(uuid.Must(uuid.NewV7()).String()) }

// NewPointID returns a recovery point ID, in creation order like NewJobID.
func NewPointID() string { return uuid.Must(uuid.NewV7()).String() }

// CopyDestination is the vault a copy job writes into: the vault ARN the caller or the copy action
// gave, already checked, and the parts it names.
type CopyDestination struct {
	ARN, AccountID, Region, Name string
}

// PrepareCopy fills in a new copy job j of point rp of vault src into dest with lifecycle lc,
// checking what can be checked before it runs: a destination in the job's own account must exist
// and be another vault than the source. The caller has checked the point itself (its state,
// damage and storage class).
func PrepareCopy(tx store.Tx, connectors resources.Set, j *records.CopyJob, src records.Vault, rp records.RecoveryPoint, dest CopyDestination, lc *wire.Lifecycle) error {
	j.DestVaultARN, j.DestAccountID, j.DestRegion, j.DestVaultName = dest.ARN, dest.AccountID, dest.Region, dest.Name
	if refusal, err := crossAccountRefusal(tx, *j); err != nil || refusal != nil {
		return errors.Join(refusal, err)
	}
	if dest.AccountID == j.AccountID {
		dv, found, err := records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(dest.AccountID, dest.Region, dest.Name))
		if err != nil || !found {
			return apierr.NotFound("destination backup vault %s does not exist: create it in account %s, region %s first", dest.ARN, dest.AccountID, dest.Region)
		}
		if dv.Name == src.Name && dv.Region == src.Region {
			return apierr.InvalidParameter("DestinationBackupVaultArn %s is the source vault: copy into another vault", dest.ARN)
		}
	}
	supportsCold := false
	if conn, ok := connectors[rp.ResourceType]; ok {
		supportsCold = conn.SupportsColdStorage()
	}
	j.SourceVaultName, j.SourceVaultARN, j.SourcePointARN, j.SourcePointID = src.Name, src.ARN, rp.ARN, rp.ID
	j.Resource, j.BackupSizeInBytes, j.CreatedBy = rp.Resource, rp.BackupSizeInBytes, rp.CreatedBy
	j.Lifecycle = records.EffectiveLifecycle(lc, supportsCold)
	j.DestPointID = NewPointID()
	j.DestPointARN = arns.RecoveryPoint(dest.Region, dest.AccountID, j.DestPointID)
	return nil
}

// crossAccountRefusal is why copy job j may not run, when it copies into another account's vault
// while the copying account has cross-account backup turned off (global setting
// isCrossAccountBackupEnabled), as AWS refuses one when the organization has not enabled it;
// err is a failure to read the setting.
func crossAccountRefusal(tx store.Tx, j records.CopyJob) (refusal, err error) {
	if j.DestAccountID == j.AccountID {
		return nil, nil
	}
	enabled, err := records.CrossAccountBackupEnabled(tx, j.AccountID)
	if err != nil {
		return nil, err
	}
	if !enabled {
		return apierr.InvalidReq("copying into backup vault %s of account %s is a cross-account copy, and cross-account backup is disabled for account %s: enable it with UpdateGlobalSettings (isCrossAccountBackupEnabled=true)",
			j.DestVaultARN, j.DestAccountID, j.AccountID), nil
	}
	return nil, nil
}

// copyActionDestination is the vault a copy action names. Its ARN was checked when the plan was
// stored; what can have changed since is checked again: that the engine still serves its region.
func (x *executor) copyActionDestination(arn string) (CopyDestination, error) {
	a, err := awsarn.Parse(arn)
	kind, name, _ := strings.Cut(a.Resource, ":")
	if err != nil || a.Service != "backup" || kind != "backup-vault" {
		return CopyDestination{}, apierr.InvalidParameter("DestinationBackupVaultArn %q is not a backup vault ARN: expected arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME", arn)
	}
	if err := x.regions.Check(a.Region); err != nil {
		return CopyDestination{}, apierr.InvalidParameter("DestinationBackupVaultArn %s names a region this engine does not serve: %v", arn, err)
	}
	return CopyDestination{ARN: arn, AccountID: a.AccountID, Region: a.Region, Name: name}, nil
}

// startCopyActions queues a copy job per copy action of a backup job that has just completed with
// point rp, in the transaction that completes it. A copy action that cannot even start (its
// vault is gone, say) becomes a FAILED copy job that says why, so the failure is visible where
// copies are looked for.
func (x *executor) startCopyActions(tx store.Tx, bj records.BackupJob, src records.Vault, rp records.RecoveryPoint) error {
	for _, action := range bj.CopyActions {
		now := x.clock.Now()
		j := records.CopyJob{ID: NewJobID(), AccountID: bj.AccountID, Region: bj.Region, IamRoleARN: bj.IamRoleARN, State: records.CopyJobCreated,
			CreationDate: now, CreatedByBackupJobID: bj.ID}
		lc := action.Lifecycle
		if lc == nil {
			lc = rp.Lifecycle
		}
		dest, err := x.copyActionDestination(action.DestinationBackupVaultArn)
		if err == nil {
			err = PrepareCopy(tx, x.connectors, &j, src, rp, dest, lc)
		}
		if err != nil {
			e, ok := apierr.As(err)
			if !ok {
				return err
			}
			j.State, j.StatusMessage, j.MessageCategory, j.CompletionDate = records.CopyJobFailed, e.Message, CategoryFailed, now
			j.SourceVaultName, j.SourceVaultARN, j.SourcePointARN, j.SourcePointID, j.Resource = src.Name, src.ARN, rp.ARN, rp.ID, rp.Resource
			if a, perr := awsarn.Parse(action.DestinationBackupVaultArn); perr == nil {
				_, name, _ := strings.Cut(a.Resource, ":")
				j.DestVaultARN, j.DestAccountID, j.DestRegion, j.DestVaultName = action.DestinationBackupVaultArn, a.AccountID, a.Region, name
			}
			if err := records.InsertDoc(tx, records.CollCopyJobs, j.Key(), j); err != nil {
				return err
			}
			if err := copyJobEvent(tx, x.events, j); err != nil {
				return err
			}
			continue
		}
		if err := InsertCopyJob(tx, j); err != nil {
			return err
		}
	}
	return nil
}
