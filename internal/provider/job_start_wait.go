package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

// jobKind is what startAndWait needs to know of one kind of AWS Backup job: J is what its waiter
// returns.
type jobKind[J any] struct {
	name string // as in "backup job"
	wait func(ctx context.Context, c *backup.Client, id string, timeout time.Duration, progress func(J)) (J, error)
}

var (
	backupJobs  = jobKind[*backup.DescribeBackupJobOutput]{name: "backup", wait: awsbackup.WaitBackupJobCompleted}
	copyJobs    = jobKind[*backuptypes.CopyJob]{name: "copy", wait: awsbackup.WaitCopyJobCompleted}
	restoreJobs = jobKind[*backup.DescribeRestoreJobOutput]{name: "restore", wait: awsbackup.WaitRestoreJobCompleted}
)

// jobRun is how one caller (an action or a resource) starts a job and reports on it.
type jobRun[J any] struct {
	// start starts the job and reports that it started; it returns the job's ID.
	start    func(ctx context.Context) (id string, err error)
	starting string // what a failed start says the provider was doing
	// wait false returns as soon as the job started.
	wait    bool
	timeout time.Duration
	// progress describes the job at one poll; report tells a line that differs from the last one.
	progress func(id string, job J) string
	report   func(id, line string)
	// failedDetail, if set, is the error detail of a job that ended unsuccessfully; else it is the
	// job's status message.
	failedDetail func(statusMessage string) string
	// follow starts the timeout error's advice to follow the job, which keeps running, with the
	// AWS CLI: "Follow it with", or what to raise and "or follow it with".
	follow string
	// timedOut, if set, handles a job still running at the timeout instead, and returns the
	// error's detail.
	timedOut func(ctx context.Context, id string) string
}

// startAndWait starts a job, waits for it to end if run.wait, and reports each step. It returns
// the ended job and true when it completed; false otherwise, with diagnostics unless the caller
// did not wait.
func startAndWait[J any](ctx context.Context, c *backup.Client, kind jobKind[J], run jobRun[J], diags *diag.Diagnostics) (id string, job J, completed bool) {
	id, err := run.start(ctx)
	if err != nil {
		addAPIError(diags, run.starting, err)
		return "", job, false
	}
	if !run.wait {
		return id, job, false
	}
	last := ""
	job, err = kind.wait(ctx, c, id, run.timeout, func(j J) {
		if line := run.progress(id, j); line != last {
			last = line
			run.report(id, line)
		}
	})
	var failed *awsbackup.JobFailedError
	switch {
	case errors.As(err, &failed):
		detail := failed.Message
		if run.failedDetail != nil {
			detail = run.failedDetail(failed.Message)
		}
		diags.AddError(fmt.Sprintf("%s job %s ended %s", capitalized(kind.name), id, failed.State), detail)
		return id, job, false
	case errors.Is(err, context.DeadlineExceeded):
		detail := fmt.Sprintf("%s job %s did not complete within %s; it keeps running. %s `aws backup describe-%s-job --%s-job-id %s`.",
			capitalized(kind.name), id, run.timeout, run.follow, kind.name, kind.name, id)
		if run.timedOut != nil {
			detail = run.timedOut(ctx, id)
		}
		diags.AddError("Timed out waiting for the "+kind.name, detail)
		return id, job, false
	case err != nil:
		addAPIError(diags, fmt.Sprintf("waiting for %s job %s", kind.name, id), err)
		return id, job, false
	}
	return id, job, true
}

func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// enumStrings gives values of one of the SDK's string enums as strings, for validators and waiters.
func enumStrings[E ~string](values ...E) []string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return names
}
