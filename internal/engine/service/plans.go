package service

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/scheduler"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// newVersionID makes a version ID the way AWS's look: a random UUID, base64-encoded.
func newVersionID() string {
	return base64.StdEncoding.EncodeToString([]byte(uuid.NewString()))
}

// findPlan returns the caller's plan by ID, deleted or not, or ResourceNotFoundException.
func findPlan(tx store.Tx, c Caller, id string) (records.Plan, error) {
	p, found, err := records.GetDoc[records.Plan](tx, records.CollPlans, records.PlanKey(c.AccountID, c.Region, id))
	if err != nil {
		return p, err
	}
	if !found {
		return p, apierr.NotFound("Backup plan %s does not exist in account %s, region %s", id, c.AccountID, c.Region)
	}
	return p, nil
}

// findLivePlan is findPlan for operations a deleted plan no longer allows.
func findLivePlan(tx store.Tx, c Caller, id string) (records.Plan, error) {
	p, err := findPlan(tx, c, id)
	if err == nil && p.Deleted() {
		return p, apierr.NotFound("Backup plan %s was deleted on %s", id, p.DeletionDate.UTC().Format(time.RFC3339))
	}
	return p, err
}

func (s *Service) planExistsByARN(tx store.Tx, a arns.ARN) error {
	_, err := findLivePlan(tx, Caller{AccountID: a.AccountID, Region: a.Region}, a.Name())
	return err
}

// livePlans returns the caller's plans that are not deleted.
func livePlans(tx store.Tx, c Caller) ([]records.Plan, error) {
	return records.LivePlans(tx, c.scope())
}

// checkNameFree refuses a plan name another live plan of the caller has.
func checkNameFree(plans []records.Plan, name, self string) error {
	for _, p := range plans {
		if p.Name == name && p.ID != self {
			return &apierr.Error{Code: apierr.AlreadyExists, Arn: p.ARN, CreatorRequestId: p.CreatorRequestID,
				Message: fmt.Sprintf("Backup plan %s (%s) already has the name %q: choose another name, or import the existing plan", p.ID, p.ARN, name)}
		}
	}
	return nil
}

// addVersion stores a new version of p made from in, and makes it current.
func (s *Service) addVersion(tx store.Tx, p *records.Plan, in *wire.BackupPlanInput, previous *wire.BackupPlan) (records.PlanVersion, error) {
	ruleIDs := map[string]string{}
	if previous != nil {
		for _, r := range previous.Rules {
			ruleIDs[r.RuleName] = r.RuleId
		}
	}
	v := records.PlanVersion{VersionID: newVersionID(), CreationDate: s.clock.Now(), Plan: normalizePlan(in, ruleIDs, uuid.NewString)}
	seq := len(p.Versions) + 1
	if err := records.InsertDoc(tx, records.CollPlanVersions, records.PlanVersionKey(p.Key(), seq), v); err != nil {
		return v, err
	}
	p.Versions = append(p.Versions, records.PlanVersionRef{ID: v.VersionID, Seq: seq})
	p.Name, p.VersionID, p.VersionCreationDate, p.AdvancedBackupSettings = v.Plan.BackupPlanName, v.VersionID, v.CreationDate, v.Plan.AdvancedBackupSettings
	return v, nil
}

// CreateBackupPlan validates a plan and stores it as its first version. A retry with the
// CreatorRequestId of a plan that exists returns that plan.
func (s *Service) CreateBackupPlan(ctx context.Context, in *wire.CreateBackupPlanInput) (*wire.CreateBackupPlanOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validatePlan(&in.BackupPlan, "BackupPlan."); err != nil {
		return nil, err
	}
	if err := s.checkPlanARNs(&in.BackupPlan, "BackupPlan."); err != nil {
		return nil, err
	}
	if err := validateTags(in.BackupPlanTags); err != nil {
		return nil, err
	}
	var out *wire.CreateBackupPlanOutput
	err = s.store.Update(ctx, func(tx store.Tx) error {
		plans, err := livePlans(tx, c)
		if err != nil {
			return err
		}
		if in.CreatorRequestId != "" {
			for _, p := range plans {
				if p.CreatorRequestID == in.CreatorRequestId {
					out = &wire.CreateBackupPlanOutput{AdvancedBackupSettings: p.AdvancedBackupSettings, BackupPlanArn: p.ARN, BackupPlanId: p.ID,
						CreationDate: wire.NewTimestamp(p.VersionCreationDate), VersionId: p.VersionID}
					return nil
				}
			}
		}
		if err := checkNameFree(plans, in.BackupPlan.BackupPlanName, ""); err != nil {
			return err
		}
		id := uuid.NewString()
		p := records.Plan{ID: id, ARN: arns.Plan(c.Region, c.AccountID, id), AccountID: c.AccountID, Region: c.Region, CreatorRequestID: in.CreatorRequestId}
		if _, err := s.addVersion(tx, &p, &in.BackupPlan, nil); err != nil {
			return err
		}
		p.CreationDate = p.VersionCreationDate
		if err := records.InsertDoc(tx, records.CollPlans, p.Key(), p); err != nil {
			return err
		}
		if err := s.recordPlanState(tx, p, stateCreated, p.CreationDate); err != nil {
			return err
		}
		if len(in.BackupPlanTags) > 0 {
			if err := records.PutDoc(tx, records.CollTags, p.ARN, in.BackupPlanTags); err != nil {
				return err
			}
		}
		out = &wire.CreateBackupPlanOutput{AdvancedBackupSettings: p.AdvancedBackupSettings, BackupPlanArn: p.ARN, BackupPlanId: p.ID,
			CreationDate: wire.NewTimestamp(p.VersionCreationDate), VersionId: p.VersionID}
		return nil
	})
	if err != nil {
		return nil, internal("create backup plan", err)
	}
	s.events.Recorded()
	s.sched.Wake() // the rules the scheduler waits for changed
	return out, nil
}

