package resources

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds"
)

// RDS restore metadata keys, as RDS's restore metadata names them.
const (
	MetaDBInstanceIdentifier = "DBInstanceIdentifier"
	MetaDBName               = "DBName"
	MetaEngine               = "Engine"
	MetaEndpoint             = "Endpoint"
	MetaPort                 = "Port"
)

// acceptedRDSMeta are the keys StartRestoreJob accepts for RDS. The guide's walkthrough sends back
// the whole metadata with a new DBInstanceIdentifier, including settings that mean nothing for a
// local PostgreSQL (instance class, subnet group, ...), so those are accepted and recorded.
var acceptedRDSMeta = []string{MetaDBInstanceIdentifier, MetaDBName, MetaEngine, "EngineVersion", MetaEndpoint, MetaPort,
	"DBInstanceClass", "MultiAZ", "DBSubnetGroupName", "VpcSecurityGroupIds", "AvailabilityZone", "StorageType",
	"KmsKeyId", "Encrypted", "PubliclyAccessible", "CopyTagsToSnapshot"}

// connectTimeout bounds the checks that reach a database server at registration and restore time.
const connectTimeout = 10 * time.Second

var nonIdentifierChars = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// RDS is the connector for PostgreSQL databases, the engine's RDS instances. The locator is a
// connection URL, postgres://USER[:PASSWORD]@HOST:PORT/DBNAME; the DB instance identifier is the
// database name. A password in the URL is kept sealed in the engine's store and masked wherever
// the locator is shown; URLs without one (trust or peer auth, or ~/.pgpass for the user the
// engine runs as) keep it off the engine entirely.
type RDS struct{}

// Type is "RDS".
func (RDS) Type() string { return TypeRDS }

// SupportsColdStorage is false: AWS keeps RDS recovery points warm.
func (RDS) SupportsColdStorage() bool { return false }

// ARN is arn:aws:rds:{region}:{account}:db:{identifier}.
func (RDS) ARN(region, account, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", region, account, id)
}

// NewID is the database name as a DB instance identifier: letters and digits kept, anything else
// a hyphen, starting with a letter. Two servers with a database of the same name therefore share
// an identifier, as two RDS instances cannot; the second registration is refused.
func (RDS) NewID(_, _, locator string) string {
	name := "db"
	if u, err := url.Parse(locator); err == nil {
		name = strings.Trim(u.Path, "/")
	}
	id := strings.Trim(nonIdentifierChars.ReplaceAllString(name, "-"), "-")
	if id == "" || !unicode.IsLetter(rune(id[0])) {
		id = "db-" + id
	}
	if len(id) > 63 {
		id = strings.TrimRight(id[:63], "-")
	}
	return strings.ToLower(id)
}

