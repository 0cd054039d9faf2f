package awsbackup

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// Legal hold statuses.
const (
	LegalHoldCreating  = string(types.LegalHoldStatusCreating)
	LegalHoldActive    = string(types.LegalHoldStatusActive)
	LegalHoldCanceling = string(types.LegalHoldStatusCanceling)
	LegalHoldCanceled  = string(types.LegalHoldStatusCanceled)
)

// FindLegalHoldByID describes a legal hold, or returns a NotFoundError (also once a cancelled
// hold's record has been removed).
func FindLegalHoldByID(ctx context.Context, c *backup.Client, id string) (*backup.GetLegalHoldOutput, error) {
	out, err := c.GetLegalHold(ctx, &backup.GetLegalHoldInput{LegalHoldId: aws.String(id)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("legal hold %q", id), err)
	}
	return out, nil
}

// StatusLegalHold reads a hold's status.
func StatusLegalHold(c *backup.Client, id string) StatusFunc[*backup.GetLegalHoldOutput] {
	return func(ctx context.Context) (*backup.GetLegalHoldOutput, string, error) {
		out, err := FindLegalHoldByID(ctx, c, id)
		if err != nil {
			return nil, "", err
		}
		return out, string(out.Status), nil
	}
}

// WaitLegalHoldActive waits until a new hold has resolved its recovery points and holds them all.
func WaitLegalHoldActive(ctx context.Context, c *backup.Client, id string, timeout time.Duration, progress func(*backup.GetLegalHoldOutput, string)) (*backup.GetLegalHoldOutput, error) {
	return Waiter[*backup.GetLegalHoldOutput]{Pending: []string{LegalHoldCreating}, Target: []string{LegalHoldActive},
		Refresh: StatusLegalHold(c, id), Timeout: timeout, Progress: progress}.Wait(ctx)
}

// WaitLegalHoldCanceled waits until a cancelled hold has released every point. A hold whose
// record is already gone (RetainRecordInDays 0) counts as released.
func WaitLegalHoldCanceled(ctx context.Context, c *backup.Client, id string, timeout time.Duration, progress func(*backup.GetLegalHoldOutput, string)) error {
	_, err := Waiter[*backup.GetLegalHoldOutput]{Pending: []string{LegalHoldCanceling}, Target: []string{LegalHoldCanceled},
		Refresh: StatusLegalHold(c, id), Timeout: timeout, Progress: progress}.Wait(ctx)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// ListLegalHolds lists every legal hold of the region the API still has a record of, oldest first.
func ListLegalHolds(ctx context.Context, c *backup.Client) ([]types.LegalHold, error) {
	var out []types.LegalHold
	p := backup.NewListLegalHoldsPaginator(c, &backup.ListLegalHoldsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list legal holds: %w", err)
		}
		out = append(out, page.LegalHolds...)
	}
	return out, nil
}

// ListRecoveryPointsByLegalHold lists the recovery points a legal hold covers, or returns a
// NotFoundError for an unknown hold.
func ListRecoveryPointsByLegalHold(ctx context.Context, c *backup.Client, id string) ([]types.RecoveryPointMember, error) {
	var out []types.RecoveryPointMember
	p := backup.NewListRecoveryPointsByLegalHoldPaginator(c, &backup.ListRecoveryPointsByLegalHoldInput{LegalHoldId: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, notFoundOr(fmt.Sprintf("legal hold %q", id), err)
		}
		out = append(out, page.RecoveryPoints...)
	}
	return out, nil
}