// GetBackupPlan returns the current version of a plan, or the version VersionId names. A deleted
// plan is still returned, with its DeletionDate, as AWS does.
func (s *Service) GetBackupPlan(ctx context.Context, in *wire.GetBackupPlanInput) (*wire.GetBackupPlanOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.GetBackupPlanOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		p, err := findPlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		versionID := in.VersionId
		if versionID == "" {
			versionID = p.VersionID
		}
		v, err := records.ReadPlanVersion(tx, p, versionID)
		if err != nil {
			return err
		}
		out = &wire.GetBackupPlanOutput{
			AdvancedBackupSettings: v.Plan.AdvancedBackupSettings,
			BackupPlan:             v.Plan,
			BackupPlanArn:          p.ARN,
			BackupPlanId:           p.ID,
			CreationDate:           wire.NewTimestamp(v.CreationDate),
			CreatorRequestId:       p.CreatorRequestID,
			VersionId:              v.VersionID,
		}
		if p.LastExecutionDate != nil {
			out.LastExecutionDate = wire.NewTimestamp(*p.LastExecutionDate)
		}
		if p.DeletionDate != nil {
			out.DeletionDate = wire.NewTimestamp(*p.DeletionDate)
		} else if n := int(deref(in.MaxScheduledRunsPreview)); n > 0 && versionID == p.VersionID {
			out.ScheduledRunsPreview = scheduler.PreviewRuns(v, s.clock.Now(), n)
		}
		return nil
	})
	if err != nil {
		return nil, internal("get backup plan", err)
	}
	return out, nil
}

// UpdateBackupPlan replaces a plan's content with a new version; earlier versions are kept. A
// rule keeps its RuleId when the new version has a rule of the same name.
func (s *Service) UpdateBackupPlan(ctx context.Context, in *wire.UpdateBackupPlanInput) (*wire.UpdateBackupPlanOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validatePlan(&in.BackupPlan, "BackupPlan."); err != nil {
		return nil, err
	}
	if err := s.checkPlanARNs(&in.BackupPlan, "BackupPlan."); err != nil {
		return nil, err
	}
	var out *wire.UpdateBackupPlanOutput
	err = s.store.Update(ctx, func(tx store.Tx) error {
		p, err := findLivePlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		plans, err := livePlans(tx, c)
		if err != nil {
			return err
		}
		if err := checkNameFree(plans, in.BackupPlan.BackupPlanName, p.ID); err != nil {
			return apierr.InvalidParameter("BackupPlan.BackupPlanName: %s", err.(*apierr.Error).Message)
		}
		current, err := records.ReadPlanVersion(tx, p, p.VersionID)
		if err != nil {
			return err
		}
		v, err := s.addVersion(tx, &p, &in.BackupPlan, &current.Plan)
		if err != nil {
			return err
		}
		if err := records.PutDoc(tx, records.CollPlans, p.Key(), p); err != nil {
			return err
		}
		if err := s.recordPlanState(tx, p, stateModified, v.CreationDate); err != nil {
			return err
		}
		out = &wire.UpdateBackupPlanOutput{AdvancedBackupSettings: v.Plan.AdvancedBackupSettings, BackupPlanArn: p.ARN, BackupPlanId: p.ID,
			CreationDate: wire.NewTimestamp(v.CreationDate), ScanSettings: v.Plan.ScanSettings, VersionId: v.VersionID}
		return nil
	})
	if err != nil {
		return nil, internal("update backup plan", err)
	}
	s.events.Recorded()
	s.sched.Wake() // the rules the scheduler waits for changed
	return out, nil
}

