package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// attackerKey is a second account's key (config.json accounts[]): the attacker of these tests.
var attackerKey = credentials.Key{AccessKeyID: "AKIATENANTB000000001", SecretAccessKey: "tenant-b-secret-tenant-b-secret-tenant-b", AccountID: "210987654321"}

// hostileRegions are credential-scope regions that are not regions. ".." and "." reached other
// directories of the data dir; the rest were accepted and became directories of their own.
// ("us-east-1/.." cannot even be a credential scope: its slash makes a sixth scope field.)
var hostileRegions = []string{"..", ".", "zz-fake-9", "a b", "us-east-1:999999999999", "US-EAST-1", "aws-global", "us-east-1 ", ""}

// signedCall sends a request signed with key for region, as any HTTP client can, whatever
// region an SDK would let it name.
func signedCall(t *testing.T, endpoint string, key credentials.Key, region, method, path, body string) rawAnswer {
	t.Helper()
	req, err := http.NewRequest(method, endpoint+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "backup", region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := rawAnswer{status: resp.StatusCode, errorType: resp.Header.Get("x-amzn-ErrorType"), requestID: resp.Header.Get("x-amzn-RequestId")}
	if len(b) > 0 {
		_ = json.Unmarshal(b, &a.body)
	}
	return a
}

// protectedVault is the first account's vault "evidence", in us-east-1, holding one point under
// an active legal hold and a compliance lock past its lock date.
type protectedVault struct {
	e        *jobEnv
	fake     *clock.Fake
	dataDir  string
	src      string
	pointARN string
}

func newProtectedVault(t *testing.T) *protectedVault {
	t.Helper()
	ctx := context.Background()
	p := &protectedVault{fake: clock.NewFake(time.Now().UTC()), dataDir: t.TempDir(), src: filepath.Join(t.TempDir(), "ledger")}
	enginetest.WriteTree(t, p.src, 1101)
	p.e = newJobEnv(t, engine.Options{DataDir: p.dataDir, Clock: p.fake, Config: &config.Config{
		Accounts: []config.Account{{Key: attackerKey}},
	}})
	arn := p.e.register(t, p.src)
	p.e.vault(t, "evidence")
	p.pointARN = aws.ToString(p.e.backup(t, "evidence", arn).RecoveryPointArn)
	if _, err := p.e.c.CreateLegalHold(ctx, &backup.CreateLegalHoldInput{Title: aws.String("case-1"), Description: aws.String("inquiry"),
		RecoveryPointSelection: &types.RecoveryPointSelection{VaultNames: []string{"evidence"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.e.c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String("evidence"),
		MinRetentionDays: aws.Int64(1), ChangeableForDays: aws.Int64(3)}); err != nil {
		t.Fatal(err)
	}
	p.fake.Advance(4 * 24 * time.Hour) // past the lock date: the lock is now immutable
	return p
}

// checkIntact asserts the vault still lists its point, which still restores byte-identical, and
// that its repository still verifies.
func (p *protectedVault) checkIntact(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	out, err := p.e.c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String("evidence")})
	if err != nil || len(out.RecoveryPoints) != 1 || aws.ToString(out.RecoveryPoints[0].RecoveryPointArn) != p.pointARN {
		t.Fatalf("the protected vault lists %v (%v), want its one point %s", out, err, p.pointARN)
	}
	verifyVault(t, p.dataDir, p.e.srv.Key.AccountID, "evidence")
	restoreFrom(t, p.e.c, p.pointARN, p.src)
}

// A second account signing for region ".." created and deleted a vault named after the first
// account's ID, which removed the first account's whole repository tree (repos/ACCOUNT); region
// "." with a vault named us-east-1 did the same to every us-east-1 vault of the account. Every
// region that is not a region is now refused before any work, as AWS refuses a credential scoped
// to an invalid region, and the protected vault is untouched.
func TestHostileCredentialRegionsAreRefusedBeforeAnyWork(t *testing.T) {
	p := newProtectedVault(t)
	victim := p.e.srv.Key.AccountID
	for _, region := range hostileRegions {
		for _, attempt := range []struct {
			key          credentials.Key
			method, path string
		}{
			{attackerKey, "PUT", "/backup-vaults/" + victim},
			{attackerKey, "DELETE", "/backup-vaults/" + victim},
			{p.e.srv.Key, "PUT", "/backup-vaults/us-east-1"},
			{p.e.srv.Key, "DELETE", "/backup-vaults/us-east-1"},
			{attackerKey, "GET", "/_engine/v1/resources"},
		} {
			body := ""
			if attempt.method == "PUT" {
				body = "{}"
			}
			a := signedCall(t, p.e.srv.URL, attempt.key, region, attempt.method, attempt.path, body)
			msg, _ := a.body["message"].(string)
			if a.status != http.StatusForbidden || a.errorType != "InvalidSignatureException" ||
				!strings.Contains(msg, "Credential should be scoped to a valid region") {
				t.Errorf("region %q, %s %s: status %d %s %q; want 403 InvalidSignatureException naming the region", region, attempt.method, attempt.path, a.status, a.errorType, msg)
			}
		}
	}
	if entries, err := os.ReadDir(filepath.Join(p.dataDir, "repos")); err != nil || len(entries) != 1 || entries[0].Name() != victim {
		t.Errorf("repos/ after the attempts holds %v (%v), want only the first account's %s", entries, err, victim)
	}
	p.checkIntact(t)
}

// The SDK refuses some of these regions itself; those it sends get the same refusal.
func TestHostileRegionThroughTheSDK(t *testing.T) {
	p := newProtectedVault(t)
	for _, region := range []string{"zz-fake-9", "US-EAST-1", "aws-global"} {
		c := p.e.srv.ClientWithKey(region, attackerKey)
		_, err := c.CreateBackupVault(context.Background(), &backup.CreateBackupVaultInput{BackupVaultName: aws.String(p.e.srv.Key.AccountID)})
		if apiCode(err) != "InvalidSignatureException" || !strings.Contains(apiMessage(err), "Credential should be scoped to a valid region") {
			t.Errorf("CreateBackupVault signed for %q: %v", region, err)
		}
	}
	p.checkIntact(t)
}

// Regions reach the engine inside ARNs too: a copy's destination vault, a plan's copy action, a
// resource to tag or back up. An ARN whose region is not a known one, or whose account is not 12
// digits, is refused with InvalidParameterValueException and nothing is created.
func TestHostileRegionsAndAccountsInARNsAreRefused(t *testing.T) {
	ctx := context.Background()
	p := newProtectedVault(t)
	c := p.e.c
	victim := p.e.srv.Key.AccountID
	for _, dest := range []string{
		"arn:aws:backup:zz-fake-9:" + victim + ":backup-vault:dr-vault",
		"arn:aws:backup:US-EAST-1:" + victim + ":backup-vault:dr-vault",
		"arn:aws:backup:us-east-1:12345678901a:backup-vault:dr-vault",
		"arn:aws:backup:us-east-1:" + victim + ":backup-vault:../evidence",
	} {
		_, err := c.StartCopyJob(ctx, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("evidence"), RecoveryPointArn: aws.String(p.pointARN),
			DestinationBackupVaultArn: aws.String(dest), IamRoleArn: aws.String(role)})
		if apiCode(err) != "InvalidParameterValueException" || !strings.Contains(apiMessage(err), "DestinationBackupVaultArn") {
			t.Errorf("StartCopyJob to %s: %v", dest, err)
		}
		_, err = c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: &types.BackupPlanInput{BackupPlanName: aws.String("p1"),
			Rules: []types.BackupRuleInput{{RuleName: aws.String("r1"), TargetBackupVaultName: aws.String("evidence"),
				CopyActions: []types.CopyAction{{DestinationBackupVaultArn: aws.String(dest)}}}}}})
		if apiCode(err) != "InvalidParameterValueException" || !strings.Contains(apiMessage(err), "DestinationBackupVaultArn") {
			t.Errorf("CreateBackupPlan copying to %s: %v", dest, err)
		}
	}
	if jobs, err := c.ListCopyJobs(ctx, &backup.ListCopyJobsInput{}); err != nil || len(jobs.CopyJobs) != 0 {
		t.Errorf("copy jobs after the refusals: %v %v", jobs, err)
	}
	for _, arn := range []string{
		"arn:aws:backup:zz-fake-9:" + victim + ":backup-vault:evidence",
		"arn:aws:backup:us-east-1:1234:backup-vault:evidence",
		"arn:aws:backup:us-east-1:" + victim + ":backup-vault:..",
	} {
		_, err := c.TagResource(ctx, &backup.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"a": "b"}})
		if apiCode(err) != "InvalidParameterValueException" {
			t.Errorf("TagResource %s: %v", arn, err)
		}
	}
	_, err := c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("evidence"), IamRoleArn: aws.String(role),
		ResourceArn: aws.String("arn:aws:elasticfilesystem:zz-fake-9:" + victim + ":file-system/fs-0123456789abcdef0")})
	if apiCode(err) != "InvalidParameterValueException" || !strings.Contains(apiMessage(err), "zz-fake-9") {
		t.Errorf("StartBackupJob of a resource in zz-fake-9: %v", err)
	}
	if _, err := os.Stat(filepath.Join(p.dataDir, "repos", victim, "zz-fake-9")); !os.IsNotExist(err) {
		t.Errorf("a zz-fake-9 directory exists in the data dir: %v", err)
	}
	p.checkIntact(t)
}

