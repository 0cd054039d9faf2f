package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The kinds of background task the service queues (package queue runs them).
const (
	kindBackup  = "backup"
	kindRestore = "restore"
	kindForget  = "forget-snapshot"
	kindCold    = "move-to-cold"
)

// shutdownGrace is how long Close waits for running jobs to record that they were stopped.
const shutdownGrace = 10 * time.Second

// progressInterval is how often a running job writes its progress to the store.
const progressInterval = time.Second

// Start starts the background work: running jobs (those queued through this service and those
// other processes on the same data dir queued or abandoned) and the scheduler. Event delivery is
// started by whoever made the EventRecorder.
func (s *Service) Start() {
	if err := s.buildDueIndex(context.Background()); err != nil {
		s.log.Error("indexing job windows and lifecycles failed; the scheduler may miss some", slog.Any("error", err))
	}
	s.runner.Start()
	s.sched.Start()
}

// Close stops the scheduler and the job runner (running jobs end FAILED, saying the engine
// stopped, in events recorded before Close returns) and closes the vault repositories.
func (s *Service) Close() error {
	s.sched.Stop()
	s.runner.Stop(shutdownGrace)
	if s.repos != nil {
		return s.repos.Close()
	}
	return nil
}

// newJobID returns a job or recovery point ID. UUIDv7 IDs sort by creation time, so documents
// keyed by them list in creation order.
func newJobID() string { return strings.ToUpper(uuid.Must(uuid.NewV7()).String()) }

func newPointID() string { return uuid.Must(uuid.NewV7()).String() }

// openRepo opens the repository of vault v; create makes it if the vault has none yet.
func (s *Service) openRepo(ctx context.Context, v records.Vault, create bool) (*content.Repository, error) {
	if s.repos == nil {
		return nil, errors.New("this engine was started without a data dir for vault repositories")
	}
	return refusedRepo(s.repos.Open(ctx, v.AccountID, v.Region, v.Name, v.EncryptionKeyARN, create))
}

// Message categories of finished jobs (ListBackupJobs ByMessageCategory).
const (
	categorySuccess      = "SUCCESS"
	categoryAborted      = "ABORTED"
	categoryAccessDenied = "ACCESS_DENIED"
	categorySourceGone   = "RESOURCE_NOT_FOUND"
	categoryStorageFull  = "INSUFFICIENT_STORAGE"
	categoryEngine       = "ENGINE_STOPPED"
	categoryPartial      = "PARTIAL"
	categoryFailed       = "FAILED"
)

// failure turns a job error into a StatusMessage and a message category, saying what to do.
// lost says what the failure cost, for the messages that need it ("nothing was stored as a
// recovery point").
func failure(err error, cause error, lost string) (msg, category string) {
	if e, ok := apierr.As(err); ok {
		return e.Message, categoryFailed
	}
	switch {
	case errors.Is(cause, queue.ErrShutdown):
		return "the engine was shut down while the job ran; " + lost + ". Start the job again.", categoryEngine
	case errors.Is(err, syscall.ENOSPC):
		return "the disk is full (" + err.Error() + "); " + lost + ", and what the vault already held is intact. Free space and start the job again.", categoryStorageFull
	case errors.Is(err, fs.ErrNotExist):
		return err.Error(), categorySourceGone
	case errors.Is(err, resources.ErrConfined):
		return err.Error(), categoryAccessDenied
	case errors.Is(err, fs.ErrPermission):
		return err.Error() + ". Give the engine's user read access, or run the engine as a user that has it.", categoryAccessDenied
	}
	return err.Error(), categoryFailed
}

// queueForget queues the removal of rp's snapshot from the repository of rp's storage class, in
// the transaction that deletes the point (or moves it to another tier).
func queueForget(tx store.Tx, rp records.RecoveryPoint) error {
	key := records.PointKey(rp.AccountID, rp.Region, rp.VaultName, rp.ID)
	tier := ""
	if rp.StorageClass == StorageClassCold {
		key, tier = key+"/cold", StorageClassCold
	}
	if err := records.PutDoc(tx, records.CollPendingForgets, key, records.PendingForget{AccountID: rp.AccountID, Region: rp.Region, Vault: rp.VaultName, SnapshotID: rp.SnapshotID, Point: rp.ARN, Tier: tier}); err != nil {
		return err
	}
	return queue.Enqueue(tx, kindForget, key)
}

// errRemovalInFlight says a runner is removing data from the vault's repository right now.
var errRemovalInFlight = errors.New("the data of deleted recovery points is being removed")