// DeleteBackupPlan marks a plan deleted. It is refused while the plan has selections, as AWS
// refuses it. The plan's versions stay readable (GetBackupPlan, ListBackupPlans with
// IncludeDeleted); its tags go.
func (s *Service) DeleteBackupPlan(ctx context.Context, in *wire.DeleteBackupPlanInput) (*wire.DeleteBackupPlanOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.DeleteBackupPlanOutput
	err = s.store.Update(ctx, func(tx store.Tx) error {
		p, err := findLivePlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		sels, err := tx.Scan(records.CollSelections, p.Key()+"/", "", 0)
		if err != nil {
			return err
		}
		if len(sels) > 0 {
			return apierr.InvalidReq("Backup plan %s cannot be deleted because it has %d backup selection(s): delete them first with DeleteBackupSelection (ListBackupSelections lists them)", p.ID, len(sels))
		}
		now := s.clock.Now()
		p.DeletionDate = &now
		if err := records.PutDoc(tx, records.CollPlans, p.Key(), p); err != nil {
			return err
		}
		if err := deleteTags(tx, p.ARN); err != nil {
			return err
		}
		if err := s.recordPlanState(tx, p, stateDeleted, now); err != nil {
			return err
		}
		out = &wire.DeleteBackupPlanOutput{BackupPlanArn: p.ARN, BackupPlanId: p.ID, DeletionDate: wire.NewTimestamp(now), VersionId: p.VersionID}
		return nil
	})
	if err != nil {
		return nil, internal("delete backup plan", err)
	}
	s.events.Recorded()
	s.sched.Wake() // the rules the scheduler waits for changed
	return out, nil
}

// ListBackupPlans lists the caller's plans, current versions only; deleted plans only with
// IncludeDeleted.
func (s *Service) ListBackupPlans(ctx context.Context, in *wire.ListBackupPlansInput) (*wire.ListBackupPlansOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListBackupPlansOutput{BackupPlansList: []*wire.BackupPlansListMember{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		plans, next, err := records.Page(tx, records.CollPlans, c.scope(), in.NextToken, in.MaxResults, func(p *records.Plan) bool {
			return !p.Deleted() || deref(in.IncludeDeleted)
		})
		if err != nil {
			return err
		}
		out.NextToken = next
		for _, p := range plans {
			m := &wire.BackupPlansListMember{AdvancedBackupSettings: p.AdvancedBackupSettings, BackupPlanArn: p.ARN, BackupPlanId: p.ID,
				BackupPlanName: p.Name, CreationDate: wire.NewTimestamp(p.VersionCreationDate), CreatorRequestId: p.CreatorRequestID, VersionId: p.VersionID}
			if p.DeletionDate != nil {
				m.DeletionDate = wire.NewTimestamp(*p.DeletionDate)
			}
			if p.LastExecutionDate != nil {
				m.LastExecutionDate = wire.NewTimestamp(*p.LastExecutionDate)
			}
			out.BackupPlansList = append(out.BackupPlansList, m)
		}
		return nil
	})
	if err != nil {
		return nil, internal("list backup plans", err)
	}
	return out, nil
}

// ListBackupPlanVersions lists every version of a plan, oldest first; a deleted plan's too.
func (s *Service) ListBackupPlanVersions(ctx context.Context, in *wire.ListBackupPlanVersionsInput) (*wire.ListBackupPlanVersionsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListBackupPlanVersionsOutput{BackupPlanVersionsList: []*wire.BackupPlansListMember{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		p, err := findPlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		versions, next, err := records.Page[records.PlanVersion](tx, records.CollPlanVersions, p.Key()+"/", in.NextToken, in.MaxResults, nil)
		if err != nil {
			return err
		}
		out.NextToken = next
		for _, v := range versions {
			m := &wire.BackupPlansListMember{AdvancedBackupSettings: v.Plan.AdvancedBackupSettings, BackupPlanArn: p.ARN, BackupPlanId: p.ID,
				BackupPlanName: v.Plan.BackupPlanName, CreationDate: wire.NewTimestamp(v.CreationDate), CreatorRequestId: p.CreatorRequestID, VersionId: v.VersionID}
			if p.DeletionDate != nil && v.VersionID == p.VersionID {
				m.DeletionDate = wire.NewTimestamp(*p.DeletionDate)
			}
			out.BackupPlanVersionsList = append(out.BackupPlanVersionsList, m)
		}
		return nil
	})
	if err != nil {
		return nil, internal("list backup plan versions", err)
	}
	return out, nil
}