// A region the operator declares in the engine config ("regions": {"NAME": {}}) is accepted like
// an AWS one: a lab region for a second site, say.
func TestDeclaredRegionIsAccepted(t *testing.T) {
	ctx := context.Background()
	drStorage := t.TempDir()
	srv := enginetest.Start(t, engine.Options{Config: &config.Config{Regions: map[string]config.Region{
		"xx-lab-1": {}, "xx-dr-2": {StorageDir: drStorage}}}})
	for _, region := range []string{"xx-lab-1", "xx-dr-2", "us-gov-west-1", "cn-north-1"} {
		if _, err := srv.Client(region).CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("v-" + strings.ReplaceAll(region, "-", ""))}); err != nil {
			t.Errorf("CreateBackupVault in %s: %v", region, err)
		}
	}
	if _, err := srv.Client("xx-dr-3").ListBackupVaults(ctx, &backup.ListBackupVaultsInput{}); apiCode(err) != "InvalidSignatureException" {
		t.Errorf("an undeclared region next to declared ones: %v", err)
	}
}

// repoDir is engine.VaultRepoDir for names a test knows to be valid.
func repoDir(t testing.TB, root, account, region, vault string) string {
	t.Helper()
	dir, err := engine.VaultRepoDir(root, account, region, vault)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// coldRepoDir is engine.ColdRepoDir for names a test knows to be valid.
func coldRepoDir(t testing.TB, root, account, region, vault string) string {
	t.Helper()
	dir, err := engine.ColdRepoDir(root, account, region, vault)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// Members the model gives no pattern (DeleteBackupVault's vault name, DescribeBackupVault's
// BackupVaultAccountId) and ARNs in the extension API's paths are held to the model's name rules
// by the service: InvalidParameterValueException, and the vault is untouched.
func TestNamesTheModelLeavesUnguardedAreRefused(t *testing.T) {
	p := newProtectedVault(t)
	victim := p.e.srv.Key.AccountID
	for _, c := range []struct{ method, path, says string }{
		{"DELETE", "/backup-vaults/evi.dence", `backup vault name "evi.dence" must be 2 to 50 letters`},
		{"DELETE", "/backup-vaults/..%2Fevidence", `backup vault name "../evidence" must be 2 to 50 letters`},
		{"GET", "/backup-vaults/evidence?backupVaultAccountId=..", `account ID ".." must be 12 digits`},
		{"GET", "/_engine/v1/resources/" + url.PathEscape("arn:aws:elasticfilesystem:..:"+victim+":file-system/fs-1"), `region ".." is not a region name`},
		{"GET", "/_engine/v1/resources/" + url.PathEscape("arn:aws:elasticfilesystem:us-east-1:"+victim+"0:file-system/fs-1"), "must be 12 digits"},
	} {
		a := signedCall(t, p.e.srv.URL, p.e.srv.Key, "us-east-1", c.method, c.path, "")
		msg, _ := a.body["message"].(string)
		if a.errorType != "InvalidParameterValueException" || !strings.Contains(msg, c.says) {
			t.Errorf("%s %s: %d %s %q; want InvalidParameterValueException saying %q", c.method, c.path, a.status, a.errorType, msg, c.says)
		}
	}
	p.checkIntact(t)
}
