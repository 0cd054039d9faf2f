package awsbackup

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
)

// FindPlanByID returns a backup plan's current version, or a NotFoundError. A plan AWS reports
// with a DeletionDate is deleted, so it is not found either: GetBackupPlan keeps answering for
// deleted plans.
func FindPlanByID(ctx context.Context, c *backup.Client, id string) (*backup.GetBackupPlanOutput, error) {
	what := fmt.Sprintf("backup plan %q", id)
	out, err := c.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: aws.String(id)})
	if err != nil {
		return nil, notFoundOr(what, err)
	}
	if out.DeletionDate != nil {
		return nil, &NotFoundError{What: what + " (deleted " + out.DeletionDate.UTC().Format("2006-01-02T15:04:05Z") + ")"}
	}
	return out, nil
}

// DeletePlan deletes a backup plan; a plan already gone is not an error to the caller, who
// checks IsNotFound.
func DeletePlan(ctx context.Context, c *backup.Client, id string) error {
	_, err := c.DeleteBackupPlan(ctx, &backup.DeleteBackupPlanInput{BackupPlanId: aws.String(id)})
	return notFoundOr(fmt.Sprintf("backup plan %q", id), err)
}

// FindSelection returns a backup selection, or a NotFoundError (also when its plan is gone).
func FindSelection(ctx context.Context, c *backup.Client, planID, selectionID string) (*backup.GetBackupSelectionOutput, error) {
	out, err := c.GetBackupSelection(ctx, &backup.GetBackupSelectionInput{BackupPlanId: aws.String(planID), SelectionId: aws.String(selectionID)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("backup selection %q of plan %q", selectionID, planID), err)
	}
	return out, nil
}

// DeleteSelection deletes a backup selection.
func DeleteSelection(ctx context.Context, c *backup.Client, planID, selectionID string) error {
	_, err := c.DeleteBackupSelection(ctx, &backup.DeleteBackupSelectionInput{BackupPlanId: aws.String(planID), SelectionId: aws.String(selectionID)})
	return notFoundOr(fmt.Sprintf("backup selection %q of plan %q", selectionID, planID), err)
}

// SelectionImportID is the import ID of a selection: PLAN_ID|SELECTION_ID, as the AWS provider
// uses.
func SelectionImportID(planID, selectionID string) string { return planID + "|" + selectionID }

// ParseSelectionImportID splits PLAN_ID|SELECTION_ID.
func ParseSelectionImportID(id string) (planID, selectionID string, err error) {
	planID, selectionID, ok := strings.Cut(id, "|")
	if !ok || planID == "" || selectionID == "" || strings.Contains(selectionID, "|") {
		return "", "", fmt.Errorf("import ID %q must be PLAN_ID|SELECTION_ID, for example 8b5e2c1a-...|1c4d9f2e-... (aws backup list-backup-selections lists a plan's selection IDs)", id)
	}
	return planID, selectionID, nil
}
