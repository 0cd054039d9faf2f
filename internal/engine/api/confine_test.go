package api_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// tenantKey is a second account of the engine, with a tree of its own.
var tenantKey = credentials.Key{AccessKeyID: "AKIATENANT0000000002", SecretAccessKey: "tenant-secret-tenant-secret-tenant-sec0", AccountID: "222222222222"}

// confinedEnv is an engine whose own account may use allowed/ (where its data dir also is, to
// be refused anyway) and whose tenant account may use tenant/ only.
type confinedEnv struct {
	*jobEnv
	base, allowed, tenantDir, outside, dataDir string
	tenant                                     *backup.Client
	tenantReg                                  *engineclient.Client
}

func newConfinedEnv(t *testing.T) *confinedEnv {
	t.Helper()
	base := t.TempDir()
	e := &confinedEnv{base: base, allowed: filepath.Join(base, "allowed"), tenantDir: filepath.Join(base, "tenant"), outside: filepath.Join(base, "outside")}
	e.dataDir = filepath.Join(e.allowed, "engine-data")
	for _, d := range []string{e.allowed, e.tenantDir, e.outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e.jobEnv = newJobEnv(t, engine.Options{DataDir: e.dataDir, Filesystem: engine.FilesystemAccess{AllowedPaths: []string{e.allowed}},
		Config: &config.Config{Accounts: []config.Account{{Key: tenantKey, AllowedPaths: []string{e.tenantDir}}}}})
	e.tenant = e.srv.ClientWithKey("us-east-1", tenantKey)
	e.tenantReg = engineclient.New(engineclient.Options{Endpoint: e.srv.URL, Region: "us-east-1",
		Credentials: awscreds.NewStaticCredentialsProvider(tenantKey.AccessKeyID, tenantKey.SecretAccessKey, "")})
	return e
}

func registryCode(err error) (string, string) {
	var ae *engineclient.APIError
	if errors.As(err, &ae) {
		return ae.Code, ae.Message
	}
	return "", ""
}

// assertEmpty fails if dir has any entry: a refused request wrote nothing there.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) > 0 {
		t.Errorf("%s was written to: %v", dir, ents)
	}
}

func TestRegistrationIsConfinedToAllowedPaths(t *testing.T) {
	ctx := context.Background()
	e := newConfinedEnv(t)
	app := filepath.Join(e.allowed, "app")
	enginetest.WriteTree(t, app, 3)
	if err := os.Symlink(e.outside, filepath.Join(e.allowed, "escape")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, locator string
		reg           *engineclient.Client
		says          string
	}{
		{"root", "/", e.reg, "is outside the directories account 123456789012 may use (" + e.allowed + ")"},
		{"etc", "/etc", e.reg, "is outside the directories account"},
		{"the data dir", e.dataDir, e.reg, "is in the engine's own directory " + e.dataDir},
		{"inside the data dir", filepath.Join(e.dataDir, "repos"), e.reg, "is in the engine's own directory"},
		{"a symlink out", filepath.Join(e.allowed, "escape"), e.reg, "leads outside " + e.allowed + " through a symlink"},
		{"outside", e.outside, e.reg, "--allow-path DIR"},
		{"the other tenant's tree", e.tenantDir, e.reg, "is outside the directories account 123456789012"},
		{"the first account's tree, by the tenant", app, e.tenantReg, "is outside the directories account 222222222222 may use (" + e.tenantDir + ")"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: tc.locator})
			code, msg := registryCode(err)
			if code != "AccessDeniedException" || !strings.Contains(msg, tc.says) {
				t.Errorf("register %s = %v, want AccessDeniedException saying %q", tc.locator, err, tc.says)
			}
		})
	}
	if _, err := e.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: app}); err != nil {
		t.Errorf("register %s, inside the allowed directory: %v", app, err)
	}
	mine := filepath.Join(e.tenantDir, "mine")
	os.MkdirAll(mine, 0o755)
	if _, err := e.tenantReg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: mine}); err != nil {
		t.Errorf("the tenant registering %s, inside its own allowed directory: %v", mine, err)
	}
}

