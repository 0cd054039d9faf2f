package api_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/aws/smithy-go"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

const role = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"

// jobEnv is an engine with an SDK client and a registry client in us-east-1.
type jobEnv struct {
	srv *enginetest.Server
	c   *backup.Client
	reg *engineclient.Client
}

func newJobEnv(t *testing.T, o engine.Options) *jobEnv {
	t.Helper()
	srv := enginetest.Start(t, o)
	return &jobEnv{srv: srv, c: srv.Client("us-east-1"), reg: srv.Registry("us-east-1")}
}

func (e *jobEnv) register(t *testing.T, dir string) string {
	t.Helper()
	r, err := e.reg.RegisterResource(context.Background(), engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: dir, Tags: map[string]string{"team": "platform"}})
	if err != nil {
		t.Fatalf("register %s: %v", dir, err)
	}
	return r.ResourceArn
}

func (e *jobEnv) vault(t *testing.T, name string) {
	t.Helper()
	if _, err := e.c.CreateBackupVault(context.Background(), &backup.CreateBackupVaultInput{BackupVaultName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

func (e *jobEnv) startBackup(t *testing.T, vault, arn string) *backup.StartBackupJobOutput {
	t.Helper()
	out, err := e.c.StartBackupJob(context.Background(), &backup.StartBackupJobInput{
		BackupVaultName: aws.String(vault), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role)})
	if err != nil {
		t.Fatalf("StartBackupJob: %v", err)
	}
	return out
}

func (e *jobEnv) waitBackup(t *testing.T, id string) *backup.DescribeBackupJobOutput {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := e.c.DescribeBackupJob(context.Background(), &backup.DescribeBackupJobInput{BackupJobId: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeBackupJob: %v", err)
		}
		switch out.State {
		case types.BackupJobStateCompleted, types.BackupJobStatePartial, types.BackupJobStateFailed, types.BackupJobStateAborted, types.BackupJobStateExpired:
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("backup job %s still %s after 60s", id, out.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *jobEnv) backup(t *testing.T, vault, arn string) *backup.DescribeBackupJobOutput {
	t.Helper()
	out := e.waitBackup(t, aws.ToString(e.startBackup(t, vault, arn).BackupJobId))
	if out.State != types.BackupJobStateCompleted {
		t.Fatalf("backup job %s ended %s: %s", aws.ToString(out.BackupJobId), out.State, aws.ToString(out.StatusMessage))
	}
	return out
}

func (e *jobEnv) waitRestore(t *testing.T, id string) *backup.DescribeRestoreJobOutput {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := e.c.DescribeRestoreJob(context.Background(), &backup.DescribeRestoreJobInput{RestoreJobId: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeRestoreJob: %v", err)
		}
		switch out.Status {
		case types.RestoreJobStatusCompleted, types.RestoreJobStatusFailed, types.RestoreJobStatusAborted:
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("restore job %s still %s after 60s", id, out.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// The whole story through the SDK: register a directory, back it up, see the point everywhere AWS
// shows one, read its restore metadata, restore it to a new directory, get the same tree back.
func TestBackupAndRestoreRoundTripThroughSDK(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 1)
	arn := e.register(t, src)
	e.vault(t, "prod-primary-vault")

	started, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{
		BackupVaultName: aws.String("prod-primary-vault"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role),
		Lifecycle:         &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(30), DeleteAfterDays: aws.Int64(365)},
		RecoveryPointTags: map[string]string{"reason": "test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(started.RecoveryPointArn), "arn:aws:backup:us-east-1:"+e.srv.Key.AccountID+":recovery-point:") {
		t.Errorf("RecoveryPointArn = %s", aws.ToString(started.RecoveryPointArn))
	}
	job := e.waitBackup(t, aws.ToString(started.BackupJobId))
	if job.State != types.BackupJobStateCompleted {
		t.Fatalf("backup ended %s: %s", job.State, aws.ToString(job.StatusMessage))
	}
	if aws.ToString(job.PercentDone) != "100.0" || aws.ToInt64(job.BackupSizeInBytes) <= 3<<20 || aws.ToInt64(job.BytesTransferred) <= 0 {
		t.Errorf("job PercentDone=%s BackupSizeInBytes=%d BytesTransferred=%d", aws.ToString(job.PercentDone), aws.ToInt64(job.BackupSizeInBytes), aws.ToInt64(job.BytesTransferred))
	}
	rpARN := aws.ToString(job.RecoveryPointArn)
	if rpARN != aws.ToString(started.RecoveryPointArn) || aws.ToString(job.ResourceArn) != arn || aws.ToString(job.ResourceType) != "EFS" || job.CompletionDate == nil {
		t.Errorf("job = %+v", job)
	}

	rp, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("prod-primary-vault"), RecoveryPointArn: aws.String(rpARN)})
	if err != nil {
		t.Fatal(err)
	}
	if rp.Status != types.RecoveryPointStatusCompleted || rp.StorageClass != types.StorageClassWarm || aws.ToString(rp.ResourceName) != "data" || !rp.IsEncrypted {
		t.Errorf("recovery point = %+v", rp)
	}
	wantCold, wantDelete := rp.CreationDate.AddDate(0, 0, 30), rp.CreationDate.AddDate(0, 0, 365)
	if rp.CalculatedLifecycle == nil || !rp.CalculatedLifecycle.MoveToColdStorageAt.Equal(wantCold) || !rp.CalculatedLifecycle.DeleteAt.Equal(wantDelete) {
		t.Errorf("CalculatedLifecycle = %+v, want cold %v delete %v", rp.CalculatedLifecycle, wantCold, wantDelete)
	}
	tags, err := e.c.ListTags(ctx, &backup.ListTagsInput{ResourceArn: aws.String(rpARN)})
	if err != nil || tags.Tags["reason"] != "test" {
		t.Errorf("recovery point tags = %v, %v", tags, err)
	}
	vault, _ := e.c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("prod-primary-vault")})
	if vault.NumberOfRecoveryPoints != 1 {
		t.Errorf("NumberOfRecoveryPoints = %d, want 1", vault.NumberOfRecoveryPoints)
	}
	byVault, err := e.c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("prod-primary-vault"), ByResourceType: aws.String("EFS")})
	if err != nil || len(byVault.RecoveryPoints) != 1 || aws.ToString(byVault.RecoveryPoints[0].RecoveryPointArn) != rpARN {
		t.Errorf("ListRecoveryPointsByBackupVault = %+v, %v", byVault, err)
	}
	if none, _ := e.c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("prod-primary-vault"), ByResourceType: aws.String("RDS")}); len(none.RecoveryPoints) != 0 {
		t.Errorf("ByResourceType RDS lists %d points", len(none.RecoveryPoints))
	}
	byResource, err := e.c.ListRecoveryPointsByResource(ctx, &backup.ListRecoveryPointsByResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(byResource.RecoveryPoints) != 1 || aws.ToString(byResource.RecoveryPoints[0].BackupVaultName) != "prod-primary-vault" {
		t.Errorf("ListRecoveryPointsByResource = %+v, %v", byResource, err)
	}
	prot, err := e.c.DescribeProtectedResource(ctx, &backup.DescribeProtectedResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || aws.ToString(prot.LastRecoveryPointArn) != rpARN || aws.ToString(prot.ResourceType) != "EFS" {
		t.Errorf("DescribeProtectedResource = %+v, %v", prot, err)
	}

	meta, err := e.c.GetRecoveryPointRestoreMetadata(ctx, &backup.GetRecoveryPointRestoreMetadataInput{BackupVaultName: aws.String("prod-primary-vault"), RecoveryPointArn: aws.String(rpARN)})
	if err != nil {
		t.Fatal(err)
	}
	if meta.RestoreMetadata["file-system-id"] != arn[strings.LastIndex(arn, "/")+1:] || meta.RestoreMetadata["source-path"] != src || aws.ToString(meta.ResourceType) != "EFS" {
		t.Errorf("restore metadata = %v", meta.RestoreMetadata)
	}

	// Step 3 of the guide: the metadata as returned, with a new identifier (here: a new directory).
	dest := filepath.Join(t.TempDir(), "restored")
	restoreMeta := meta.RestoreMetadata
	restoreMeta["destination-path"] = dest
	rs, err := e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: aws.String(rpARN), Metadata: restoreMeta, IamRoleArn: aws.String(role), ResourceType: aws.String("EFS")})
	if err != nil {
		t.Fatal(err)
	}
	restore := e.waitRestore(t, aws.ToString(rs.RestoreJobId))
	if restore.Status != types.RestoreJobStatusCompleted {
		t.Fatalf("restore ended %s: %s", restore.Status, aws.ToString(restore.StatusMessage))
	}
	if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
		t.Errorf("restored tree differs:\n%s", strings.Join(diffs, "\n"))
	}
	created, err := e.reg.GetResource(ctx, aws.ToString(restore.CreatedResourceArn))
	if err != nil || created.Locator != dest || created.ResourceType != "EFS" {
		t.Errorf("CreatedResourceArn %s: %+v, %v; want a new EFS resource at %s", aws.ToString(restore.CreatedResourceArn), created, err, dest)
	}
	if aws.ToString(restore.SourceResourceArn) != arn || aws.ToString(restore.PercentDone) != "100.0" {
		t.Errorf("restore job = %+v", restore)
	}
	jm, err := e.c.GetRestoreJobMetadata(ctx, &backup.GetRestoreJobMetadataInput{RestoreJobId: rs.RestoreJobId})
	if err != nil || jm.Metadata["destination-path"] != dest || jm.Metadata["newFileSystem"] != "true" {
		t.Errorf("GetRestoreJobMetadata = %+v, %v", jm, err)
	}
	prot, _ = e.c.DescribeProtectedResource(ctx, &backup.DescribeProtectedResourceInput{ResourceArn: aws.String(arn)})
	if prot.LatestRestoreJobCreationDate == nil || !prot.LatestRestoreRecoveryPointCreationDate.Equal(*rp.CreationDate) {
		t.Errorf("DescribeProtectedResource after restore = %+v", prot)
	}
	byRes, err := e.c.ListRestoreJobsByProtectedResource(ctx, &backup.ListRestoreJobsByProtectedResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(byRes.RestoreJobs) != 1 {
		t.Errorf("ListRestoreJobsByProtectedResource = %+v, %v", byRes, err)
	}

	// A vault with a point cannot be deleted; once the point is deleted it can.
	if _, err := e.c.DeleteBackupVault(ctx, &backup.DeleteBackupVaultInput{BackupVaultName: aws.String("prod-primary-vault")}); apiCode(err) != "InvalidRequestException" {
		t.Errorf("DeleteBackupVault with a point: %v, want InvalidRequestException", err)
	}
	if _, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("prod-primary-vault"), RecoveryPointArn: aws.String(rpARN)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("prod-primary-vault"), RecoveryPointArn: aws.String(rpARN)}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("DescribeRecoveryPoint after delete: %v", err)
	}
	if _, err := e.c.DeleteBackupVault(ctx, &backup.DeleteBackupVaultInput{BackupVaultName: aws.String("prod-primary-vault")}); err != nil {
		t.Errorf("DeleteBackupVault of the emptied vault: %v", err)
	}
}

