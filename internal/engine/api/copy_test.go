package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// drAccount is the second account of the cross-account tests (engine config: accounts).
var drKey = credentials.Key{AccessKeyID: "AKIADRACCOUNT0000001", SecretAccessKey: "dr-secret-dr-secret-dr-secret-dr-secret0", AccountID: "210987654321"}

func (e *jobEnv) startCopy(t *testing.T, in *backup.StartCopyJobInput) string {
	t.Helper()
	if in.IamRoleArn == nil {
		in.IamRoleArn = aws.String(role)
	}
	out, err := e.c.StartCopyJob(context.Background(), in)
	if err != nil {
		t.Fatalf("StartCopyJob: %v", err)
	}
	if out.CreationDate == nil || aws.ToString(out.CopyJobId) == "" {
		t.Errorf("StartCopyJob answered %+v", out)
	}
	return aws.ToString(out.CopyJobId)
}

func (e *jobEnv) waitCopy(t *testing.T, id string) *types.CopyJob {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := e.c.DescribeCopyJob(context.Background(), &backup.DescribeCopyJobInput{CopyJobId: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeCopyJob: %v", err)
		}
		switch out.CopyJob.State {
		case types.CopyJobStateCompleted, types.CopyJobStateFailed:
			return out.CopyJob
		}
		if time.Now().After(deadline) {
			t.Fatalf("copy job %s still %s after 60s", id, out.CopyJob.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *jobEnv) copyCompleted(t *testing.T, in *backup.StartCopyJobInput) *types.CopyJob {
	t.Helper()
	j := e.waitCopy(t, e.startCopy(t, in))
	if j.State != types.CopyJobStateCompleted {
		t.Fatalf("copy job %s ended %s: %s", aws.ToString(j.CopyJobId), j.State, aws.ToString(j.StatusMessage))
	}
	return j
}

// restoreFrom restores a point with client c into a new directory and checks it matches src.
func restoreFrom(t *testing.T, c *backup.Client, pointARN, src string) {
	t.Helper()
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "restored")
	rs, err := c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: aws.String(pointARN), IamRoleArn: aws.String(role),
		Metadata: map[string]string{"newFileSystem": "true", "destination-path": dest}})
	if err != nil {
		t.Fatalf("StartRestoreJob of %s: %v", pointARN, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := c.DescribeRestoreJob(ctx, &backup.DescribeRestoreJobInput{RestoreJobId: rs.RestoreJobId})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status == types.RestoreJobStatusCompleted {
			break
		}
		if out.Status == types.RestoreJobStatusFailed || out.Status == types.RestoreJobStatusAborted || time.Now().After(deadline) {
			t.Fatalf("restore of %s: %s %s", pointARN, out.Status, aws.ToString(out.StatusMessage))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
		t.Errorf("the tree restored from %s differs:\n%s", pointARN, strings.Join(diffs, "\n"))
	}
}

// A copy into another vault of the same region: the job describes both ends, the copy is a point
// of its own in the destination (its own ARN, the source's creation date and tags, the job's
// lifecycle worked out from that date), and it restores the source tree.
func TestCopyJob_sameRegionCrossVaultThroughSDK(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 61)
	arn := e.register(t, src)
	e.vault(t, "primary")
	e.vault(t, "secondary")
	started, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("primary"), ResourceArn: aws.String(arn),
		IamRoleArn: aws.String(role), RecoveryPointTags: map[string]string{"app": "web"}, Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(35)}})
	if err != nil {
		t.Fatal(err)
	}
	bj := e.waitBackup(t, aws.ToString(started.BackupJobId))
	sourceARN := aws.ToString(bj.RecoveryPointArn)
	source, _ := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("primary"), RecoveryPointArn: aws.String(sourceARN)})
	destVault := "arn:aws:backup:us-east-1:" + e.srv.Key.AccountID + ":backup-vault:secondary"

	j := e.copyCompleted(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("primary"), RecoveryPointArn: aws.String(sourceARN),
		DestinationBackupVaultArn: aws.String(destVault), Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(90)}})
	copyARN := aws.ToString(j.DestinationRecoveryPointArn)
	switch {
	case aws.ToString(j.SourceRecoveryPointArn) != sourceARN, aws.ToString(j.DestinationBackupVaultArn) != destVault,
		!strings.HasPrefix(copyARN, "arn:aws:backup:us-east-1:"+e.srv.Key.AccountID+":recovery-point:"), copyARN == sourceARN,
		aws.ToString(j.ResourceArn) != arn, aws.ToString(j.ResourceType) != "EFS", aws.ToString(j.ResourceName) != "data",
		aws.ToInt64(j.DestinationRecoveryPointLifecycle.DeleteAfterDays) != 90, aws.ToString(j.MessageCategory) != "SUCCESS",
		aws.ToString(j.SourceBackupVaultArn) != aws.ToString(source.BackupVaultArn), aws.ToString(j.DestinationVaultLockState) != "UNLOCKED",
		aws.ToString(j.DestinationVaultType) != "BACKUP_VAULT", aws.ToInt64(j.BackupSizeInBytes) != aws.ToInt64(source.BackupSizeInBytes),
		j.CompletionDate == nil, aws.ToString(j.AccountId) != e.srv.Key.AccountID:
		t.Errorf("copy job = %+v", j)
	}
	cp, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("secondary"), RecoveryPointArn: aws.String(copyARN)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cp.SourceBackupVaultArn) != aws.ToString(source.BackupVaultArn) || !cp.CreationDate.Equal(*source.CreationDate) ||
		cp.Status != types.RecoveryPointStatusCompleted || aws.ToString(cp.ResourceArn) != arn {
		t.Errorf("copied point = %+v (source created %v)", cp, source.CreationDate)
	}
	if want := source.CreationDate.AddDate(0, 0, 90); cp.CalculatedLifecycle == nil || !cp.CalculatedLifecycle.DeleteAt.Equal(want) {
		t.Errorf("CalculatedLifecycle = %+v, want DeleteAt %v (90 days after the source's creation)", cp.CalculatedLifecycle, want)
	}
	if tags, err := e.c.ListTags(ctx, &backup.ListTagsInput{ResourceArn: aws.String(copyARN)}); err != nil || tags.Tags["app"] != "web" {
		t.Errorf("the copy's tags = %v, %v; want the source's", tags, err)
	}
	restoreFrom(t, e.c, copyARN, src)
	// Deleting the source leaves the copy whole.
	if _, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("primary"), RecoveryPointArn: aws.String(sourceARN)}); err != nil {
		t.Fatal(err)
	}
	restoreFrom(t, e.c, copyARN, src)

	// Without a lifecycle the copy keeps the source's; the destination vault cannot be deleted while
	// it holds the copy.
	again, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("primary"), ResourceArn: aws.String(arn),
		IamRoleArn: aws.String(role), Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(35)}})
	if err != nil {
		t.Fatal(err)
	}
	second := e.waitBackup(t, aws.ToString(again.BackupJobId))
	j2 := e.copyCompleted(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("primary"), RecoveryPointArn: second.RecoveryPointArn, DestinationBackupVaultArn: aws.String(destVault)})
	if j2.DestinationRecoveryPointLifecycle == nil || aws.ToInt64(j2.DestinationRecoveryPointLifecycle.DeleteAfterDays) != 35 {
		t.Errorf("a copy without a lifecycle has %+v, want the source's DeleteAfterDays 35", j2.DestinationRecoveryPointLifecycle)
	}
	if _, err := e.c.DeleteBackupVault(ctx, &backup.DeleteBackupVaultInput{BackupVaultName: aws.String("secondary")}); apiCode(err) != "InvalidRequestException" {
		t.Errorf("DeleteBackupVault of the copies' vault: %v", err)
	}
}

