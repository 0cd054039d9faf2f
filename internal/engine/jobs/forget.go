package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// queueVaultGC queues the collection of a vault's unreferenced data: the packs a stopped backup
// job had written. key names the cause (a job).
func queueVaultGC(tx store.Tx, account, region, vaultName, cause string) error {
	key := "gc/" + records.VaultKey(account, region, vaultName) + "/" + cause
	if err := records.PutDoc(tx, records.CollPendingForgets, key, records.PendingForget{AccountID: account, Region: region, Vault: vaultName}); err != nil {
		return err
	}
	err := queue.Enqueue(tx, KindForget, key)
	if errors.Is(err, store.ErrExists) {
		return nil
	}
	return err
}

// forgetHandler removes a deleted point's snapshot and collects the data nothing references any
// more. A failure is retried a few times, then logged and given up (the data is garbage, not a
// risk: nothing refers to it).
type forgetHandler struct{ x *executor }

const maxForgetAttempts = 5

func (h forgetHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	_, found, err := records.GetDoc[records.PendingForget](tx, records.CollPendingForgets, t.Key)
	return found, err
}

func (h forgetHandler) Run(ctx context.Context, t *queue.Task) error {
	var pf records.PendingForget
	err := h.x.store.View(ctx, func(tx store.Tx) error {
		var err error
		pf, _, err = records.GetDoc[records.PendingForget](tx, records.CollPendingForgets, t.Key)
		return err
	})
	if err != nil {
		return err
	}
	done := func(tx store.Tx) error { return tx.Delete(records.CollPendingForgets, t.Key) }
	repo, err := h.x.openPointRepo(ctx, records.Vault{AccountID: pf.AccountID, Region: pf.Region, Name: pf.Vault}, pf.Tier)
	if errors.Is(err, ErrNoRepository) {
		return t.Finish(ctx, done) // the vault (and its repository) is gone already
	}
	if err != nil {
		return err
	}
	if pf.SnapshotID == "" {
		// Only collect garbage.
	} else if err := repo.Forget(ctx, content.SnapshotID(pf.SnapshotID)); err != nil {
		if errors.Is(err, blob.ErrRetained) {
			return h.deferRetained(ctx, t, repo, pf, err)
		}
		if _, statErr := repo.Snapshot(ctx, content.SnapshotID(pf.SnapshotID)); statErr == nil {
			return fmt.Errorf("forget snapshot %s of %s: %w", pf.SnapshotID, pf.Point, err)
		}
		// The snapshot is not there: forgotten by an earlier attempt that died before finishing.
	}
	stats, err := repo.GC(ctx)
	if err != nil {
		h.x.log.Warn("collecting unreferenced data failed; the next deletion collects it", slog.String("vault", pf.Vault), slog.Any("error", err))
	} else {
		h.x.log.Info("deleted a recovery point's data", slog.String("recovery_point_arn", pf.Point),
			slog.Int64("packs_removed", stats.PacksRemoved), slog.Int64("bytes_removed", stats.BytesRemoved))
	}
	return t.Finish(ctx, done)
}

// deferRetained puts off removing a snapshot the storage still retains: S3 Object Lock, on the
// server's real clock, keeps the warm copy of a locked point moved to cold storage until the
// point's retention end (and a point deleted after an engine's fake clock ran ahead of the
// server's). Retrying at once would only fail again, and giving up would leave the snapshot, and
// every pack it uses, in the bucket for good. So the pending forget stays, and the scheduler
// queues it again (records.DueForget) when the engine's clock reaches the retention's end (the
// date was set from the engine's clock, so on the wall clock that is when the server lets go),
// or an hour from now if that is later, or the store gives no end (a legal hold).
func (h forgetHandler) deferRetained(ctx context.Context, t *queue.Task, repo *content.Repository, pf records.PendingForget, cause error) error {
	at := h.x.clock.Now().Add(time.Hour)
	if ls, ok := blob.AsObjectLock(repo.Store()); ok {
		if until, held, err := ls.RetainedUntil(ctx, "snapshots/"+pf.SnapshotID); err == nil && !held && until.After(at) {
			at = until
		}
	}
	if err := t.Finish(ctx, func(tx store.Tx) error { return records.SetDue(tx, records.DueForget, t.Key, at) }); err != nil {
		return err
	}
	h.x.log.Warn("the storage still retains a deleted recovery point's snapshot (S3 Object Lock); removing it is tried again later",
		slog.String("recovery_point_arn", pf.Point), slog.String("snapshot", pf.SnapshotID), slog.Time("retry_at", at), slog.Any("reason", cause))
	h.x.wake()
	return nil
}

func (h forgetHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	if t.Attempt < maxForgetAttempts {
		return true, nil, nil
	}
	h.x.log.Error("giving up removing a deleted recovery point's data", slog.String("key", t.Key), slog.String("reason", reason))
	err := tx.Delete(records.CollPendingForgets, t.Key)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return false, nil, err
}