// A second backup of an unchanged tree is incremental: it transfers (almost) nothing.
func TestSecondBackupTransfersLittle(t *testing.T) {
	e := newJobEnv(t, engine.Options{})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 2)
	arn := e.register(t, src)
	e.vault(t, "v1")
	first := e.backup(t, "v1", arn)
	second := e.backup(t, "v1", arn)
	if aws.ToInt64(second.BytesTransferred) > aws.ToInt64(first.BytesTransferred)/10 {
		t.Errorf("second backup transferred %d bytes, first %d: want it incremental", aws.ToInt64(second.BytesTransferred), aws.ToInt64(first.BytesTransferred))
	}
	if aws.ToString(first.RecoveryPointArn) == aws.ToString(second.RecoveryPointArn) {
		t.Errorf("two backups share a recovery point")
	}
}

func TestStartBackupJobRefusals(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	src := t.TempDir()
	arn := e.register(t, src)
	e.vault(t, "v1")
	unregistered := strings.Replace(arn, "fs-", "fs-0", 1)[:len(arn)]
	cases := []struct {
		name string
		in   backup.StartBackupJobInput
		code string
		says string
	}{
		{"bad role", backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(arn), IamRoleArn: aws.String("admin")}, "InvalidParameterValueException", "IAM role ARN"},
		{"unknown vault", backup.StartBackupJobInput{BackupVaultName: aws.String("nope"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role)}, "ResourceNotFoundException", "nope"},
		{"unregistered resource", backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(unregistered), IamRoleArn: aws.String(role)}, "ResourceNotFoundException", "register"},
		{"unregistered bucket", backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String("arn:aws:s3:::prod-bucket"), IamRoleArn: aws.String(role)}, "ResourceNotFoundException", "register its bucket"},
		{"unsupported type", backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String("arn:aws:dynamodb:us-east-1:123456789012:table/orders"), IamRoleArn: aws.String(role)}, "InvalidParameterValueException", "not the ARN of a resource type this engine backs up"},
		{"not an ARN", backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String("/srv/data"), IamRoleArn: aws.String(role)}, "InvalidParameterValueException", "not a valid ARN"},
		{"cold too close to delete", backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role),
			Lifecycle: &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(30), DeleteAfterDays: aws.Int64(100)}}, "InvalidParameterValueException", "MoveToColdStorageAfterDays (30) + 90"},
		{"short start window", backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role), StartWindowMinutes: aws.Int64(30)}, "InvalidParameterValueException", "StartWindowMinutes must be at least 60"},
		{"backup options", backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role), BackupOptions: map[string]string{"WindowsVSS": "enabled"}}, "InvalidParameterValueException", "BackupOptions"},
		{"reserved tag", backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role), RecoveryPointTags: map[string]string{"aws:x": "y"}}, "InvalidParameterValueException", "reserved prefix"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.c.StartBackupJob(ctx, &tc.in)
			if apiCode(err) != tc.code || !strings.Contains(apiMessage(err), tc.says) {
				t.Errorf("err = %v, want %s saying %q", err, tc.code, tc.says)
			}
		})
	}
	jobs, _ := e.c.ListBackupJobs(ctx, &backup.ListBackupJobsInput{})
	if len(jobs.BackupJobs) != 0 {
		t.Errorf("refused requests created %d jobs", len(jobs.BackupJobs))
	}
}