// A copy to another region lands in that region's vault, whose repository lives in the storage
// directory the engine config gives the region; the copy restores through a client of that region.
func TestCopyJob_crossRegionKeepsDataInTheRegionsStorageDir(t *testing.T) {
	ctx := context.Background()
	dataDir, drStorage := t.TempDir(), t.TempDir()
	e := newJobEnv(t, engine.Options{DataDir: dataDir, Config: &config.Config{Regions: map[string]config.Region{"eu-west-1": {StorageDir: drStorage}}}})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 62)
	arn := e.register(t, src)
	e.vault(t, "prod")
	eu := e.srv.Client("eu-west-1")
	if _, err := eu.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("dr-vault")}); err != nil {
		t.Fatal(err)
	}
	bj := e.backup(t, "prod", arn)
	account := e.srv.Key.AccountID
	j := e.copyCompleted(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: bj.RecoveryPointArn,
		DestinationBackupVaultArn: aws.String("arn:aws:backup:eu-west-1:" + account + ":backup-vault:dr-vault")})
	copyARN := aws.ToString(j.DestinationRecoveryPointArn)
	if !strings.HasPrefix(copyARN, "arn:aws:backup:eu-west-1:"+account+":recovery-point:") {
		t.Fatalf("the copy's ARN %s is not in eu-west-1", copyARN)
	}
	packs, _ := filepath.Glob(filepath.Join(repoDir(t, drStorage, account, "eu-west-1", "dr-vault"), "packs", "*", "*"))
	if len(packs) == 0 {
		t.Errorf("no pack under the eu-west-1 storage dir %s", drStorage)
	}
	if _, err := os.Stat(repoDir(t, dataDir, account, "eu-west-1", "dr-vault")); !os.IsNotExist(err) {
		t.Errorf("the eu-west-1 vault has a repository in the data dir too (%v)", err)
	}
	// The copy is a point of eu-west-1: us-east-1 does not see it.
	if _, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("dr-vault"), RecoveryPointArn: aws.String(copyARN)}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("us-east-1 describing the eu-west-1 copy: %v", err)
	}
	restoreFrom(t, eu, copyARN, src)
	verifyRepoAt(t, repoDir(t, drStorage, account, "eu-west-1", "dr-vault"), dataDir)
}

