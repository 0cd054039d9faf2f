package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3"
)

// S3 restore metadata keys, as AWS Backup's S3 restores name them
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-s3.html).
const (
	MetaDestinationBucketName = "DestinationBucketName"
	MetaNewBucket             = "NewBucket"
	MetaEncryptionType        = "EncryptionType"
	MetaKMSKey                = "KMSKey"
	MetaRestoreTime           = "RestoreTime"
	// MetaEncrypted, MetaCreationToken and MetaItemsToRestore are shared with EFS.
)

// acceptedS3Meta are the keys StartRestoreJob accepts for S3.
var acceptedS3Meta = []string{MetaDestinationBucketName, MetaNewBucket, MetaEncrypted, MetaEncryptionType, MetaKMSKey,
	MetaCreationToken, MetaItemsToRestore, MetaRestoreTime}

// maxS3Items is AWS's limit on an item-level S3 restore: "you restore up to 5 items (S3
// objects) per restore job" (restoring-s3.html).
const maxS3Items = 5

// s3Timeout bounds the requests that check a bucket at registration, restore planning and
// selection time.
const s3Timeout = 10 * time.Second

// S3 is the connector for buckets on S3-compatible endpoints. The locator is the bucket's URL,
// http[s]://[ACCESS_KEY_ID:SECRET@]HOST[:PORT]/BUCKET[?region=R&profile=P] (package s3 says
// where credentials come from); the resource ID is the bucket name and the ARN
// arn:aws:s3:::BUCKET, as on AWS. The engine stores the locator as given (sealed, as every
// credential in its store), and shows it with the secret masked.
//
// Policy is the operator's limit on locators (endpoints, and whether a locator may borrow the
// engine's own AWS credentials); it is checked at registration and again at every use.
type S3 struct {
	Policy s3.Policy
}

// Type is "S3".
func (S3) Type() string { return TypeS3 }

// SupportsColdStorage is false: AWS keeps S3 recovery points warm.
func (S3) SupportsColdStorage() bool { return false }

// ARN is arn:aws:s3:::{bucket}: bucket ARNs name no region or account.
func (S3) ARN(_, _, id string) string { return "arn:aws:s3:::" + id }

// NewID is the bucket name. Two endpoints with a bucket of the same name therefore share an
// ARN, as two AWS buckets cannot; the second registration is refused.
func (S3) NewID(_, _, locator string) string {
	loc, err := s3.ParseLocator(locator)
	if err != nil {
		return ""
	}
	return loc.Bucket
}

// openBucket opens the bucket of a stored locator, if the policy still accepts it.
func (c S3) openBucket(ctx context.Context, locator string) (*s3.Bucket, error) {
	loc, err := s3.ParseLocator(locator)
	if err != nil {
		return nil, err
	}
	return s3.Open(ctx, loc, c.Policy)
}

