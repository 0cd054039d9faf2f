package restoretesting

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// A run: at each instant of a plan's schedule, every selection of the plan picks, for each
// resource it selects that has an eligible recovery point, one point (pick.go), and a restore
// job restores it into a scratch target (scratchMetadata). The jobs are ordinary restore jobs,
// run by the job runner, carrying a records.RestoreTest; when one completes, the restore
// handler queues its validation (handlers.go).
//
// The run's instant comes from the due index (records.DueRestoreTestRun), which the scheduler
// reads like every other due entry; after a run, or after downtime, the plan is armed for its
// first instant after now. An instant more than StartWindowHours in the past is skipped, not
// run late: AWS cancels a restore test that has not started within its start window
// (StartWindowHours, API_RestoreTestingPlanForCreate.html).

// RunDue does one due entry of restore testing, at the scheduler's now: a plan's run or a
// validation window's end. It reports whether it created or changed a job.
func (s *Service) RunDue(ctx context.Context, e records.DueEntry, now time.Time) (bool, error) {
	switch e.Kind {
	case records.DueRestoreTestRun:
		n, err := s.runPlan(ctx, e.Ref, e.At, now)
		return n > 0, err
	case records.DueRestoreValidationEnd:
		return s.closeValidationWindow(ctx, e.Ref, now)
	}
	return false, fmt.Errorf("restore testing has no due work of kind %q", e.Kind)
}

// scratchName names a restore test's scratch target after its job: a valid directory, RDS
// identifier and bucket name alike (letters, digits and hyphens, 45 characters).
func scratchName(jobID string) string {
	return "restore-test-" + strings.ToLower(strings.ReplaceAll(jobID, "-", ""))
}

// scratchMetadata is the restore metadata of a restore test of a point of src: the selection's
// overrides (restore metadata only), pointed at a new resource named after the job, never the
// original. EFS restores to a new directory beside the original (or below the overrides'
// destination-path, inside the operator's allowed paths either way), RDS to a new database on
// the original's server, S3 to a new bucket on the original's endpoint.
func scratchMetadata(src resources.Resource, jobID string, overrides map[string]string) map[string]string {
	meta := maps.Clone(overrides)
	if meta == nil {
		meta = map[string]string{}
	}
	name := scratchName(jobID)
	switch src.Type {
	case resources.TypeEFS:
		parent := filepath.Dir(src.Locator)
		if d := overrides[resources.MetaDestinationPath]; d != "" {
			parent = d
		}
		meta[resources.MetaNewFileSystem] = "true"
		meta[resources.MetaDestinationPath] = filepath.Join(parent, name)
	case resources.TypeRDS:
		meta[resources.MetaDBInstanceIdentifier] = name
	case resources.TypeS3:
		meta[resources.MetaDestinationBucketName] = name
		meta[resources.MetaNewBucket] = "true"
	}
	return meta
}

// runPlan runs the plan at planKey for its instant at; it returns how many restore jobs it started.
func (s *Service) runPlan(ctx context.Context, planKey string, at, now time.Time) (int, error) {
	started := 0
	err := s.update(ctx, func(tx store.Tx) error {
		started = 0
		p, found, err := records.GetDoc[records.RestoreTestingPlan](tx, records.CollRestoreTestingPlans, planKey)
		if err != nil {
			return err
		}
		if !found {
			return records.ClearDue(tx, records.DueRestoreTestRun, planKey)
		}
		if now.Sub(at) > time.Duration(p.StartWindowHours)*time.Hour {
			s.log.Warn("a restore test missed its start window and is skipped", slog.String("restore_testing_plan", p.Name),
				slog.Time("scheduled", at), slog.Int("start_window_hours", int(p.StartWindowHours)))
			return armPlan(tx, p, now)
		}
		picks, err := s.pickForPlan(tx, p, at)
		if err != nil {
			return err
		}
		for _, pk := range picks {
			if err := s.startTest(ctx, tx, p, pk, at); err != nil {
				return err
			}
			started++
		}
		p.LastExecutionTime = at
		if err := records.PutDoc(tx, records.CollRestoreTestingPlans, p.Key(), p); err != nil {
			return err
		}
		return armPlan(tx, p, now)
	})
	if err != nil {
		return 0, fmt.Errorf("restore testing plan %s at %s: %w", planKey, at.Format(time.RFC3339), err)
	}
	return started, nil
}

// pick is one restore a run starts.
type pick struct {
	sel   records.RestoreTestingSelection
	point records.RecoveryPoint
}