// A copy into another account's vault needs that vault's access policy to grant
// backup:CopyIntoBackupVault to the source account: without it, or with a Deny, the job FAILS
// with ACCESS_DENIED and nothing is stored; with it, the copy is the destination account's point.
func TestCopyJob_crossAccountNeedsTheDestinationVaultsPolicy(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{Config: &config.Config{Accounts: []config.Account{{Key: drKey}}}})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 63)
	arn := e.register(t, src)
	e.vault(t, "prod")
	bj := e.backup(t, "prod", arn)
	dr := e.srv.ClientWithKey("us-east-1", drKey)
	if _, err := dr.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("dr-vault")}); err != nil {
		t.Fatal(err)
	}
	destVault := "arn:aws:backup:us-east-1:" + drKey.AccountID + ":backup-vault:dr-vault"
	// A new input per call: the SDK fills in an IdempotencyToken on the input it is given, and a
	// second call with it would return the first job.
	copyIn := func() *backup.StartCopyJobInput {
		return &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: bj.RecoveryPointArn, DestinationBackupVaultArn: aws.String(destVault)}
	}
	refused := func(why string) {
		t.Helper()
		j := e.waitCopy(t, e.startCopy(t, copyIn()))
		if j.State != types.CopyJobStateFailed || aws.ToString(j.MessageCategory) != "ACCESS_DENIED" || !strings.Contains(aws.ToString(j.StatusMessage), "CopyIntoBackupVault") {
			t.Errorf("%s: copy job ended %s (%s): %s", why, j.State, aws.ToString(j.MessageCategory), aws.ToString(j.StatusMessage))
		}
		if aws.ToString(j.DestinationRecoveryPointArn) != "" {
			t.Errorf("%s: the failed job names a destination point %s", why, aws.ToString(j.DestinationRecoveryPointArn))
		}
		points, _ := dr.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("dr-vault")})
		if len(points.RecoveryPoints) != 0 {
			t.Errorf("%s: the destination vault holds %d points", why, len(points.RecoveryPoints))
		}
	}
	refused("no policy")
	put := func(policy string) {
		t.Helper()
		if _, err := dr.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String("dr-vault"), Policy: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
	}
	put(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}]}`)
	refused("a policy for another account")

	allow := `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + e.srv.Key.AccountID + `:root"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}`
	put(`{"Version":"2012-10-17","Statement":[` + allow + `,{"Effect":"Deny","Principal":"*","Action":"backup:CopyInto*","Resource":"*"}]}`)
	refused("an allow and a deny")

	put(`{"Version":"2012-10-17","Statement":[` + allow + `]}`)
	j := e.copyCompleted(t, copyIn())
	copyARN := aws.ToString(j.DestinationRecoveryPointArn)
	if !strings.HasPrefix(copyARN, "arn:aws:backup:us-east-1:"+drKey.AccountID+":recovery-point:") {
		t.Fatalf("the copy's ARN %s is not the destination account's", copyARN)
	}
	restoreFrom(t, dr, copyARN, src)
	// The source account sees its job, not the other account's point.
	if _, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("dr-vault"), RecoveryPointArn: aws.String(copyARN)}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("the source account describing the copy: %v", err)
	}
	if _, err := dr.DescribeCopyJob(ctx, &backup.DescribeCopyJobInput{CopyJobId: j.CopyJobId}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("the destination account describing the source's copy job: %v", err)
	}

	// A vault of another account that does not exist reads like a refusal.
	missing := copyIn()
	missing.DestinationBackupVaultArn = aws.String("arn:aws:backup:us-east-1:" + drKey.AccountID + ":backup-vault:no-such-vault")
	if j := e.waitCopy(t, e.startCopy(t, missing)); j.State != types.CopyJobStateFailed || aws.ToString(j.MessageCategory) != "ACCESS_DENIED" {
		t.Errorf("copy into a missing vault of another account ended %s (%s): %s", j.State, aws.ToString(j.MessageCategory), aws.ToString(j.StatusMessage))
	}
}

