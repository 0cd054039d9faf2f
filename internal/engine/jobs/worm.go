package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// pointObjectPrefixes name the objects content.ObjectsOf lists for a snapshot — the repository's
// config, snapshots, packs and index files — as opposed to the repository's working state
// (locks, GC's condemnation records, copy maps, damage records), which must stay deletable. A
// test checks that every name ObjectsOf gives passes pointObject.
var pointObjectPrefixes = []string{"config", "snapshots/", "packs/", "index/"}

// pointObject reports whether a repository object is one a recovery point can need.
func pointObject(name string) bool {
	for _, p := range pointObjectPrefixes {
		if name == p || strings.HasSuffix(p, "/") && strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// pointRetention is the Object Lock retention the objects of a point created at created with
// lifecycle lc need in vault v: until the point's retention end (for a point without an expiry,
// the lock's minimum retention), in COMPLIANCE mode for a compliance-mode vault lock and
// GOVERNANCE for a governance-mode one. ok is false for a vault without a lock, or a point with
// no end to retain it until.
func pointRetention(v records.Vault, created time.Time, lc *wire.Lifecycle) (r blob.Retention, ok bool) {
	if v.Lock == nil {
		return r, false
	}
	until := records.RecoveryPoint{CreationDate: created, Lifecycle: lc}.RetainUntil()
	if until.IsZero() && v.Lock.MinRetentionDays != nil {
		until = created.AddDate(0, 0, int(*v.Lock.MinRetentionDays))
	}
	if until.IsZero() {
		return r, false
	}
	mode := blob.RetentionGovernance
	if v.Lock.Mode() == records.LockModeCompliance {
		mode = blob.RetentionCompliance
	}
	return blob.Retention{Mode: mode, Until: until}, true
}

// objectLock returns the Object Lock of st when the vault's WORM promise must hold below the
// engine there: st can lock objects and its bucket has Object Lock enabled.
func objectLock(ctx context.Context, st blob.Store) (blob.ObjectLockStore, bool, error) {
	ls, ok := blob.AsObjectLock(st)
	if !ok {
		return nil, false, nil
	}
	enabled, err := ls.ObjectLockEnabled(ctx)
	if err != nil || !enabled {
		return nil, false, err
	}
	return ls, true, nil
}

// retainNewObjects makes the objects a job writes for a new point of locked vault v into its
// repository (cold: the cold one) locked from their creation when that repository is in an
// Object Lock bucket: every pack, index file, snapshot and config saved until release carries the
// point's retention in its PUT (blob.ObjectLockStore.RetainWrites), so no object the point will
// need is ever deletable, not even while the job still runs. Objects the point reuses from
// earlier ones get their retention extended by lockPointObjects before the point is visible. Call
// it before the repository is opened, so that a repository the job creates has its config locked
// too. Nothing is done for a vault without a lock or a repository in a directory.
func (r *Repos) retainNewObjects(ctx context.Context, v records.Vault, cold bool, created time.Time, lc *wire.Lifecycle) (release func(), err error) {
	release = func() {}
	ret, ok := pointRetention(v, created, lc)
	if !ok || r == nil || r.Remote == nil {
		return release, nil
	}
	st, _, err := r.Remote(ctx, v.AccountID, v.Region, v.Name, cold)
	if err != nil || st == nil {
		return release, err
	}
	ls, ok, err := objectLock(ctx, st)
	if err != nil || !ok {
		return release, err
	}
	return ls.RetainWrites(ret, pointObject), nil
}

// lockPointObjects makes a locked vault's WORM promise hold below the engine: when the vault's
// repository is in a bucket with S3 Object Lock, every object the new point needs (the
// repository config, its snapshot, its packs and an index listing each) is retained until the
// point's retention end (pointRetention) before the point becomes visible. The objects the job
// wrote have that retention from their creation (retainNewObjects); this extends it on the
// objects the point shares with earlier points, which keep the longest retention. A vault without
// a lock, or stored in a directory or a bucket without Object Lock, is left as it is: the engine's
// own checks (records.CheckPointDeletable) protect its points.
func lockPointObjects(ctx context.Context, repo *content.Repository, v records.Vault, created time.Time, lc *wire.Lifecycle, sid content.SnapshotID) error {
	ret, ok := pointRetention(v, created, lc)
	if !ok {
		return nil
	}
	lk, ok, err := objectLock(ctx, repo.Store())
	if err != nil || !ok {
		return err
	}
	names, err := repo.ObjectsOf(ctx, sid)
	if err != nil {
		return fmt.Errorf("list the objects of snapshot %s to lock: %w", sid, err)
	}
	if err := lk.Retain(ctx, ret.Mode, ret.Until, names...); err != nil {
		return fmt.Errorf("put the point's %d objects under S3 Object Lock (%s until %s): %w", len(names), ret.Mode, ret.Until.Format(time.RFC3339), err)
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

// SyncLegalHolds mirrors an account's legal holds in a region onto S3 legal holds: in every vault
// whose repositories are in an Object Lock bucket, the objects of held points get a legal hold,
// and the objects of points no hold holds lose theirs unless a held point shares them. It runs
// when a hold settles (created or cancelled); it is idempotent. Nothing is needed when a point is
// created or copied in later: as on AWS, a hold covers only the points that exist when it is
// created (records.LegalHold.Covers; service/legal_holds.go cites AWS), so a later point's own
// objects never get an S3 legal hold.
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
			holder, ok, err := objectLock(ctx, repo.Store())
			if err != nil {
				return err
			}
			if !ok {
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

// StorageRetention reports whether the storage below the engine still refuses to delete a
// recovery point's data: its snapshot object is under S3 Object Lock retention that has not
// ended on the storage server's clock (until), or has a legal hold (held). The server's clock is
// the real one, while the engine may run a fake clock ahead of it; the lifecycle asks this before
// it deletes a point whose retention ended on the engine's clock, and keeps the point until the
// answer is no, so the point's record never goes while its objects must stay. A point whose data
// is in a directory, or in a bucket without Object Lock, is never retained.
func (r *Repos) StorageRetention(ctx context.Context, rp records.RecoveryPoint) (until time.Time, held bool, err error) {
	if r == nil || r.Remote == nil || rp.SnapshotID == "" {
		return time.Time{}, false, nil
	}
	st, _, err := r.Remote(ctx, rp.AccountID, rp.Region, rp.VaultName, rp.StorageClass == records.StorageClassCold)
	if err != nil || st == nil {
		return time.Time{}, false, err
	}
	ls, ok, err := objectLock(ctx, st)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	until, held, err = ls.RetainedUntil(ctx, "snapshots/"+rp.SnapshotID)
	if errors.Is(err, blob.ErrNotFound) {
		return time.Time{}, false, nil // forgotten already: nothing left to keep
	}
	if err != nil {
		return time.Time{}, false, err
	}
	if !until.After(clock.Wall()) {
		until = time.Time{}
	}
	return until, held, nil
}
