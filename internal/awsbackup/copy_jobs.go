package awsbackup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// Copy job states a copy can still leave, and the one a finished copy reaches.
var (
	copyJobPending = []string{string(types.CopyJobStateCreated), string(types.CopyJobStateRunning)}
	copyJobDone    = []string{string(types.CopyJobStateCompleted)}
)

// FindCopyJob describes a copy job, or returns a NotFoundError.
func FindCopyJob(ctx context.Context, c *backup.Client, id string) (*types.CopyJob, error) {
	out, err := c.DescribeCopyJob(ctx, &backup.DescribeCopyJobInput{CopyJobId: aws.String(id)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("copy job %q", id), err)
	}
	if out.CopyJob == nil {
		return nil, &NotFoundError{What: fmt.Sprintf("copy job %q", id)}
	}
	return out.CopyJob, nil
}

// WaitCopyJobCompleted polls a copy job until it is COMPLETED. A job that ends FAILED (or
// PARTIAL) is a *JobFailedError carrying its StatusMessage. progress, if set, is called after each
// poll.
func WaitCopyJobCompleted(ctx context.Context, c *backup.Client, id string, timeout time.Duration, progress func(*types.CopyJob)) (*types.CopyJob, error) {
	w := Waiter[*types.CopyJob]{
		Pending: copyJobPending, Target: copyJobDone, Timeout: timeout, Interval: 100 * time.Millisecond, MaxInterval: 2 * time.Second,
		Refresh: func(ctx context.Context) (*types.CopyJob, string, error) {
			j, err := FindCopyJob(ctx, c, id)
			if err != nil {
				return nil, "", err
			}
			return j, string(j.State), nil
		},
	}
	if progress != nil {
		w.Progress = func(v *types.CopyJob, _ string) { progress(v) }
	}
	out, err := w.Wait(ctx)
	var unexpected *UnexpectedStateError
	if errors.As(err, &unexpected) && out != nil {
		return out, &JobFailedError{Kind: "copy", ID: id, State: unexpected.Status, Message: aws.ToString(out.StatusMessage)}
	}
	return out, err
}

// CopyJobFilter selects copy jobs (ListCopyJobs' filters). Zero fields do not filter.
type CopyJobFilter struct {
	State                  string
	DestinationVaultARN    string
	SourceRecoveryPointARN string
	ResourceARN            string
	ResourceType           string
	MessageCategory        string
	CreatedAfter           time.Time
	CreatedBefore          time.Time
	CompletedAfter         time.Time
	CompletedBefore        time.Time
}

// ListCopyJobs lists the copy jobs f selects, oldest first, every page.
func ListCopyJobs(ctx context.Context, c *backup.Client, f CopyJobFilter) ([]types.CopyJob, error) {
	in := &backup.ListCopyJobsInput{ByState: types.CopyJobState(f.State)}
	set := func(dst **string, v string) {
		if v != "" {
			*dst = aws.String(v)
		}
	}
	setTime := func(dst **time.Time, v time.Time) {
		if !v.IsZero() {
			*dst = aws.Time(v)
		}
	}
	set(&in.ByDestinationVaultArn, f.DestinationVaultARN)
	set(&in.BySourceRecoveryPointArn, f.SourceRecoveryPointARN)
	set(&in.ByResourceArn, f.ResourceARN)
	set(&in.ByResourceType, f.ResourceType)
	set(&in.ByMessageCategory, f.MessageCategory)
	setTime(&in.ByCreatedAfter, f.CreatedAfter)
	setTime(&in.ByCreatedBefore, f.CreatedBefore)
	setTime(&in.ByCompleteAfter, f.CompletedAfter)
	setTime(&in.ByCompleteBefore, f.CompletedBefore)
	var out []types.CopyJob
	p := backup.NewListCopyJobsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list copy jobs: %w", err)
		}
		out = append(out, page.CopyJobs...)
	}
	return out, nil
}
