package restoretesting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// After a restore test's job completes (restore_testing_validation.html of the developer guide):
//
//   - with built-in validation, the validate task checks the restored resource against the
//     recovery point and records SUCCESSFUL or FAILED, then the resource is deleted;
//   - without, the "Restore Job State Change" event of the completed job (recorded by the job
//     runner) is the validator's cue, and PutRestoreValidationResult its answer; the resource is
//     kept for ValidationWindowHours, "deleted upon the completion of the validation script or
//     the end of the specified retention period, whichever comes first"
//     (API_RestoreTestingSelectionForCreate.html). No final result by then is TIMED_OUT.
//
// The deletion is a cleanup task: DeletionStatus is DELETING while it is queued or running,
// then SUCCESSFUL, or FAILED with the reason.

// Handlers returns the job runner's handlers of restore testing's tasks, for the assembly to
// give the runner beside jobs.Handlers.
func (s *Service) Handlers() map[string]queue.Handler {
	return map[string]queue.Handler{
		jobs.KindRestoreTestValidate: validateHandler{s},
		jobs.KindRestoreTestCleanup:  cleanupHandler{s},
	}
}

// RestoreTester is what a connector offers restore testing: the check of a restored resource
// against its snapshot, and the deletion of a scratch target.
type RestoreTester interface {
	VerifyRestored(ctx context.Context, repo *content.Repository, snap content.SnapshotID, plan resources.RestorePlan, check resources.RestoreCheck) (string, error)
	DeleteRestored(ctx context.Context, plan resources.RestorePlan) error
}

func (s *Service) tester(resourceType string) (RestoreTester, error) {
	conn, err := s.connectors.Connector(resourceType)
	if err != nil {
		return nil, err
	}
	t, ok := conn.(RestoreTester)
	if !ok {
		return nil, fmt.Errorf("the %s connector cannot validate or delete restored resources", resourceType)
	}
	return t, nil
}

// loadTest reads a restore test's job, or found=false when the key names none.
func loadTest(tx store.Tx, key string) (records.RestoreJob, bool, error) {
	j, found, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, key)
	if err != nil || !found || j.RestoreTest == nil {
		return j, false, err
	}
	return j, true, nil
}

// finalValidation reports whether a validation status is an outcome, after which the restored
// resource goes.
func finalValidation(status string) bool {
	return status == records.ValidationSuccessful || status == records.ValidationFailed || status == records.ValidationTimedOut
}

// beginCleanup marks j's restored resource DELETING and queues its deletion, in tx; it saves j.
func (s *Service) beginCleanup(tx store.Tx, j records.RestoreJob) error {
	if j.RestoreTest.DeletionStatus != "" {
		return nil
	}
	if err := records.ClearDue(tx, records.DueRestoreValidationEnd, j.Key()); err != nil {
		return err
	}
	j.RestoreTest.DeletionStatus = records.DeletionDeleting
	if err := records.PutDoc(tx, records.CollRestoreJobs, j.Key(), j); err != nil {
		return err
	}
	return queue.Enqueue(tx, jobs.KindRestoreTestCleanup, j.Key())
}

// validateHandler runs built-in validation, or opens the validation window for an external one.
type validateHandler struct{ s *Service }

func (h validateHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	j, found, err := loadTest(tx, t.Key)
	if err != nil || !found || finalValidation(j.RestoreTest.ValidationStatus) || j.RestoreTest.DeletionStatus != "" {
		return false, err
	}
	if j.RestoreTest.Validation == nil {
		return true, nil // Run opens the validation window
	}
	j.RestoreTest.ValidationStatus = records.ValidationValidating
	return true, records.PutDoc(tx, records.CollRestoreJobs, j.Key(), j)
}

// openWindow gives an external validator ValidationWindowHours from the job's completion; with
// none, the restored resource goes at once. The scheduler is told after the window is recorded.
func (h validateHandler) openWindow(ctx context.Context, t *queue.Task) error {
	err := t.Finish(ctx, func(tx store.Tx) error {
		j, found, err := loadTest(tx, t.Key)
		if err != nil || !found || j.RestoreTest.DeletionStatus != "" || finalValidation(j.RestoreTest.ValidationStatus) {
			return err
		}
		window := time.Duration(j.RestoreTest.ValidationWindowHours) * time.Hour
		if window == 0 {
			return h.s.beginCleanup(tx, j)
		}
		return records.SetDue(tx, records.DueRestoreValidationEnd, j.Key(), j.CompletionDate.Add(window))
	})
	if err == nil {
		h.s.wake()
		h.s.notify()
	}
	return err
}

