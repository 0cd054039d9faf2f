package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Restore job statuses (the model's RestoreJobStatus), defined where they are stored.
const (
	RestoreJobPending   = records.RestoreJobPending
	RestoreJobRunning   = records.RestoreJobRunning
	RestoreJobCompleted = records.RestoreJobCompleted
	RestoreJobAborted   = records.RestoreJobAborted
	RestoreJobFailed    = records.RestoreJobFailed
)

// StartRestoreJob starts restoring a recovery point. The metadata is checked before the job is
// accepted (for EFS: newFileSystem, destination-path, ItemsToRestore), so a restore that could not
// work is refused with a message instead of becoming a FAILED job.
func (s *Service) StartRestoreJob(ctx context.Context, in *wire.StartRestoreJobInput) (*wire.StartRestoreJobOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if in.IamRoleArn != "" && !iamRolePattern.MatchString(in.IamRoleArn) {
		return nil, apierr.InvalidParameter("IamRoleArn %q is not an IAM role ARN: expected arn:aws:iam::ACCOUNT:role/NAME", in.IamRoleArn)
	}
	now := s.clock.Now()
	j := records.RestoreJob{ID: newJobID(), AccountID: c.AccountID, Region: c.Region, IamRoleARN: in.IamRoleArn, Metadata: maps.Clone(in.Metadata),
		CopySourceTags: deref(in.CopySourceTagsToRestoredResource), Status: RestoreJobPending, CreationDate: now, IdempotencyToken: in.IdempotencyToken}
	fp := fingerprint([]any{in.RecoveryPointArn, in.Metadata, in.IamRoleArn, in.ResourceType, in.CopySourceTagsToRestoredResource})
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if in.IdempotencyToken != "" {
			idemKey := c.scope() + "StartRestoreJob/" + in.IdempotencyToken
			rec, found, err := records.GetDoc[records.IdempotencyRecord](tx, records.CollIdempotency, idemKey)
			if err != nil {
				return err
			}
			if found {
				if rec.Fingerprint != fp {
					return apierr.InvalidReq("IdempotencyToken %q was already used by restore job %s for a different request: use a new token for a new job", in.IdempotencyToken, rec.JobID)
				}
				j.ID = rec.JobID
				return nil
			}
			if err := records.PutDoc(tx, records.CollIdempotency, idemKey, records.IdempotencyRecord{JobID: j.ID, Fingerprint: fp}); err != nil {
				return err
			}
		}
		_, rp, err := records.FindPointByARN(tx, c.AccountID, c.Region, in.RecoveryPointArn)
		if err != nil {
			return err
		}
		if in.ResourceType != "" && in.ResourceType != rp.ResourceType {
			return apierr.InvalidParameter("ResourceType %s does not match recovery point %s, which is of a %s resource", in.ResourceType, rp.ARN, rp.ResourceType)
		}
		if rp.Status != RecoveryPointCompleted && rp.Status != RecoveryPointPartial {
			return apierr.InvalidReq("recovery point %s is %s and cannot be restored", rp.ARN, rp.Status)
		}
		if err := rp.RefuseDamaged("restored"); err != nil {
			return err
		}
		conn, err := s.connector(rp.ResourceType)
		if err != nil {
			return err
		}
		plan, err := conn.PlanRestore(ctx, resources.RestoreRequest{
			Source: rp.Resource, Metadata: in.Metadata, JobID: j.ID, Now: now, Account: c.AccountID,
			Lookup: func(id string) (resources.Resource, bool, error) {
				return records.GetDoc[resources.Resource](tx, records.CollResources, records.ResourceKey(c.AccountID, c.Region, id))
			},
		})
		if err != nil {
			return err
		}
		if other, err := activeRestoreInto(tx, c, plan.Destination); err != nil {
			return err
		} else if other != "" {
			return apierr.InvalidReq("restore job %s is already restoring into %s: wait for it, or choose another destination-path", other, plan.Destination)
		}
		j.RecoveryPointARN, j.RecoveryPointCreationDate = rp.ARN, rp.CreationDate
		j.VaultName, j.VaultARN, j.Source, j.Plan, j.BackupSizeInBytes = rp.VaultName, rp.VaultARN, rp.Resource, plan, rp.BackupSizeInBytes
		if err := records.InsertDoc(tx, records.CollRestoreJobs, j.Key(), j); err != nil {
			return err
		}
		return queue.Enqueue(tx, jobs.KindRestore, j.Key())
	})
	if err != nil {
		return nil, internal("start restore job", err)
	}
	s.runner.Notify()
	return &wire.StartRestoreJobOutput{RestoreJobId: j.ID}, nil
}

// scanRestoreJobs calls fn with each of the caller's restore jobs until it returns true.
func scanRestoreJobs(tx store.Tx, c Caller, fn func(j *records.RestoreJob) bool) error {
	docs, err := tx.Scan(records.CollRestoreJobs, c.scope(), "", 0)
	if err != nil {
		return err
	}
	for _, d := range docs {
		var j records.RestoreJob
		if err := json.Unmarshal(d.Value, &j); err != nil {
			return fmt.Errorf("decode restore job %s: %w", d.Key, err)
		}
		if fn(&j) {
			return nil
		}
	}
	return nil
}

