package engineclient_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

func client(srv *enginetest.Server, region, akid, secret string) *engineclient.Client {
	return engineclient.New(engineclient.Options{Endpoint: srv.URL, Region: region,
		Credentials: awscreds.NewStaticCredentialsProvider(akid, secret, "")})
}

func code(err error) string {
	var e *engineclient.APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestRegistry_registerGetListUpdateRemove(t *testing.T) {
	ctx := context.Background()
	srv := enginetest.Start(t, engine.Options{})
	c := client(srv, "us-east-1", srv.Key.AccessKeyID, srv.Key.SecretAccessKey)
	dir := t.TempDir()

	r, err := c.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: dir, Tags: map[string]string{"Backup": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	arnPattern := regexp.MustCompile(`^arn:aws:elasticfilesystem:us-east-1:` + srv.Key.AccountID + `:file-system/fs-[0-9a-f]{17}$`)
	if !arnPattern.MatchString(r.ResourceArn) {
		t.Errorf("ARN %q does not look like an EFS file system ARN", r.ResourceArn)
	}
	if r.ResourceType != "EFS" || r.Locator != dir || r.Tags["Backup"] != "true" || r.ResourceName != filepath.Base(dir) || r.CreationDate.IsZero() {
		t.Errorf("registered %+v", r)
	}
	if !strings.HasSuffix(r.ResourceArn, r.ResourceId) {
		t.Errorf("ResourceId %q is not the ARN's ID (%s)", r.ResourceId, r.ResourceArn)
	}

	got, err := c.GetResource(ctx, r.ResourceArn)
	if err != nil || got.ResourceArn != r.ResourceArn || got.Locator != dir {
		t.Fatalf("GetResource = %+v, %v", got, err)
	}

	// The same directory again is refused, naming the ARN it already has.
	_, err = c.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: dir + "/"})
	var apiErr *engineclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "AlreadyExistsException" || apiErr.Arn != r.ResourceArn {
		t.Errorf("registering %s twice: %v, want AlreadyExistsException with Arn %s", dir, err, r.ResourceArn)
	}
	// awsbackup (and so the provider's diagnostics) reads the code like an SDK error's.
	if awsbackup.ErrorCode(err) != "AlreadyExistsException" {
		t.Errorf("awsbackup.ErrorCode = %q", awsbackup.ErrorCode(err))
	}

	second, err := c.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: t.TempDir(), Tags: map[string]string{"Name": "logs"}})
	if err != nil {
		t.Fatal(err)
	}
	if second.ResourceName != "logs" {
		t.Errorf("ResourceName = %q, want the Name tag", second.ResourceName)
	}
	list, err := c.ListResources(ctx, "EFS")
	if err != nil || len(list) != 2 {
		t.Fatalf("ListResources = %d resources, %v; want 2", len(list), err)
	}
	if other, err := client(srv, "eu-west-1", srv.Key.AccessKeyID, srv.Key.SecretAccessKey).ListResources(ctx, ""); err != nil || len(other) != 0 {
		t.Errorf("eu-west-1 lists %d resources (%v); registrations belong to their region", len(other), err)
	}

	updated, err := c.UpdateResourceTags(ctx, r.ResourceArn, map[string]string{"team": "storage"})
	if err != nil || len(updated.Tags) != 1 || updated.Tags["team"] != "storage" {
		t.Fatalf("UpdateResourceTags = %+v, %v", updated, err)
	}

	if err := c.RemoveResource(ctx, r.ResourceArn); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetResource(ctx, r.ResourceArn); code(err) != "ResourceNotFoundException" {
		t.Errorf("GetResource after remove: %v, want ResourceNotFoundException", err)
	}
	// Registering the directory again gives it back the same ARN, so its old points line up.
	again, err := c.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: dir})
	if err != nil || again.ResourceArn != r.ResourceArn {
		t.Errorf("re-registered ARN %v (%v), want the stable %s", again, err, r.ResourceArn)
	}
}

func TestRegistry_badRegistrationsSayWhatToFix(t *testing.T) {
	ctx := context.Background()
	srv := enginetest.Start(t, engine.Options{})
	c := client(srv, "us-east-1", srv.Key.AccessKeyID, srv.Key.SecretAccessKey)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   engineclient.RegisterResourceInput
		code string
		msg  string
	}{
		{"relative path", engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: "data/dir"}, "InvalidParameterValueException", "must be absolute"},
		{"missing directory", engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: "/nonexistent/dir"}, "InvalidParameterValueException", "does not exist"},
		{"a file", engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: file}, "InvalidParameterValueException", "is not a directory"},
		{"no path", engineclient.RegisterResourceInput{ResourceType: "EFS"}, "MissingParameterValueException", "path of a directory"},
		{"unsupported type", engineclient.RegisterResourceInput{ResourceType: "DynamoDB", Locator: t.TempDir()}, "InvalidParameterValueException", "it supports EFS"},
		{"reserved tag", engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: t.TempDir(), Tags: map[string]string{"aws:x": "y"}}, "InvalidParameterValueException", "reserved prefix"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.RegisterResource(ctx, tc.in)
			var e *engineclient.APIError
			if !errors.As(err, &e) || e.Code != tc.code || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("err = %v, want %s mentioning %q", err, tc.code, tc.msg)
			}
		})
	}
}

// The extension API is as protected as the AWS one: a wrong secret is refused.
func TestRegistry_requiresAValidSignature(t *testing.T) {
	srv := enginetest.Start(t, engine.Options{})
	c := client(srv, "us-east-1", srv.Key.AccessKeyID, "not-the-secret")
	_, err := c.ListResources(context.Background(), "")
	if got := code(err); got != "InvalidSignatureException" && got != "UnrecognizedClientException" {
		t.Errorf("wrong secret: %v, want a signature error", err)
	}
}

// GetSupportedResourceTypes answers with the types that have connectors: EFS and S3 always, RDS
// when pg_dump and pg_restore are installed.
func TestSupportedResourceTypesAreTheConnectors(t *testing.T) {
	srv := enginetest.Start(t, engine.Options{})
	out, err := srv.Client("us-east-1").GetSupportedResourceTypes(context.Background(), &backup.GetSupportedResourceTypesInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := "EFS,S3"
	if rds.ToolsInstalled() {
		want = "EFS,RDS,S3"
	}
	if got := strings.Join(out.ResourceTypes, ","); got != want {
		t.Errorf("ResourceTypes = %v, want %s", out.ResourceTypes, want)
	}
}