func (h validateHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	j, found, err := loadTest(tx, t.Key)
	if err != nil || !found || finalValidation(j.RestoreTest.ValidationStatus) {
		return false, nil, err
	}
	j.RestoreTest.ValidationStatus, j.RestoreTest.ValidationStatusMessage = records.ValidationFailed, "the validation did not finish: "+reason
	return false, nil, h.s.beginCleanup(tx, j)
}

func (h validateHandler) Run(ctx context.Context, t *queue.Task) error {
	s := h.s
	var j records.RestoreJob
	var v records.Vault
	var rp records.RecoveryPoint
	var pointFound bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if j, _, err = loadTest(tx, t.Key); err != nil {
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
	if j.RestoreTest == nil {
		return t.Finish(ctx, func(store.Tx) error { return nil })
	}
	if j.RestoreTest.Validation == nil {
		return h.openWindow(ctx, t)
	}
	status, msg := records.ValidationSuccessful, ""
	if msg, err = s.verify(ctx, j, v, rp, pointFound); err != nil {
		if errors.Is(context.Cause(ctx), queue.ErrLeaseLost) {
			return err
		}
		status, msg = records.ValidationFailed, err.Error()
	}
	s.log.Info("restore test validated", slog.String("restore_job_id", j.ID), slog.String("validation_status", status), slog.String("message", msg))
	err = t.Finish(ctx, func(tx store.Tx) error {
		cur, found, err := loadTest(tx, t.Key)
		if err != nil || !found {
			return err
		}
		cur.RestoreTest.ValidationStatus, cur.RestoreTest.ValidationStatusMessage = status, msg
		return s.beginCleanup(tx, cur)
	})
	if err == nil {
		s.notify() // the cleanup is queued
	}
	return err
}

// verify runs a restore test's built-in validation; it returns what it checked, or why the
// restored resource does not match its recovery point.
func (s *Service) verify(ctx context.Context, j records.RestoreJob, v records.Vault, rp records.RecoveryPoint, pointFound bool) (string, error) {
	if !pointFound {
		return "", fmt.Errorf("recovery point %s was deleted before the restored resource could be checked against it", j.RecoveryPointARN)
	}
	tester, err := s.tester(j.Source.Type)
	if err != nil {
		return "", err
	}
	var repo *content.Repository
	if j.Source.Type != resources.TypeRDS { // RDS runs the selection's query; it needs no manifest
		if s.repos == nil {
			return "", errors.New("this engine has no vault repositories to check the restore against")
		}
		open := s.repos.Open
		if rp.StorageClass == records.StorageClassCold {
			open = s.repos.OpenCold
		}
		if repo, err = open(ctx, v.AccountID, v.Region, v.Name, v.EncryptionKeyARN, false); err != nil {
			return "", fmt.Errorf("open the repository of vault %s: %w", v.Name, err)
		}
	}
	check := resources.RestoreCheck{}
	if val := j.RestoreTest.Validation; val != nil {
		check.Query, check.MinRowCount = val.Query, val.MinRowCount
	}
	return tester.VerifyRestored(ctx, repo, content.SnapshotID(rp.SnapshotID), j.Plan, check)
}

// cleanupHandler deletes a restore test's restored resource.
type cleanupHandler struct{ s *Service }

func (h cleanupHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	j, found, err := loadTest(tx, t.Key)
	return found && j.RestoreTest.DeletionStatus == records.DeletionDeleting, err
}

func (h cleanupHandler) Abandoned(tx store.Tx, t *queue.Task, _ string) (bool, func(), error) {
	// Deleting again is harmless: a process that died mid-way leaves the rest to its successor.
	return true, nil, nil
}

func (h cleanupHandler) Run(ctx context.Context, t *queue.Task) error {
	s := h.s
	var j records.RestoreJob
	if err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		j, _, err = loadTest(tx, t.Key)
		return err
	}); err != nil {
		return err
	}
	status, msg := records.DeletionSuccessful, ""
	tester, err := s.tester(j.Source.Type)
	if err == nil {
		err = tester.DeleteRestored(ctx, j.Plan)
	}
	if err != nil {
		if errors.Is(context.Cause(ctx), queue.ErrLeaseLost) {
			return err
		}
		status, msg = records.DeletionFailed, fmt.Sprintf("the restored resource %s could not be deleted: %v; delete it by hand", j.Plan.Destination, err)
		s.log.Warn("a restore test's restored resource could not be deleted", slog.String("restore_job_id", j.ID), slog.Any("error", err))
	}
	return t.Finish(ctx, func(tx store.Tx) error {
		cur, found, err := loadTest(tx, t.Key)
		if err != nil || !found {
			return err
		}
		cur.RestoreTest.DeletionStatus, cur.RestoreTest.DeletionStatusMessage = status, msg
		return records.PutDoc(tx, records.CollRestoreJobs, cur.Key(), cur)
	})
}