// activeRestoreInto returns the ID of an unfinished restore job writing to dest, or "".
func activeRestoreInto(tx store.Tx, c Caller, dest string) (string, error) {
	var id string
	err := scanRestoreJobs(tx, c, func(j *records.RestoreJob) bool {
		if !records.RestoreJobDone(j.Status) && j.Plan.Destination == dest {
			id = j.ID
		}
		return id != ""
	})
	return id, err
}

func restoreJobOut(j *records.RestoreJob) *wire.RestoreJob {
	return &wire.RestoreJob{
		AccountId: j.AccountID, BackupSizeInBytes: j.BackupSizeInBytes, BackupVaultArn: j.VaultARN,
		CompletionDate: wire.NewTimestamp(j.CompletionDate), CreatedResourceArn: j.CreatedResourceARN, CreationDate: wire.NewTimestamp(j.CreationDate),
		IamRoleArn: j.IamRoleARN, PercentDone: fmt.Sprintf("%.1f", j.PercentDone), RecoveryPointArn: j.RecoveryPointARN,
		RecoveryPointCreationDate: wire.NewTimestamp(j.RecoveryPointCreationDate), ResourceType: j.Source.Type, RestoreJobId: j.ID,
		SourceResourceArn: j.Source.ARN, Status: j.Status, StatusMessage: j.StatusMessage,
	}
}

func findRestoreJob(tx store.Tx, c Caller, id string) (records.RestoreJob, error) {
	j, found, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, records.JobKey(c.AccountID, c.Region, strings.ToUpper(id)))
	if err != nil {
		return j, err
	}
	if !found {
		return j, apierr.NotFound("restore job %s does not exist in account %s, region %s", id, c.AccountID, c.Region)
	}
	return j, nil
}

// DescribeRestoreJob describes a restore job.
func (s *Service) DescribeRestoreJob(ctx context.Context, in *wire.DescribeRestoreJobInput) (*wire.RestoreJob, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.RestoreJob
	err = s.store.View(ctx, func(tx store.Tx) error {
		j, err := findRestoreJob(tx, c, in.RestoreJobId)
		if err != nil {
			return err
		}
		out = restoreJobOut(&j)
		return nil
	})
	if err != nil {
		return nil, internal("describe restore job", err)
	}
	return out, nil
}

// GetRestoreJobMetadata returns the metadata a restore job runs with: the request's, with the
// defaults it resolved filled in (for EFS, where the data goes: destination-path).
func (s *Service) GetRestoreJobMetadata(ctx context.Context, in *wire.DescribeRestoreJobInput) (*wire.GetRestoreJobMetadataOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.GetRestoreJobMetadataOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		j, err := findRestoreJob(tx, c, in.RestoreJobId)
		if err != nil {
			return err
		}
		out = &wire.GetRestoreJobMetadataOutput{Metadata: j.Plan.Metadata, RestoreJobId: j.ID}
		return nil
	})
	if err != nil {
		return nil, internal("get restore job metadata", err)
	}
	return out, nil
}

func timeFilter(t time.Time, after, before *wire.Timestamp) bool {
	if after != nil && (t.IsZero() || !t.After(after.Time())) {
		return false
	}
	if before != nil && (t.IsZero() || !t.Before(before.Time())) {
		return false
	}
	return true
}

// ListRestoreJobs lists the caller's restore jobs in the region, oldest first, with AWS's filters.
func (s *Service) ListRestoreJobs(ctx context.Context, in *wire.ListRestoreJobsInput) (*wire.ListRestoreJobsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListRestoreJobsOutput{RestoreJobs: []*wire.RestoreJob{}}
	if (in.ByAccountId != "" && in.ByAccountId != c.AccountID) || in.ByParentJobId != "" || in.ByRestoreTestingPlanArn != "" {
		return out, nil // no other accounts, composite jobs or restore testing plans here
	}
	err = s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page(tx, records.CollRestoreJobs, c.scope(), in.NextToken, in.MaxResults, func(j *records.RestoreJob) bool {
			return (in.ByResourceType == "" || j.Source.Type == in.ByResourceType) &&
				(in.ByStatus == "" || j.Status == in.ByStatus) &&
				timeFilter(j.CreationDate, in.ByCreatedAfter, in.ByCreatedBefore) &&
				timeFilter(j.CompletionDate, in.ByCompleteAfter, in.ByCompleteBefore)
		})
		if err != nil {
			return err
		}
		for _, j := range list {
			out.RestoreJobs = append(out.RestoreJobs, restoreJobOut(j))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list restore jobs", err)
	}
	return out, nil
}

