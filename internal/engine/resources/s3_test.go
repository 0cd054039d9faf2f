package resources

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

func TestS3_IDIsTheBucketAndARNsHaveAWSShape(t *testing.T) {
	c := S3{}
	id := c.NewID("123456789012", "us-east-1", "http://K:S@127.0.0.1:7070/media-assets?region=eu-west-1")
	if id != "media-assets" {
		t.Fatalf("NewID = %q, want the bucket name", id)
	}
	arn := c.ARN("us-east-1", "123456789012", id)
	if arn != "arn:aws:s3:::media-assets" {
		t.Errorf("ARN = %s", arn)
	}
	if TypeOfARN(arn) != TypeS3 || IDOfARN(arn) != "media-assets" {
		t.Errorf("TypeOfARN/IDOfARN(%s) = %s/%s", arn, TypeOfARN(arn), IDOfARN(arn))
	}
	if TypeOfARN("arn:aws:s3:::media-assets/photo.jpg") != "" {
		t.Errorf("an object ARN was taken for a bucket")
	}
	r := Resource{Locator: "http://K:S@127.0.0.1:7070/media-assets?region=eu-west-1"}
	if r.Name() != "media-assets" {
		t.Errorf("Name = %q, want the bucket", r.Name())
	}
	if c.SupportsColdStorage() {
		t.Errorf("S3 recovery points must stay warm")
	}
}