func TestStartBackupJobIdempotencyToken(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	arn := e.register(t, t.TempDir())
	e.vault(t, "v1")
	in := &backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role), IdempotencyToken: aws.String("tok-1")}
	a, err := e.c.StartBackupJob(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.c.StartBackupJob(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(a.BackupJobId) != aws.ToString(b.BackupJobId) || aws.ToString(a.RecoveryPointArn) != aws.ToString(b.RecoveryPointArn) || !a.CreationDate.Equal(*b.CreationDate) {
		t.Errorf("a retry with the same token started a new job: %s vs %s", aws.ToString(a.BackupJobId), aws.ToString(b.BackupJobId))
	}
	in.StartWindowMinutes = aws.Int64(120)
	if _, err := e.c.StartBackupJob(ctx, in); apiCode(err) != "InvalidRequestException" {
		t.Errorf("the token for a different request: %v, want InvalidRequestException", err)
	}
	e.waitBackup(t, aws.ToString(a.BackupJobId))
}

// The windows are recorded with their deadlines; the default start window is 8 hours.
func TestStartBackupJobRecordsWindows(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2024, 1, 17, 2, 0, 0, 0, time.UTC)
	e := newJobEnv(t, engine.Options{Clock: clock.NewFake(start)})
	arn := e.register(t, t.TempDir())
	e.vault(t, "v1")
	def := e.startBackup(t, "v1", arn)
	if !def.CreationDate.Equal(start) {
		t.Errorf("CreationDate = %v, want the engine clock's %v", def.CreationDate, start)
	}
	job := e.waitBackup(t, aws.ToString(def.BackupJobId))
	if !job.StartBy.Equal(start.Add(8 * time.Hour)) {
		t.Errorf("StartBy = %v, want creation + 8h", job.StartBy)
	}
	out, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role),
		StartWindowMinutes: aws.Int64(60), CompleteWindowMinutes: aws.Int64(180)})
	if err != nil {
		t.Fatal(err)
	}
	job = e.waitBackup(t, aws.ToString(out.BackupJobId))
	if !job.StartBy.Equal(start.Add(time.Hour)) {
		t.Errorf("StartBy = %v, want creation + 60m", job.StartBy)
	}
}