// CanonicalLocator accepts the URL of a bucket the engine can reach with the locator's
// credentials, and keeps it as given: Terraform reads back exactly what it wrote, and the
// resource's identity is the bucket name whatever the URL's spelling.
func (c S3) CanonicalLocator(locator string) (string, error) {
	if locator == "" {
		return "", apierr.Missing("an S3 resource needs the URL of a bucket, http[s]://[ACCESS_KEY_ID:SECRET@]HOST[:PORT]/BUCKET")
	}
	loc, err := s3.ParseLocator(locator)
	if err != nil {
		return "", apierr.InvalidParameter("%v", err)
	}
	if err := c.Policy.Check(loc); err != nil {
		return "", apierr.InvalidParameter("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s3Timeout)
	defer cancel()
	b, err := s3.Open(ctx, loc, c.Policy)
	if err == nil {
		err = b.Check(ctx)
	}
	if errors.Is(err, s3.ErrNoSuchBucket) {
		return "", apierr.InvalidParameter("bucket %s does not exist at %s: create it first, or register another bucket", loc.Bucket, loc.Endpoint)
	}
	if err != nil {
		return "", apierr.InvalidParameter("the engine cannot use the bucket: %v", err)
	}
	return locator, nil
}

// CheckSource asks the endpoint for the bucket before any object is read.
func (c S3) CheckSource(ctx context.Context, r Resource) error {
	ctx, cancel := context.WithTimeout(ctx, s3Timeout)
	defer cancel()
	b, err := c.openBucket(ctx, r.Locator)
	if err != nil {
		return err
	}
	if err := b.Check(ctx); err != nil {
		if errors.Is(err, s3.ErrNoSuchBucket) {
			return fmt.Errorf("%w; restore it or recreate it, or remove %s from the registry", err, r.ARN)
		}
		return err
	}
	return nil
}

// ResourceTags are the bucket's own tags (GetBucketTagging).
func (c S3) ResourceTags(ctx context.Context, r Resource) (map[string]string, error) {
	b, err := c.openBucket(ctx, r.Locator)
	if err != nil {
		return nil, err
	}
	return b.Tags(ctx)
}

// Backup stores the bucket's objects, metadata, tags and ACLs (r.BackupOptions BackupObjectTags or
// BackupACLs "disabled" leave them out); objects unchanged since the parent snapshot are not
// downloaded again.
func (c S3) Backup(ctx context.Context, repo *content.Repository, r Resource, parent content.SnapshotID, progress func(content.Progress)) (BackupResult, error) {
	b, err := c.openBucket(ctx, r.Locator)
	if err != nil {
		return BackupResult{}, err
	}
	res, err := s3.Backup(ctx, repo, b, parent, s3.BackupOptions{Progress: progress,
		SkipObjectTags: r.BackupOptions["BackupObjectTags"] == "disabled", SkipACLs: r.BackupOptions["BackupACLs"] == "disabled"})
	if err != nil {
		return BackupResult{}, err
	}
	// Objects deleted while the backup ran are simply not in it: the point is complete for the
	// bucket as it was read, not PARTIAL; the backup job logs the warnings.
	return BackupResult{Snapshot: res.Snapshot, Bytes: res.Bytes, BytesTransferred: res.Snapshot.StoredBytes, Warnings: res.Warnings}, nil
}

// RestoreMetadata is the original bucket's configuration in StartRestoreJob's S3 keys. Sent
// back as it is, it restores into the original bucket, where objects that exist are skipped; set
// a new DestinationBucketName and NewBucket=true to restore into a new bucket.
func (S3) RestoreMetadata(r Resource, _ string) map[string]string {
	return map[string]string{
		MetaDestinationBucketName: r.ID,
		MetaNewBucket:             "false",
		MetaEncryptionType:        "Original",
	}
}

// PlanRestore works out an S3 restore, following AWS Backup's S3 restores: into the bucket
// DestinationBucketName, which a restore with NewBucket=true creates (it must not exist) and
// one without writes into (it must exist). Objects the destination has are never replaced, and
// ItemsToRestore restores up to five objects or prefixes. The destination is on the source's
// endpoint, reached with the source's credentials, unless it is a registered bucket, whose own
// locator is used.
func (c S3) PlanRestore(ctx context.Context, req RestoreRequest) (RestorePlan, error) {
	meta := req.Metadata
	for k := range meta {
		if !slices.Contains(acceptedS3Meta, k) {
			return RestorePlan{}, apierr.InvalidParameter("unknown restore metadata key %q for an S3 recovery point; accepted keys are %s",
				k, strings.Join(acceptedS3Meta, ", "))
		}
	}
	if meta[MetaRestoreTime] != "" {
		return RestorePlan{}, apierr.InvalidParameter("restore metadata %s restores a continuous backup to a point in time; this engine takes snapshot backups only: leave %s out", MetaRestoreTime, MetaRestoreTime)
	}
	if et := meta[MetaEncryptionType]; et != "" && et != "Original" {
		return RestorePlan{}, apierr.InvalidParameter("restore metadata %s %q: objects are restored with the destination endpoint's own encryption, so only Original is accepted", MetaEncryptionType, et)
	}
	if meta[MetaKMSKey] != "" {
		return RestorePlan{}, apierr.InvalidParameter("restore metadata %s applies to %s SSE-KMS, which this engine does not restore with: leave %s out", MetaKMSKey, MetaEncryptionType, MetaKMSKey)
	}
	if v, ok := meta[MetaEncrypted]; ok {
		if _, err := strconv.ParseBool(v); err != nil {
			return RestorePlan{}, apierr.InvalidParameter("restore metadata %s must be true or false, got %q", MetaEncrypted, v)
		}
	}
	newBucket := false
	if v, ok := meta[MetaNewBucket]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return RestorePlan{}, apierr.InvalidParameter("restore metadata %s must be true or false, got %q", MetaNewBucket, v)
		}
		newBucket = b
	}
	src, err := s3.ParseLocator(req.Source.Locator)
	if err != nil {
		return RestorePlan{}, apierr.New(apierr.InvalidRequest, "the recovery point's bucket locator cannot be used: %v", err)
	}
	dest := meta[MetaDestinationBucketName]
	if dest == "" {
		return RestorePlan{}, apierr.Missing("restore metadata %s is required: the original bucket %s (objects it has are skipped, never replaced), or a new bucket with %s=true",
			MetaDestinationBucketName, src.Bucket, MetaNewBucket)
	}
	if err := s3.ValidBucketName(dest); err != nil {
		return RestorePlan{}, apierr.InvalidParameter("restore metadata %s: %v", MetaDestinationBucketName, err)
	}
	items, err := parseS3Items(meta[MetaItemsToRestore], src.Bucket)
	if err != nil {
		return RestorePlan{}, err
	}

	loc := src.WithBucket(dest)
	targetARN := S3{}.ARN("", "", dest)
	target, registered, err := req.Lookup(dest)
	if err != nil {
		return RestorePlan{}, err
	}
	if registered {
		if target.Type != TypeS3 {
			return RestorePlan{}, apierr.InvalidParameter("%s is the ID of a registered %s resource (%s), so no bucket can be registered under it: choose another %s",
				dest, target.Type, target.ARN, MetaDestinationBucketName)
		}
		if newBucket {
			return RestorePlan{}, apierr.InvalidParameter("bucket %s is registered (%s), so it exists: set %s=false to restore into it (objects it has are skipped), or choose a new bucket name",
				dest, target.ARN, MetaNewBucket)
		}
		if loc, err = s3.ParseLocator(target.Locator); err != nil {
			return RestorePlan{}, apierr.New(apierr.InvalidRequest, "the registered bucket %s cannot be used: %v", dest, err)
		}
		targetARN = target.ARN
	}
	cctx, cancel := context.WithTimeout(ctx, s3Timeout)
	defer cancel()
	b, err := s3.Open(cctx, loc, c.Policy)
	if err != nil {
		return RestorePlan{}, apierr.New(apierr.InvalidRequest, "%v", err)
	}
	exists, err := b.Exists(cctx)
	if err != nil {
		return RestorePlan{}, apierr.New(apierr.InvalidRequest, "the engine cannot check the destination bucket: %v", err)
	}
	switch {
	case newBucket && exists:
		return RestorePlan{}, apierr.InvalidParameter("bucket %s already exists at %s: with %s=true the restore creates the bucket, so choose another %s, or set %s=false to restore into it (objects it has are skipped, never replaced)",
			dest, loc.Endpoint, MetaNewBucket, MetaDestinationBucketName, MetaNewBucket)
	case !newBucket && !exists:
		return RestorePlan{}, apierr.InvalidParameter("bucket %s does not exist at %s: set %s=true to create it, or name an existing bucket", dest, loc.Endpoint, MetaNewBucket)
	}
	plan := RestorePlan{Destination: loc.Display(), Locator: loc.String(), Items: items, NewResource: newBucket, Metadata: maps.Clone(meta)}
	if !newBucket {
		plan.TargetARN = targetARN
	}
	plan.Metadata[MetaNewBucket] = strconv.FormatBool(newBucket)
	if plan.Metadata[MetaEncryptionType] == "" {
		plan.Metadata[MetaEncryptionType] = "Original"
	}
	return plan, nil
}

