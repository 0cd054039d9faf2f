package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
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

// objectHolder is a store that can also set S3 legal holds.
type objectHolder interface {
	objectLocker
	SetLegalHold(ctx context.Context, on bool, names ...string) error
}

// SyncLegalHolds mirrors an account's legal holds in a region onto S3 legal holds: in every vault
// whose repositories are in an Object Lock bucket, the objects of held points get a legal hold,
// and the objects of points no hold holds lose theirs unless a held point shares them. It runs
// when a hold settles (created or cancelled); it is idempotent.
func SyncLegalHolds(ctx context.Context, st store.Store, repos *Repos, account, region string) error {
	if repos == nil || repos.Remote == nil {
		return nil
	}
	type point struct {
		rp   records.RecoveryPoint
		held bool
	}
	points := map[string][]point{} // by vault name
	vaults := map[string]records.Vault{}
	err := st.View(ctx, func(tx store.Tx) error {
		after := ""
		for {
			docs, err := tx.Scan(records.CollRecoveryPoints, account+"/"+region+"/", after, 1000)
			if err != nil {
				return err
			}
			for _, d := range docs {
				after = d.Key
				rp, found, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, d.Key)
				if err != nil || !found || rp.SnapshotID == "" {
					if err != nil {
						return err
					}
					continue
				}
				held, err := records.PointHeld(tx, rp)
				if err != nil {
					return err
				}
				if _, ok := vaults[rp.VaultName]; !ok {
					v, _, err := records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(account, region, rp.VaultName))
					if err != nil {
						return err
					}
					vaults[rp.VaultName] = v
				}
				points[rp.VaultName] = append(points[rp.VaultName], point{rp, held})
			}
			if len(docs) < 1000 {
				return nil
			}
		}
	})
	if err != nil {
		return err
	}
	for name, pts := range points {
		v := vaults[name]
		for _, cold := range []bool{false, true} {
			open := repos.Open
			if cold {
				open = repos.OpenCold
			}
			if remote, _, err := repos.Remote(ctx, account, region, v.Name, cold); err != nil || remote == nil {
				if err != nil {
					return err
				}
				continue // a directory: no object lock
			}
			var on, off []string
			heldObjects := map[string]bool{}
			var repo *content.Repository
			for _, p := range pts {
				if (p.rp.StorageClass == records.StorageClassCold) != cold {
					continue
				}
				if repo == nil {
					if repo, err = open(ctx, account, region, v.Name, v.EncryptionKeyARN, false); errors.Is(err, ErrNoRepository) {
						break
					} else if err != nil {
						return fmt.Errorf("the repository of vault %s: %w", v.Name, err)
					}
				}
				names, err := repo.ObjectsOf(ctx, content.SnapshotID(p.rp.SnapshotID))
				if err != nil {
					return err
				}
				if p.held {
					for _, n := range names {
						heldObjects[n] = true
					}
					on = append(on, names...)
				} else {
					off = append(off, names...)
				}
			}
			if repo == nil {
				continue
			}
			holder, ok := repo.Store().(objectHolder)
			if !ok {
				continue
			}
			if enabled, err := holder.ObjectLockEnabled(ctx); err != nil || !enabled {
				if err != nil {
					return err
				}
				continue
			}
			off = slices.DeleteFunc(off, func(n string) bool { return heldObjects[n] })
			slices.Sort(on)
			slices.Sort(off)
			if err := holder.SetLegalHold(ctx, true, slices.Compact(on)...); err != nil {
				return fmt.Errorf("vault %s: %w", v.Name, err)
			}
			if err := holder.SetLegalHold(ctx, false, slices.Compact(off)...); err != nil {
				return fmt.Errorf("vault %s: %w", v.Name, err)
			}
		}
	}
	return nil
}
