package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

func TestDaemon_makesAKeyPairOnFirstStartAndKeepsIt(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	info, err := os.Stat(filepath.Join(d.DataDir, credentials.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", info.Mode().Perm())
	}
	out, _, code := engineCmd(t, "credentials", "--data-dir", d.DataDir)
	if code != 0 || !strings.Contains(out, "export AWS_ACCESS_KEY_ID=AKIA") || !strings.Contains(out, "export AWS_SECRET_ACCESS_KEY=") {
		t.Fatalf("engine credentials printed %q (exit %d)", out, code)
	}
	if err := d.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	again := startDaemon(t, "--data-dir", d.DataDir)
	out2, _, _ := engineCmd(t, "credentials", "--data-dir", again.DataDir)
	if out2 != out {
		t.Errorf("restart changed the key pair:\n%s\nvs\n%s", out, out2)
	}
}

func TestDaemon_refusesNonLoopbackWithoutKeys(t *testing.T) {
	parallel(t)
	_, stderr, code := engineCmd(t, "serve", "--listen", "0.0.0.0:0", "--data-dir", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "refusing to listen on non-loopback address") {
		t.Errorf("exit %d, stderr %q; want exit 2 and a refusal", code, stderr)
	}
	_, stderr, code = engineCmd(t, "serve", "--access-key-id", "AKIAONLY", "--data-dir", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "must be given together") {
		t.Errorf("half a key: exit %d, stderr %q", code, stderr)
	}
}

func TestDaemon_acceptsExplicitKeysOnAnyAddress(t *testing.T) {
	parallel(t)
	d := startDaemon(t, "--access-key-id", "AKIAEXPLICIT00000000", "--secret-access-key", "s3cr3t", "--account-id", "210987654321")
	c := enginetest.NewClient(d.Endpoint, "us-east-1", credentials.Key{AccessKeyID: "AKIAEXPLICIT00000000", SecretAccessKey: "s3cr3t"})
	out, err := c.CreateBackupVault(context.Background(), &backup.CreateBackupVaultInput{BackupVaultName: aws.String("explicit")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(aws.ToString(out.BackupVaultArn), ":210987654321:") {
		t.Errorf("ARN %s does not carry the configured account", aws.ToString(out.BackupVaultArn))
	}
}

func TestDaemon_stopsCleanlyOnSIGTERM(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "before-stop")
	if err := d.Stop(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, d.Logs())
	}
	if !strings.Contains(d.Logs(), "stopped") {
		t.Errorf("no shutdown log line:\n%s", d.Logs())
	}
	again := startDaemon(t, "--data-dir", d.DataDir)
	again.mustAWS(t, "us-east-1", "backup", "describe-backup-vault", "--backup-vault-name", "before-stop")
}

// The daemon and an embedded engine (as the provider runs it) write to one data dir at once;
// neither loses a write and both see everything.
func TestDaemonAndEmbeddedEngineShareADataDir(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	ctx := context.Background()
	embedded, err := engine.Open(ctx, engine.Options{DataDir: d.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer embedded.Close()
	key := embedded.PrimaryKey()
	remote := enginetest.NewClient(d.Endpoint, "us-east-1", key)
	local := backup.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: staticCreds(key), HTTPClient: inProcessHTTP(embedded)},
		func(o *backup.Options) { o.BaseEndpoint = aws.String(engine.InProcessEndpoint) })

	const perSide = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*perSide)
	for side, c := range map[string]*backup.Client{"daemon": remote, "embedded": local} {
		wg.Add(1)
		go func(side string, c *backup.Client) {
			defer wg.Done()
			for i := 0; i < perSide; i++ {
				_, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String(fmt.Sprintf("%s-%02d", side, i))})
				if err != nil {
					errs <- err
				}
			}
		}(side, c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("create: %v", err)
	}
	for name, c := range map[string]*backup.Client{"daemon": remote, "embedded": local} {
		n := 0
		p := backup.NewListBackupVaultsPaginator(c, &backup.ListBackupVaultsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.BackupVaultList)
		}
		if n != 2*perSide {
			t.Errorf("%s sees %d vaults, want %d", name, n, 2*perSide)
		}
	}
}
