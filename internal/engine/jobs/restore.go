package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// restoreHandler runs restore jobs.
type restoreHandler struct{ x *executor }

func (h restoreHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	j, found, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key)
	if err != nil || !found || records.RestoreJobDone(j.Status) {
		return false, err
	}
	j.Status = records.RestoreJobRunning
	return true, saveRestoreJob(tx, h.x.events, j)
}

func (h restoreHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	j, found, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key)
	if err != nil || !found || records.RestoreJobDone(j.Status) {
		return false, nil, err
	}
	j.Status, j.CompletionDate = records.RestoreJobFailed, h.x.clock.Now()
	j.StatusMessage = reason + ". Nothing was restored to " + j.Plan.Destination + "; start the restore again."
	cleanup := func() {
		if conn, ok := h.x.connectors[j.Source.Type]; ok {
			if err := conn.Abandoned(j.Plan, j.ID); err != nil {
				h.x.log.Warn("cleaning up after an abandoned restore failed", slog.String("restore_job_id", j.ID), slog.Any("error", err))
			}
		}
	}
	return false, cleanup, saveRestoreJob(tx, h.x.events, j)
}

func (h restoreHandler) Run(ctx context.Context, t *queue.Task) error {
	x := h.x
	var j records.RestoreJob
	var v records.Vault
	var rp records.RecoveryPoint
	var pointFound bool
	err := x.store.View(ctx, func(tx store.Tx) error {
		var err error
		if j, _, err = records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key); err != nil {
			return err
		}
		if v, _, err = records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(j.AccountID, j.Region, j.VaultName)); err != nil {
			return err
		}
		id := j.RecoveryPointARN[strings.LastIndex(j.RecoveryPointARN, ":")+1:]
		rp, pointFound, err = records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, records.PointKey(j.AccountID, j.Region, j.VaultName, id))
		return err
	})
	if err != nil {
		return err
	}
	log := x.log.With(slog.String("restore_job_id", j.ID), slog.String("recovery_point_arn", j.RecoveryPointARN), slog.String("destination", j.Plan.Destination))
	fail := func(err error) error {
		if errors.Is(context.Cause(ctx), queue.ErrLeaseLost) {
			return err
		}
		msg, _ := failure(err, context.Cause(ctx), "nothing was restored to "+j.Plan.Destination)
		log.Warn("restore job failed", slog.String("status_message", msg))
		return t.Finish(ctx, func(tx store.Tx) error {
			cur, _, gerr := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key)
			if gerr != nil {
				return gerr
			}
			cur.Status, cur.StatusMessage, cur.CompletionDate = records.RestoreJobFailed, msg, x.clock.Now()
			if rt := cur.RestoreTest; rt != nil {
				// A restore test whose restore failed has failed: there is nothing to validate.
				rt.ValidationStatus, rt.ValidationStatusMessage = records.ValidationFailed, "the restore failed, so nothing could be validated: "+msg
				rt.RestoreDuration = cur.CompletionDate.Sub(cur.CreationDate)
			}
			return saveRestoreJob(tx, x.events, cur)
		})
	}
	if !pointFound {
		return fail(fmt.Errorf("recovery point %s was deleted before the restore ran", j.RecoveryPointARN))
	}
	conn, err := x.connectors.Connector(j.Source.Type)
	if err != nil {
		return fail(err)
	}
	repo, err := x.openPointRepo(ctx, v, rp.StorageClass)
	if err != nil {
		return fail(fmt.Errorf("open the repository of vault %s: %w", j.VaultName, err))
	}
	log.Info("restore job running")
	var progress progressThrottle
	res, err := conn.Restore(ctx, repo, content.SnapshotID(rp.SnapshotID), j.Plan, j.ID, func(p content.Progress) {
		if p.BytesTotal == 0 {
			return
		}
		progress.record(func() {
			_ = t.Update(ctx, func(tx store.Tx) error {
				cur, _, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key)
				if err != nil {
					return err
				}
				cur.PercentDone = min(99.9, 100*float64(p.BytesDone)/float64(p.BytesTotal))
				return records.PutDoc(tx, records.CollRestoreJobs, t.Key, cur)
			})
		})
	})
	if err != nil {
		return fail(err)
	}
	now := x.clock.Now()
	err = t.Finish(ctx, func(tx store.Tx) error {
		cur, _, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key)
		if err != nil {
			return err
		}
		cur.Status, cur.PercentDone, cur.CompletionDate = records.RestoreJobCompleted, 100, now
		cur.CreatedResourceARN = cur.Plan.TargetARN
		// What was not restored exactly (objects a bucket already had, owners that could not
		// be set) is said on the completed job.
		cur.StatusMessage = restoreWarnings(res.Warnings)
		if cur.Plan.NewResource && cur.RestoreTest != nil {
			// A restore test's scratch resource lives only until its test is over: it is not
			// registered, so no backup selection (Resources ["*"]) picks it up meanwhile.
			cur.CreatedResourceARN = restoredARN(conn, cur)
		} else if cur.Plan.NewResource {
			arn, err := h.registerRestored(tx, conn, cur, now)
			if err != nil {
				return err
			}
			cur.CreatedResourceARN = arn
		}
		if p, found, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, records.PointKey(rp.AccountID, rp.Region, rp.VaultName, rp.ID)); err != nil {
			return err
		} else if found {
			p.LastRestoreTime = now
			if err := records.PutDoc(tx, records.CollRecoveryPoints, records.PointKey(p.AccountID, p.Region, p.VaultName, p.ID), p); err != nil {
				return err
			}
		}
		if err := records.RecordRestore(tx, cur.AccountID, cur.Region, cur.Source.ARN, cur.CreationDate, cur.RecoveryPointCreationDate, now); err != nil {
			return err
		}
		if cur.RestoreTest != nil {
			cur.RestoreTest.RestoreDuration = now.Sub(cur.CreationDate)
			if err := queue.Enqueue(tx, KindRestoreTestValidate, cur.Key()); err != nil {
				return err
			}
		}
		return saveRestoreJob(tx, x.events, cur)
	})
	if err != nil {
		return err
	}
	x.events.Recorded()
	log.Info("restore job completed")
	return nil
}

