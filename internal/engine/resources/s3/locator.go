package s3

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
)

// Location is a parsed S3 locator: which bucket, on which endpoint, reached with which
// credentials. Its string form is
//
//	http[s]://[ACCESS_KEY_ID:SECRET_ACCESS_KEY@]HOST[:PORT]/BUCKET[?region=REGION][&profile=PROFILE]
//
// Credentials come from the first of: the URL's user info; the named profile of the engine's
// shared AWS config and credentials files (?profile=); the engine's default AWS credential chain
// (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws). The last two are the
// operator's credentials, lent only as the operator's Policy allows. Requests are path-style
// (HOST/BUCKET/KEY), which every S3-compatible server accepts; region defaults to us-east-1.
type Location struct {
	// Endpoint is scheme://host[:port], without credentials or path.
	Endpoint string
	Bucket   string
	// Region signs requests; "" is us-east-1.
	Region string
	// Profile names a profile of the shared AWS config files.
	Profile string
	// AccessKeyID and SecretAccessKey are the URL's user info, if it has any.
	AccessKeyID, SecretAccessKey string
}

// DefaultRegion is the region requests are signed for when the locator names none.
const DefaultRegion = "us-east-1"

// acceptedQuery are the locator's query parameters.
var acceptedQuery = []string{"profile", "region"}

// ParseLocator parses and checks a locator. Its errors never repeat a secret.
func ParseLocator(s string) (Location, error) {
	const shape = "http[s]://[ACCESS_KEY_ID:SECRET@]HOST[:PORT]/BUCKET[?region=REGION&profile=PROFILE]"
	u, err := url.Parse(s)
	if err != nil {
		return Location{}, fmt.Errorf("%s is not a URL: expected %s", RedactLocator(s), shape)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return Location{}, fmt.Errorf("%s is not an http or https URL: expected %s", RedactLocator(s), shape)
	}
	if u.Host == "" {
		return Location{}, fmt.Errorf("%s names no host: expected %s", RedactLocator(s), shape)
	}
	if u.Fragment != "" || u.Opaque != "" {
		return Location{}, fmt.Errorf("%s has parts an S3 locator cannot have: expected %s", RedactLocator(s), shape)
	}
	loc := Location{Endpoint: scheme + "://" + strings.ToLower(u.Host)}
	if u.User != nil {
		loc.AccessKeyID = u.User.Username()
		loc.SecretAccessKey, _ = u.User.Password()
		if loc.AccessKeyID == "" || loc.SecretAccessKey == "" {
			return Location{}, fmt.Errorf("%s: give both ACCESS_KEY_ID:SECRET_ACCESS_KEY before the host, or neither (then ?profile= or the engine's AWS credentials are used)", RedactLocator(s))
		}
	}
	path := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/"), "/")
	if path == "" {
		return Location{}, fmt.Errorf("%s names no bucket: expected %s", RedactLocator(s), shape)
	}
	if strings.Contains(path, "/") {
		return Location{}, fmt.Errorf("%s: the path must be just the bucket (a resource is a whole bucket, not a prefix): expected %s", RedactLocator(s), shape)
	}
	if err := ValidBucketName(path); err != nil {
		return Location{}, fmt.Errorf("%s: %w", RedactLocator(s), err)
	}
	loc.Bucket = path
	q := u.Query()
	for k, v := range q {
		switch {
		case k == "region" && len(v) == 1 && v[0] != "":
			loc.Region = v[0]
		case k == "profile" && len(v) == 1 && v[0] != "":
			loc.Profile = v[0]
		default:
			return Location{}, fmt.Errorf("%s: query parameter %q is not understood: an S3 locator takes %s, once each and not empty", RedactLocator(s), k, strings.Join(acceptedQuery, " and "))
		}
	}
	if loc.Profile != "" && loc.AccessKeyID != "" {
		return Location{}, fmt.Errorf("%s has both keys and ?profile=: give one", RedactLocator(s))
	}
	return loc, nil
}

// String is the canonical locator, credentials included: what the registry stores.
func (l Location) String() string { return l.format(false) }

// Redacted is the locator with its secret access key masked, for messages and listings.
func (l Location) Redacted() string { return l.format(true) }

// Display is the endpoint and bucket alone, http[s]://HOST[:PORT]/BUCKET: where the data is,
// without anything about credentials.
func (l Location) Display() string { return l.Endpoint + "/" + l.Bucket }

func (l Location) format(redact bool) string {
	u, _ := url.Parse(l.Endpoint)
	u.Path = "/" + l.Bucket
	if l.AccessKeyID != "" {
		secret := l.SecretAccessKey
		if redact {
			secret = "xxxxx"
		}
		u.User = url.UserPassword(l.AccessKeyID, secret)
	}
	q := url.Values{}
	if l.Region != "" {
		q.Set("region", l.Region)
	}
	if l.Profile != "" {
		q.Set("profile", l.Profile)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// WithBucket is the same endpoint and credentials, for another bucket.
func (l Location) WithBucket(bucket string) Location {
	l.Bucket = bucket
	return l
}

// SigningRegion is the region requests are signed for.
func (l Location) SigningRegion() string {
	if l.Region != "" {
		return l.Region
	}
	return DefaultRegion
}

// RedactLocator masks the password of a URL-shaped locator (an S3 or PostgreSQL URL), in its user
// info or in a password= or sslpassword= query parameter (libpq's); anything else is returned as
// it is.
func RedactLocator(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(s, "@") || strings.Contains(s, "password=") {
			return "(a URL that does not parse)"
		}
		return s
	}
	redacted := false
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
		redacted = true
	}
	if q := u.Query(); q.Has("password") || q.Has("sslpassword") {
		for _, k := range []string{"password", "sslpassword"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
		redacted = true
	}
	if !redacted {
		return s
	}
	return u.String()
}

// ValidBucketName checks a general purpose bucket name against S3's naming rules
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3 to 63
// lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit, no
// two adjacent dots, not shaped like an IP address, and none of the reserved prefixes and
// suffixes.
func ValidBucketName(name string) error {
	const rule = "bucket names are 3 to 63 lower-case letters, digits, dots and hyphens, and begin and end with a letter or digit"
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("bucket name %q is %d characters long: %s", name, len(name), rule)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isAlnum(c) && c != '.' && c != '-' {
			return fmt.Errorf("bucket name %q contains %q: %s", name, c, rule)
		}
	}
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) {
		return fmt.Errorf("bucket name %q: %s", name, rule)
	}
	if strings.Contains(name, "..") {
		return fmt.Errorf("bucket name %q has two adjacent dots", name)
	}
	if net.ParseIP(name) != nil {
		return fmt.Errorf("bucket name %q is shaped like an IP address, which S3 does not allow", name)
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return fmt.Errorf("bucket name %q begins with the reserved prefix %s", name, p)
		}
	}
	for _, suf := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, suf) {
			return fmt.Errorf("bucket name %q ends with the reserved suffix %s", name, suf)
		}
	}
	return nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
