package console_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/console"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// hostileTitle is a legal hold title, and hostileTag a vault's tag value, the console must show
// as text, never run.
const (
	hostileTitle = `<script>document.title="pwned"</script>`
	hostileTag   = `<script>document.title="tagged"</script>`
)

// env is an engine with the console in front of it, as engine serve mounts it, after a small
// scripted night: a vault with a completed backup (the point to restore), a second vault whose
// point is under a legal hold, and a backup job that failed because its directory is gone.
type env struct {
	srv  *enginetest.Server
	url  string
	c    *backup.Client
	fake *clock.Fake
	// sessions is the console's own clock, which times idle sessions.
	sessions *clock.Fake
	dir      string // a temp dir for restores
	vault    string
	point    string // restorable
	held     string // under a legal hold, in heldVault
	heldIn   string
	failed   string // the failed backup job's ID
	failMsg  string
	planID   string
	resource string // the registered directory the plan selects
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	fake := clock.NewFake(time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
	srv := enginetest.Start(t, engine.Options{Clock: fake})
	sessions := clock.NewFake(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	con, err := console.New(console.Options{API: srv.Engine.Handler(), Region: "us-east-1", Clock: sessions,
		Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(console.Prefix+"/", con)
	mux.Handle(console.Prefix, con)
	mux.Handle("/", srv.Engine.Handler())
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	e := &env{srv: srv, url: hs.URL, c: srv.Client("us-east-1"), fake: fake, sessions: sessions, dir: t.TempDir(), vault: "nightly", heldIn: "evidence"}
	reg := srv.Registry("us-east-1")

	src := filepath.Join(e.dir, "data")
	writeFiles(t, src)
	res, err := reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: src})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{e.vault, e.heldIn} {
		if _, err := e.c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String(v),
			BackupVaultTags: map[string]string{"owner": hostileTag}}); err != nil {
			t.Fatal(err)
		}
	}
	e.point = aws.ToString(e.backup(t, e.vault, res.ResourceArn).RecoveryPointArn)
	e.held = aws.ToString(e.backup(t, e.heldIn, res.ResourceArn).RecoveryPointArn)
	if _, err := e.c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String(hostileTitle), Description: aws.String("litigation 2026-01"),
		RecoveryPointSelection: &types.RecoveryPointSelection{VaultNames: []string{e.heldIn}}}); err != nil {
		t.Fatal(err)
	}

	plan, err := e.c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: &types.BackupPlanInput{BackupPlanName: aws.String("daily"),
		Rules: []types.BackupRuleInput{{RuleName: aws.String("nightly-0500"), TargetBackupVaultName: aws.String(e.vault),
			ScheduleExpression: aws.String("cron(0 5 ? * * *)"), Lifecycle: &types.Lifecycle{DeleteAfterDays: aws.Int64(35)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId, BackupSelection: &types.BackupSelection{
		SelectionName: aws.String("all-directories"), IamRoleArn: aws.String("arn:aws:iam::123456789012:role/backup"), Resources: []string{res.ResourceArn}}}); err != nil {
		t.Fatal(err)
	}
	e.planID, e.resource = aws.ToString(plan.BackupPlanId), res.ResourceArn

	gone := filepath.Join(e.dir, "gone")
	writeFiles(t, gone)
	goneRes, err := reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: gone})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(gone); err != nil {
		t.Fatal(err)
	}
	failed := e.backupJob(t, e.vault, goneRes.ResourceArn)
	if failed.State != types.BackupJobStateFailed || aws.ToString(failed.StatusMessage) == "" {
		t.Fatalf("the backup of a removed directory ended %s (%q), want FAILED with a message", failed.State, aws.ToString(failed.StatusMessage))
	}
	e.failed, e.failMsg = aws.ToString(failed.BackupJobId), aws.ToString(failed.StatusMessage)
	return e
}

func writeFiles(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a.txt", "sub/b.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Repeat(fmt.Sprintf("file %d\n", i), 100)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) backup(t *testing.T, vault, arn string) *backup.DescribeBackupJobOutput {
	t.Helper()
	out := e.backupJob(t, vault, arn)
	if out.State != types.BackupJobStateCompleted {
		t.Fatalf("backup job ended %s: %s", out.State, aws.ToString(out.StatusMessage))
	}
	return out
}

func (e *env) backupJob(t *testing.T, vault, arn string) *backup.DescribeBackupJobOutput {
	t.Helper()
	ctx := context.Background()
	started, err := e.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String(vault), ResourceArn: aws.String(arn),
		IamRoleArn: aws.String("arn:aws:iam::123456789012:role/backup")})
	if err != nil {
		t.Fatalf("StartBackupJob: %v", err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, err := e.c.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: started.BackupJobId})
		if err != nil {
			t.Fatal(err)
		}
		switch out.State {
		case types.BackupJobStateCompleted, types.BackupJobStateFailed, types.BackupJobStateAborted, types.BackupJobStateExpired:
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("backup job still %s after 60s", out.State)
		}
	}
}

// testWriter sends the console's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
