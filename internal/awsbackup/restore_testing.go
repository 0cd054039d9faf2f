package awsbackup

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// FindRestoreTestingPlan returns a restore testing plan by name, or a NotFoundError.
func FindRestoreTestingPlan(ctx context.Context, c *backup.Client, name string) (*types.RestoreTestingPlanForGet, error) {
	what := fmt.Sprintf("restore testing plan %q", name)
	out, err := c.GetRestoreTestingPlan(ctx, &backup.GetRestoreTestingPlanInput{RestoreTestingPlanName: aws.String(name)})
	if err != nil {
		return nil, notFoundOr(what, err)
	}
	if out.RestoreTestingPlan == nil {
		return nil, &NotFoundError{What: what + " (an empty answer)"}
	}
	return out.RestoreTestingPlan, nil
}

// DeleteRestoreTestingPlan deletes a restore testing plan; the caller checks IsNotFound.
func DeleteRestoreTestingPlan(ctx context.Context, c *backup.Client, name string) error {
	_, err := c.DeleteRestoreTestingPlan(ctx, &backup.DeleteRestoreTestingPlanInput{RestoreTestingPlanName: aws.String(name)})
	return notFoundOr(fmt.Sprintf("restore testing plan %q", name), err)
}

// FindRestoreTestingSelection returns a restore testing selection, or a NotFoundError (also
// when its plan is gone).
func FindRestoreTestingSelection(ctx context.Context, c *backup.Client, planName, name string) (*types.RestoreTestingSelectionForGet, error) {
	what := fmt.Sprintf("restore testing selection %q of plan %q", name, planName)
	out, err := c.GetRestoreTestingSelection(ctx, &backup.GetRestoreTestingSelectionInput{
		RestoreTestingPlanName: aws.String(planName), RestoreTestingSelectionName: aws.String(name),
	})
	if err != nil {
		return nil, notFoundOr(what, err)
	}
	if out.RestoreTestingSelection == nil {
		return nil, &NotFoundError{What: what + " (an empty answer)"}
	}
	return out.RestoreTestingSelection, nil
}

// DeleteRestoreTestingSelection deletes a restore testing selection; the caller checks IsNotFound.
func DeleteRestoreTestingSelection(ctx context.Context, c *backup.Client, planName, name string) error {
	_, err := c.DeleteRestoreTestingSelection(ctx, &backup.DeleteRestoreTestingSelectionInput{
		RestoreTestingPlanName: aws.String(planName), RestoreTestingSelectionName: aws.String(name),
	})
	return notFoundOr(fmt.Sprintf("restore testing selection %q of plan %q", name, planName), err)
}

// RestoreTestingSelectionImportID is the import ID of a restore testing selection,
// SELECTION_NAME:PLAN_NAME, as the AWS provider's aws_backup_restore_testing_selection takes it.
func RestoreTestingSelectionImportID(planName, name string) string { return name + ":" + planName }

// ParseRestoreTestingSelectionImportID splits SELECTION_NAME:PLAN_NAME. Both names are letters,
// digits and underscores, so the colon is unambiguous.
func ParseRestoreTestingSelectionImportID(id string) (planName, name string, err error) {
	name, planName, ok := strings.Cut(id, ":")
	if !ok || name == "" || planName == "" || strings.Contains(planName, ":") {
		return "", "", fmt.Errorf("import ID %q must be SELECTION_NAME:PLAN_NAME, for example daily_efs:weekly_restore_tests "+
			"(aws backup list-restore-testing-selections --restore-testing-plan-name PLAN lists a plan's selections)", id)
	}
	return planName, name, nil
}
