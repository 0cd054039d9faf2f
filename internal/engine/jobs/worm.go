package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// objectLocker is a vault repository's store that can lock objects against deletion below the
// engine: S3 Object Lock (s3blob.Store).
type objectLocker interface {
	ObjectLockEnabled(ctx context.Context) (bool, error)
	Retain(ctx context.Context, mode string, until time.Time, names ...string) error
}

// lockPointObjects makes a locked vault's WORM promise hold below the engine: when the vault's
// repository is in a bucket with S3 Object Lock, every object the new point needs (the
// repository config, its snapshot, its packs and an index listing each) gets retention until
// the point's retention end — COMPLIANCE for a compliance-mode vault lock, GOVERNANCE for a
// governance-mode one — before the point becomes visible. Objects shared with other points keep
// the longest retention. A point without an expiry is retained for the lock's minimum retention.
// A vault without a lock, or stored in a directory or a bucket without Object Lock, is left as
// it is: the engine's own checks (records.CheckPointDeletable) protect its points.
func lockPointObjects(ctx context.Context, repo *content.Repository, v records.Vault, created time.Time, lc *wire.Lifecycle, sid content.SnapshotID) error {
	if v.Lock == nil {
		return nil
	}
	lk, ok := repo.Store().(objectLocker)
	if !ok {
		return nil
	}
	enabled, err := lk.ObjectLockEnabled(ctx)
	if err != nil || !enabled {
		return err
	}
	until := records.RecoveryPoint{CreationDate: created, Lifecycle: lc}.RetainUntil()
	if until.IsZero() && v.Lock.MinRetentionDays != nil {
		until = created.AddDate(0, 0, int(*v.Lock.MinRetentionDays))
	}
	if until.IsZero() {
		return nil
	}
	names, err := repo.ObjectsOf(ctx, sid)
	if err != nil {
		return fmt.Errorf("list the objects of snapshot %s to lock: %w", sid, err)
	}
	if err := lk.Retain(ctx, v.Lock.Mode(), until, names...); err != nil {
		return fmt.Errorf("put the point's %d objects under S3 Object Lock (%s until %s): %w", len(names), v.Lock.Mode(), until.Format(time.RFC3339), err)
	}
	return nil
}

// RetainPoint extends the S3 Object Lock retention of a recovery point's objects to its
// (changed) retention end: UpdateRecoveryPointLifecycle calls it after recording a longer
// lifecycle. Retention is never shortened. A vault without a lock, or without an Object Lock
// bucket, needs nothing.
func RetainPoint(ctx context.Context, repos *Repos, v records.Vault, rp records.RecoveryPoint) error {
	if v.Lock == nil || repos == nil || repos.Remote == nil {
		return nil
	}
	open := repos.Open
	if rp.StorageClass == records.StorageClassCold {
		open = repos.OpenCold
	}
	repo, err := open(ctx, v.AccountID, v.Region, v.Name, v.EncryptionKeyARN, false)
	if errors.Is(err, ErrNoRepository) {
		return nil
	}
	if err != nil {
		return err
	}
	return lockPointObjects(ctx, repo, v, rp.CreationDate, rp.Lifecycle, content.SnapshotID(rp.SnapshotID))
}
