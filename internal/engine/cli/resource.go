package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// resource is `engine resource register|list|remove`: the protected-resource registry of a
// running engine, through its extension API.
func resource(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, `usage: terraform-provider-backup engine resource COMMAND [flags]

commands:
  register --type EFS --path DIR [--tag K=V ...]   register a directory; prints its ARN
  register --type RDS --url URL [--tag K=V ...]    register a PostgreSQL database
                                                   (postgres://USER@HOST:PORT/DBNAME); prints its ARN
  register --type S3 --url URL [--tag K=V ...]     register a bucket on an S3-compatible endpoint,
                                                   http[s]://[KEY:SECRET@]HOST[:PORT]/BUCKET[?region=R&profile=P]
                                                   (keys from the URL; a profile or the engine's AWS_*
                                                   environment only where the engine's config lends them,
                                                   see s3 in config.json); prints arn:aws:s3:::BUCKET
  list [--type EFS|RDS|S3]                         list registered resources (secrets in URLs masked)
  remove ARN                                       take a resource out of the registry (its recovery points stay)

Every command takes --endpoint, --region and credentials (--access-key-id/--secret-access-key, else
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else the key in --data-dir).`)
		if len(args) == 0 {
			return usageError{"a resource command is required"}
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "register":
		return resourceRegister(ctx, env, args[1:])
	case "list":
		return resourceList(ctx, env, args[1:])
	case "remove":
		return resourceRemove(ctx, env, args[1:])
	}
	return usageError{fmt.Sprintf("unknown resource command %q: want register, list or remove", args[0])}
}

// clientFlags are the connection flags every client command takes.
type clientFlags struct {
	endpoint, region, akid, secret, dataDir *string
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	endpoint := os.Getenv("BACKUP_ENGINE_ENDPOINT")
	if endpoint == "" {
		endpoint = "http://127.0.0.1:9191"
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		region = engine.DefaultRegion
	}
	return clientFlags{
		endpoint: fs.String("endpoint", endpoint, "URL of the engine (default $BACKUP_ENGINE_ENDPOINT, else http://127.0.0.1:9191)"),
		region:   fs.String("region", region, "region to act in (default $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1)"),
		akid:     fs.String("access-key-id", os.Getenv("AWS_ACCESS_KEY_ID"), "access key ID (default $AWS_ACCESS_KEY_ID, else the data dir's key)"),
		secret:   fs.String("secret-access-key", os.Getenv("AWS_SECRET_ACCESS_KEY"), "secret access key (default $AWS_SECRET_ACCESS_KEY)"),
		dataDir:  dataDirFlag(fs),
	}
}

func (f clientFlags) client() (*engineclient.Client, error) {
	akid, secret := *f.akid, *f.secret
	if (akid == "") != (secret == "") {
		return nil, usageError{"--access-key-id and --secret-access-key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) must be given together"}
	}
	if akid == "" {
		keys, err := credentials.Load(*f.dataDir)
		if err != nil {
			return nil, fmt.Errorf("no credentials: pass --access-key-id and --secret-access-key, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or point --data-dir at the engine's data dir (%w)", err)
		}
		akid, secret = keys[0].AccessKeyID, keys[0].SecretAccessKey
	}
	return engineclient.New(engineclient.Options{
		Endpoint:    *f.endpoint,
		Region:      *f.region,
		Credentials: aws.NewCredentialsCache(awscreds.NewStaticCredentialsProvider(akid, secret, "")),
	}), nil
}

// tagFlags collects repeated --tag K=V.
type tagFlags map[string]string

func (t tagFlags) String() string { return "" }

func (t tagFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	t[k] = val
	return nil
}

func resourceRegister(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "resource register")
	cf := addClientFlags(fs)
	typ := fs.String("type", "EFS", "resource type: EFS (a directory tree), RDS (a PostgreSQL database) or S3 (a bucket)")
	path := fs.String("path", "", "EFS: the directory to protect (made absolute)")
	dbURL := fs.String("url", "", "RDS: the database's connection URL, postgres://USER@HOST:PORT/DBNAME; S3: the bucket's URL, http[s]://[KEY:SECRET@]HOST[:PORT]/BUCKET")
	tags := tagFlags{}
	fs.Var(tags, "tag", "a tag KEY=VALUE; repeat for more")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var locator string
	switch strings.ToUpper(*typ) {
	case "RDS":
		if *dbURL == "" || *path != "" {
			return usageError{"--type RDS takes --url postgres://USER@HOST:PORT/DBNAME (and no --path)"}
		}
		locator = *dbURL
	case "S3":
		if *dbURL == "" || *path != "" {
			return usageError{"--type S3 takes --url http[s]://[KEY:SECRET@]HOST[:PORT]/BUCKET (and no --path)"}
		}
		locator = *dbURL
	default:
		if *path == "" || *dbURL != "" {
			return usageError{"--type " + *typ + " takes --path DIR (and no --url)"}
		}
		abs, err := filepath.Abs(*path)
		if err != nil {
			return fmt.Errorf("--path %s: %w", *path, err)
		}
		locator = abs
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	r, err := c.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: strings.ToUpper(*typ), Locator: locator, Tags: tags})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, r.ResourceArn)
	return nil
}

func resourceList(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "resource list")
	cf := addClientFlags(fs)
	typ := fs.String("type", "", "list only resources of this type")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	list, err := c.ListResources(ctx, *typ)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ARN\tTYPE\tLOCATOR\tTAGS")
	for _, r := range list {
		keys := make([]string, 0, len(r.Tags))
		for k := range r.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, k+"="+r.Tags[k])
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.ResourceArn, r.ResourceType, r.Locator, strings.Join(kv, ","))
	}
	return w.Flush()
}

func resourceRemove(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "resource remove")
	cf := addClientFlags(fs)
	// The ARN may come before or after the flags.
	var arn string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		arn, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	rest := fs.Args()
	if arn == "" && len(rest) > 0 {
		arn, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if arn == "" {
		return usageError{"the ARN of the resource to remove is required"}
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	if err := c.RemoveResource(ctx, arn); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "removed %s (its recovery points stay in their vaults)\n", arn)
	return nil
}