// parseS3Items reads ItemsToRestore: a JSON array of up to five S3 URIs of the source bucket
// (s3://BUCKET/KEY) or bare keys; an item ending in "/" is a prefix.
func parseS3Items(raw, bucket string) ([]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return nil, apierr.InvalidParameter("restore metadata %s must be a JSON array of S3 URIs such as [\"s3://%s/path/to/object\"], got %q", MetaItemsToRestore, bucket, raw)
	}
	if len(list) == 0 || len(list) > maxS3Items {
		return nil, apierr.InvalidParameter("restore metadata %s lists %d items: an item-level S3 restore takes 1 to %d objects or prefixes; leave %s out to restore the whole bucket",
			MetaItemsToRestore, len(list), maxS3Items, MetaItemsToRestore)
	}
	var out []string
	for _, it := range list {
		key := it
		if rest, ok := strings.CutPrefix(it, "s3://"); ok {
			b, k, _ := strings.Cut(rest, "/")
			if b != bucket {
				return nil, apierr.InvalidParameter("restore metadata %s lists %s, which is not in bucket %s, the bucket this recovery point is of", MetaItemsToRestore, it, bucket)
			}
			key = k
		}
		if key == "" || key == "/" {
			return nil, apierr.InvalidParameter("restore metadata %s lists %q, which is the whole bucket: leave %s out to restore everything", MetaItemsToRestore, it, MetaItemsToRestore)
		}
		if !slices.Contains(out, key) {
			out = append(out, key)
		}
	}
	return out, nil
}

