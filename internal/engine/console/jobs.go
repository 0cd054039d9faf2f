package console

import (
	"context"
	"net/http"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

type jobsData struct {
	Backup  []types.BackupJob
	Copy    []types.CopyJob
	Restore []types.RestoreJobsListMember
	Running int
}

func (d jobsData) Live() bool { return d.Running > 0 }

// recentJobs is how many jobs of each type the jobs page lists, newest first.
const recentJobs = 50

func (c *Console) jobs(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	cl := s.clients
	var d jobsData
	// The lists come oldest first, so the newest are on the last pages.
	var bj []types.BackupJob
	for p := backup.NewListBackupJobsPaginator(cl.Backup, &backup.ListBackupJobsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		bj = append(bj, out.BackupJobs...)
	}
	var cj []types.CopyJob
	for p := backup.NewListCopyJobsPaginator(cl.Backup, &backup.ListCopyJobsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		cj = append(cj, out.CopyJobs...)
	}
	var rj []types.RestoreJobsListMember
	for p := backup.NewListRestoreJobsPaginator(cl.Backup, &backup.ListRestoreJobsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		rj = append(rj, out.RestoreJobs...)
	}
	d.Backup, d.Copy, d.Restore = newest(bj), newest(cj), newest(rj)
	for _, j := range d.Backup {
		if slices.Contains([]types.BackupJobState{types.BackupJobStateCreated, types.BackupJobStatePending, types.BackupJobStateRunning, types.BackupJobStateAborting}, j.State) {
			d.Running++
		}
	}
	for _, j := range d.Copy {
		if j.State == types.CopyJobStateCreated || j.State == types.CopyJobStateRunning {
			d.Running++
		}
	}
	for _, j := range d.Restore {
		if j.Status == types.RestoreJobStatusPending || j.Status == types.RestoreJobStatusRunning {
			d.Running++
		}
	}
	c.render(w, r, s, "jobs", http.StatusOK, d)
}

// newest reverses the API's creation order (oldest first) and keeps recentJobs.
func newest[T any](jobs []T) []T {
	out := slices.Clone(jobs)
	slices.Reverse(out)
	if len(out) > recentJobs {
		out = out[:recentJobs]
	}
	return out
}

type restoreJobData struct {
	Job *backup.DescribeRestoreJobOutput
}

func (d restoreJobData) Live() bool {
	return d.Job.Status == types.RestoreJobStatusPending || d.Job.Status == types.RestoreJobStatusRunning
}

func (c *Console) restoreJob(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session, id string) {
	j, err := s.clients.Backup.DescribeRestoreJob(ctx, &backup.DescribeRestoreJobInput{RestoreJobId: &id})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, "restore-job", http.StatusOK, restoreJobData{j})
}
