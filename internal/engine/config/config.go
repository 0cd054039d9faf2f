// Package config reads the engine's optional configuration file: more accounts and the keys that
// act for them, where each region keeps its vault data, and where SNS topic ARNs deliver
// notifications.
//
// The file is JSON, `config.json` in the data dir unless `engine serve --config` names another,
// so the daemon and an embedded provider on the same data dir read the same configuration.
// Unknown fields are refused: a misspelt key should fail loudly, not be ignored.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/eventpattern"
	"github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3"
)

// FileName is the configuration file inside a data dir.
const FileName = "config.json"

// Config is the engine's configuration.
type Config struct {
	// Accounts are extra access keys, each acting for its account (cross-account copies need a
	// second account). The data dir's own key stays valid.
	Accounts []Account `json:"accounts,omitempty"`
	// Regions configures regions by name; a region not listed keeps its data in the data dir.
	// Requests may be signed for AWS's regions and for the regions listed here (an entry `{}`
	// declares a region with no settings); any other region is refused.
	Regions map[string]Region `json:"regions,omitempty"`
	// Notifications maps SNS topic ARNs to the endpoints they deliver to.
	Notifications Notifications `json:"notifications,omitempty"`
	// Filesystem confines what the engine may read from and restore into for its callers.
	Filesystem Filesystem `json:"filesystem,omitempty"`
	// S3 limits where S3 resources (buckets named by a caller's locator) may point, and which
	// credentials the engine lends them.
	S3 S3 `json:"s3,omitempty"`
	// EventRules deliver the events their EventBridge pattern matches to a webhook.
	EventRules []EventRule `json:"event_rules,omitempty"`
	// Storage puts the vault repositories of every region that sets neither storage nor
	// storage_dir in an S3 bucket (Region.Storage says how). Unset: the data dir.
	Storage string `json:"storage,omitempty"`
	// Reports is where Backup Audit Manager's report jobs deliver reports.
	Reports Reports `json:"reports,omitempty"`
}

// Reports is where report jobs deliver: an S3-compatible server, which gets each report in its
// plan's S3BucketName under S3KeyPrefix, or a local directory (inside the allowed paths), which
// gets it as BUCKET/KEY. At most one of them.
type Reports struct {
	S3 *ReportsS3 `json:"s3,omitempty"`
	// Directory is an absolute directory inside filesystem.allowed_paths or --allow-path.
	Directory string `json:"directory,omitempty"`
}

// ReportsS3 is the S3-compatible server reports go to. Credentials come from Profile in the
// engine's AWS config files, else from the engine's environment.
type ReportsS3 struct {
	Endpoint string `json:"endpoint"`
	Region   string `json:"region,omitempty"`
	Profile  string `json:"profile,omitempty"`
}

func (r *Reports) validate() error {
	if r.S3 != nil && r.Directory != "" {
		return fmt.Errorf("reports: give either s3 or directory, not both")
	}
	if r.S3 != nil {
		if _, err := s3.CanonicalEndpoint(r.S3.Endpoint); err != nil {
			return fmt.Errorf("reports.s3.endpoint: %w", err)
		}
		if r.S3.Region != "" {
			if err := region.ValidName(r.S3.Region); err != nil {
				return fmt.Errorf("reports.s3.region: %w", err)
			}
		}
	}
	if r.Directory != "" && !filepath.IsAbs(r.Directory) {
		return fmt.Errorf("reports.directory %q must be an absolute path", r.Directory)
	}
	return nil
}

// EventRule is an EventBridge rule with one webhook target: every event (an EventBridge
// envelope) its pattern matches is POSTed to URL.
type EventRule struct {
	// Name identifies the rule in logs and deliveries (EventBridge's rule name characters).
	Name string `json:"name"`
	// EventPattern is an EventBridge event pattern.
	EventPattern json.RawMessage `json:"event_pattern"`
	// URL receives each matching event as an HTTP POST of its JSON envelope.
	URL string `json:"url"`
	// MaxAttempts bounds delivery attempts (default 5).
	MaxAttempts int `json:"max_attempts,omitempty"`
	// Pattern is EventPattern compiled, set by Load and Parse.
	Pattern *eventpattern.Pattern `json:"-"`
}

// Account is an extra access key with the account it acts for and, optionally, the directories
// that account alone may reach (on top of filesystem.allowed_paths), so that two tenants of one
// engine cannot reach each other's trees.
type Account struct {
	credentials.Key
	// AllowedPaths are directories this account may register and restore into.
	AllowedPaths []string `json:"allowed_paths,omitempty"`
}

// Filesystem is the operator's confinement of directory (EFS) resources.
type Filesystem struct {
	// AllowedPaths are the directories every account may register and restore into. With none
	// (and none for an account), the daemon refuses EFS registration.
	AllowedPaths []string `json:"allowed_paths,omitempty"`
}