// CanonicalLocator accepts a PostgreSQL URL naming a database the engine can connect to.
func (RDS) CanonicalLocator(locator string) (string, error) {
	if locator == "" {
		return "", apierr.Missing("an RDS resource needs the connection URL of a PostgreSQL database (postgres://USER@HOST:PORT/DBNAME)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	if err := rds.Check(ctx, locator); err != nil {
		return "", apierr.InvalidParameter("the engine cannot reach the database: %v", err)
	}
	return locator, nil
}

// CheckSource connects to the database before any data is read.
func (RDS) CheckSource(ctx context.Context, r Resource) error {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	return rds.Check(ctx, r.Locator)
}

// Backup streams a consistent pg_dump of the database into repo.
func (RDS) Backup(ctx context.Context, repo *content.Repository, r Resource, _ content.SnapshotID, progress func(content.Progress)) (BackupResult, error) {
	res, err := rds.Backup(ctx, repo, r.Locator, r.ID, func(n int64) {
		if progress != nil {
			progress(content.Progress{BytesDone: n, BytesTotal: n})
		}
	})
	if err != nil {
		return BackupResult{}, err
	}
	return BackupResult{Snapshot: res.Snapshot, Bytes: res.Bytes, BytesTransferred: res.Snapshot.StoredBytes}, nil
}

// RestoreMetadata is the original instance's configuration, as GetRecoveryPointRestoreMetadata
// answers it: send it back to StartRestoreJob with a new DBInstanceIdentifier.
func (RDS) RestoreMetadata(r Resource, keyARN string) map[string]string {
	m := map[string]string{MetaDBInstanceIdentifier: r.ID, MetaEngine: "postgres", "KmsKeyId": keyARN, "Encrypted": "true"}
	if u, err := url.Parse(r.Locator); err == nil {
		m[MetaDBName] = strings.Trim(u.Path, "/")
		m[MetaEndpoint] = u.Hostname()
		m[MetaPort] = u.Port()
		if m[MetaPort] == "" {
			m[MetaPort] = "5432"
		}
	}
	return m
}

// PlanRestore requires a new DBInstanceIdentifier, valid and free on the source's server: as on
// RDS, a restore never touches the original and fails if the name is taken.
func (RDS) PlanRestore(ctx context.Context, req RestoreRequest) (RestorePlan, error) {
	for k := range req.Metadata {
		if !slices.Contains(acceptedRDSMeta, k) {
			return RestorePlan{}, apierr.InvalidParameter("unknown restore metadata key %q for an RDS recovery point; accepted keys are %s",
				k, strings.Join(acceptedRDSMeta, ", "))
		}
	}
	// RDS keeps identifiers in lower case; so does the engine, for the database name too.
	id := strings.ToLower(req.Metadata[MetaDBInstanceIdentifier])
	if id == "" {
		return RestorePlan{}, apierr.Missing("restore metadata %s is required: name the NEW database, e.g. %s-restored", MetaDBInstanceIdentifier, req.Source.ID)
	}
	if err := rds.ValidateIdentifier(id); err != nil {
		return RestorePlan{}, apierr.InvalidParameter("restore metadata %v", err)
	}
	if strings.EqualFold(id, req.Source.ID) {
		return RestorePlan{}, apierr.InvalidParameter("restore metadata %s is %s, the original database: a restore creates a NEW database, so give it a new identifier", MetaDBInstanceIdentifier, id)
	}
	if _, found, err := req.Lookup(id); err != nil {
		return RestorePlan{}, err
	} else if found {
		return RestorePlan{}, apierr.InvalidParameter("DB instance %s already exists: choose another %s", id, MetaDBInstanceIdentifier)
	}
	dest, err := url.Parse(req.Source.Locator)
	if err != nil {
		return RestorePlan{}, apierr.InvalidParameter("the recovery point's database URL cannot be parsed: %v", err)
	}
	dest.Path = "/" + id
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	exists, err := rds.DatabaseExists(cctx, req.Source.Locator, id)
	if err != nil {
		return RestorePlan{}, apierr.New(apierr.InvalidRequest, "the engine cannot reach the database server to restore into: %v", err)
	}
	if exists {
		return RestorePlan{}, apierr.InvalidParameter("DB instance %s already exists on %s: choose another %s", id, dest.Host, MetaDBInstanceIdentifier)
	}
	meta := maps.Clone(req.Metadata)
	meta[MetaEngine] = "postgres"
	meta[MetaDBInstanceIdentifier] = id
	// Destination is shown (job messages, logs), so it carries no password; Locator, kept
	// sealed, is what the restore connects with and the new database is registered with.
	return RestorePlan{Destination: RedactLocator(dest.String()), Locator: dest.String(), NewResource: true, Metadata: meta}, nil
}

// restoreURL is the URL a planned restore connects with: the plan's Locator, or, for plans made
// before Destination stopped carrying credentials, Destination.
func restoreURL(plan RestorePlan) string {
	if plan.Locator != "" {
		return plan.Locator
	}
	return plan.Destination
}

// Restore creates the new database and loads the snapshot into it; a failed load drops it again.
func (RDS) Restore(ctx context.Context, repo *content.Repository, snap content.SnapshotID, plan RestorePlan, _ string, progress func(content.Progress)) (RestoreResult, error) {
	target := restoreURL(plan)
	dest, err := url.Parse(target)
	if err != nil {
		return RestoreResult{}, fmt.Errorf("the restore's database URL cannot be parsed: %w", err)
	}
	name := strings.Trim(dest.Path, "/")
	res, err := rds.Restore(ctx, repo, snap, target, name)
	if errors.Is(err, rds.ErrDatabaseExists) {
		return RestoreResult{}, fmt.Errorf("DB instance %s was created by someone else after the restore was accepted", name)
	}
	if err != nil {
		return RestoreResult{}, err
	}
	if progress != nil {
		progress(content.Progress{BytesDone: res.Bytes, BytesTotal: res.Bytes})
	}
	return RestoreResult{Bytes: res.Bytes}, nil
}

// Abandoned drops the database a killed restore was loading: PlanRestore made sure the name was
// free, so whatever is there is the half-restored copy.
func (RDS) Abandoned(plan RestorePlan, _ string) error {
	target := restoreURL(plan)
	dest, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("the restore's database URL cannot be parsed: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	return rds.DropDatabase(ctx, target, strings.Trim(dest.Path, "/"))
}
