package awsbackup

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// Backup Audit Manager: frameworks and report plans. Both deploy asynchronously on AWS
// (DeploymentStatus CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS, DELETE_IN_PROGRESS, then COMPLETED or
// FAILED); the engine deploys at once, and the same waiters serve both.

// Deployment statuses of frameworks and report plans.
const (
	DeploymentCompleted        = "COMPLETED"
	DeploymentFailed           = "FAILED"
	DeploymentCreateInProgress = "CREATE_IN_PROGRESS"
	DeploymentUpdateInProgress = "UPDATE_IN_PROGRESS"
	DeploymentDeleteInProgress = "DELETE_IN_PROGRESS"
)

// FindFrameworkByName describes a framework, or returns a NotFoundError.
func FindFrameworkByName(ctx context.Context, c *backup.Client, name string) (*backup.DescribeFrameworkOutput, error) {
	out, err := c.DescribeFramework(ctx, &backup.DescribeFrameworkInput{FrameworkName: aws.String(name)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("framework %q", name), err)
	}
	return out, nil
}

// WaitFrameworkDeployed waits until a framework's deployment (pending: the given in-progress
// status) completes.
func WaitFrameworkDeployed(ctx context.Context, c *backup.Client, name, pending string, timeout time.Duration) (*backup.DescribeFrameworkOutput, error) {
	return Waiter[*backup.DescribeFrameworkOutput]{Pending: []string{pending}, Target: []string{DeploymentCompleted},
		Refresh: func(ctx context.Context) (*backup.DescribeFrameworkOutput, string, error) {
			out, err := FindFrameworkByName(ctx, c, name)
			if err != nil {
				return nil, "", err
			}
			return out, aws.ToString(out.DeploymentStatus), nil
		}, Timeout: timeout}.Wait(ctx)
}

// WaitFrameworkDeleted waits until a deleted framework is gone.
func WaitFrameworkDeleted(ctx context.Context, c *backup.Client, name string, timeout time.Duration) error {
	_, err := WaitFrameworkDeployed(ctx, c, name, DeploymentDeleteInProgress, timeout)
	if IsNotFound(err) {
		return nil
	}
	if err == nil {
		return fmt.Errorf("framework %q is still there after its deletion", name)
	}
	return err
}

// ListFrameworks lists every framework of the region.
func ListFrameworks(ctx context.Context, c *backup.Client) ([]types.Framework, error) {
	var out []types.Framework
	p := backup.NewListFrameworksPaginator(c, &backup.ListFrameworksInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Frameworks...)
	}
	return out, nil
}

// FindReportPlanByName describes a report plan, or returns a NotFoundError.
func FindReportPlanByName(ctx context.Context, c *backup.Client, name string) (*types.ReportPlan, error) {
	out, err := c.DescribeReportPlan(ctx, &backup.DescribeReportPlanInput{ReportPlanName: aws.String(name)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("report plan %q", name), err)
	}
	if out.ReportPlan == nil {
		return nil, &NotFoundError{What: fmt.Sprintf("report plan %q", name)}
	}
	return out.ReportPlan, nil
}

// WaitReportPlanDeployed waits until a report plan's deployment (pending: the given in-progress
// status) completes.
func WaitReportPlanDeployed(ctx context.Context, c *backup.Client, name, pending string, timeout time.Duration) (*types.ReportPlan, error) {
	return Waiter[*types.ReportPlan]{Pending: []string{pending}, Target: []string{DeploymentCompleted},
		Refresh: func(ctx context.Context) (*types.ReportPlan, string, error) {
			out, err := FindReportPlanByName(ctx, c, name)
			if err != nil {
				return nil, "", err
			}
			return out, aws.ToString(out.DeploymentStatus), nil
		}, Timeout: timeout}.Wait(ctx)
}

// WaitReportPlanDeleted waits until a deleted report plan is gone.
func WaitReportPlanDeleted(ctx context.Context, c *backup.Client, name string, timeout time.Duration) error {
	_, err := WaitReportPlanDeployed(ctx, c, name, DeploymentDeleteInProgress, timeout)
	if IsNotFound(err) {
		return nil
	}
	if err == nil {
		return fmt.Errorf("report plan %q is still there after its deletion", name)
	}
	return err
}

// ListReportPlans lists every report plan of the region.
func ListReportPlans(ctx context.Context, c *backup.Client) ([]types.ReportPlan, error) {
	var out []types.ReportPlan
	p := backup.NewListReportPlansPaginator(c, &backup.ListReportPlansInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.ReportPlans...)
	}
	return out, nil
}