// S3 is the operator's policy for S3 resources.
type S3 struct {
	// AllowEnvironmentCredentials lets a locator with no key of its own (no KEY:SECRET@ and no
	// ?profile=) be signed with the engine's own AWS environment credentials. Off by default: a
	// caller must not be able to borrow the operator's credentials for a host of its choosing.
	AllowEnvironmentCredentials bool `json:"allow_environment_credentials,omitempty"`
	// AllowedProfiles are the profiles of the engine's own AWS config files that a locator may
	// name with ?profile=; a profile is the operator's credential as much as the environment is.
	AllowedProfiles []string `json:"allowed_profiles,omitempty"`
	// AllowedEndpoints, when set, are the only endpoints (scheme://host[:port]) S3 locators may
	// name.
	AllowedEndpoints []string `json:"allowed_endpoints,omitempty"`
}

// validate checks the S3 section: endpoints are http(s)://host[:port] with nothing else, listed
// once; profiles are names.
func (s *S3) validate() error {
	seen := map[string]bool{}
	for i, e := range s.AllowedEndpoints {
		c, err := s3.CanonicalEndpoint(strings.TrimSpace(e))
		if err != nil {
			return fmt.Errorf("s3.allowed_endpoints[%d]: %w", i, err)
		}
		if seen[c] {
			return fmt.Errorf("s3.allowed_endpoints[%d]: %s is listed twice", i, c)
		}
		seen[c] = true
		s.AllowedEndpoints[i] = c
	}
	for i, p := range s.AllowedProfiles {
		if strings.TrimSpace(p) == "" || strings.ContainsAny(p, "[]\r\n") {
			return fmt.Errorf("s3.allowed_profiles[%d]: %q is not a profile name of the AWS config files", i, p)
		}
	}
	return nil
}

// Policy is the S3 connector's policy these settings make.
func (s S3) Policy() s3.Policy {
	return s3.Policy{AllowEnvironmentCredentials: s.AllowEnvironmentCredentials, AllowedProfiles: s.AllowedProfiles, AllowedEndpoints: s.AllowedEndpoints}
}

// Keys returns the access keys of the configured accounts.
func (c *Config) Keys() []credentials.Key {
	keys := make([]credentials.Key, 0, len(c.Accounts))
	for _, a := range c.Accounts {
		keys = append(keys, a.Key)
	}
	return keys
}

// Region is one region's settings.
type Region struct {
	// StorageDir is where the region's vault repositories live, instead of the data dir; a DR
	// region can so keep its copies on another disk.
	StorageDir string `json:"storage_dir,omitempty"`
	// Storage puts the region's vault repositories in an S3 bucket instead of a directory:
	// s3blob.LocationShape, e.g. "s3://bucket/prefix?endpoint=https://minio:9000&region=eu-west-1&profile=backup".
	// Credentials come from the named profile of the engine's AWS config files, else from the
	// engine's environment; keys in the URL are refused. Takes precedence over StorageDir.
	Storage string `json:"storage,omitempty"`
	// Vaults gives single vaults of the region (by name, in every account) their own storage.
	Vaults map[string]Vault `json:"vaults,omitempty"`
}

// Vault is one vault's settings.
type Vault struct {
	// Storage is where the vault's repositories live, as Region.Storage.
	Storage string `json:"storage,omitempty"`
}

// Notifications configures delivery of vault notifications.
type Notifications struct {
	// Topics maps an SNS topic ARN (as given to PutBackupVaultNotifications) to a webhook.
	Topics map[string]Topic `json:"topics,omitempty"`
}

// Topic is a webhook standing in for an SNS topic.
type Topic struct {
	// URL receives each notification as an HTTP POST of a JSON document.
	URL string `json:"url"`
	// MaxAttempts bounds delivery attempts (default 5).
	MaxAttempts int `json:"max_attempts,omitempty"`
}

