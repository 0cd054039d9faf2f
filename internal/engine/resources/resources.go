// Package resources describes what the engine protects: the resource types it has connectors for,
// the ARNs and IDs of registered resources, and the connectors that back a resource up into a vault
// repository and restore it from one.
//
// A connector is the only code that knows what a resource physically is (a directory tree for EFS,
// a PostgreSQL database for RDS, a bucket on an S3-compatible endpoint for S3). The job runner drives connectors
// through the Connector interface and never looks inside a locator itself, so adding a resource
// type is adding a connector here and nothing in the job or API layers.
package resources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3"
)

// Resource types, as AWS Backup names them.
const (
	TypeEFS = "EFS"
	TypeRDS = "RDS"
	TypeS3  = "S3"
)

// Resource is one registered protected resource.
type Resource struct {
	ARN       string            `json:"arn"`
	Type      string            `json:"type"`
	ID        string            `json:"id"`
	Locator   string            `json:"locator"`
	Tags      map[string]string `json:"tags,omitempty"`
	AccountID string            `json:"account_id"`
	Region    string            `json:"region"`
	// CreationDate is when the resource was registered (engine clock).
	CreationDate time.Time `json:"creation_date"`
}

// Name is the resource's ResourceName in AWS Backup listings: its Name tag, as on AWS, else the
// last element of its locator (a URL's query left out).
func (r Resource) Name() string {
	if n := r.Tags["Name"]; n != "" {
		return n
	}
	loc := r.Locator
	if strings.Contains(loc, "://") {
		loc, _, _ = strings.Cut(loc, "?")
	}
	loc = strings.TrimRight(loc, "/")
	if i := strings.LastIndexAny(loc, "/:"); i >= 0 && i < len(loc)-1 {
		return loc[i+1:]
	}
	return loc
}

// BackupResult is what a backup stored.
type BackupResult struct {
	Snapshot content.Snapshot
	// Bytes is the logical size of what was backed up; BytesTransferred what was newly stored.
	Bytes, BytesTransferred int64
	// Partial is set when some items could not be captured consistently; Warnings names them.
	Partial  bool
	Warnings []string
}

// RestorePlan is where and how a restore writes, worked out from StartRestoreJob's metadata
// before the job is accepted, so that a bad request fails at once instead of as a FAILED job.
type RestorePlan struct {
	// Destination is where the restored data ends up, as people are shown it: it never holds
	// credentials.
	Destination string `json:"destination"`
	// Locator, when set, is the restored resource's locator (with the credentials to reach it),
	// where that differs from Destination; it is what a new resource is registered with.
	Locator string `json:"locator,omitempty"`
	// Items, when set, restores only these paths (relative to the resource's root).
	Items []string `json:"items,omitempty"`
	// NewResource says the restore creates a resource at Destination, to be registered as one.
	NewResource bool `json:"new_resource"`
	// TargetARN is the existing resource restored into, when NewResource is false.
	TargetARN string `json:"target_arn,omitempty"`
	// Metadata is the request's metadata with defaults filled in: what GetRestoreJobMetadata shows.
	Metadata map[string]string `json:"metadata"`
	// Account is the account the restore writes for: whose allowed directories bound it.
	Account string `json:"account,omitempty"`
	// Within, when set, is the directory the restore must stay below (EFS with newFileSystem=false:
	// the file system's directory); otherwise the account's allowed directories bound it.
	Within string `json:"within,omitempty"`
}

// RestoreResult is what a restore wrote.
type RestoreResult struct {
	Files, Dirs, Bytes int64
	// Warnings name entries that could not be restored exactly (owners without permission).
	Warnings []string
}

// RestoreRequest is what PlanRestore judges.
type RestoreRequest struct {
	// Source is the resource the recovery point was taken of (as it was then).
	Source Resource
	// Metadata is StartRestoreJob's Metadata.
	Metadata map[string]string
	// JobID names the restore job; connectors use it for staging names.
	JobID string
	// Now is the engine clock's time, for names such as aws-backup-restore_<time>.
	Now time.Time
	// Account is the caller's account, whose allowed directories a restore may write to.
	Account string
	// Lookup finds a registered resource of the caller by its ID (fs-...), or returns found=false.
	Lookup func(id string) (r Resource, found bool, err error)
}