// How long DeleteBackupVault waits for a removal in flight, and how often it looks again.
const (
	removalPatience = 30 * time.Second
	removalPoll     = 50 * time.Millisecond
)

// settleDataRemovals makes way for removing a vault's repositories, in the transaction that
// deletes the vault: queued removals of deleted points' data are dropped, since the repository
// goes as a whole, and one a runner is carrying out right now refuses the deletion for the
// moment, so no GC ever writes into a directory being removed (or into the repository of a vault
// created again under the same name). AWS refuses to delete a vault whose points are still being
// deleted in the same way, and clients retry.
func settleDataRemovals(tx store.Tx, v records.Vault) error {
	docs, err := tx.Scan(records.CollPendingForgets, "", "", 0)
	if err != nil {
		return err
	}
	for _, d := range docs {
		var pf records.PendingForget
		if err := json.Unmarshal(d.Value, &pf); err != nil {
			return fmt.Errorf("decode %s/%s: %w", records.CollPendingForgets, d.Key, err)
		}
		if pf.AccountID != v.AccountID || pf.Region != v.Region || pf.Vault != v.Name {
			continue
		}
		if _, claimed, err := queue.Claimed(tx, kindForget, d.Key); err != nil {
			return err
		} else if claimed {
			return errRemovalInFlight
		}
		if _, err := queue.Dequeue(tx, kindForget, d.Key); err != nil {
			return err
		}
		if err := tx.Delete(records.CollPendingForgets, d.Key); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// queueVaultGC queues the collection of a vault's unreferenced data: the packs a stopped backup
// job had written. key names the cause (a job).
func queueVaultGC(tx store.Tx, account, region, vaultName, cause string) error {
	key := "gc/" + records.VaultKey(account, region, vaultName) + "/" + cause
	if err := records.PutDoc(tx, records.CollPendingForgets, key, records.PendingForget{AccountID: account, Region: region, Vault: vaultName}); err != nil {
		return err
	}
	err := queue.Enqueue(tx, kindForget, key)
	if errors.Is(err, store.ErrExists) {
		return nil
	}
	return err
}

// forgetHandler removes a deleted point's snapshot and collects the data nothing references any
// more. A failure is retried a few times, then logged and given up (the data is garbage, not a
// risk: nothing refers to it).
type forgetHandler struct{ s *Service }

const maxForgetAttempts = 5

func (h forgetHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	_, found, err := records.GetDoc[records.PendingForget](tx, records.CollPendingForgets, t.Key)
	return found, err
}

func (h forgetHandler) Run(ctx context.Context, t *queue.Task) error {
	var pf records.PendingForget
	err := h.s.store.View(ctx, func(tx store.Tx) error {
		var err error
		pf, _, err = records.GetDoc[records.PendingForget](tx, records.CollPendingForgets, t.Key)
		return err
	})
	if err != nil {
		return err
	}
	done := func(tx store.Tx) error { return tx.Delete(records.CollPendingForgets, t.Key) }
	repo, err := h.s.openPointRepo(ctx, records.Vault{AccountID: pf.AccountID, Region: pf.Region, Name: pf.Vault}, pf.Tier)
	if errors.Is(err, jobs.ErrNoRepository) {
		return t.Finish(ctx, done) // the vault (and its repository) is gone already
	}
	if err != nil {
		return err
	}
	if pf.SnapshotID == "" {
		// Only collect garbage.
	} else if err := repo.Forget(ctx, content.SnapshotID(pf.SnapshotID)); err != nil {
		if _, statErr := repo.Snapshot(ctx, content.SnapshotID(pf.SnapshotID)); statErr == nil {
			return fmt.Errorf("forget snapshot %s of %s: %w", pf.SnapshotID, pf.Point, err)
		}
		// The snapshot is not there: forgotten by an earlier attempt that died before finishing.
	}
	stats, err := repo.GC(ctx)
	if err != nil {
		h.s.log.Warn("collecting unreferenced data failed; the next deletion collects it", slog.String("vault", pf.Vault), slog.Any("error", err))
	} else {
		h.s.log.Info("deleted a recovery point's data", slog.String("recovery_point_arn", pf.Point),
			slog.Int64("packs_removed", stats.PacksRemoved), slog.Int64("bytes_removed", stats.BytesRemoved))
	}
	return t.Finish(ctx, done)
}

func (h forgetHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	if t.Attempt < maxForgetAttempts {
		return true, nil, nil
	}
	h.s.log.Error("giving up removing a deleted recovery point's data", slog.String("key", t.Key), slog.String("reason", reason))
	err := tx.Delete(records.CollPendingForgets, t.Key)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return false, nil, err
}