// pickForPlan picks the points a run at instant at restores: per selection, per resource.
func (s *Service) pickForPlan(tx store.Tx, p records.RestoreTestingPlan, at time.Time) ([]pick, error) {
	var sels []records.RestoreTestingSelection
	if err := records.ScanDocs(tx, records.CollRestoreTestingSelections, p.Key()+"/", func(sel *records.RestoreTestingSelection) {
		sels = append(sels, *sel)
	}); err != nil {
		return nil, err
	}
	if len(sels) == 0 {
		return nil, nil
	}
	// The account's eligible points, by resource.
	byResource := map[string][]records.RecoveryPoint{}
	docs, err := tx.Scan(records.CollRecoveryPoints, p.AccountID+"/"+p.Region+"/", "", 0)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		var rp records.RecoveryPoint
		if err := json.Unmarshal(d.Value, &rp); err != nil {
			return nil, fmt.Errorf("decode recovery point %s: %w", d.Key, err)
		}
		if pointEligible(rp, p.RecoveryPointSelection, at) {
			byResource[rp.ResourceARN] = append(byResource[rp.ResourceARN], rp)
		}
	}
	arnsInOrder := slices.Sorted(maps.Keys(byResource))
	var out []pick
	for _, sel := range sels {
		for _, arn := range arnsInOrder {
			points := byResource[arn]
			// The resource as registered now (its tags may have changed since the backup), or as
			// it was when its latest point was taken.
			latest, _ := pickPoint(points, AlgorithmLatest, "")
			r := latest.Resource
			if reg, found, err := records.GetDoc[resources.Resource](tx, records.CollResources, records.ResourceKey(p.AccountID, p.Region, r.ID)); err != nil {
				return nil, err
			} else if found {
				r = reg
			}
			if !resourceSelected(sel, r) {
				continue
			}
			rp, ok := pickPoint(points, p.RecoveryPointSelection.Algorithm, p.ARN+"|"+sel.Name+"|"+at.UTC().Format(time.RFC3339Nano)+"|"+arn)
			if ok {
				out = append(out, pick{sel: sel, point: rp})
			}
		}
	}
	return out, nil
}

// startTest creates the restore job of one pick: queued, or FAILED at once (with a FAILED
// validation) when the point cannot be restored where the test would put it.
func (s *Service) startTest(ctx context.Context, tx store.Tx, p records.RestoreTestingPlan, pk pick, at time.Time) error {
	rp := pk.point
	now := s.clock.Now()
	j := records.RestoreJob{ID: jobs.NewJobID(), AccountID: p.AccountID, Region: p.Region, IamRoleARN: pk.sel.IamRoleARN,
		Status: records.RestoreJobPending, CreationDate: now, RecoveryPointARN: rp.ARN, RecoveryPointCreationDate: rp.CreationDate,
		VaultName: rp.VaultName, VaultARN: rp.VaultARN, Source: rp.Resource, BackupSizeInBytes: rp.BackupSizeInBytes,
		RestoreTest: &records.RestoreTest{PlanARN: p.ARN, PlanName: p.Name, SelectionName: pk.sel.Name, ValidationWindowHours: pk.sel.ValidationWindowHours}}
	meta, validation, err := splitOverrides(pk.sel.ProtectedResourceType, pk.sel.RestoreMetadataOverrides)
	if err == nil {
		j.RestoreTest.Validation = validation
		j.Metadata = scratchMetadata(rp.Resource, j.ID, meta)
		err = rp.RefuseDamaged("restored")
	}
	if err == nil {
		var conn resources.Connector
		if conn, err = s.connectors.Connector(rp.ResourceType); err == nil {
			j.Plan, err = conn.PlanRestore(ctx, resources.RestoreRequest{Source: rp.Resource, Metadata: j.Metadata, JobID: j.ID, Now: now, Account: p.AccountID,
				Lookup: func(id string) (resources.Resource, bool, error) {
					return records.GetDoc[resources.Resource](tx, records.CollResources, records.ResourceKey(p.AccountID, p.Region, id))
				}})
		}
	}
	if err != nil {
		msg := err.Error()
		if ae, ok := apierr.As(err); ok {
			msg = ae.Message
		}
		s.log.Warn("a restore test could not start", slog.String("restore_testing_plan", p.Name), slog.String("recovery_point_arn", rp.ARN), slog.String("reason", msg))
		j.Status, j.StatusMessage, j.CompletionDate = records.RestoreJobFailed, "the restore test could not start: "+msg, now
		j.RestoreTest.ValidationStatus, j.RestoreTest.ValidationStatusMessage = records.ValidationFailed, "nothing was restored, so nothing could be validated: "+msg
	}
	return jobs.InsertRestoreJob(tx, s.events, j)
}