// restoredARN is the ARN of the resource a restore created.
func restoredARN(conn resources.Connector, j records.RestoreJob) string {
	locator := j.Plan.Destination
	if j.Plan.Locator != "" {
		locator = j.Plan.Locator
	}
	return conn.ARN(j.Region, j.AccountID, conn.NewID(j.AccountID, j.Region, locator))
}

// registerRestored registers the resource a restore created (a new directory for EFS) and returns
// its ARN; one already registered at that locator is reused.
func (h restoreHandler) registerRestored(tx store.Tx, conn resources.Connector, j records.RestoreJob, now time.Time) (string, error) {
	locator := j.Plan.Destination
	if j.Plan.Locator != "" {
		locator = j.Plan.Locator
	}
	id := conn.NewID(j.AccountID, j.Region, locator)
	key := records.ResourceKey(j.AccountID, j.Region, id)
	existing, found, err := records.GetDoc[resources.Resource](tx, records.CollResources, key)
	if err != nil || found {
		return existing.ARN, err
	}
	r := resources.Resource{ARN: conn.ARN(j.Region, j.AccountID, id), Type: conn.Type(), ID: id, Locator: locator,
		AccountID: j.AccountID, Region: j.Region, CreationDate: now}
	if j.CopySourceTags {
		// The source's tags as registered now, if it still is; else as they were at backup time.
		src, found, err := records.GetDoc[resources.Resource](tx, records.CollResources, records.ResourceKey(j.AccountID, j.Region, j.Source.ID))
		if err != nil {
			return "", err
		}
		if !found {
			src = j.Source
		}
		r.Tags = maps.Clone(src.Tags)
	}
	return r.ARN, records.InsertDoc(tx, records.CollResources, key, r)
}

// restoreWarnings is a completed restore's StatusMessage: its first warnings, or "".
func restoreWarnings(warnings []string) string {
	const shown = 3
	if len(warnings) == 0 {
		return ""
	}
	msg := strings.Join(warnings[:min(len(warnings), shown)], "; ")
	if len(warnings) > shown {
		msg += fmt.Sprintf(" (and %d more)", len(warnings)-shown)
	}
	return msg
}