func TestRedactLocatorMasksSecretsOnly(t *testing.T) {
	for in, want := range map[string]string{
		"http://AKID:s3cr3t@127.0.0.1:7070/bucket":             "http://AKID:xxxxx@127.0.0.1:7070/bucket",
		"https://s3.example.com/bucket?profile=minio":          "https://s3.example.com/bucket?profile=minio",
		"postgres://app:pw@db:5432/orders?sslmode=disable":     "postgres://app:xxxxx@db:5432/orders?sslmode=disable",
		"postgres://app@db:5432/orders":                        "postgres://app@db:5432/orders",
		"postgres://app@db/orders?password=pw&sslmode=require": "postgres://app@db/orders?password=xxxxx&sslmode=require",
		"postgres://app:pw@db/orders?sslpassword=key-pass":     "postgres://app:xxxxx@db/orders?sslpassword=xxxxx",
		"/srv/data": "/srv/data",
	} {
		if got := RedactLocator(in); got != want {
			t.Errorf("RedactLocator(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestS3_restoreMetadataRestoresIntoTheOriginalBucketWhenSentBack(t *testing.T) {
	m := S3{}.RestoreMetadata(Resource{ID: "media-assets"}, "arn:aws:kms:us-east-1:1:key/k")
	want := map[string]string{"DestinationBucketName": "media-assets", "NewBucket": "false", "EncryptionType": "Original"}
	if len(m) != len(want) {
		t.Errorf("metadata = %v, want %v", m, want)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
}

func TestS3_canonicalLocatorChecksTheBucketKeepsTheURLAndNeverRepeatsTheSecret(t *testing.T) {
	srv := s3test.Start(t)
	loc := srv.CreateBucket(t, "media")
	got, err := S3{}.CanonicalLocator(loc + "/?region=us-east-1")
	if err != nil || got != loc+"/?region=us-east-1" {
		t.Fatalf("CanonicalLocator(%s/?region=us-east-1) = %q, %v; want it as given", RedactLocator(loc), got, err)
	}
	cases := map[string]string{
		srv.Locator("missing-bucket"):                          "does not exist",
		strings.Replace(loc, srv.SecretKey, "wrong-secret", 1): "refused the credentials",
		"s3://media":                "not an http or https URL",
		srv.Locator("media/prefix"): "just the bucket",
		srv.Locator("Bad_Bucket"):   "bucket name",
		loc + "?versioning=on":      "versioning",
		"":                          "needs the URL of a bucket",
	}
	for in, says := range cases {
		_, err := S3{}.CanonicalLocator(in)
		e, ok := apierr.As(err)
		if !ok || !strings.Contains(e.Message, says) {
			t.Errorf("CanonicalLocator(%q) = %v, want an API error saying %q", RedactLocator(in), err, says)
			continue
		}
		if strings.Contains(e.Message, srv.SecretKey) || strings.Contains(e.Message, "wrong-secret") {
			t.Errorf("CanonicalLocator's error repeats the secret: %s", e.Message)
		}
	}
}

// Every S3 restore metadata rule, judged before a job is accepted.
func TestS3_planRestore(t *testing.T) {
	srv := s3test.Start(t)
	srcLoc := srv.CreateBucket(t, "source")
	srv.CreateBucket(t, "existing")
	source := Resource{ID: "source", ARN: "arn:aws:s3:::source", Type: TypeS3, Locator: srcLoc}
	db := Resource{ID: "orders", ARN: "arn:aws:rds:us-east-1:1:db:orders", Type: TypeRDS}
	lookup := func(id string) (Resource, bool, error) {
		switch id {
		case "source":
			return source, true, nil
		case "orders":
			return db, true, nil
		}
		return Resource{}, false, nil
	}
	plan := func(meta map[string]string) (RestorePlan, error) {
		return S3{}.PlanRestore(context.Background(), RestoreRequest{Source: source, Metadata: meta, JobID: "J", Now: time.Now(), Lookup: lookup})
	}

	// A new bucket.
	p, err := plan(map[string]string{"DestinationBucketName": "fresh", "NewBucket": "true", "Encrypted": "false", "CreationToken": "tok"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.NewResource || p.Destination != srv.Endpoint+"/fresh" || p.TargetARN != "" || p.Locator != srv.Locator("fresh") {
		t.Errorf("new-bucket plan = %+v", p)
	}
	if strings.Contains(p.Destination, srv.SecretKey) || strings.Contains(p.Metadata["DestinationBucketName"], srv.SecretKey) {
		t.Errorf("the plan shows the secret: %+v", p)
	}
	if p.Metadata["NewBucket"] != "true" || p.Metadata["EncryptionType"] != "Original" {
		t.Errorf("resolved metadata = %v", p.Metadata)
	}
	// The original bucket, as GetRecoveryPointRestoreMetadata's answer says.
	p, err = plan(S3{}.RestoreMetadata(source, ""))
	if err != nil {
		t.Fatal(err)
	}
	if p.NewResource || p.TargetARN != "arn:aws:s3:::source" || p.Locator != srcLoc {
		t.Errorf("original-bucket plan = %+v", p)
	}
	// An existing, unregistered bucket; items as S3 URIs and keys.
	p, err = plan(map[string]string{"DestinationBucketName": "existing", "ItemsToRestore": `["s3://source/photos/", "docs/a.txt", "s3://source/docs/a.txt"]`})
	if err != nil {
		t.Fatal(err)
	}
	if p.TargetARN != "arn:aws:s3:::existing" || strings.Join(p.Items, ",") != "photos/,docs/a.txt" {
		t.Errorf("item plan = %+v", p)
	}

	refusals := []struct {
		name string
		meta map[string]string
		code string
		says string
	}{
		{"no destination", map[string]string{"NewBucket": "true"}, apierr.MissingParameterValue, "DestinationBucketName is required"},
		{"bad name", map[string]string{"DestinationBucketName": "Bad_Name", "NewBucket": "true"}, apierr.InvalidParameterValue, "bucket name"},
		{"new bucket exists", map[string]string{"DestinationBucketName": "existing", "NewBucket": "true"}, apierr.InvalidParameterValue, "already exists"},
		{"new bucket is registered", map[string]string{"DestinationBucketName": "source", "NewBucket": "true"}, apierr.InvalidParameterValue, "is registered"},
		{"missing bucket without NewBucket", map[string]string{"DestinationBucketName": "nowhere"}, apierr.InvalidParameterValue, "set NewBucket=true"},
		{"name of another type", map[string]string{"DestinationBucketName": "orders", "NewBucket": "true"}, apierr.InvalidParameterValue, "registered RDS resource"},
		{"bad NewBucket", map[string]string{"DestinationBucketName": "fresh", "NewBucket": "yes please"}, apierr.InvalidParameterValue, "true or false"},
		{"unknown key", map[string]string{"DestinationBucketName": "fresh", "NewBucket": "true", "newFileSystem": "true"}, apierr.InvalidParameterValue, "accepted keys are"},
		{"point in time", map[string]string{"DestinationBucketName": "fresh", "NewBucket": "true", "RestoreTime": "2024-01-01T00:00:00Z"}, apierr.InvalidParameterValue, "continuous backup"},
		{"SSE-KMS", map[string]string{"DestinationBucketName": "fresh", "NewBucket": "true", "EncryptionType": "SSE-KMS", "KMSKey": "arn:aws:kms:us-east-1:1:key/k"}, apierr.InvalidParameterValue, "only Original"},
		{"items not JSON", map[string]string{"DestinationBucketName": "fresh", "NewBucket": "true", "ItemsToRestore": "photos/"}, apierr.InvalidParameterValue, "JSON array"},
		{"six items", map[string]string{"DestinationBucketName": "fresh", "NewBucket": "true", "ItemsToRestore": `["a","b","c","d","e","f"]`}, apierr.InvalidParameterValue, "1 to 5"},
		{"item of another bucket", map[string]string{"DestinationBucketName": "fresh", "NewBucket": "true", "ItemsToRestore": `["s3://other/a"]`}, apierr.InvalidParameterValue, "not in bucket source"},
		{"whole bucket as an item", map[string]string{"DestinationBucketName": "fresh", "NewBucket": "true", "ItemsToRestore": `["s3://source/"]`}, apierr.InvalidParameterValue, "whole bucket"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := plan(tc.meta)
			e, ok := apierr.As(err)
			if !ok || e.Code != tc.code || !strings.Contains(e.Message, tc.says) {
				t.Errorf("err = %v, want %s saying %q", err, tc.code, tc.says)
			}
		})
	}
}
