package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// s3Env is an engine whose vault "offsite" keeps its repository in a versitygw bucket, beside
// vaults on the local disk.
type s3Env struct {
	*jobEnv
	s3      *s3test.Server
	dataDir string
}

func newS3Env(t *testing.T) *s3Env {
	t.Helper()
	srv := s3test.Start(t)
	srv.CreateBucket(t, "vaults")
	cfg, err := config.Parse([]byte(`{"regions": {"us-east-1": {"vaults": {"offsite": {"storage": "s3://vaults/engine?endpoint=`+srv.Endpoint+`"}}}}}`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	e := newJobEnv(t, engine.Options{DataDir: dataDir, Config: cfg,
		S3Storage: []s3blob.Option{s3blob.WithCredentials(credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""))}})
	return &s3Env{jobEnv: e, s3: srv, dataDir: dataDir}
}

// packBytes is what the bucket holds under the offsite vault's packs.
func (e *s3Env) packBytes(t *testing.T) (n int, size int64) {
	t.Helper()
	prefix := "engine/" + e.srv.Key.AccountID + "/us-east-1/offsite/warm/packs/"
	pages := awss3.NewListObjectsV2Paginator(e.s3.Client(), &awss3.ListObjectsV2Input{Bucket: aws.String("vaults"), Prefix: aws.String(prefix)})
	for pages.HasMorePages() {
		p, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Contents {
			n++
			size += aws.ToInt64(o.Size)
		}
	}
	return n, size
}

func (e *s3Env) verifyOffsite(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	mk, err := keyring.LoadMasterKey(engine.MasterKeyPath(e.dataDir))
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := s3blob.ParseLocation("s3://vaults/engine?endpoint=" + e.s3.Endpoint)
	st, err := s3blob.Open(ctx, loc.Sub(e.srv.Key.AccountID, "us-east-1", "offsite", "warm"),
		s3blob.WithCredentials(credentials.NewStaticCredentialsProvider(e.s3.AccessKey, e.s3.SecretKey, "")))
	if err != nil {
		t.Fatal(err)
	}
	repo, err := content.Open(ctx, st, mk)
	if err != nil {
		t.Fatalf("open the offsite repository: %v", err)
	}
	var problems []string
	if err := repo.Verify(ctx, true, func(p string) { problems = append(problems, p) }); err != nil || len(problems) > 0 {
		t.Errorf("the offsite repository does not verify: %v\n%s", err, strings.Join(problems, "\n"))
	}
}

// A vault on S3 backs up, restores byte-identical, and copies both ways with a local vault; a
// second backup of an unchanged tree sends no pack, and nothing of the S3 vault is on the disk.
func TestS3Storage_backupRestoreAndCopiesBothWays(t *testing.T) {
	e := newS3Env(t)
	src := filepath.Join(t.TempDir(), "data")
	enginetest.WriteTree(t, src, 77)
	arn := e.register(t, src)
	e.vault(t, "offsite")
	e.vault(t, "local")

	direct := e.backup(t, "offsite", arn)
	packs, size := e.packBytes(t)
	if packs == 0 {
		t.Fatal("the backup to the offsite vault put no pack in the bucket")
	}
	if _, err := os.Stat(repoDir(t, e.dataDir, e.srv.Key.AccountID, "us-east-1", "offsite")); !os.IsNotExist(err) {
		t.Errorf("the S3 vault has a repository on the disk too (%v)", err)
	}
	restoreFrom(t, e.c, aws.ToString(direct.RecoveryPointArn), src)

	again := e.backup(t, "offsite", arn)
	if packs2, size2 := e.packBytes(t); packs2 != packs || size2 != size {
		t.Errorf("a backup of the unchanged tree sent packs: %d packs of %d bytes, then %d of %d", packs, size, packs2, size2)
	}
	restoreFrom(t, e.c, aws.ToString(again.RecoveryPointArn), src)

	// S3 -> local, then local -> S3 of a point the S3 vault already has the chunks of: only
	// the missing chunks travel, here none.
	down := e.copyCompleted(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("offsite"), RecoveryPointArn: direct.RecoveryPointArn,
		DestinationBackupVaultArn: aws.String("arn:aws:backup:us-east-1:" + e.srv.Key.AccountID + ":backup-vault:local")})
	restoreFrom(t, e.c, aws.ToString(down.DestinationRecoveryPointArn), src)
	up := e.copyCompleted(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("local"), RecoveryPointArn: down.DestinationRecoveryPointArn,
		DestinationBackupVaultArn: aws.String("arn:aws:backup:us-east-1:" + e.srv.Key.AccountID + ":backup-vault:offsite")})
	if packs3, size3 := e.packBytes(t); packs3 != packs || size3 != size {
		t.Errorf("a copy of chunks the S3 vault has sent packs: %d packs of %d bytes, then %d of %d", packs, size, packs3, size3)
	}
	restoreFrom(t, e.c, aws.ToString(up.DestinationRecoveryPointArn), src)
	e.verifyOffsite(t)

	// The engine counted its requests to the bucket.
	rec := httptest.NewRecorder()
	e.srv.Engine.Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`backup_engine_storage_requests_total{bucket="vaults",operation="PutObject",outcome="ok"}`,
		`backup_engine_storage_requests_total{bucket="vaults",operation="GetObject",outcome="ok"}`,
		`backup_engine_storage_requests_total{bucket="vaults",operation="ListObjectsV2",outcome="ok"}`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