// The patterns are compiled on first use, not at every start of the program (and of the
// Terraform provider, which links this package): their bounded repetitions make large programs,
// about 0.4 ms and 300 KB to compile.
var (
	snsTopicPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)
	})
	// ruleNamePattern is EventBridge's rule name constraint.
	ruleNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[.\-_A-Za-z0-9]{1,64}$`) })
)

// Load reads the configuration at path. A missing file is an empty configuration.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read engine config: %w", err)
	}
	return Parse(b, filepath.Dir(path))
}

// Parse decodes and validates a configuration; relative storage dirs are taken relative to base.
func Parse(b []byte, base string) (*Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("engine config: %w", err)
	}
	if err := c.validate(base); err != nil {
		return nil, fmt.Errorf("engine config: %w", err)
	}
	return &c, nil
}

func (c *Config) validate(base string) error {
	seen := map[string]bool{}
	for i, k := range c.Accounts {
		if _, err := credentials.NewRing(k.Key); err != nil {
			return fmt.Errorf("accounts[%d]: %w", i, err)
		}
		if seen[k.AccessKeyID] {
			return fmt.Errorf("accounts[%d]: access key %s is listed twice", i, k.AccessKeyID)
		}
		seen[k.AccessKeyID] = true
		paths, err := cleanAllowedPaths(fmt.Sprintf("accounts[%d].allowed_paths", i), k.AllowedPaths)
		if err != nil {
			return err
		}
		c.Accounts[i].AllowedPaths = paths
	}
	paths, err := cleanAllowedPaths("filesystem.allowed_paths", c.Filesystem.AllowedPaths)
	if err != nil {
		return err
	}
	c.Filesystem.AllowedPaths = paths
	if c.Storage != "" {
		if _, err := s3blob.ParseLocation(c.Storage); err != nil {
			return fmt.Errorf("storage: %w", err)
		}
	}
	for name, r := range c.Regions {
		if err := region.ValidName(name); err != nil {
			return fmt.Errorf("regions: %w", err)
		}
		if r.StorageDir != "" && !filepath.IsAbs(r.StorageDir) {
			r.StorageDir = filepath.Join(base, r.StorageDir)
			c.Regions[name] = r
		}
		if r.Storage != "" {
			if _, err := s3blob.ParseLocation(r.Storage); err != nil {
				return fmt.Errorf("regions.%s.storage: %w", name, err)
			}
		}
		for v, vc := range r.Vaults {
			if err := names.Vault(v); err != nil {
				return fmt.Errorf("regions.%s.vaults: %q is not a vault name: %w", name, v, err)
			}
			if _, err := s3blob.ParseLocation(vc.Storage); err != nil {
				return fmt.Errorf("regions.%s.vaults.%s.storage: %w", name, v, err)
			}
		}
	}
	if err := c.S3.validate(); err != nil {
		return err
	}
	if err := c.Reports.validate(); err != nil {
		return err
	}
	for arn, t := range c.Notifications.Topics {
		if !snsTopicPattern().MatchString(arn) {
			return fmt.Errorf("notifications.topics: %q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", arn)
		}
		u, err := url.Parse(t.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("notifications.topics[%q].url %q must be an http(s) URL", arn, t.URL)
		}
		if t.MaxAttempts < 0 {
			return fmt.Errorf("notifications.topics[%q].max_attempts must not be negative", arn)
		}
		if t.MaxAttempts == 0 {
			t.MaxAttempts = 5
			c.Notifications.Topics[arn] = t
		}
	}
	return c.CompileEventRules()
}

// CompileEventRules checks the event rules and compiles their patterns, so that a malformed one
// stops the engine at start rather than silently matching nothing. Load and Parse call it; call
// it on a Config built in code.
func (c *Config) CompileEventRules() error {
	names := map[string]bool{}
	for i := range c.EventRules {
		r := &c.EventRules[i]
		if !ruleNamePattern().MatchString(r.Name) {
			return fmt.Errorf("event_rules[%d].name %q must be 1 to 64 letters, digits, '.', '-' or '_'", i, r.Name)
		}
		if names[r.Name] {
			return fmt.Errorf("event_rules[%d].name %q is used by another rule", i, r.Name)
		}
		names[r.Name] = true
		p, err := eventpattern.Compile(r.EventPattern)
		if err != nil {
			return fmt.Errorf("event_rules[%d] (%s).event_pattern: InvalidEventPatternException: %w", i, r.Name, err)
		}
		r.Pattern = p
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("event_rules[%d] (%s).url %q must be an http(s) URL", i, r.Name, r.URL)
		}
		if r.MaxAttempts < 0 {
			return fmt.Errorf("event_rules[%d] (%s).max_attempts must not be negative", i, r.Name)
		}
		if r.MaxAttempts == 0 {
			r.MaxAttempts = 5
		}
	}
	return nil
}

// cleanAllowedPaths checks the allowed paths at field: each must be the absolute path of an
// existing directory (a typo must not silently allow nothing, or something else). It returns
// them cleaned, without duplicates.
func cleanAllowedPaths(field string, paths []string) ([]string, error) {
	var out []string
	for i, p := range paths {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("%s[%d] %q must be an absolute path: the engine may run in another directory than the one the config was written in", field, i, p)
		}
		clean := filepath.Clean(p)
		fi, err := os.Stat(clean)
		if err != nil {
			return nil, fmt.Errorf("%s[%d] %s: %w (create the directory, or remove it from the list)", field, i, clean, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("%s[%d] %s is not a directory: allowed paths are directories", field, i, clean)
		}
		if !slices.Contains(out, clean) {
			out = append(out, clean)
		}
	}
	return out, nil
}

// VaultStorage returns the S3 location of a vault's repositories, and false when the vault keeps
// them in a directory (StorageDir). A vault's own setting comes before its region's, and that
// before the engine-wide storage, which a region with a storage_dir does not take.
func (c *Config) VaultStorage(region, vault string) (s3blob.Location, bool) {
	r := c.Regions[region]
	s := r.Storage
	if v, ok := r.Vaults[vault]; ok && v.Storage != "" {
		s = v.Storage
	}
	if s == "" && r.StorageDir == "" {
		s = c.Storage
	}
	if s == "" {
		return s3blob.Location{}, false
	}
	loc, err := s3blob.ParseLocation(s)
	return loc, err == nil // validate refused a bad one at load
}

// StorageDir returns where region keeps its vault repositories: the configured directory, else
// def (the data dir's layout).
func (c *Config) StorageDir(region, def string) string {
	if r, ok := c.Regions[region]; ok && strings.TrimSpace(r.StorageDir) != "" {
		return r.StorageDir
	}
	return def
}
