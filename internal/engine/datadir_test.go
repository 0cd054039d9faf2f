package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds/pgtest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

const role = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"

// served is an engine on a data dir, served on loopback, that the test closes itself: the raw
// files of a data dir are read in-process only once the engine is closed (see store.SQLite).
type served struct {
	e   *engine.Engine
	srv *httptest.Server
	c   *backup.Client
	reg *engineclient.Client
}

func serve(t *testing.T, o engine.Options) *served {
	t.Helper()
	e, err := engine.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	srv := httptest.NewServer(e.Handler())
	k := e.PrimaryKey()
	s := &served{e: e, srv: srv, c: enginetest.NewClient(srv.URL, "us-east-1", k),
		reg: engineclient.New(engineclient.Options{Endpoint: srv.URL, Region: "us-east-1",
			Credentials: awscreds.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")})}
	t.Cleanup(s.close)
	return s
}

func (s *served) close() {
	if s.srv != nil {
		s.srv.Close()
		_ = s.e.Close()
		s.srv = nil
	}
}

func (s *served) waitBackup(t *testing.T, id *string) *backup.DescribeBackupJobOutput {
	t.Helper()
	deadline := clock.Wall().Add(90 * time.Second)
	for {
		out, err := s.c.DescribeBackupJob(context.Background(), &backup.DescribeBackupJobInput{BackupJobId: id})
		if err != nil {
			t.Fatal(err)
		}
		switch out.State {
		case types.BackupJobStateCompleted, types.BackupJobStatePartial, types.BackupJobStateFailed, types.BackupJobStateAborted, types.BackupJobStateExpired:
			return out
		}
		if clock.Wall().After(deadline) {
			t.Fatalf("backup job %s still %s", aws.ToString(id), out.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *served) waitRestore(t *testing.T, id *string) *backup.DescribeRestoreJobOutput {
	t.Helper()
	deadline := clock.Wall().Add(90 * time.Second)
	for {
		out, err := s.c.DescribeRestoreJob(context.Background(), &backup.DescribeRestoreJobInput{RestoreJobId: id})
		if err != nil {
			t.Fatal(err)
		}
		switch out.Status {
		case types.RestoreJobStatusCompleted, types.RestoreJobStatusFailed, types.RestoreJobStatusAborted:
			return out
		}
		if clock.Wall().After(deadline) {
			t.Fatalf("restore job %s still %s", aws.ToString(id), out.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// backupAndRestore backs arn up into vault and restores the point with the restore metadata
// changed as adjust says; both jobs must complete.
func (s *served) backupAndRestore(t *testing.T, vault, arn string, adjust func(map[string]string)) {
	t.Helper()
	ctx := context.Background()
	started, err := s.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String(vault), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role)})
	if err != nil {
		t.Fatalf("StartBackupJob %s: %v", arn, err)
	}
	job := s.waitBackup(t, started.BackupJobId)
	if job.State != types.BackupJobStateCompleted {
		t.Fatalf("backup of %s ended %s: %s", arn, job.State, aws.ToString(job.StatusMessage))
	}
	md, err := s.c.GetRecoveryPointRestoreMetadata(ctx, &backup.GetRecoveryPointRestoreMetadataInput{BackupVaultName: aws.String(vault), RecoveryPointArn: job.RecoveryPointArn})
	if err != nil {
		t.Fatal(err)
	}
	adjust(md.RestoreMetadata)
	rs, err := s.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: job.RecoveryPointArn, IamRoleArn: aws.String(role), Metadata: md.RestoreMetadata})
	if err != nil {
		t.Fatalf("StartRestoreJob of %s: %v", arn, err)
	}
	if out := s.waitRestore(t, rs.RestoreJobId); out.Status != types.RestoreJobStatusCompleted {
		t.Fatalf("restore of %s ended %s: %s", arn, out.Status, aws.ToString(out.StatusMessage))
	}
}

// grepDataDir lists the files under dir holding any of the secrets, reading them in another
// process (grep), so that it can look at a live engine's files without touching their SQLite
// locks.
func grepDataDir(t *testing.T, dir string, secrets ...string) string {
	t.Helper()
	args := []string{"-rlaF"}
	for _, s := range secrets {
		args = append(args, "-e", s)
	}
	out, err := exec.Command("grep", append(args, dir)...).Output()
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
		t.Fatalf("grep: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// filesHolding reads every file under dir and names those holding any of the secrets.
func filesHolding(t *testing.T, dir string, secrets ...string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				found = append(found, path)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// An S3 secret key and a database password registered with the engine are in no file of its
// data dir — not the store, not its WAL, not a job record, recovery point or event log — while
// backups and restores with them still work; nor in its log. Under umask 000 the data dir
// the engine makes is 0700 and everything in it 0600 (directories 0700).
func TestDataDirHoldsNoSecretAndIsPrivateWhateverTheUmask(t *testing.T) {
	if !rds.ToolsInstalled() {
		t.Skip("pg_dump and pg_restore are not installed")
	}
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	ctx := context.Background()
	gw := s3test.Start(t)
	bucket := gw.CreateBucket(t, "sealed-assets")
	if _, err := gw.Client().PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("sealed-assets"), Key: aws.String("a.txt"), Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	pg := pgtest.Start(t)
	const dbPassword = "Db-Pa55word-that-must-not-leak"
	conn, err := pgx.Connect(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`CREATE DATABASE orders`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	_ = conn.Close(ctx)
	dbURL := strings.Replace(pg.DatabaseURL("orders"), pg.User+"@", pg.User+":"+dbPassword+"@", 1)

	dataDir := filepath.Join(t.TempDir(), "made-by-the-engine")
	var logs bytes.Buffer
	s := serve(t, engine.Options{DataDir: dataDir, Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	s3Res, err := s.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: bucket})
	if err != nil {
		t.Fatalf("register S3: %v", err)
	}
	dbRes, err := s.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "RDS", Locator: dbURL})
	if err != nil {
		t.Fatalf("register RDS: %v", err)
	}
	if strings.Contains(s3Res.Locator, gw.SecretKey) || strings.Contains(dbRes.Locator, dbPassword) {
		t.Errorf("the registry shows %s and %s, want the secrets masked", s3Res.Locator, dbRes.Locator)
	}
	if _, err := s.c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("sealed")}); err != nil {
		t.Fatal(err)
	}
	s.backupAndRestore(t, "sealed", s3Res.ResourceArn, func(m map[string]string) {
		m["DestinationBucketName"], m["NewBucket"] = "sealed-assets-copy", "true"
	})
	s.backupAndRestore(t, "sealed", dbRes.ResourceArn, func(m map[string]string) { m["DBInstanceIdentifier"] = "orders-restored" })
	if got, err := gw.Client().GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("sealed-assets-copy"), Key: aws.String("a.txt")}); err != nil {
		t.Errorf("the restored bucket: %v", err)
	} else {
		_ = got.Body.Close()
	}
	// The restored database was registered with the source's credentials, and works.
	if _, err := s.reg.GetResource(ctx, "arn:aws:rds:us-east-1:"+s.e.PrimaryKey().AccountID+":db:orders-restored"); err != nil {
		t.Errorf("the restored database is not registered: %v", err)
	}

	if found := grepDataDir(t, dataDir, gw.SecretKey, dbPassword); found != "" {
		t.Errorf("while the engine runs, these files of its data dir hold a secret:\n%s", found)
	}
	s.close()
	if found := filesHolding(t, dataDir, gw.SecretKey, dbPassword); len(found) > 0 {
		t.Errorf("these files of the data dir hold a secret: %v", found)
	}
	if strings.Contains(logs.String(), gw.SecretKey) || strings.Contains(logs.String(), dbPassword) {
		t.Errorf("the engine's log holds a secret:\n%s", logs.String())
	}

	var loose []string
	err = filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			loose = append(loose, path+" "+fi.Mode().Perm().String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(loose) > 0 {
		t.Errorf("under umask 000, these parts of the data dir are not private:\n%s", strings.Join(loose, "\n"))
	}
}

// A store an older engine wrote holds locators in plain text, in the database file, its free
// pages and its WAL. Opening it with this engine seals them and scrubs the files; the resources
// stay usable.
func TestPlaintextCredentialsOfAnOlderStoreAreSealedOnOpen(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	const secret = "OLD-PLAINTEXT-SECRET-0123456789"
	// What an older engine wrote: a registered S3 bucket, a job that copied its locator, and a
	// resource since removed (its plain text left in a free page).
	old, err := store.OpenSQLite(ctx, filepath.Join(dataDir, "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	doc := func(id string, tags string) []byte {
		b, _ := json.Marshal(map[string]any{"arn": "arn:aws:s3:::" + id, "type": "S3", "id": id, "locator": "http://AKIAOLD:" + secret + "@127.0.0.1:1/" + id,
			"tags": map[string]string{"rev": tags}, "account_id": "123456789012", "region": "us-east-1", "creation_date": "2025-01-01T00:00:00Z"})
		return b
	}
	for i := range 20 {
		err := old.Update(ctx, func(tx store.Tx) error {
			return errors.Join(tx.Put("resources", "123456789012/us-east-1/kept-bucket", doc("kept-bucket", strings.Repeat("x", i))),
				tx.Put("resources", "123456789012/us-east-1/gone-bucket", doc("gone-bucket", "1")))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Update(ctx, func(tx store.Tx) error { return tx.Delete("resources", "123456789012/us-east-1/gone-bucket") }); err != nil {
		t.Fatal(err)
	}
	if grepDataDir(t, dataDir, secret) == "" {
		t.Fatal("the older store's files do not hold the secret: the test arranges nothing")
	}

	// The old store stays open (idle), so its WAL is still there when the engine opens.
	s := serve(t, engine.Options{DataDir: dataDir})
	r, err := s.reg.GetResource(ctx, "arn:aws:s3:::kept-bucket")
	if err != nil || !strings.Contains(r.Locator, "AKIAOLD:xxxxx@") || r.Tags["rev"] != strings.Repeat("x", 19) {
		t.Fatalf("the migrated resource reads back as %+v, %v", r, err)
	}
	if found := grepDataDir(t, dataDir, secret); found != "" {
		t.Errorf("after the engine opened the store, these files still hold the plain-text secret:\n%s", found)
	}
	s.close()
	_ = old.Close()
	if found := filesHolding(t, dataDir, secret); len(found) > 0 {
		t.Errorf("after close, these files hold the plain-text secret: %v", found)
	}
	// Opening again finds nothing left to do and reads the same.
	s = serve(t, engine.Options{DataDir: dataDir})
	if r, err := s.reg.GetResource(ctx, "arn:aws:s3:::kept-bucket"); err != nil || !strings.Contains(r.Locator, "AKIAOLD:xxxxx@") {
		t.Errorf("after a second open: %+v, %v", r, err)
	}
}

// A data dir the operator made 0755, with files 0644, gets a warning per path at start, naming
// its mode and the chmod that fixes it; a private one gets none.
func TestLoosePermissionsAreWarnedAtStart(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "operator-made")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	s := serve(t, engine.Options{DataDir: dataDir, Log: log})
	s.close()
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("a private data dir got warnings:\n%s", logs.String())
	}

	if err := os.Chmod(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "config.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dataDir, "config.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dataDir, "engine.db"), 0o644); err != nil {
		t.Fatal(err)
	}
	logs.Reset()
	serve(t, engine.Options{DataDir: dataDir, Log: log}).close()
	for path, fix := range map[string]string{
		dataDir:                               "chmod 700 " + dataDir,
		filepath.Join(dataDir, "config.json"): "chmod 600 " + filepath.Join(dataDir, "config.json"),
		filepath.Join(dataDir, "engine.db"):   "chmod 600 " + filepath.Join(dataDir, "engine.db"),
	} {
		found := false
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "level=WARN") && strings.Contains(line, "path="+path+" ") && strings.Contains(line, `fix="`+fix+`"`) &&
				(strings.Contains(line, "mode=0755") || strings.Contains(line, "mode=0644")) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning for %s saying %q; the log:\n%s", path, fix, logs.String())
		}
	}
	if fi, err := os.Stat(dataDir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("the operator's data dir mode changed: %v %v", fi.Mode(), err)
	}
}
