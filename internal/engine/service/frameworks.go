package service

// Backup Audit Manager frameworks: CreateFramework, DescribeFramework, UpdateFramework,
// DeleteFramework and ListFrameworks. The control catalogue and the evaluation are package
// compliance's; what a framework's controls find is stored by package auditing and read here.
//
// AWS's statuses: DeploymentStatus is "CREATE_IN_PROGRESS | UPDATE_IN_PROGRESS |
// DELETE_IN_PROGRESS | COMPLETED | FAILED". The engine deploys a framework within the call (there
// is no AWS Config rule to create), so it is COMPLETED when the call returns. FrameworkStatus is
// ACTIVE "when recording is turned on for all resources governed by the framework": the engine
// evaluates its own state, which it always sees, so every framework is ACTIVE.

import (
	"context"
	"fmt"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/compliance"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// FrameworkActive is the only FrameworkStatus the engine answers (see above).
const FrameworkActive = "ACTIVE"

// checkFrameworkControls validates controls against the catalogue and fills in the defaults of
// parameters left out, as AWS's DescribeFramework shows them.
func checkFrameworkControls(controls []wire.FrameworkControl) ([]wire.FrameworkControl, error) {
	if len(controls) == 0 {
		return nil, apierr.Missing("FrameworkControls is required: give at least one control, such as %s", compliance.ProtectedByBackupPlan)
	}
	if len(controls) > compliance.MaxControls {
		return nil, apierr.New(apierr.LimitExceeded, "FrameworkControls has %d controls: AWS allows at most %d per account per Region", len(controls), compliance.MaxControls)
	}
	out := make([]wire.FrameworkControl, len(controls))
	for i, fc := range controls {
		field := fmt.Sprintf("FrameworkControls[%d]", i)
		c, ok := compliance.Lookup(fc.ControlName)
		if !ok {
			return nil, apierr.InvalidParameter("%s.ControlName %q is not a control AWS Backup Audit Manager offers: give one of %s", field, fc.ControlName, strings.Join(compliance.Names(), ", "))
		}
		given := map[string]string{}
		for j, p := range fc.ControlInputParameters {
			if p.ParameterName == "" {
				return nil, apierr.Missing("%s.ControlInputParameters[%d].ParameterName is required", field, j)
			}
			if _, dup := given[p.ParameterName]; dup {
				return nil, apierr.InvalidParameter("%s.ControlInputParameters names %s twice: give each parameter once", field, p.ParameterName)
			}
			given[p.ParameterName] = p.ParameterValue
		}
		params, err := compliance.CheckParameters(field, c, given)
		if err != nil {
			return nil, err
		}
		if fc.ControlScope != nil {
			if err := compliance.CheckScope(field, scopeOf(fc.ControlScope)); err != nil {
				return nil, err
			}
		}
		out[i] = wire.FrameworkControl{ControlName: fc.ControlName, ControlScope: fc.ControlScope}
		for _, p := range c.Parameters { // catalogue order, so a read shows a stable order
			if v, ok := params[p.Name]; ok {
				out[i].ControlInputParameters = append(out[i].ControlInputParameters, wire.ControlInputParameter{ParameterName: p.Name, ParameterValue: v})
			}
		}
	}
	return out, nil
}

func scopeOf(s *wire.ControlScope) compliance.Scope {
	return compliance.Scope{ResourceIDs: s.ComplianceResourceIds, ResourceTypes: s.ComplianceResourceTypes, Tags: s.Tags}
}

// countControls counts the controls of every framework of the caller but skip.
func countControls(tx store.Tx, c Caller, skip string) (int, error) {
	n := 0
	err := records.ScanDocs(tx, records.CollFrameworks, c.scope(), func(f *records.Framework) {
		if f.Name != skip {
			n += len(f.Controls)
		}
	})
	return n, err
}

func checkControlLimit(tx store.Tx, c Caller, skip string, adding int) error {
	n, err := countControls(tx, c, skip)
	if err != nil {
		return err
	}
	if n+adding > compliance.MaxControls {
		return apierr.New(apierr.LimitExceeded, "account %s already uses %d controls in %s and this framework adds %d: AWS allows at most %d controls per account per Region (the same control in two frameworks counts twice)",
			c.AccountID, n, c.Region, adding, compliance.MaxControls)
	}
	return nil
}

// CreateFramework creates a framework of controls and evaluates it.
func (s *Service) CreateFramework(ctx context.Context, in *wire.CreateFrameworkInput) (*wire.CreateFrameworkOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	controls, err := checkFrameworkControls(in.FrameworkControls)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.FrameworkTags); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	f := records.Framework{Name: in.FrameworkName, AccountID: c.AccountID, Region: c.Region, Description: in.FrameworkDescription,
		Controls: controls, CreationTime: now, IdempotencyToken: in.IdempotencyToken, DeploymentStatus: records.DeploymentCompleted}
	f.ARN = arns.Framework(c.Region, c.AccountID, f.Name+"-"+newPointID())
	err = s.store.Update(ctx, func(tx store.Tx) error {
		prior, found, err := records.GetDoc[records.Framework](tx, records.CollFrameworks, f.Key())
		if err != nil {
			return err
		}
		if found {
			if in.IdempotencyToken != "" && prior.IdempotencyToken == in.IdempotencyToken {
				f = prior // a retry of the request that created it
				return nil
			}
			return &apierr.Error{Code: apierr.AlreadyExists, Arn: prior.ARN,
				Message: "framework " + f.Name + " already exists in account " + c.AccountID + ", region " + c.Region + ": choose another name, or UpdateFramework it"}
		}
		if err := checkControlLimit(tx, c, "", len(controls)); err != nil {
			return err
		}
		if err := records.InsertDoc(tx, records.CollFrameworks, f.Key(), f); err != nil {
			return err
		}
		if len(in.FrameworkTags) > 0 {
			if err := records.PutDoc(tx, records.CollTags, f.ARN, in.FrameworkTags); err != nil {
				return err
			}
		}
		return s.frameworkChanged(tx, f)
	})
	if err != nil {
		return nil, internal("create framework", err)
	}
	s.sched.Wake()
	return &wire.CreateFrameworkOutput{FrameworkArn: f.ARN, FrameworkName: f.Name}, nil
}

