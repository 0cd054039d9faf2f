package scenario

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The second account of the security scenarios, declared in the daemon's config.json.
const (
	tenantAccount = "222222222222"
	tenantKeyID   = "AKIATENANTSCENARIO02"
	tenantSecret  = "tenant-scenario-secret-tenant-scenario0"
)

// pathsEnv is a daemon whose own account may use allowed/ (which also holds the daemon's data
// dir, refused all the same), and whose second account, the tenant, may use tenant/ only.
// outside/ holds a secret nobody may reach.
type pathsEnv struct {
	d                                          *daemon
	base, allowed, tenantDir, outside, dataDir string
}

func startPathsDaemon(t *testing.T) *pathsEnv {
	t.Helper()
	base := t.TempDir()
	e := &pathsEnv{base: base, allowed: filepath.Join(base, "allowed"), tenantDir: filepath.Join(base, "tenant"), outside: filepath.Join(base, "outside")}
	e.dataDir = filepath.Join(e.allowed, "engine-data")
	for _, dir := range []string{e.dataDir, e.tenantDir, e.outside} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(e.outside, "secret"), []byte("nobody's business"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `{"accounts": [{"access_key_id": "` + tenantKeyID + `", "secret_access_key": "` + tenantSecret + `", "account_id": "` + tenantAccount + `",
	  "allowed_paths": ["` + e.tenantDir + `"]}]}`
	if err := os.WriteFile(filepath.Join(e.dataDir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	e.d = startDaemon(t, "--data-dir", e.dataDir, "--allow-path", e.allowed)
	return e
}

// tenantEnv is the AWS CLI's environment for the tenant's key.
func tenantEnv(t *testing.T) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=", "PYTHONWARNINGS=ignore", "AWS_ACCESS_KEY_ID=" + tenantKeyID, "AWS_SECRET_ACCESS_KEY=" + tenantSecret, "AWS_DEFAULT_REGION=us-east-1"}
}

// run runs a command with env and returns what it did.
func run(t *testing.T, env []string, name string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return cliResult{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// awsAsTenant runs the AWS CLI with the tenant's key.
func (e *pathsEnv) awsAsTenant(t *testing.T, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := runAWSCLI(ctx, tenantEnv(t), append([]string{"--endpoint-url", e.d.Endpoint, "--region", "us-east-1", "--output", "json"}, args...)...)
	if err != nil {
		t.Fatalf("aws %v: %v", args, err)
	}
	return r
}

// registerAsTenant runs `engine resource register` with the tenant's key.
func (e *pathsEnv) registerAsTenant(t *testing.T, dir string) cliResult {
	t.Helper()
	return run(t, tenantEnv(t), binary, "engine", "resource", "register", "--endpoint", e.d.Endpoint, "--type", "EFS", "--path", dir)
}

// signedRequest sends a raw SigV4-signed request, as any HTTP client holding a key could.
func signedRequest(t *testing.T, method, endpoint, path, keyID, secret string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, endpoint+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "backup", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	if c := resp.Header.Get("X-Amzn-Errortype"); c != "" {
		out["__type"] = c
	}
	return resp.StatusCode, out
}

// assertRefused checks a CLI call failed with code and a message containing says.
func assertRefused(t *testing.T, what string, r cliResult, code, says string) {
	t.Helper()
	if r.Code == 0 || !strings.Contains(r.Stderr, code) || !strings.Contains(r.Stderr, says) {
		t.Errorf("%s: exit %d, stderr %q; want it refused with %s saying %q", what, r.Code, r.Stderr, code, says)
	}
}

// assertOnly checks dir holds exactly names: a refused request wrote nothing there.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %v, want %v: something was written there", dir, got, names)
	}
}

func TestSecurityPaths_registrationOutsideAllowedPathsAndOfTheDataDirIsRefused(t *testing.T) {
	parallel(t)
	e := startPathsDaemon(t)
	for _, tc := range []struct{ path, says string }{
		{"/", "/ is outside the directories account 123456789012 may use (" + e.allowed + ")"},
		{"/etc", "/etc is outside the directories account 123456789012 may use"},
		{"/root", "is outside the directories account"},
		{e.outside, "--allow-path DIR"},
		{e.dataDir, "is in the engine's own directory " + e.dataDir},
		{filepath.Join(e.dataDir, "repos"), "is in the engine's own directory"},
	} {
		r := e.d.engineAs(t, "us-east-1", "resource", "register", "--endpoint", e.d.Endpoint, "--type", "EFS", "--path", tc.path)
		assertRefused(t, "register "+tc.path, r, "AccessDeniedException", tc.says)
	}
	// The same as a raw signed request to the registry, as any HTTP client holding the key could
	// send it.
	keyID, secret := e.d.primaryKey(t)
	status, out := signedRequest(t, "POST", e.d.Endpoint, "/_engine/v1/resources", keyID, secret, []byte(`{"ResourceType":"EFS","Locator":"`+e.dataDir+`"}`))
	if status != http.StatusForbidden || out["__type"] != "AccessDeniedException" || !strings.Contains(fmt.Sprint(out["message"]), "engine's own directory") {
		t.Errorf("raw POST /_engine/v1/resources of the data dir = %d %v, want 403 AccessDeniedException", status, out)
	}
	r := e.d.engineAs(t, "us-east-1", "resource", "list", "--endpoint", e.d.Endpoint)
	if r.Code != 0 || strings.Contains(r.Stdout, "arn:") {
		t.Errorf("after refusals the registry lists %q (exit %d, %s)", r.Stdout, r.Code, r.Stderr)
	}
}

// primaryKey is the daemon's own key pair, as `engine credentials` prints it.
func (d *daemon) primaryKey(t *testing.T) (string, string) {
	t.Helper()
	var id, secret string
	for _, kv := range d.clientEnv(t, "us-east-1") {
		if v, ok := strings.CutPrefix(kv, "AWS_ACCESS_KEY_ID="); ok {
			id = strings.Trim(v, "'\"")
		}
		if v, ok := strings.CutPrefix(kv, "AWS_SECRET_ACCESS_KEY="); ok {
			secret = strings.Trim(v, "'\"")
		}
	}
	if id == "" || secret == "" {
		t.Fatalf("engine credentials printed no key pair")
	}
	return id, secret
}

func TestSecurityPaths_daemonWithoutAllowedPathRefusesRegistrationSayingHow(t *testing.T) {
	parallel(t)
	// startDaemon allows the temp dir unless a test passes --allow-path: this daemon gets none.
	d := startDaemonWith(t, func(cmd *exec.Cmd) {
		var args []string
		for i := 0; i < len(cmd.Args); i++ {
			if cmd.Args[i] == "--allow-path" {
				i++
				continue
			}
			args = append(args, cmd.Args[i])
		}
		cmd.Args = args
	})
	dir := t.TempDir()
	r := d.engineAs(t, "us-east-1", "resource", "register", "--endpoint", d.Endpoint, "--type", "EFS", "--path", dir)
	assertRefused(t, "register with no allowed path", r, "AccessDeniedException", "allows account 123456789012 no directory")
	if !strings.Contains(r.Stderr, "--allow-path DIR") || !strings.Contains(r.Stderr, "filesystem") {
		t.Errorf("the refusal does not say how to allow a directory: %s", r.Stderr)
	}
}

func TestSecurityPaths_restoresStayInsideAllowedPaths(t *testing.T) {
	parallel(t)
	e := startPathsDaemon(t)
	d := e.d
	app := filepath.Join(e.allowed, "app")
	if err := os.MkdirAll(filepath.Join(app, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(app, "docs", "a.txt"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	arn := d.registerDir(t, app)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "v1")
	job := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "v1", "--resource-arn", arn, "--iam-role-arn", defaultRole)
	done := d.waitJob(t, "State", []string{"CREATED", "PENDING", "RUNNING"}, "backup", "describe-backup-job", "--backup-job-id", job["BackupJobId"].(string))
	if done["State"] != "COMPLETED" {
		t.Fatalf("backup: %v", done)
	}
	rp := done["RecoveryPointArn"].(string)
	// A symlink inside the registered file system that leads out of it.
	if err := os.Symlink(e.outside, filepath.Join(app, "escape")); err != nil {
		t.Fatal(err)
	}
	restore := func(meta map[string]string) cliResult {
		b, _ := json.Marshal(meta)
		return d.aws(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", rp, "--iam-role-arn", defaultRole, "--metadata", string(b))
	}
	for _, tc := range []struct {
		name string
		meta map[string]string
		says string
	}{
		{"a new file system in the data dir", map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(e.dataDir, "stolen")},
			"is in the engine's own directory " + e.dataDir},
		{"a new file system in the data dir's repos", map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(e.dataDir, "repos", "x")},
			"is in the engine's own directory"},
		{"a new file system outside the allowed paths", map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(e.outside, "x")},
			"is outside the directories account 123456789012 may use"},
		{"a new file system in /etc", map[string]string{"newFileSystem": "true", "destination-path": "/etc/backup-planted"},
			"is outside the directories account 123456789012 may use"},
		{"a new file system in another tenant's tree", map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(e.tenantDir, "x")},
			"is outside the directories account 123456789012 may use"},
		{"items through a symlink out of the file system", map[string]string{"newFileSystem": "false", "destination-path": filepath.Join(app, "escape", "pwn"),
			"ItemsToRestore": `["/docs"]`}, "leads outside " + app + " through a symlink"},
		{"items into the symlink itself", map[string]string{"newFileSystem": "false", "destination-path": filepath.Join(app, "escape"),
			"ItemsToRestore": `["/docs"]`}, "a restore never writes through a symlink"},
	} {
		assertRefused(t, tc.name, restore(tc.meta), "AccessDeniedException", tc.says)
	}
	assertOnly(t, e.outside, "secret")
	assertOnly(t, e.tenantDir)
	if _, err := os.Lstat("/etc/backup-planted"); err == nil {
		t.Errorf("a restore wrote /etc/backup-planted")
	}
	if _, err := os.Lstat(filepath.Join(e.dataDir, "stolen")); err == nil {
		t.Errorf("a restore wrote into the data dir")
	}
	// Inside the allowed path, a restore works.
	r := restore(map[string]string{"newFileSystem": "true", "destination-path": filepath.Join(e.allowed, "restored")})
	if r.Code != 0 {
		t.Fatalf("restore inside the allowed path: %s", r.Stderr)
	}
	id := r.JSON(t)["RestoreJobId"].(string)
	if out := d.waitJob(t, "Status", []string{"PENDING", "RUNNING"}, "backup", "describe-restore-job", "--restore-job-id", id); out["Status"] != "COMPLETED" {
		t.Fatalf("restore inside the allowed path: %v", out)
	}
	if b, err := os.ReadFile(filepath.Join(e.allowed, "restored", "docs", "a.txt")); err != nil || string(b) != "a" {
		t.Errorf("restored a.txt = %q, %v", b, err)
	}
}