// An explicit Deny in a vault's access policy refuses the deletion actions with
// AccessDeniedException, even to the vault's own account; removing the statement lifts it.
func TestVaultPolicyDenyRefusesDeletionsToTheOwner(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 64)
	arn := e.register(t, src)
	e.vault(t, "guarded")
	e.vault(t, "elsewhere")
	bj := e.backup(t, "guarded", arn)
	point := bj.RecoveryPointArn
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"NoDeletes","Effect":"Deny","Principal":{"AWS":"*"},
		"Action":["backup:DeleteRecoveryPoint","backup:UpdateRecoveryPointLifecycle","backup:DeleteBackupVault","backup:StartCopyJob"],"Resource":"*"}]}`
	if _, err := e.c.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String("guarded"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("guarded"), RecoveryPointArn: point})
	if apiCode(err) != "AccessDeniedException" || !strings.Contains(apiMessage(err), `Sid "NoDeletes"`) {
		t.Errorf("DeleteRecoveryPoint: %v, want AccessDeniedException naming the statement", err)
	}
	if _, err := e.c.UpdateRecoveryPointLifecycle(ctx, &backup.UpdateRecoveryPointLifecycleInput{BackupVaultName: aws.String("guarded"), RecoveryPointArn: point,
		Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(1)}}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("UpdateRecoveryPointLifecycle: %v, want AccessDeniedException", err)
	}
	if _, err := e.c.StartCopyJob(ctx, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("guarded"), RecoveryPointArn: point, IamRoleArn: aws.String(role),
		DestinationBackupVaultArn: aws.String("arn:aws:backup:us-east-1:" + e.srv.Key.AccountID + ":backup-vault:elsewhere")}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("StartCopyJob from the guarded vault: %v, want AccessDeniedException", err)
	}
	if _, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String("guarded"), RecoveryPointArn: point}); err != nil {
		t.Errorf("the point is gone after refused deletions: %v", err)
	}
	// The owner can always repair the policy (its keys act as the account's root user).
	if _, err := e.c.DeleteBackupVaultAccessPolicy(ctx, &backup.DeleteBackupVaultAccessPolicyInput{BackupVaultName: aws.String("guarded")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("guarded"), RecoveryPointArn: point}); err != nil {
		t.Errorf("DeleteRecoveryPoint once the policy is gone: %v", err)
	}
	if _, err := e.c.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String("guarded"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteBackupVault(ctx, &backup.DeleteBackupVaultInput{BackupVaultName: aws.String("guarded")}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("DeleteBackupVault of the empty guarded vault: %v, want AccessDeniedException", err)
	}
}

// A copy into a locked vault whose retention is outside the lock's range FAILS and stores
// nothing; one inside it completes.
func TestCopyJob_lockedDestinationRefusesRetentionOutsideItsRange(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 65)
	arn := e.register(t, src)
	e.vault(t, "prod")
	e.vault(t, "locked")
	if _, err := e.c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("locked"),
		MinRetentionDays: aws.Int64(7), MaxRetentionDays: aws.Int64(30)}); err != nil {
		t.Fatal(err)
	}
	bj := e.backup(t, "prod", arn)
	dest := aws.String("arn:aws:backup:us-east-1:" + e.srv.Key.AccountID + ":backup-vault:locked")
	for _, days := range []int64{365, 3} {
		j := e.waitCopy(t, e.startCopy(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: bj.RecoveryPointArn,
			DestinationBackupVaultArn: dest, Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(days)}}))
		if j.State != types.CopyJobStateFailed || !strings.Contains(aws.ToString(j.StatusMessage), "lock of backup vault locked") {
			t.Errorf("copy with DeleteAfterDays %d ended %s: %s", days, j.State, aws.ToString(j.StatusMessage))
		}
	}
	// The source keeps its point indefinitely: without a lifecycle the copy would too, beyond the maximum.
	j := e.waitCopy(t, e.startCopy(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: bj.RecoveryPointArn, DestinationBackupVaultArn: dest}))
	if j.State != types.CopyJobStateFailed {
		t.Errorf("copy keeping the point indefinitely into a vault with MaxRetentionDays ended %s", j.State)
	}
	points, _ := e.c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("locked")})
	if len(points.RecoveryPoints) != 0 {
		t.Fatalf("failed copies left %d points in the locked vault", len(points.RecoveryPoints))
	}
	ok := e.copyCompleted(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: bj.RecoveryPointArn,
		DestinationBackupVaultArn: dest, Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(14)}})
	if aws.ToString(ok.DestinationVaultLockState) != "LOCKED" {
		t.Errorf("DestinationVaultLockState = %q, want LOCKED", aws.ToString(ok.DestinationVaultLockState))
	}
	// The lock protects the copy from deletion.
	if _, err := e.c.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("locked"), RecoveryPointArn: ok.DestinationRecoveryPointArn}); apiCode(err) != "InvalidRequestException" {
		t.Errorf("deleting the copy in the locked vault: %v", err)
	}
}

func TestStartCopyJob_idempotencyAndRefusals(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 66)
	arn := e.register(t, src)
	e.vault(t, "prod")
	e.vault(t, "copies")
	bj := e.backup(t, "prod", arn)
	dest := "arn:aws:backup:us-east-1:" + e.srv.Key.AccountID + ":backup-vault:copies"
	in := func() *backup.StartCopyJobInput {
		return &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: bj.RecoveryPointArn,
			DestinationBackupVaultArn: aws.String(dest), IamRoleArn: aws.String(role), IdempotencyToken: aws.String("copy-once")}
	}
	first := e.startCopy(t, in())
	again := e.startCopy(t, in())
	if first != again {
		t.Errorf("the same token started jobs %s and %s", first, again)
	}
	other := in()
	other.Lifecycle = &types.Lifecycle{DeleteAfterDays: aws.Int64(10)}
	if _, err := e.c.StartCopyJob(ctx, other); apiCode(err) != "InvalidRequestException" || !strings.Contains(apiMessage(err), first) {
		t.Errorf("the token reused for another request: %v", err)
	}
	e.waitCopy(t, first)
	jobs, _ := e.c.ListCopyJobs(ctx, &backup.ListCopyJobsInput{})
	if len(jobs.CopyJobs) != 1 {
		t.Errorf("%d copy jobs after two calls with one token", len(jobs.CopyJobs))
	}

	for name, c := range map[string]struct {
		mutate func(*backup.StartCopyJobInput)
		code   string
		says   string
	}{
		"bad role":        {func(i *backup.StartCopyJobInput) { i.IamRoleArn = aws.String("admin") }, "InvalidParameterValueException", "IamRoleArn"},
		"bad destination": {func(i *backup.StartCopyJobInput) { i.DestinationBackupVaultArn = aws.String("copies") }, "InvalidParameterValueException", "DestinationBackupVaultArn"},
		"missing destination": {func(i *backup.StartCopyJobInput) {
			i.DestinationBackupVaultArn = aws.String(strings.Replace(dest, "copies", "nope", 1))
		}, "ResourceNotFoundException", "create it"},
		"the source vault": {func(i *backup.StartCopyJobInput) {
			i.DestinationBackupVaultArn = aws.String(strings.Replace(dest, "copies", "prod", 1))
		}, "InvalidParameterValueException", "source vault"},
		"missing source vault": {func(i *backup.StartCopyJobInput) { i.SourceBackupVaultName = aws.String("nope") }, "ResourceNotFoundException", "nope"},
		"bad lifecycle": {func(i *backup.StartCopyJobInput) {
			i.Lifecycle = &types.Lifecycle{MoveToColdStorageAfterDays: aws.Int64(30), DeleteAfterDays: aws.Int64(60)}
		}, "InvalidParameterValueException", "DeleteAfterDays"},
		"another account's point": {func(i *backup.StartCopyJobInput) {
			i.RecoveryPointArn = aws.String(strings.Replace(aws.ToString(bj.RecoveryPointArn), e.srv.Key.AccountID, "999999999999", 1))
		}, "ResourceNotFoundException", "does not exist"},
	} {
		i := in()
		i.IdempotencyToken = nil
		c.mutate(i)
		_, err := e.c.StartCopyJob(ctx, i)
		if apiCode(err) != c.code || !strings.Contains(apiMessage(err), c.says) {
			t.Errorf("%s: %v, want %s saying %q", name, err, c.code, c.says)
		}
	}
	if _, err := e.c.DescribeCopyJob(ctx, &backup.DescribeCopyJobInput{CopyJobId: aws.String("0190A3C2-0000-7000-8000-000000000000")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("DescribeCopyJob of an unknown job: %v", err)
	}
}

// ListCopyJobs filters as AWS documents, and pages; ListCopyJobSummaries counts the same jobs.
func TestListCopyJobsFiltersAndSummaries(t *testing.T) {
	ctx := context.Background()
	e := newJobEnv(t, engine.Options{})
	var arns []string
	for i := range 2 {
		src := filepath.Join(t.TempDir(), "data")
		enginetest.WriteTree(t, src, uint64(70+i))
		arns = append(arns, e.register(t, src))
	}
	e.vault(t, "prod")
	e.vault(t, "copies-a")
	e.vault(t, "copies-b")
	e.vault(t, "locked")
	if _, err := e.c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("locked"), MaxRetentionDays: aws.Int64(5)}); err != nil {
		t.Fatal(err)
	}
	vaultARN := func(name string) string {
		return "arn:aws:backup:us-east-1:" + e.srv.Key.AccountID + ":backup-vault:" + name
	}
	p0 := e.backup(t, "prod", arns[0]).RecoveryPointArn
	p1 := e.backup(t, "prod", arns[1]).RecoveryPointArn
	before := time.Now().Add(-time.Second)
	a0 := e.copyCompleted(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: p0, DestinationBackupVaultArn: aws.String(vaultARN("copies-a"))})
	b1 := e.copyCompleted(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: p1, DestinationBackupVaultArn: aws.String(vaultARN("copies-b"))})
	failed := e.waitCopy(t, e.startCopy(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: p0, DestinationBackupVaultArn: aws.String(vaultARN("locked"))}))
	if failed.State != types.CopyJobStateFailed {
		t.Fatalf("the copy into the locked vault ended %s", failed.State)
	}
	ids := func(in *backup.ListCopyJobsInput) []string {
		t.Helper()
		var out []string
		p := backup.NewListCopyJobsPaginator(e.c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListCopyJobs(%+v): %v", in, err)
			}
			for _, j := range page.CopyJobs {
				out = append(out, aws.ToString(j.CopyJobId))
			}
		}
		return out
	}
	id := func(j *types.CopyJob) string { return aws.ToString(j.CopyJobId) }
	future := time.Now().Add(time.Hour)
	for name, c := range map[string]struct {
		in   *backup.ListCopyJobsInput
		want []string
	}{
		"all, oldest first, paged":  {&backup.ListCopyJobsInput{MaxResults: aws.Int32(1)}, []string{id(a0), id(b1), id(failed)}},
		"by state":                  {&backup.ListCopyJobsInput{ByState: types.CopyJobStateFailed}, []string{id(failed)}},
		"by destination vault":      {&backup.ListCopyJobsInput{ByDestinationVaultArn: aws.String(vaultARN("copies-b"))}, []string{id(b1)}},
		"by source point":           {&backup.ListCopyJobsInput{BySourceRecoveryPointArn: p0}, []string{id(a0), id(failed)}},
		"by resource":               {&backup.ListCopyJobsInput{ByResourceArn: aws.String(arns[1])}, []string{id(b1)}},
		"by resource type":          {&backup.ListCopyJobsInput{ByResourceType: aws.String("EFS")}, []string{id(a0), id(b1), id(failed)}},
		"by another resource type":  {&backup.ListCopyJobsInput{ByResourceType: aws.String("RDS")}, nil},
		"by message category":       {&backup.ListCopyJobsInput{ByMessageCategory: aws.String("SUCCESS")}, []string{id(a0), id(b1)}},
		"message category ANY":      {&backup.ListCopyJobsInput{ByMessageCategory: aws.String("ANY")}, []string{id(a0), id(b1), id(failed)}},
		"created after":             {&backup.ListCopyJobsInput{ByCreatedAfter: aws.Time(before)}, []string{id(a0), id(b1), id(failed)}},
		"created before":            {&backup.ListCopyJobsInput{ByCreatedBefore: aws.Time(before)}, nil},
		"completed before the hour": {&backup.ListCopyJobsInput{ByCompleteBefore: aws.Time(future)}, []string{id(a0), id(b1), id(failed)}},
		"completed after the hour":  {&backup.ListCopyJobsInput{ByCompleteAfter: aws.Time(future)}, nil},
		"another account":           {&backup.ListCopyJobsInput{ByAccountId: aws.String("999999999999")}, nil},
		"by parent job":             {&backup.ListCopyJobsInput{ByParentJobId: aws.String("X")}, nil},
	} {
		if got := ids(c.in); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}

	sum, err := e.c.ListCopyJobSummaries(ctx, &backup.ListCopyJobSummariesInput{AggregationPeriod: types.AggregationPeriodSevenDays})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int32{}
	for _, s := range sum.CopyJobSummaries {
		counts[string(s.State)+"/"+aws.ToString(s.MessageCategory)+"/"+aws.ToString(s.ResourceType)] += s.Count
		if aws.ToString(s.Region) != "us-east-1" || aws.ToString(s.AccountId) != e.srv.Key.AccountID || s.StartTime == nil || s.EndTime == nil {
			t.Errorf("summary %+v", s)
		}
	}
	if counts["COMPLETED/SUCCESS/EFS"] != 2 || counts["FAILED/FAILED/EFS"] != 1 || len(counts) != 2 {
		t.Errorf("summaries over seven days: %v", counts)
	}
	agg, err := e.c.ListCopyJobSummaries(ctx, &backup.ListCopyJobSummariesInput{State: types.CopyJobStatusAggregateAll, MessageCategory: aws.String("AGGREGATE_ALL")})
	if err != nil {
		t.Fatal(err)
	}
	if len(agg.CopyJobSummaries) != 1 || agg.CopyJobSummaries[0].Count != 3 || agg.CopyJobSummaries[0].State != types.CopyJobStatusAggregateAll ||
		agg.AggregationPeriod == nil || *agg.AggregationPeriod != "ONE_DAY" {
		t.Errorf("AGGREGATE_ALL summary: %+v", agg)
	}
	onlyFailed, _ := e.c.ListCopyJobSummaries(ctx, &backup.ListCopyJobSummariesInput{State: types.CopyJobStatusFailed})
	if len(onlyFailed.CopyJobSummaries) != 1 || onlyFailed.CopyJobSummaries[0].Count != 1 {
		t.Errorf("FAILED summary: %+v", onlyFailed.CopyJobSummaries)
	}
	if _, err := e.c.ListCopyJobSummaries(ctx, &backup.ListCopyJobSummariesInput{NextToken: aws.String("garbage")}); apiCode(err) != "InvalidParameterValueException" {
		t.Errorf("a bad NextToken: %v", err)
	}
}

// verifyRepoAt checks the repository in repoDir (keys from dataDir) the way `engine verify
// --read-data` does.
func verifyRepoAt(t *testing.T, repoDir, dataDir string) {
	t.Helper()
	ctx := context.Background()
	mk, err := keyring.LoadMasterKey(engine.MasterKeyPath(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	st, err := blob.NewLocal(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := content.Open(ctx, st, mk)
	if err != nil {
		t.Fatalf("open the repository at %s: %v", repoDir, err)
	}
	var problems []string
	if err := repo.Verify(ctx, true, func(p string) { problems = append(problems, p) }); err != nil || len(problems) > 0 {
		t.Errorf("the repository at %s does not verify: %v\n%s", repoDir, err, strings.Join(problems, "\n"))
	}
}