// DescribeFramework describes one framework.
func (s *Service) DescribeFramework(ctx context.Context, in *wire.DescribeFrameworkInput) (*wire.DescribeFrameworkOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.DescribeFrameworkOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		f, err := records.FindFramework(tx, c.AccountID, c.Region, in.FrameworkName)
		if err != nil {
			return err
		}
		out = &wire.DescribeFrameworkOutput{CreationTime: wire.NewTimestamp(f.CreationTime), DeploymentStatus: f.DeploymentStatus, FrameworkArn: f.ARN,
			FrameworkControls: f.Controls, FrameworkDescription: f.Description, FrameworkName: f.Name, FrameworkStatus: FrameworkActive,
			IdempotencyToken: f.IdempotencyToken}
		return nil
	})
	if err != nil {
		return nil, internal("describe framework", err)
	}
	return out, nil
}

// UpdateFramework replaces a framework's controls or description; members left out keep their
// value.
func (s *Service) UpdateFramework(ctx context.Context, in *wire.UpdateFrameworkInput) (*wire.UpdateFrameworkOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var controls []wire.FrameworkControl
	if in.FrameworkControls != nil {
		if controls, err = checkFrameworkControls(in.FrameworkControls); err != nil {
			return nil, err
		}
	}
	var f records.Framework
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if f, err = records.FindFramework(tx, c.AccountID, c.Region, in.FrameworkName); err != nil {
			return err
		}
		if controls != nil {
			if err := checkControlLimit(tx, c, f.Name, len(controls)); err != nil {
				return err
			}
			f.Controls = controls
		}
		if in.FrameworkDescription != nil {
			f.Description = *in.FrameworkDescription
		}
		if in.IdempotencyToken != "" {
			f.IdempotencyToken = in.IdempotencyToken
		}
		if err := records.PutDoc(tx, records.CollFrameworks, f.Key(), f); err != nil {
			return err
		}
		return s.frameworkChanged(tx, f)
	})
	if err != nil {
		return nil, internal("update framework", err)
	}
	s.sched.Wake()
	return &wire.UpdateFrameworkOutput{CreationTime: wire.NewTimestamp(f.CreationTime), FrameworkArn: f.ARN, FrameworkName: f.Name}, nil
}

// DeleteFramework deletes a framework and its results. A framework a report plan names is in
// use: ConflictException until the plan no longer names it.
func (s *Service) DeleteFramework(ctx context.Context, in *wire.DeleteFrameworkInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		f, err := records.FindFramework(tx, c.AccountID, c.Region, in.FrameworkName)
		if err != nil {
			return err
		}
		var users []string
		if err := records.ScanDocs(tx, records.CollReportPlans, c.scope(), func(p *records.ReportPlan) {
			for _, a := range p.Setting.FrameworkArns {
				if a == f.ARN {
					users = append(users, p.Name)
				}
			}
		}); err != nil {
			return err
		}
		if len(users) > 0 {
			return apierr.New(apierr.Conflict, "framework %s is used by report plan(s) %s: update or delete them first", f.Name, strings.Join(users, ", "))
		}
		if err := tx.Delete(records.CollFrameworks, f.Key()); err != nil {
			return err
		}
		if err := records.DeleteIfExists(tx, records.CollFrameworkResults, f.Key()); err != nil {
			return err
		}
		return deleteTags(tx, f.ARN)
	})
	if err != nil {
		return nil, internal("delete framework", err)
	}
	return &struct{}{}, nil
}

// ListFrameworks lists the caller's frameworks, oldest first.
func (s *Service) ListFrameworks(ctx context.Context, in *wire.ListFrameworksInput) (*wire.ListFrameworksOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListFrameworksOutput{Frameworks: []*wire.Framework{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page[records.Framework](tx, records.CollFrameworks, c.scope(), in.NextToken, in.MaxResults, nil)
		if err != nil {
			return err
		}
		for _, f := range list {
			out.Frameworks = append(out.Frameworks, &wire.Framework{CreationTime: wire.NewTimestamp(f.CreationTime), DeploymentStatus: f.DeploymentStatus,
				FrameworkArn: f.ARN, FrameworkDescription: f.Description, FrameworkName: f.Name, NumberOfControls: int32(len(f.Controls))})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list frameworks", err)
	}
	return out, nil
}

// nameInARN is the framework or report plan name in an ARN's NAME-UUID: names allow no '-'.
func nameInARN(a arns.ARN) string {
	name, _, _ := strings.Cut(a.Name(), "-")
	return name
}

func (s *Service) frameworkExistsByARN(tx store.Tx, a arns.ARN) error {
	f, err := records.FindFramework(tx, a.AccountID, a.Region, nameInARN(a))
	if err == nil && f.ARN != a.String() {
		return apierr.NotFound("framework %s does not exist", a.String())
	}
	return err
}