// Connector backs up and restores one type of resource.
//
// Errors a caller can fix (a bad locator, bad restore metadata) are *apierr.Error values with
// messages that say what to fix; every other error is a fault of the source, the destination or
// the repository, and ends the job FAILED with the error as its StatusMessage.
type Connector interface {
	// Type is the AWS Backup resource type, e.g. "EFS".
	Type() string
	// CanonicalLocator validates a locator given at registration and returns its canonical form
	// (for EFS: an absolute, clean path of a directory that exists).
	CanonicalLocator(locator string) (string, error)
	// ARN is the ARN of the resource with the given ID.
	ARN(region, account, id string) string
	// NewID returns the resource ID of a locator; the same locator always gets the same ID, so a
	// resource removed and registered again keeps its ARN and its recovery points.
	NewID(account, region, locator string) string
	// SupportsColdStorage reports whether recovery points of this type can move to cold storage.
	SupportsColdStorage() bool
	// CheckSource reports, before any data is read, why the resource cannot be backed up now.
	CheckSource(ctx context.Context, r Resource) error
	// Backup stores the resource in repo as a new snapshot; parent, if set, is the snapshot of the
	// previous backup of the same resource in the same vault, for an incremental backup. progress
	// may be called from several goroutines at once.
	Backup(ctx context.Context, repo *content.Repository, r Resource, parent content.SnapshotID, progress func(content.Progress)) (BackupResult, error)
	// RestoreMetadata is GetRecoveryPointRestoreMetadata's answer for a point of r taken into a
	// vault whose key is keyARN: the original resource's configuration.
	RestoreMetadata(r Resource, keyARN string) map[string]string
	// PlanRestore validates StartRestoreJob's metadata and works out where the data goes.
	PlanRestore(ctx context.Context, req RestoreRequest) (RestorePlan, error)
	// Restore writes snapshot snap to where plan says. The data becomes visible at
	// plan.Destination only when it is complete where the type allows it (a whole-tree restore);
	// a failed restore removes what it wrote there, if it can.
	Restore(ctx context.Context, repo *content.Repository, snap content.SnapshotID, plan RestorePlan, jobID string, progress func(content.Progress)) (RestoreResult, error)
	// Abandoned cleans up after a restore job whose process died: staging data it left.
	Abandoned(plan RestorePlan, jobID string) error
}

// TagSource is implemented by connectors whose resources carry tags of their own, next to the
// registry's: an S3 bucket's tags. Tag-based selections see both.
type TagSource interface {
	// ResourceTags returns the resource's own tags. It reaches the resource, so callers bound
	// it with a deadline.
	ResourceTags(ctx context.Context, r Resource) (map[string]string, error)
}

// RedactLocator is a locator fit to show: the password or secret key of a URL locator (an S3
// endpoint's secret access key, a PostgreSQL password) masked as xxxxx.
func RedactLocator(locator string) string { return s3.RedactLocator(locator) }

// Set is the engine's connectors by resource type.
type Set map[string]Connector

// Default returns the connectors the engine has: EFS (directories) and S3 (buckets on
// S3-compatible endpoints) always, and RDS (PostgreSQL) when pg_dump and pg_restore are
// installed, so GetSupportedResourceTypes tells the truth.
func Default() Set {
	set := Set{TypeEFS: EFS{}, TypeS3: S3{}}
	if rds.ToolsInstalled() {
		set[TypeRDS] = RDS{}
	}
	return set
}

// Connector returns the connector of a resource type, or an error naming the types there are.
func (s Set) Connector(resourceType string) (Connector, error) {
	if c, ok := s[resourceType]; ok {
		return c, nil
	}
	if resourceType == "" {
		return nil, apierr.Missing("ResourceType is required; this engine supports %s", strings.Join(s.Types(), ", "))
	}
	return nil, apierr.InvalidParameter("resource type %q is not supported by this engine; it supports %s", resourceType, strings.Join(s.Types(), ", "))
}

// Types lists the resource types of s, sorted.
func (s Set) Types() []string {
	out := make([]string, 0, len(s))
	for t := range s {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// TypeOfARN returns the resource type an ARN names ("EFS" for
// arn:aws:elasticfilesystem:...:file-system/fs-...), or "" if it is not one AWS Backup protects
// in a way the engine recognises.
func TypeOfARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	switch {
	case parts[2] == "elasticfilesystem" && strings.HasPrefix(parts[5], "file-system/"):
		return TypeEFS
	case parts[2] == "rds" && strings.HasPrefix(parts[5], "db:"):
		return TypeRDS
	case parts[2] == "s3" && parts[3] == "" && parts[4] == "" && !strings.Contains(parts[5], "/"):
		return TypeS3 // a bucket; arn:aws:s3:::bucket/key is an object
	}
	return ""
}

// IDOfARN returns the resource ID in an ARN: "fs-0abc" for ...:file-system/fs-0abc.
func IDOfARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	res := parts[5]
	if i := strings.IndexAny(res, "/:"); i >= 0 {
		return res[i+1:]
	}
	return res
}

// stableHex is a hex digest of the parts, for IDs that must be the same every time.
func stableHex(n int, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:n]
}