func TestDaemonWithoutAllowedPathRefusesRegistrationSayingHowToAllow(t *testing.T) {
	e := newJobEnv(t, engine.Options{Filesystem: engine.FilesystemAccess{AllowedPaths: []string{}}})
	dir := t.TempDir()
	_, err := e.reg.RegisterResource(context.Background(), engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: dir})
	code, msg := registryCode(err)
	if code != "AccessDeniedException" || !strings.Contains(msg, "allows account 123456789012 no directory") ||
		!strings.Contains(msg, "--allow-path DIR") || !strings.Contains(msg, "allowed_paths") {
		t.Errorf("register with no allowed path = %v, want AccessDeniedException saying how to allow one", err)
	}
}

func TestRestoreDestinationsAreConfined(t *testing.T) {
	ctx := context.Background()
	e := newConfinedEnv(t)
	app := filepath.Join(e.allowed, "app")
	enginetest.WriteTree(t, app, 3)
	arn := e.register(t, app)
	e.vault(t, "v1")
	rp := aws.ToString(e.backup(t, "v1", arn).RecoveryPointArn)
	// Symlinks inside the file system that lead out of it.
	if err := os.Symlink(e.outside, filepath.Join(app, "abs-escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../outside", filepath.Join(app, "rel-escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../tenant", filepath.Join(app, "to-tenant")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		meta map[string]string
		code string
		says string
	}{
		{"new file system in the data dir", map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(e.dataDir, "stolen")},
			"AccessDeniedException", "is in the engine's own directory " + e.dataDir},
		{"new file system outside", map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(e.outside, "x")},
			"AccessDeniedException", "is outside the directories account 123456789012 may use"},
		{"new file system in another tenant's tree", map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(e.tenantDir, "x")},
			"AccessDeniedException", "is outside the directories account 123456789012 may use"},
		{"new file system through a symlink out", map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(app, "abs-escape", "x")},
			"AccessDeniedException", "leads outside " + e.allowed},
		{"items through an absolute symlink", map[string]string{"newFileSystem": "false", "destination-path": filepath.Join(app, "abs-escape", "pwn"), "ItemsToRestore": `["/docs"]`},
			"AccessDeniedException", "leads outside " + app},
		{"items through a relative symlink", map[string]string{"newFileSystem": "false", "destination-path": filepath.Join(app, "rel-escape"), "ItemsToRestore": `["/docs"]`},
			"AccessDeniedException", "a symlink"},
		{"items into another tree through a symlink", map[string]string{"newFileSystem": "false", "destination-path": filepath.Join(app, "to-tenant", "x"), "ItemsToRestore": `["/docs"]`},
			"AccessDeniedException", "leads outside " + app},
		{"items outside the file system", map[string]string{"newFileSystem": "false", "destination-path": e.outside, "ItemsToRestore": `["/docs"]`},
			"InvalidParameterValueException", "is outside the file system"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: aws.String(rp), Metadata: tc.meta})
			if apiCode(err) != tc.code || !strings.Contains(apiMessage(err), tc.says) {
				t.Errorf("StartRestoreJob(%v) = %v, want %s saying %q", tc.meta, err, tc.code, tc.says)
			}
		})
	}
	assertEmpty(t, e.outside)
	assertEmpty(t, e.tenantDir)
	if _, err := os.Stat(filepath.Join(e.dataDir, "stolen")); err == nil {
		t.Errorf("a restore wrote into the data dir")
	}

}

