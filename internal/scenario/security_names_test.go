package scenario

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// signedAnswer is what the engine answered a raw signed request.
type signedAnswer struct {
	status  int
	code    string
	message string
}

// sendSigned sends a request signed with aws-sdk-go-v2's SigV4 signer for any region at all,
// as an attacker's own client can (the AWS CLI and the SDK refuse some regions client-side).
func (d *daemon) sendSigned(t *testing.T, key credentials.Key, region, method, path, body string) signedAnswer {
	t.Helper()
	req, err := http.NewRequest(method, d.Endpoint+path, bytes.NewReader([]byte(body)))
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
	var doc struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(b, &doc)
	return signedAnswer{status: resp.StatusCode, code: resp.Header.Get("x-amzn-ErrorType"), message: doc.Message}
}

// The security scenario's hostile regions and names, against `engine serve` with a second
// account in its config. The first account keeps a vault "evidence" whose one point is under a
// legal hold and a compliance lock past its lock date. Then:
//   - the second account signs for region ".." and creates and deletes a vault named after the
//     first account's ID (which once removed the first account's whole repository tree), and the
//     first account signs for region "." with a vault named us-east-1 (which once removed every
//     us-east-1 vault), and regions that are no regions ("zz-fake-9", "a b",
//     "us-east-1:999999999999"): each is refused before any work with InvalidSignatureException;
//   - the AWS CLI with those regions: botocore itself refuses --region ..; --region zz-fake-9 and
//     US-EAST-1 reach the engine and are refused;
//   - ARNs naming an unknown region or a malformed account, and `engine verify --region ..`, are
//     refused too;
//   - and the evidence vault is untouched: still listed, its point restores byte-identical, and
//     `engine verify --read-data` finds it clean.
func TestSecurity_hostileRegionsAndNames(t *testing.T) {
	parallel(t)
	const tenantKeyID, tenantSecret, tenantAccount = "AKIATENANTSCENARIO01", "tenant-scenario-secret-tenant-scenario-0", "210987654321"
	tenant := credentials.Key{AccessKeyID: tenantKeyID, SecretAccessKey: tenantSecret, AccountID: tenantAccount}
	sources, restores := t.TempDir(), t.TempDir()
	cfg := strings.TrimPrefix(writeFile(t, "engine-config.json", `{
  "accounts": [{"access_key_id": "`+tenantKeyID+`", "secret_access_key": "`+tenantSecret+`", "account_id": "`+tenantAccount+`"}],
  "filesystem": {"allowed_paths": ["`+sources+`", "`+restores+`"]}
}`), "file://")
	d := startDaemon(t, "--config", cfg, "--fake-clock", "2026-01-05T09:00:00Z")
	keys, err := credentials.Load(d.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	owner := keys[0]
	aws := func(args ...string) map[string]any {
		t.Helper()
		return d.mustAWS(t, "us-east-1", append([]string{"backup"}, args...)...)
	}

	// The first account's protected vault.
	src := filepath.Join(sources, "ledger")
	enginetest.WriteTree(t, src, 1111)
	resourceARN := d.registerDir(t, src)
	aws("create-backup-vault", "--backup-vault-name", "evidence")
	started := aws("start-backup-job", "--backup-vault-name", "evidence", "--resource-arn", resourceARN, "--iam-role-arn", defaultRole)
	job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string))
	if job["State"] != "COMPLETED" {
		t.Fatalf("backup into evidence: %v", job)
	}
	point := job["RecoveryPointArn"].(string)
	aws("create-legal-hold", "--title", "case-11", "--description", "hostile names", "--recovery-point-selection", "VaultNames=evidence")
	aws("put-backup-vault-lock-configuration", "--backup-vault-name", "evidence", "--min-retention-days", "1", "--changeable-for-days", "3")
	d.clock(t, "advance", "4d")
	if v := aws("describe-backup-vault", "--backup-vault-name", "evidence"); v["Locked"] != true || v["NumberOfRecoveryPoints"] != float64(1) {
		t.Fatalf("the evidence vault before the attacks: %v", v)
	}

	// Raw signed requests.
	const scopeRefusal = "Credential should be scoped to a valid region"
	for _, region := range []string{"..", ".", "zz-fake-9", "a b", "us-east-1:999999999999"} {
		for _, try := range []struct {
			who          credentials.Key
			method, path string
		}{
			{tenant, "PUT", "/backup-vaults/" + owner.AccountID},
			{tenant, "DELETE", "/backup-vaults/" + owner.AccountID},
			{owner, "PUT", "/backup-vaults/us-east-1"},
			{owner, "DELETE", "/backup-vaults/us-east-1"},
		} {
			body := ""
			if try.method == "PUT" {
				body = "{}"
			}
			a := d.sendSigned(t, try.who, region, try.method, try.path, body)
			if a.status != http.StatusForbidden || a.code != "InvalidSignatureException" || !strings.Contains(a.message, scopeRefusal) {
				t.Errorf("account %s, region %q, %s %s: %d %s %q; want 403 InvalidSignatureException %q", try.who.AccountID, region, try.method, try.path, a.status, a.code, a.message, scopeRefusal)
			}
		}
	}

	// The AWS CLI. botocore refuses a region that is not a host label before sending anything.
	if r := d.awsAs(t, tenantKeyID, tenantSecret, "..", "backup", "create-backup-vault", "--backup-vault-name", owner.AccountID); r.Code == 0 || !strings.Contains(r.Stderr, "region_name '..'") {
		t.Errorf("aws --region ..: exit %d, stderr %q", r.Code, r.Stderr)
	}
	for _, region := range []string{"zz-fake-9", "US-EAST-1"} {
		for _, args := range [][]string{
			{"backup", "create-backup-vault", "--backup-vault-name", owner.AccountID},
			{"backup", "delete-backup-vault", "--backup-vault-name", owner.AccountID},
		} {
			r := d.awsAs(t, tenantKeyID, tenantSecret, region, args...)
			if r.Code == 0 || !strings.Contains(r.Stderr, "InvalidSignatureException") || !strings.Contains(r.Stderr, scopeRefusal) {
				t.Errorf("aws --region %s %s: exit %d, stderr %q", region, args[1], r.Code, r.Stderr)
			}
		}
	}

	// ARNs that name an unknown region, or an account that is not 12 digits.
	for _, dest := range []string{
		"arn:aws:backup:zz-fake-9:" + owner.AccountID + ":backup-vault:evidence-copy",
		"arn:aws:backup:us-east-1:12345678901a:backup-vault:evidence-copy",
	} {
		r := d.aws(t, "us-east-1", "backup", "start-copy-job", "--source-backup-vault-name", "evidence", "--recovery-point-arn", point,
			"--destination-backup-vault-arn", dest, "--iam-role-arn", defaultRole)
		if r.Code == 0 || !strings.Contains(r.Stderr, "InvalidParameterValueException") || !strings.Contains(r.Stderr, "DestinationBackupVaultArn") {
			t.Errorf("start-copy-job to %s: exit %d, stderr %q", dest, r.Code, r.Stderr)
		}
	}
	if r := d.aws(t, "us-east-1", "backup", "tag-resource", "--resource-arn", "arn:aws:backup:zz-fake-9:"+owner.AccountID+":backup-vault:evidence", "--tags", "a=b"); r.Code == 0 || !strings.Contains(r.Stderr, "InvalidParameterValueException") {
		t.Errorf("tag-resource of a zz-fake-9 vault ARN: exit %d, stderr %q", r.Code, r.Stderr)
	}
	for _, flags := range [][]string{{"--region", ".."}, {"--region", "zz-fake-9"}, {"--account-id", ".."}, {"--vault", "../evidence"}} {
		args := append([]string{"verify", "--data-dir", d.DataDir, "--config", cfg, "--vault", "evidence"}, flags...)
		if _, stderr, code := engineCmd(t, args...); code != 2 {
			t.Errorf("engine verify %v: exit %d, stderr %q; want 2 (a usage error)", flags, code, stderr)
		}
	}

	// The evidence vault is untouched.
	if entries, err := os.ReadDir(filepath.Join(d.DataDir, "repos")); err != nil || len(entries) != 1 || entries[0].Name() != owner.AccountID {
		t.Errorf("repos/ holds %v (%v), want only the first account's %s", entries, err, owner.AccountID)
	}
	if out := aws("list-backup-vaults"); len(list(out["BackupVaultList"])) != 1 || obj(list(out["BackupVaultList"])[0])["BackupVaultName"] != "evidence" {
		t.Errorf("list-backup-vaults after the attacks: %v", out)
	}
	points := list(aws("list-recovery-points-by-backup-vault", "--backup-vault-name", "evidence")["RecoveryPoints"])
	if len(points) != 1 || obj(points[0])["RecoveryPointArn"] != point || obj(points[0])["Status"] != "COMPLETED" {
		t.Fatalf("the evidence vault's points after the attacks: %v", points)
	}
	dest := filepath.Join(restores, "ledger-restored")
	rs := aws("start-restore-job", "--recovery-point-arn", point, "--iam-role-arn", defaultRole,
		"--metadata", toJSON(map[string]string{"newFileSystem": "true", "destination-path": dest}))
	restore := d.waitJob(t, "Status", restorePending, "backup", "describe-restore-job", "--restore-job-id", rs["RestoreJobId"].(string))
	if restore["Status"] != "COMPLETED" {
		t.Fatalf("restore of the held point after the attacks: %v", restore)
	}
	if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
		t.Errorf("the restored tree differs:\n%s", strings.Join(diffs, "\n"))
	}
	if stdout, stderr, code := engineCmd(t, "verify", "--data-dir", d.DataDir, "--config", cfg, "--vault", "evidence", "--read-data"); code != 0 || !strings.Contains(stdout, "no problems found") {
		t.Errorf("engine verify --read-data of evidence: exit %d\n%s%s", code, stdout, stderr)
	}
}