// closeValidationWindow ends an external validation's window: no final result by now is
// TIMED_OUT, and the restored resource goes.
func (s *Service) closeValidationWindow(ctx context.Context, jobKey string, now time.Time) (bool, error) {
	changed := false
	err := s.update(ctx, func(tx store.Tx) error {
		if err := records.ClearDue(tx, records.DueRestoreValidationEnd, jobKey); err != nil {
			return err
		}
		j, found, err := loadTest(tx, jobKey)
		if err != nil || !found || j.RestoreTest.DeletionStatus != "" {
			return err
		}
		if !finalValidation(j.RestoreTest.ValidationStatus) {
			j.RestoreTest.ValidationStatus = records.ValidationTimedOut
			j.RestoreTest.ValidationStatusMessage = fmt.Sprintf("no validation result was put by the end of the %d-hour validation window (%s)",
				j.RestoreTest.ValidationWindowHours, now.UTC().Format(time.RFC3339))
		}
		changed = true
		return s.beginCleanup(tx, j)
	})
	return changed, err
}

// PutValidationResult is PutRestoreValidationResult: an external validator's verdict on a
// restore test's job. VALIDATING records progress and keeps the resource; an outcome ends the
// validation window and deletes the restored resource.
func (s *Service) PutValidationResult(ctx context.Context, sc Scope, in *wire.PutRestoreValidationResultInput) (*struct{}, error) {
	switch in.ValidationStatus {
	case records.ValidationFailed, records.ValidationSuccessful, records.ValidationTimedOut, records.ValidationValidating:
	case "":
		return nil, apierr.Missing("ValidationStatus is required: SUCCESSFUL, FAILED, TIMED_OUT or VALIDATING")
	default:
		return nil, apierr.InvalidParameter("ValidationStatus %q: use SUCCESSFUL, FAILED, TIMED_OUT or VALIDATING", in.ValidationStatus)
	}
	err := s.update(ctx, func(tx store.Tx) error {
		key := records.JobKey(sc.AccountID, sc.Region, strings.ToUpper(in.RestoreJobId))
		j, found, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, key)
		if err != nil {
			return err
		}
		if !found {
			return apierr.NotFound("restore job %s does not exist in account %s, region %s", in.RestoreJobId, sc.AccountID, sc.Region)
		}
		rt := j.RestoreTest
		switch {
		case rt == nil:
			return apierr.InvalidReq("restore job %s was not started by a restore testing plan: only restore tests take validation results", j.ID)
		case j.Status != records.RestoreJobCompleted:
			return apierr.InvalidReq("restore job %s is %s: a validation result is put after the restore completes", j.ID, j.Status)
		case rt.Validation != nil:
			return apierr.InvalidReq("restore job %s is validated by the engine (its selection sets %s): it takes no external result", j.ID, OverrideValidation)
		case rt.DeletionStatus != "" || finalValidation(rt.ValidationStatus):
			return apierr.InvalidReq("restore job %s's validation is over (%s); its restored resource is %s", j.ID, rt.ValidationStatus, strings.ToLower(rt.DeletionStatus))
		}
		rt.ValidationStatus, rt.ValidationStatusMessage = in.ValidationStatus, in.ValidationStatusMessage
		if !finalValidation(rt.ValidationStatus) {
			return records.PutDoc(tx, records.CollRestoreJobs, j.Key(), j)
		}
		return s.beginCleanup(tx, j)
	})
	if err != nil {
		return nil, internal("put restore validation result", err)
	}
	return &struct{}{}, nil
}