// A directory registered inside an allowed path and later replaced by a symlink to somewhere
// else is not read: the backup opens it again through the account's policy.
func TestBackupRechecksTheSourceStillResolvesInside(t *testing.T) {
	e := newConfinedEnv(t)
	app := filepath.Join(e.allowed, "app")
	enginetest.WriteTree(t, app, 2)
	arn := e.register(t, app)
	e.vault(t, "v1")
	if err := os.WriteFile(filepath.Join(e.outside, "secret"), []byte("not for callers"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(app); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(e.outside, app); err != nil {
		t.Fatal(err)
	}
	job := e.waitBackup(t, aws.ToString(e.startBackup(t, "v1", arn).BackupJobId))
	if job.State != types.BackupJobStateFailed || !strings.Contains(aws.ToString(job.StatusMessage), "leads outside "+e.allowed+" through a symlink") || job.MessageCategory == nil || *job.MessageCategory != "ACCESS_DENIED" {
		t.Errorf("backup of a directory swapped for a symlink out: %s %q, want FAILED, ACCESS_DENIED, saying it leads outside (category %v)", job.State, aws.ToString(job.StatusMessage), aws.ToString(job.MessageCategory))
	}
	points, err := e.c.ListRecoveryPointsByBackupVault(context.Background(), &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(points.RecoveryPoints) != 0 {
		t.Errorf("a recovery point was made of the swapped directory: %+v", points.RecoveryPoints)
	}
}

// A resource belongs to the account that registered it: another account does not find it
// through the registry, the AWS API's protected-resource operations, backups or restores.
func TestResourcesAreNotFoundByAnotherAccount(t *testing.T) {
	ctx := context.Background()
	e := newConfinedEnv(t)
	app := filepath.Join(e.allowed, "app")
	enginetest.WriteTree(t, app, 2)
	arn := e.register(t, app)
	e.vault(t, "v1")
	e.backup(t, "v1", arn)
	if _, err := e.tenant.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}

	if _, err := e.tenantReg.GetResource(ctx, arn); func() string { c, _ := registryCode(err); return c }() != "ResourceNotFoundException" {
		t.Errorf("the tenant's GET /_engine/v1/resources/%s = %v, want ResourceNotFoundException", arn, err)
	}
	if list, err := e.tenantReg.ListResources(ctx, ""); err != nil || len(list) != 0 {
		t.Errorf("the tenant's registry list = %v, %v; want it empty", list, err)
	}
	if _, err := e.tenantReg.UpdateResourceTags(ctx, arn, map[string]string{"owned": "yes"}); func() string { c, _ := registryCode(err); return c }() != "ResourceNotFoundException" {
		t.Errorf("the tenant retagging the first account's resource = %v, want ResourceNotFoundException", err)
	}
	if err := e.tenantReg.RemoveResource(ctx, arn); func() string { c, _ := registryCode(err); return c }() != "ResourceNotFoundException" {
		t.Errorf("the tenant removing the first account's resource = %v, want ResourceNotFoundException", err)
	}
	_, err := e.tenant.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role)})
	if apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("the tenant's StartBackupJob of the first account's resource = %v, want ResourceNotFoundException", err)
	}
	prs, err := e.tenant.ListProtectedResources(ctx, &backup.ListProtectedResourcesInput{})
	if err != nil || len(prs.Results) != 0 {
		t.Errorf("the tenant's ListProtectedResources = %+v, %v; want none", prs, err)
	}
	if _, err := e.tenant.DescribeProtectedResource(ctx, &backup.DescribeProtectedResourceInput{ResourceArn: aws.String(arn)}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("the tenant's DescribeProtectedResource of the first account's resource = %v, want ResourceNotFoundException", err)
	}
	// The first account still sees all of it.
	if prs, err := e.c.ListProtectedResources(ctx, &backup.ListProtectedResourcesInput{}); err != nil || len(prs.Results) != 1 {
		t.Errorf("the owner's ListProtectedResources = %+v, %v; want its resource", prs, err)
	}

	// The tenant's own point cannot be restored into the first account's file system.
	mine := filepath.Join(e.tenantDir, "mine")
	enginetest.WriteTree(t, mine, 1)
	r, err := e.tenantReg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: mine})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.tenant.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("v1"), ResourceArn: aws.String(r.ResourceArn), IamRoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	tenantEnv := &jobEnv{srv: e.srv, c: e.tenant, reg: e.tenantReg}
	job := tenantEnv.waitBackup(t, aws.ToString(st.BackupJobId))
	if job.State != types.BackupJobStateCompleted {
		t.Fatalf("the tenant's backup: %s %q", job.State, aws.ToString(job.StatusMessage))
	}
	firstID := arn[strings.LastIndex(arn, "/")+1:]
	_, err = e.tenant.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: job.RecoveryPointArn,
		Metadata: map[string]string{"newFileSystem": "false", "file-system-id": firstID}})
	if apiCode(err) != "InvalidParameterValueException" || !strings.Contains(apiMessage(err), "not a registered EFS resource") {
		t.Errorf("the tenant restoring into the first account's file system = %v, want InvalidParameterValueException (not registered)", err)
	}
	_, err = e.tenant.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: job.RecoveryPointArn,
		Metadata: map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(app, "planted")}})
	if apiCode(err) != "AccessDeniedException" || !strings.Contains(apiMessage(err), "account 222222222222") {
		t.Errorf("the tenant restoring into the first account's tree = %v, want AccessDeniedException", err)
	}
	if _, err := os.Stat(filepath.Join(app, "planted")); err == nil {
		t.Errorf("the tenant's restore wrote into the first account's tree")
	}
}