// Restore writes the snapshot into the planned bucket (creating it for a new-bucket restore);
// objects the bucket has are skipped and named in the result's warnings.
func (c S3) Restore(ctx context.Context, repo *content.Repository, snap content.SnapshotID, plan RestorePlan, jobID string, progress func(content.Progress)) (RestoreResult, error) {
	if progress != nil {
		progress(content.Progress{})
	}
	locator := plan.Locator
	if locator == "" {
		locator = plan.Destination
	}
	b, err := c.openBucket(ctx, locator)
	if err != nil {
		return RestoreResult{}, err
	}
	res, err := s3.Restore(ctx, repo, snap, b, s3.RestoreOptions{NewBucket: plan.NewResource, Items: plan.Items, JobID: jobID,
		Progress: progress})
	if err != nil {
		return RestoreResult{}, err
	}
	out := RestoreResult{Files: res.Objects, Bytes: res.Bytes}
	if res.Skipped > 0 {
		msg := fmt.Sprintf("%d objects were not restored because bucket %s already has objects with their keys (a restore never replaces an object): %s",
			res.Skipped, b.Name(), strings.Join(quoteAll(res.SkippedKeys), ", "))
		if int64(len(res.SkippedKeys)) < res.Skipped {
			msg += ", ..."
		}
		out.Warnings = append(out.Warnings, msg)
	}
	return out, nil
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strconv.Quote(s)
	}
	return out
}

// Abandoned removes the bucket a killed new-bucket restore was creating, if it still carries
// that job's marker; a restore into an existing bucket leaves the objects it had written.
func (c S3) Abandoned(plan RestorePlan, jobID string) error {
	if !plan.NewResource || plan.Locator == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := c.openBucket(ctx, plan.Locator)
	if err != nil {
		return err
	}
	return s3.Abandon(ctx, b, jobID)
}