func TestSecurityPaths_aSecondAccountCannotSeeOrReachTheFirstAccountsResources(t *testing.T) {
	parallel(t)
	e := startPathsDaemon(t)
	d := e.d
	app := filepath.Join(e.allowed, "app")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(app, "a.txt"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	arn := d.registerDir(t, app)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "v1")
	job := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "v1", "--resource-arn", arn, "--iam-role-arn", defaultRole)
	if done := d.waitJob(t, "State", []string{"CREATED", "PENDING", "RUNNING"}, "backup", "describe-backup-job", "--backup-job-id", job["BackupJobId"].(string)); done["State"] != "COMPLETED" {
		t.Fatalf("backup: %v", done)
	}

	// The tenant registers the first account's tree: refused, its own tree is not.
	assertRefused(t, "the tenant registering the first account's tree", e.registerAsTenant(t, app), "AccessDeniedException",
		"is outside the directories account "+tenantAccount+" may use ("+e.tenantDir+")")
	assertRefused(t, "the tenant registering the data dir", e.registerAsTenant(t, e.dataDir), "AccessDeniedException", "")

	// Through the AWS API.
	if r := e.awsAsTenant(t, "backup", "create-backup-vault", "--backup-vault-name", "v1"); r.Code != 0 {
		t.Fatalf("tenant create-backup-vault: %s", r.Stderr)
	}
	assertRefused(t, "the tenant backing up the first account's resource", e.awsAsTenant(t, "backup", "start-backup-job", "--backup-vault-name", "v1",
		"--resource-arn", arn, "--iam-role-arn", defaultRole), "ResourceNotFoundException", arn)
	if r := e.awsAsTenant(t, "backup", "list-protected-resources"); r.Code != 0 || strings.Contains(r.Stdout, arn) {
		t.Errorf("the tenant's list-protected-resources: exit %d %s %s; want it without %s", r.Code, r.Stdout, r.Stderr, arn)
	}
	assertRefused(t, "the tenant describing the first account's protected resource", e.awsAsTenant(t, "backup", "describe-protected-resource",
		"--resource-arn", arn), "ResourceNotFoundException", "")
	if r := d.aws(t, "us-east-1", "backup", "list-protected-resources"); r.Code != 0 || !strings.Contains(r.Stdout, arn) {
		t.Errorf("the owner's list-protected-resources lacks its resource: %s %s", r.Stdout, r.Stderr)
	}

	// Through the extension API, as raw signed requests.
	status, out := signedRequest(t, "GET", d.Endpoint, "/_engine/v1/resources/"+url.PathEscape(arn), tenantKeyID, tenantSecret, nil)
	if status != http.StatusBadRequest || out["__type"] != "ResourceNotFoundException" {
		t.Errorf("the tenant's GET of the first account's resource = %d %v, want 400 ResourceNotFoundException (AWS Backup's status for it)", status, out)
	}
	status, out = signedRequest(t, "GET", d.Endpoint, "/_engine/v1/resources", tenantKeyID, tenantSecret, nil)
	if list, _ := out["Resources"].([]any); status != http.StatusOK || len(list) != 0 {
		t.Errorf("the tenant's registry list = %d %v, want none", status, out)
	}
	status, out = signedRequest(t, "DELETE", d.Endpoint, "/_engine/v1/resources/"+url.PathEscape(arn), tenantKeyID, tenantSecret, nil)
	if status != http.StatusBadRequest || out["__type"] != "ResourceNotFoundException" {
		t.Errorf("the tenant's DELETE of the first account's resource = %d %v, want 400 ResourceNotFoundException (AWS Backup's status for it)", status, out)
	}
	if r := d.engineAs(t, "us-east-1", "resource", "list", "--endpoint", d.Endpoint); !strings.Contains(r.Stdout, arn) {
		t.Errorf("the first account's resource is gone from its registry: %s %s", r.Stdout, r.Stderr)
	}
}

func TestSecurityPaths_badAllowedPathsStopTheDaemonFromStarting(t *testing.T) {
	parallel(t)
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--allow-path", "srv/data"}, `--allow-path: allowed path "srv/data" must be absolute`},
		{[]string{"--allow-path", missing}, "--allow-path: allowed path " + missing},
	} {
		// run bounds the wait: a daemon that started anyway is killed and the check fails.
		r := run(t, os.Environ(), binary, append([]string{"engine", "serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, tc.args...)...)
		if r.Code == 0 || !strings.Contains(r.Stderr, tc.says) {
			t.Errorf("engine serve %v: exit %d, %q; want it refused saying %q", tc.args, r.Code, r.Stderr, tc.says)
		}
	}
	dataDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dataDir, "config.json"), []byte(`{"filesystem": {"allowed_paths": ["relative"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, os.Environ(), binary, "engine", "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--allow-path", t.TempDir())
	if r.Code == 0 || !strings.Contains(r.Stderr, `filesystem.allowed_paths[0] "relative" must be an absolute path`) {
		t.Errorf("engine serve with a relative filesystem.allowed_paths: exit %d, %q; want it refused", r.Code, r.Stderr)
	}
}