// ListRestoreJobsByProtectedResource lists the restore jobs of points taken of one resource.
func (s *Service) ListRestoreJobsByProtectedResource(ctx context.Context, in *wire.ListRestoreJobsByProtectedResourceInput) (*wire.ListRestoreJobsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.checkARN("ResourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	out := &wire.ListRestoreJobsOutput{RestoreJobs: []*wire.RestoreJob{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page(tx, records.CollRestoreJobs, c.scope(), in.NextToken, in.MaxResults, func(j *records.RestoreJob) bool {
			return j.Source.ARN == in.ResourceArn && (in.ByStatus == "" || j.Status == in.ByStatus) &&
				timeFilter(j.RecoveryPointCreationDate, in.ByRecoveryPointCreationDateAfter, in.ByRecoveryPointCreationDateBefore)
		})
		if err != nil {
			return err
		}
		for _, j := range list {
			out.RestoreJobs = append(out.RestoreJobs, restoreJobOut(j))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list restore jobs by protected resource", err)
	}
	return out, nil
}

// restoreHandler runs restore jobs.
type restoreHandler struct{ s *Service }

func (h restoreHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	j, found, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key)
	if err != nil || !found || records.RestoreJobDone(j.Status) {
		return false, err
	}
	j.Status = RestoreJobRunning
	return true, jobs.SaveRestoreJob(tx, h.s.events, j)
}

func (h restoreHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	j, found, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key)
	if err != nil || !found || records.RestoreJobDone(j.Status) {
		return false, nil, err
	}
	j.Status, j.CompletionDate = RestoreJobFailed, h.s.clock.Now()
	j.StatusMessage = reason + ". Nothing was restored to " + j.Plan.Destination + "; start the restore again."
	cleanup := func() {
		if conn, ok := h.s.connectors[j.Source.Type]; ok {
			if err := conn.Abandoned(j.Plan, j.ID); err != nil {
				h.s.log.Warn("cleaning up after an abandoned restore failed", slog.String("restore_job_id", j.ID), slog.Any("error", err))
			}
		}
	}
	return false, cleanup, jobs.SaveRestoreJob(tx, h.s.events, j)
}

func (h restoreHandler) Run(ctx context.Context, t *queue.Task) error {
	s := h.s
	var j records.RestoreJob
	var v records.Vault
	var rp records.RecoveryPoint
	var pointFound bool
	err := s.store.View(ctx, func(tx store.Tx) error {
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
	log := s.log.With(slog.String("restore_job_id", j.ID), slog.String("recovery_point_arn", j.RecoveryPointARN), slog.String("destination", j.Plan.Destination))
	fail := func(err error) error {
		if errors.Is(context.Cause(ctx), queue.ErrLeaseLost) {
			return err
		}
		msg, _ := jobs.Failure(err, context.Cause(ctx), "nothing was restored to "+j.Plan.Destination)
		log.Warn("restore job failed", slog.String("status_message", msg))
		return t.Finish(ctx, func(tx store.Tx) error {
			cur, _, gerr := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key)
			if gerr != nil {
				return gerr
			}
			cur.Status, cur.StatusMessage, cur.CompletionDate = RestoreJobFailed, msg, s.clock.Now()
			return jobs.SaveRestoreJob(tx, s.events, cur)
		})
	}
	if !pointFound {
		return fail(fmt.Errorf("recovery point %s was deleted before the restore ran", j.RecoveryPointARN))
	}
	conn, err := s.connector(j.Source.Type)
	if err != nil {
		return fail(err)
	}
	repo, err := s.openPointRepo(ctx, v, rp.StorageClass)
	if err != nil {
		return fail(fmt.Errorf("open the repository of vault %s: %w", j.VaultName, err))
	}
	log.Info("restore job running")
	var progressMu sync.Mutex
	var lastProgress time.Time
	res, err := conn.Restore(ctx, repo, content.SnapshotID(rp.SnapshotID), j.Plan, j.ID, func(p content.Progress) {
		if !progressMu.TryLock() {
			return
		}
		defer progressMu.Unlock()
		if clock.Since(lastProgress) < progressInterval || p.BytesTotal == 0 {
			return
		}
		lastProgress = clock.Wall()
		_ = t.Update(ctx, func(tx store.Tx) error {
			cur, _, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key)
			if err != nil {
				return err
			}
			cur.PercentDone = min(99.9, 100*float64(p.BytesDone)/float64(p.BytesTotal))
			return records.PutDoc(tx, records.CollRestoreJobs, t.Key, cur)
		})
	})
	if err != nil {
		return fail(err)
	}
	now := s.clock.Now()
	err = t.Finish(ctx, func(tx store.Tx) error {
		cur, _, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, t.Key)
		if err != nil {
			return err
		}
		cur.Status, cur.PercentDone, cur.CompletionDate = RestoreJobCompleted, 100, now
		cur.CreatedResourceARN = cur.Plan.TargetARN
		// What was not restored exactly (objects a bucket already had, owners that could not
		// be set) is said on the completed job.
		cur.StatusMessage = restoreWarnings(res.Warnings)
		if cur.Plan.NewResource {
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
		return jobs.SaveRestoreJob(tx, s.events, cur)
	})
	if err != nil {
		return err
	}
	s.events.Recorded()
	log.Info("restore job completed")
	return nil
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
