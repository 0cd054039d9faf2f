package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

func apiError(err error) (code, message string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

// A locator without keys of its own is refused at registration while the engine has AWS
// credentials in its environment, unless the operator lends them; nothing is sent to the
// endpoint the caller named.
func TestKeylessS3LocatorIsRefusedUnlessTheOperatorLendsCredentials(t *testing.T) {
	gw := s3test.Start(t)
	gw.CreateBucket(t, "borrowed")
	t.Setenv("AWS_ACCESS_KEY_ID", gw.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", gw.SecretKey)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	ctx := context.Background()

	s := serve(t, engine.Options{DataDir: t.TempDir(), Config: &config.Config{}})
	for locator, setting := range map[string]string{
		gw.Endpoint + "/borrowed":                 "s3.allow_environment_credentials",
		gw.Endpoint + "/borrowed?profile=default": "s3.allowed_profiles",
	} {
		_, err := s.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: locator})
		code, msg := apiError(err)
		if code != "InvalidParameterValueException" || !strings.Contains(msg, setting) || !strings.Contains(msg, "ACCESS_KEY_ID:SECRET@HOST/BUCKET") {
			t.Errorf("register %s: %v, want InvalidParameterValueException naming %s and how to put keys in the locator", locator, err, setting)
		}
	}
	if _, err := s.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: gw.Locator("borrowed")}); err != nil {
		t.Errorf("a locator with its own keys: %v", err)
	}
	s.close()

	lent := serve(t, engine.Options{DataDir: t.TempDir(), Config: &config.Config{S3: config.S3{AllowEnvironmentCredentials: true}}})
	if _, err := lent.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: gw.Endpoint + "/borrowed"}); err != nil {
		t.Errorf("a key-less locator where the operator lends the engine's credentials: %v", err)
	}
}

// With an endpoint allow-list, a locator naming another endpoint is refused at registration; a
// bucket registered while its endpoint was allowed is refused at backup and at restore once it
// no longer is.
func TestS3EndpointsOutsideTheAllowListAreRefusedAtEveryUse(t *testing.T) {
	gw := s3test.Start(t)
	loc := gw.CreateBucket(t, "fenced")
	if _, err := gw.Client().PutObject(context.Background(), &awss3.PutObjectInput{Bucket: aws.String("fenced"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dataDir := t.TempDir()
	elsewhere := &config.Config{S3: config.S3{AllowedEndpoints: []string{"https://s3.internal.example.com"}}}

	s := serve(t, engine.Options{DataDir: dataDir, Config: elsewhere})
	_, err := s.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: loc})
	code, msg := apiError(err)
	if code != "InvalidParameterValueException" || !strings.Contains(msg, gw.Endpoint) || !strings.Contains(msg, "s3.allowed_endpoints") || strings.Contains(msg, gw.SecretKey) {
		t.Errorf("register at an endpoint outside the list: %v, want InvalidParameterValueException naming the endpoint and the setting", err)
	}
	s.close()

	// Allowed: registered, backed up.
	s = serve(t, engine.Options{DataDir: dataDir, Config: &config.Config{S3: config.S3{AllowedEndpoints: []string{gw.Endpoint}}}})
	r, err := s.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "S3", Locator: loc})
	if err != nil {
		t.Fatalf("register at an allowed endpoint: %v", err)
	}
	if _, err := s.c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("fenced")}); err != nil {
		t.Fatal(err)
	}
	started, err := s.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("fenced"), ResourceArn: aws.String(r.ResourceArn), IamRoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	job := s.waitBackup(t, started.BackupJobId)
	if job.State != types.BackupJobStateCompleted {
		t.Fatalf("backup at an allowed endpoint: %s %s", job.State, aws.ToString(job.StatusMessage))
	}
	s.close()

	// The operator narrows the list: the registered bucket is refused at every use.
	s = serve(t, engine.Options{DataDir: dataDir, Config: elsewhere})
	started, err = s.c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("fenced"), ResourceArn: aws.String(r.ResourceArn), IamRoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	if j := s.waitBackup(t, started.BackupJobId); j.State != types.BackupJobStateFailed || !strings.Contains(aws.ToString(j.StatusMessage), "s3.allowed_endpoints") {
		t.Errorf("backup once the endpoint is no longer allowed: %s %q, want FAILED naming the setting", j.State, aws.ToString(j.StatusMessage))
	}
	_, err = s.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: job.RecoveryPointArn, IamRoleArn: aws.String(role),
		Metadata: map[string]string{"DestinationBucketName": "fenced-copy", "NewBucket": "true"}})
	code, msg = apiError(err)
	if code != "InvalidRequestException" || !strings.Contains(msg, "s3.allowed_endpoints") {
		t.Errorf("restore once the endpoint is no longer allowed: %v, want InvalidRequestException naming the setting", err)
	}
	if exists, _ := gw.Client().HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String("fenced-copy")}); exists != nil {
		t.Errorf("the refused restore created the bucket")
	}
}
