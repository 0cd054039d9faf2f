// Package s3 backs up and restores buckets on S3-compatible endpoints, the engine's S3
// resources.
//
// A resource is one bucket, named by a path-style URL that may carry the credentials to reach it
// (locator.go). A backup lists the bucket, then streams every object (its current version, in a
// versioned bucket) into the vault repository with its metadata headers, user metadata, tags and
// ACL (tags and ACLs can be left out, as AWS Backup's BackupObjectTags and BackupACLs options
// do), and records the bucket's tags; objects whose ETag, size and LastModified are unchanged since the
// previous snapshot reuse its data and are not downloaded (backup.go). A restore writes a
// snapshot into a bucket as AWS Backup's S3 restores do: into a new bucket it creates, or into an
// existing one without ever replacing an object it has, optionally only some keys or prefixes
// (restore.go).
//
// Libraries: aws-sdk-go-v2's service/s3 speaks the protocol, and its feature/s3/transfermanager
// writes objects (single or multipart uploads, from bounded part buffers, conditional with
// If-None-Match). Written here, because nothing else knows the engine's repository: the snapshot
// layout (snapshot.go: a content tree whose nodes are objects, plus a manifest of what a node
// cannot hold) and the backup pipeline that reads objects in parallel but records them in key
// order.
//
// Limits, said plainly: the listing of a bucket (key, size, ETag, date per object) is held in
// memory during a backup; requests are path-style; Object Lock settings, storage
// classes (restored objects get the endpoint's default, as AWS restores to S3 Standard) and
// server-side encryption settings are not restored, and bucket settings other than tags (policy,
// lifecycle, versioning, CORS) are not backed up.
package s3