func TestBackupOfAMissingDirectoryFailsWithAClearMessage(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 3)
	arn := e.register(t, src)
	e.vault(t, "v1")
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	job := e.waitBackup(t, aws.ToString(e.startBackup(t, "v1", arn).BackupJobId))
	if job.State != types.BackupJobStateFailed || !strings.Contains(aws.ToString(job.StatusMessage), src+" of ") || !strings.Contains(aws.ToString(job.StatusMessage), "does not exist") {
		t.Errorf("job = %s: %q; want FAILED naming the missing directory", job.State, aws.ToString(job.StatusMessage))
	}
	if aws.ToString(job.MessageCategory) != "RESOURCE_NOT_FOUND" || aws.ToString(job.RecoveryPointArn) != "" {
		t.Errorf("MessageCategory = %q, RecoveryPointArn = %q", aws.ToString(job.MessageCategory), aws.ToString(job.RecoveryPointArn))
	}
	v, _ := e.c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("v1")})
	if v.NumberOfRecoveryPoints != 0 {
		t.Errorf("a failed job left %d recovery points", v.NumberOfRecoveryPoints)
	}
}

func TestListBackupJobsFilters(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(time.Date(2024, 1, 17, 2, 0, 0, 0, time.UTC))
	e := newJobEnv(t, engine.Options{Clock: fake})
	good := t.TempDir()
	goodARN := e.register(t, good)
	gone := filepath.Join(t.TempDir(), "gone")
	os.Mkdir(gone, 0o755)
	goneARN := e.register(t, gone)
	os.Remove(gone)
	e.vault(t, "v1")
	e.vault(t, "v2")
	ok1 := e.backup(t, "v1", goodARN)
	fake.Advance(time.Hour)
	ok2 := e.backup(t, "v2", goodARN)
	fake.Advance(time.Hour)
	failed := e.waitBackup(t, aws.ToString(e.startBackup(t, "v1", goneARN).BackupJobId))

	ids := func(in *backup.ListBackupJobsInput) string {
		t.Helper()
		var got []string
		p := backup.NewListBackupJobsPaginator(e.c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range page.BackupJobs {
				got = append(got, aws.ToString(j.BackupJobId))
			}
		}
		return strings.Join(got, ",")
	}
	id := func(j *backup.DescribeBackupJobOutput) string { return aws.ToString(j.BackupJobId) }
	all := id(ok1) + "," + id(ok2) + "," + id(failed)
	cases := []struct {
		name string
		in   backup.ListBackupJobsInput
		want string
	}{
		{"all, oldest first", backup.ListBackupJobsInput{}, all},
		{"one per page", backup.ListBackupJobsInput{MaxResults: aws.Int32(1)}, all},
		{"by vault", backup.ListBackupJobsInput{ByBackupVaultName: aws.String("v1")}, id(ok1) + "," + id(failed)},
		{"by state", backup.ListBackupJobsInput{ByState: types.BackupJobStateFailed}, id(failed)},
		{"by resource", backup.ListBackupJobsInput{ByResourceArn: aws.String(goodARN)}, id(ok1) + "," + id(ok2)},
		{"by resource type", backup.ListBackupJobsInput{ByResourceType: aws.String("RDS")}, ""},
		{"created after", backup.ListBackupJobsInput{ByCreatedAfter: aws.Time(ok1.CreationDate.Add(time.Minute))}, id(ok2) + "," + id(failed)},
		{"created before", backup.ListBackupJobsInput{ByCreatedBefore: aws.Time(ok2.CreationDate.Add(time.Minute))}, id(ok1) + "," + id(ok2)},
		{"complete after", backup.ListBackupJobsInput{ByCompleteAfter: aws.Time(ok2.CompletionDate.Add(-time.Second))}, id(ok2) + "," + id(failed)},
		{"complete before", backup.ListBackupJobsInput{ByCompleteBefore: aws.Time(ok1.CompletionDate.Add(time.Second))}, id(ok1)},
		{"message category", backup.ListBackupJobsInput{ByMessageCategory: aws.String("SUCCESS")}, id(ok1) + "," + id(ok2)},
		{"message category aggregate", backup.ListBackupJobsInput{ByMessageCategory: aws.String("AGGREGATE_ALL")}, all},
		{"another account", backup.ListBackupJobsInput{ByAccountId: aws.String("210987654321")}, ""},
		{"a parent job", backup.ListBackupJobsInput{ByParentJobId: aws.String("x")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(&tc.in); got != tc.want {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
	if _, err := e.c.ListBackupJobs(ctx, &backup.ListBackupJobsInput{ByState: "DONE"}); apiCode(err) != "InvalidParameterValueException" {
		t.Errorf("ByState DONE: %v, want InvalidParameterValueException", err)
	}
}

func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 5)
	arn := e.register(t, src)
	e.vault(t, "v1")
	rpARN := aws.ToString(e.backup(t, "v1", arn).RecoveryPointArn)
	cases := []struct {
		name string
		in   backup.StartRestoreJobInput
		code string
		says string
	}{
		{"no destination", backup.StartRestoreJobInput{RecoveryPointArn: aws.String(rpARN), Metadata: map[string]string{"newFileSystem": "true"}}, "InvalidParameterValueException", "destination-path is required"},
		{"non-empty destination", backup.StartRestoreJobInput{RecoveryPointArn: aws.String(rpARN), Metadata: map[string]string{"destination-path": src}}, "InvalidParameterValueException", "is not empty"},
		{"wrong type", backup.StartRestoreJobInput{RecoveryPointArn: aws.String(rpARN), ResourceType: aws.String("RDS"), Metadata: map[string]string{"destination-path": "/tmp/x"}}, "InvalidParameterValueException", "does not match"},
		{"unknown point", backup.StartRestoreJobInput{RecoveryPointArn: aws.String(rpARN[:len(rpARN)-4] + "0000"), Metadata: map[string]string{"destination-path": "/tmp/x"}}, "ResourceNotFoundException", "does not exist"},
		{"not a point ARN", backup.StartRestoreJobInput{RecoveryPointArn: aws.String(arn), Metadata: map[string]string{"destination-path": "/tmp/x"}}, "InvalidParameterValueException", "not a recovery point ARN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.c.StartRestoreJob(ctx, &tc.in)
			if apiCode(err) != tc.code || !strings.Contains(apiMessage(err), tc.says) {
				t.Errorf("err = %v, want %s saying %q", err, tc.code, tc.says)
			}
		})
	}
}

// Item-level restore into the original file system puts back what is missing and refuses to
// overwrite what is there.
func TestItemLevelRestoreNeverOverwrites(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 6)
	arn := e.register(t, src)
	e.vault(t, "v1")
	rpARN := aws.ToString(e.backup(t, "v1", arn).RecoveryPointArn)
	original, _ := os.ReadFile(filepath.Join(src, "docs", "small-03.txt"))
	os.Remove(filepath.Join(src, "docs", "small-03.txt"))

	rs, err := e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: aws.String(rpARN),
		Metadata: map[string]string{"newFileSystem": "false", "destination-path": src, "ItemsToRestore": `["/docs/small-03.txt"]`}})
	if err != nil {
		t.Fatal(err)
	}
	if job := e.waitRestore(t, aws.ToString(rs.RestoreJobId)); job.Status != types.RestoreJobStatusCompleted || aws.ToString(job.CreatedResourceArn) != arn {
		t.Fatalf("item restore = %s %q, CreatedResourceArn %s", job.Status, aws.ToString(job.StatusMessage), aws.ToString(job.CreatedResourceArn))
	}
	if got, _ := os.ReadFile(filepath.Join(src, "docs", "small-03.txt")); string(got) != string(original) {
		t.Errorf("the restored item differs from the original")
	}

	changed := filepath.Join(src, "docs", "readme.txt")
	os.WriteFile(changed, []byte("edited since the backup"), 0o644)
	rs, err = e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: aws.String(rpARN),
		Metadata: map[string]string{"newFileSystem": "false", "destination-path": src, "ItemsToRestore": `["/docs/readme.txt"]`}})
	if err != nil {
		t.Fatal(err)
	}
	job := e.waitRestore(t, aws.ToString(rs.RestoreJobId))
	if job.Status != types.RestoreJobStatusFailed || !strings.Contains(aws.ToString(job.StatusMessage), "readme.txt") {
		t.Errorf("restoring over an existing file: %s %q, want FAILED naming it", job.Status, aws.ToString(job.StatusMessage))
	}
	if got, _ := os.ReadFile(changed); string(got) != "edited since the backup" {
		t.Errorf("an existing file was overwritten by a restore")
	}
}

func TestUpdateRecoveryPointLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	arn := e.register(t, t.TempDir())
	e.vault(t, "v1")
	rpARN := e.backup(t, "v1", arn).RecoveryPointArn
	out, err := e.c.UpdateRecoveryPointLifecycle(ctx, &backup.UpdateRecoveryPointLifecycleInput{BackupVaultName: aws.String("v1"), RecoveryPointArn: rpARN,
		Lifecycle: &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(10), DeleteAfterDays: aws.Int64(100)}})
	if err != nil {
		t.Fatal(err)
	}
	rp, _ := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("v1"), RecoveryPointArn: rpARN})
	if !out.CalculatedLifecycle.DeleteAt.Equal(rp.CreationDate.AddDate(0, 0, 100)) || !out.CalculatedLifecycle.MoveToColdStorageAt.Equal(rp.CreationDate.AddDate(0, 0, 10)) {
		t.Errorf("CalculatedLifecycle = %+v from creation %v", out.CalculatedLifecycle, rp.CreationDate)
	}
	if aws.ToInt64(rp.Lifecycle.DeleteAfterDays) != 100 || !rp.CalculatedLifecycle.DeleteAt.Equal(*out.CalculatedLifecycle.DeleteAt) {
		t.Errorf("DescribeRecoveryPoint lifecycle = %+v / %+v", rp.Lifecycle, rp.CalculatedLifecycle)
	}
	_, err = e.c.UpdateRecoveryPointLifecycle(ctx, &backup.UpdateRecoveryPointLifecycleInput{BackupVaultName: aws.String("v1"), RecoveryPointArn: rpARN,
		Lifecycle: &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(10), DeleteAfterDays: aws.Int64(50)}})
	if apiCode(err) != "InvalidParameterValueException" {
		t.Errorf("delete 50 days after cold 10: %v, want InvalidParameterValueException", err)
	}
	// Clearing the lifecycle keeps the point forever.
	out, err = e.c.UpdateRecoveryPointLifecycle(ctx, &backup.UpdateRecoveryPointLifecycleInput{BackupVaultName: aws.String("v1"), RecoveryPointArn: rpARN})
	if err != nil || out.CalculatedLifecycle != nil {
		t.Errorf("clearing the lifecycle: %+v, %v", out, err)
	}
}

