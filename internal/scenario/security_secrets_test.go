package scenario

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds/pgtest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// underUmask000 runs the daemon through sh with umask 000, so that only the engine's own modes
// decide who can read what it creates.
func underUmask000(cmd *exec.Cmd) {
	cmd.Args = append([]string{"sh", "-c", `umask 000 && exec "$0" "$@"`}, cmd.Args...)
	cmd.Path = "/bin/sh"
}

// withEnv adds variables to the daemon's environment (the test's own, otherwise).
func withEnv(kv ...string) func(*exec.Cmd) {
	return func(cmd *exec.Cmd) { cmd.Env = append(os.Environ(), kv...) }
}

// grepFiles lists the files under dir holding any of the secrets, read by grep in its own
// process (a live SQLite database must not be opened and closed by another descriptor of ours).
func grepFiles(t *testing.T, dir string, secrets ...string) string {
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

// The secrets-and-egress part of the security scenario, against `engine serve` started under
// umask 000 with AWS credentials of a real S3 endpoint (versitygw) in its environment and an
// endpoint allow-list in its config:
//   - a bucket locator without keys, which the engine would have signed with its own
//     environment credentials, is refused (InvalidParameterValueException);
//   - a locator naming an endpoint outside the allow-list (the same server, reached as
//     localhost) is refused;
//   - with the keys in the locator, and a database password in an RDS locator, backups and
//     restores work, and neither secret is in any file of the data dir (store, WAL, job
//     records, event log, packs), nor in the daemon's log;
//   - the data dir the daemon made is 0700, everything in it 0600 (directories 0700), and the
//     config file the operator left 0644 gets a warning naming the chmod to run.
func TestSecurity_secretsAndEgress(t *testing.T) {
	parallel(t)
	gw := s3test.Start(t)
	gw.CreateBucket(t, "scenario-assets")
	if _, err := gw.Client().PutObject(context.Background(), &awss3.PutObjectInput{Bucket: aws.String("scenario-assets"),
		Key: aws.String("index.html"), Body: strings.NewReader("<h1>hello</h1>")}); err != nil {
		t.Fatal(err)
	}
	const dbPassword = "Scenario-DB-Passw0rd-never-stored"
	var dbURL string
	if rds.ToolsInstalled() {
		pg := pgtest.Start(t)
		pgExec(t, pg.URL, `CREATE DATABASE ledger`)
		pgExec(t, pg.DatabaseURL("ledger"), `CREATE TABLE entries (id serial PRIMARY KEY, amount int)`, `INSERT INTO entries (amount) VALUES (1), (2)`)
		dbURL = strings.Replace(pg.DatabaseURL("ledger"), pg.User+"@", pg.User+":"+dbPassword+"@", 1)
	}

	base := t.TempDir()
	dataDir := filepath.Join(base, "engine-data") // made by the daemon
	configPath := filepath.Join(base, "config.json")
	if err := os.WriteFile(configPath, []byte(`{"s3": {"allowed_endpoints": ["`+gw.Endpoint+`"]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(configPath, 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemonWith(t, func(cmd *exec.Cmd) {
		withEnv("AWS_ACCESS_KEY_ID="+gw.AccessKey, "AWS_SECRET_ACCESS_KEY="+gw.SecretKey, "AWS_REGION=us-east-1",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")(cmd)
		underUmask000(cmd)
	}, "--data-dir", dataDir, "--config", configPath)

	register := func(typ, url string) cliResult {
		t.Helper()
		return d.engineAs(t, "us-east-1", "resource", "register", "--endpoint", d.Endpoint, "--type", typ, "--url", url)
	}
	// Key-less: the daemon's environment would sign for it; refused.
	keyless := register("S3", gw.Endpoint+"/scenario-assets")
	if keyless.Code == 0 || !strings.Contains(keyless.Stderr, "InvalidParameterValueException") ||
		!strings.Contains(keyless.Stderr, "s3.allow_environment_credentials") || !strings.Contains(keyless.Stderr, "ACCESS_KEY_ID:SECRET@HOST/BUCKET") {
		t.Errorf("register a key-less locator: exit %d\n%s%s\nwant InvalidParameterValueException saying how to give keys", keyless.Code, keyless.Stdout, keyless.Stderr)
	}
	// Outside the allow-list: the same server, named otherwise.
	outside := register("S3", strings.Replace(gw.Locator("scenario-assets"), "127.0.0.1", "localhost", 1))
	if outside.Code == 0 || !strings.Contains(outside.Stderr, "InvalidParameterValueException") || !strings.Contains(outside.Stderr, "s3.allowed_endpoints") ||
		strings.Contains(outside.Stderr, gw.SecretKey) {
		t.Errorf("register an endpoint outside the allow-list: exit %d\n%s\nwant InvalidParameterValueException naming s3.allowed_endpoints", outside.Code, outside.Stderr)
	}
	if listed := d.engineAs(t, "us-east-1", "resource", "list", "--endpoint", d.Endpoint); strings.Contains(listed.Stdout, "scenario-assets") {
		t.Errorf("a refused registration is listed:\n%s", listed.Stdout)
	}

	// With its own keys, at an allowed endpoint: backed up and restored.
	good := register("S3", gw.Locator("scenario-assets"))
	if good.Code != 0 {
		t.Fatalf("register with keys: exit %d: %s", good.Code, good.Stderr)
	}
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "sealed-vault")
	backupAndRestore := func(arn string, adjust func(map[string]any)) {
		t.Helper()
		started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "sealed-vault", "--resource-arn", arn, "--iam-role-arn", defaultRole)
		job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string))
		if job["State"] != "COMPLETED" {
			t.Fatalf("backup of %s: %v\n%s", arn, job, d.Logs())
		}
		rp := job["RecoveryPointArn"].(string)
		meta := obj(d.mustAWS(t, "us-east-1", "backup", "get-recovery-point-restore-metadata", "--backup-vault-name", "sealed-vault", "--recovery-point-arn", rp)["RestoreMetadata"])
		adjust(meta)
		rs := d.mustAWS(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", rp, "--iam-role-arn", defaultRole, "--metadata", toJSON(meta))
		if r := d.waitJob(t, "Status", restorePending, "backup", "describe-restore-job", "--restore-job-id", rs["RestoreJobId"].(string)); r["Status"] != "COMPLETED" {
			t.Fatalf("restore of %s: %v\n%s", arn, r, d.Logs())
		}
	}
	backupAndRestore(strings.TrimSpace(good.Stdout), func(m map[string]any) { m["DestinationBucketName"], m["NewBucket"] = "scenario-assets-copy", "true" })
	if out, err := gw.Client().GetObject(context.Background(), &awss3.GetObjectInput{Bucket: aws.String("scenario-assets-copy"), Key: aws.String("index.html")}); err != nil {
		t.Errorf("the restored bucket: %v", err)
	} else {
		_ = out.Body.Close()
	}
	if dbURL != "" {
		db := register("RDS", dbURL)
		if db.Code != 0 {
			t.Fatalf("register RDS with a password: exit %d: %s", db.Code, db.Stderr)
		}
		backupAndRestore(strings.TrimSpace(db.Stdout), func(m map[string]any) { m["DBInstanceIdentifier"] = "ledger-restored" })
	}
	listed := d.engineAs(t, "us-east-1", "resource", "list", "--endpoint", d.Endpoint)
	if strings.Contains(listed.Stdout, gw.SecretKey) || strings.Contains(listed.Stdout, dbPassword) || !strings.Contains(listed.Stdout, gw.AccessKey+":xxxxx@") {
		t.Errorf("engine resource list shows:\n%s\nwant the secrets masked", listed.Stdout)
	}

	if found := grepFiles(t, dataDir, gw.SecretKey, dbPassword); found != "" {
		t.Errorf("while the daemon runs, these files of its data dir hold a secret:\n%s", found)
	}
	if err := d.Stop(); err != nil {
		t.Errorf("engine serve exit: %v", err)
	}
	if found := grepFiles(t, dataDir, gw.SecretKey, dbPassword); found != "" {
		t.Errorf("after the daemon stopped, these files of its data dir hold a secret:\n%s", found)
	}
	if logs := d.Logs(); strings.Contains(logs, gw.SecretKey) || strings.Contains(logs, dbPassword) {
		t.Errorf("the daemon's log holds a secret:\n%s", logs)
	}

	var loose []string
	files := 0
	err := filepath.WalkDir(dataDir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if e.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if fi.Mode().Perm() != want {
			loose = append(loose, fi.Mode().Perm().String()+" "+path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(loose) > 0 || files < 5 {
		t.Errorf("under umask 000, %d files; these are not private:\n%s", files, strings.Join(loose, "\n"))
	}
	warned := false
	for _, line := range strings.Split(d.Logs(), "\n") {
		warned = warned || strings.Contains(line, "WARN") && strings.Contains(line, configPath) && strings.Contains(line, "chmod 600 "+configPath) && strings.Contains(line, "0644")
	}
	if !warned {
		t.Errorf("no warning about the 0644 config file %s in the daemon's log:\n%s", configPath, d.Logs())
	}
	if bytes.Contains([]byte(d.Logs()), []byte("chmod 700 "+dataDir+"\"")) {
		t.Errorf("the data dir the daemon made itself was warned about:\n%s", d.Logs())
	}
}
