package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/audit"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

func runAudit(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), append([]string{"audit"}, args...), Env{Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

// Every call — accepted, refused by the domain, refused by SigV4, unsigned, to the extension
// API — leaves one record; the secrets registrations carried do not; engine audit verify finds
// the chain whole and then names a one-byte edit; lookup filters.
func TestAuditTrailRecordsEveryCall(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	s := enginetest.Start(t, engine.Options{DataDir: dataDir, Config: &config.Config{}})
	client := s.Client(engine.DefaultRegion)
	wrongKey := s.Key
	wrongKey.SecretAccessKey = "not-the-secret"
	impostor := s.ClientWithKey(engine.DefaultRegion, wrongKey)
	reg := s.Registry(engine.DefaultRegion)

	const calls = 1000
	var mu sync.Mutex
	want := map[string]int{}
	count := func(name string) { mu.Lock(); want[name]++; mu.Unlock() }
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range calls {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			switch i % 10 {
			case 0, 1:
				_, err := client.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String(fmt.Sprintf("audit-%d", i))})
				if err != nil {
					t.Errorf("CreateBackupVault: %v", err)
				}
				count("CreateBackupVault")
			case 2, 3, 4, 5:
				_, _ = client.ListBackupVaults(ctx, &backup.ListBackupVaultsInput{})
				count("ListBackupVaults")
			case 6, 7:
				if _, err := client.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("missing")}); err == nil {
					t.Error("DescribeBackupVault of a missing vault succeeded")
				}
				count("DescribeBackupVault")
			case 8:
				if i%20 == 8 {
					if _, err := impostor.ListBackupPlans(ctx, &backup.ListBackupPlansInput{}); err == nil {
						t.Error("a call signed with the wrong secret was accepted")
					}
					count("ListBackupPlans")
				} else {
					resp, err := http.Get(s.URL + "/backup-vaults/") // unsigned
					if err == nil {
						_ = resp.Body.Close()
					}
					count("ListBackupVaults")
				}
			case 9:
				_, _ = reg.ListResources(ctx, "")
				count("ListResources")
			}
		}()
	}
	wg.Wait()
	// Registrations whose locators carry credentials; they may fail to connect, and are recorded
	// either way.
	secrets := []string{"pgPa55-hunter2", "s3SECRETkey-xyz"}
	_, _ = reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "RDS", Locator: "postgres://app:" + secrets[0] + "@127.0.0.1:1/orders"})
	_, _ = reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: "http://AKIDAUDIT:" + secrets[1] + "@127.0.0.1:1/bucket"})
	count("RegisterResource")
	count("RegisterResource")
	total := calls + 2

	dir := audit.Path(dataDir)
	got := map[string]int{}
	n := 0
	if err := audit.Lookup(dir, audit.Filter{}, func(r audit.Record, _ json.RawMessage) error {
		got[r.EventName]++
		n++
		if r.RequestID == "" || r.EventID == "" || r.EventTime == "" || r.SourceIPAddress == "" {
			t.Errorf("record %d lacks an ID, time or source: %+v", r.Sequence, r)
		}
		if r.EventName == "ListBackupPlans" && (r.ErrorCode != "InvalidSignatureException" || r.UserIdentity.AccessKeyID != s.Key.AccessKeyID) {
			t.Errorf("the call refused by SigV4 is recorded as %+v; want its error and the key it claimed", r)
		}
		if r.ErrorCode == "" && r.UserIdentity.AccountID == "" {
			t.Errorf("accepted record %d has no account: %+v", r.Sequence, r)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != total {
		t.Errorf("%d records, want %d", n, total)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %d records, want %d", name, got[name], w)
		}
	}
	files, _ := audit.Files(dir)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range append(secrets, s.Key.SecretAccessKey) {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds the secret %q", f, secret)
			}
		}
	}

	code, out, _ := runAudit(t, "verify", "--data-dir", dataDir)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d record(s) verified", total)) {
		t.Fatalf("audit verify = %d, %q; want the whole chain verified", code, out)
	}

	// lookup: missing-vault refusals of one account, as JSON lines.
	code, out, errOut := runAudit(t, "lookup", "--data-dir", dataDir, "--event-name", "DescribeBackupVault", "--account", s.Key.AccountID)
	if code != 0 || strings.Count(out, "\n") != want["DescribeBackupVault"] || !strings.Contains(out, `"errorCode":"ResourceNotFoundException"`) {
		t.Fatalf("audit lookup --event-name DescribeBackupVault = %d, %d lines, %s", code, strings.Count(out, "\n"), errOut)
	}
	vaultARN := fmt.Sprintf("arn:aws:backup:%s:%s:backup-vault:audit-10", engine.DefaultRegion, s.Key.AccountID)
	code, out, _ = runAudit(t, "lookup", "--data-dir", dataDir, "--resource-arn", vaultARN)
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"eventName":"CreateBackupVault"`) {
		t.Fatalf("audit lookup --resource-arn %s = %d, %q; want its CreateBackupVault", vaultARN, code, out)
	}
	if code, _, errOut := runAudit(t, "lookup", "--data-dir", dataDir, "--start-time", "yesterday"); code != 2 || !strings.Contains(errOut, "RFC 3339") {
		t.Fatalf("lookup --start-time yesterday = %d, %q; want a usage error naming the format", code, errOut)
	}

	// One byte edited in line 500 is named.
	path := filepath.Join(dir, audit.CurrentFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	i := bytes.Index(lines[499], []byte(`"eventName":"`)) + len(`"eventName":"`)
	lines[499][i]++
	if err := os.WriteFile(path, bytes.Join(lines, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runAudit(t, "verify", "--data-dir", dataDir)
	if code != 1 || !strings.Contains(out, audit.CurrentFile+":500: ") || !strings.Contains(out, "edited") {
		t.Fatalf("audit verify after an edit = %d, %q; want line 500 named", code, out)
	}
}