func TestRecoveryPointsAreScopedToVaultAndCaller(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	arn := e.register(t, t.TempDir())
	e.vault(t, "v1")
	e.vault(t, "v2")
	rpARN := e.backup(t, "v1", arn).RecoveryPointArn
	if _, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("v2"), RecoveryPointArn: rpARN}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("the point through another vault: %v", err)
	}
	if _, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("v2"), RecoveryPointArn: rpARN}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("deleting the point through another vault: %v", err)
	}
	eu := e.srv.Client("eu-west-1")
	if _, err := eu.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: aws.String("x")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("unknown job: %v", err)
	}
	list, err := e.c.ListProtectedResourcesByBackupVault(ctx, &backup.ListProtectedResourcesByBackupVaultInput{BackupVaultName: aws.String("v2")})
	if err != nil || len(list.Results) != 0 {
		t.Errorf("v2 protects %d resources (%v), want none", len(list.Results), err)
	}
	list, err = e.c.ListProtectedResourcesByBackupVault(ctx, &backup.ListProtectedResourcesByBackupVaultInput{BackupVaultName: aws.String("v1")})
	if err != nil || len(list.Results) != 1 || aws.ToString(list.Results[0].LastRecoveryPointArn) != aws.ToString(rpARN) {
		t.Errorf("v1 protects %+v (%v)", list, err)
	}
	all, err := e.c.ListProtectedResources(ctx, &backup.ListProtectedResourcesInput{})
	if err != nil || len(all.Results) != 1 || aws.ToString(all.Results[0].ResourceArn) != arn {
		t.Errorf("ListProtectedResources = %+v (%v)", all, err)
	}
}
