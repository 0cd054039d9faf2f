package scenario

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// engine serve serves the console at /console beside the API: an operator signs in with the key
// `engine credentials` prints, reads the dashboard, and the audit trail (engine audit lookup)
// records the console's calls as that key's, with the console's user agent. The AWS CLI still
// reaches the API on the same listener.
func TestConsole_servedByEngineServeAndSignedInWithTheDataDirsKey(t *testing.T) {
	parallel(t)
	const region = "us-east-1"
	d := startDaemon(t)
	d.mustAWS(t, region, "backup", "create-backup-vault", "--backup-vault-name", "console-vault")
	creds := map[string]string{}
	for _, kv := range d.clientEnv(t, region) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			creds[k] = strings.Trim(v, `'"`)
		}
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.PostForm(d.Endpoint+"/console/signin", url.Values{"access_key_id": {creds["AWS_ACCESS_KEY_ID"]},
		"secret_access_key": {creds["AWS_SECRET_ACCESS_KEY"]}, "region": {region}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<h1>Dashboard</h1>") || !strings.Contains(string(body), "console-vault") {
		t.Fatalf("sign-in with the data dir's key = %d:\n%s", resp.StatusCode, body)
	}
	if out := d.mustAWS(t, region, "backup", "list-backup-vaults"); len(list(out["BackupVaultList"])) != 1 {
		t.Errorf("the API beside the console lists %v", out)
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := engineCmd(t, "audit", "lookup", "--data-dir", d.DataDir, "--event-name", "ListBackupVaults")
	if code != 0 {
		t.Fatalf("engine audit lookup: exit %d: %s", code, stderr)
	}
	fromConsole := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec struct {
			UserAgent    string `json:"userAgent"`
			UserIdentity struct {
				AccessKeyID string `json:"accessKeyId"`
			} `json:"userIdentity"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("audit lookup line %q: %v", line, err)
		}
		if strings.Contains(rec.UserAgent, "app/engine-console") {
			fromConsole++
			if rec.UserIdentity.AccessKeyID != creds["AWS_ACCESS_KEY_ID"] {
				t.Errorf("a console call is recorded as key %q, want the signed-in %s", rec.UserIdentity.AccessKeyID, creds["AWS_ACCESS_KEY_ID"])
			}
		}
	}
	if fromConsole < 2 { // the sign-in check and the dashboard's list of vaults
		t.Errorf("the audit trail has %d ListBackupVaults calls from the console, want at least 2:\n%s", fromConsole, out)
	}
}
