package s3blob

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Location is where a store's objects live: a bucket, a key prefix in it, and how to reach and
// sign for it. It holds no secret: credentials come from a profile of the engine's AWS config
// files, or from the engine's environment.
type Location struct {
	Bucket string
	// Prefix is the key prefix of every object, "" or ending in "/".
	Prefix string
	// Endpoint is the S3 endpoint, "https://HOST[:PORT]"; "" for AWS S3 in Region.
	Endpoint string
	// Region signs the requests; "" means us-east-1.
	Region string
	// Profile names a profile of the engine's shared AWS config and credentials files; "" uses
	// the engine's default credential chain (environment, files' default profile, instance role).
	Profile string
	// Unconditional says the server does not support conditional writes (If-None-Match: *):
	// the store then checks with HEAD before each PUT (see Store.Save for what that risks).
	Unconditional bool
}

// LocationShape is the syntax of a storage URL, for error messages and documentation.
const LocationShape = "s3://BUCKET[/PREFIX][?endpoint=https://HOST[:PORT]][&region=REGION][&profile=NAME][&conditional=false]"

var acceptedQuery = []string{"endpoint", "region", "profile", "conditional"}

// ParseLocation parses a storage URL (LocationShape). Keys are refused in it: a storage URL sits
// in config.json and the provider block, which are not places for secrets; name a profile.
func ParseLocation(s string) (Location, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Location{}, fmt.Errorf("storage %q is not a URL (want %s): %w", s, LocationShape, err)
	}
	if u.Scheme != "s3" {
		return Location{}, fmt.Errorf("storage %q: the scheme must be s3:// (want %s)", s, LocationShape)
	}
	if u.User != nil {
		return Location{}, fmt.Errorf("storage %q: keys in the URL would be stored in plain text; put them in a profile of the engine's AWS credentials file and give &profile=NAME, or in the engine's environment", u.Redacted())
	}
	loc := Location{Bucket: u.Host}
	if loc.Bucket == "" {
		return Location{}, fmt.Errorf("storage %q names no bucket (want %s)", s, LocationShape)
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		for _, c := range strings.Split(p, "/") {
			if c == "" || c == "." || c == ".." {
				return Location{}, fmt.Errorf("storage %q: the prefix %q has an empty, '.' or '..' component", s, p)
			}
		}
		loc.Prefix = p + "/"
	}
	for k, v := range u.Query() {
		if !slices.Contains(acceptedQuery, k) {
			return Location{}, fmt.Errorf("storage %q: unknown parameter %q (accepted: %s)", s, k, strings.Join(acceptedQuery, ", "))
		}
		if len(v) != 1 || v[0] == "" {
			return Location{}, fmt.Errorf("storage %q: give %s= once, with a value", s, k)
		}
		switch k {
		case "endpoint":
			e, err := url.Parse(v[0])
			if err != nil || (e.Scheme != "https" && e.Scheme != "http") || e.Host == "" || e.User != nil || strings.Trim(e.Path, "/") != "" {
				return Location{}, fmt.Errorf("storage %q: endpoint=%q must be http[s]://HOST[:PORT], without keys or a path", s, v[0])
			}
			loc.Endpoint = e.Scheme + "://" + e.Host
		case "region":
			loc.Region = v[0]
		case "profile":
			loc.Profile = v[0]
		case "conditional":
			switch v[0] {
			case "true":
			case "false":
				loc.Unconditional = true
			default:
				return Location{}, fmt.Errorf("storage %q: conditional=%q must be true or false", s, v[0])
			}
		}
	}
	return loc, nil
}

// String is the location as a storage URL; it holds no secret.
func (l Location) String() string {
	q := url.Values{}
	if l.Endpoint != "" {
		q.Set("endpoint", l.Endpoint)
	}
	if l.Region != "" {
		q.Set("region", l.Region)
	}
	if l.Profile != "" {
		q.Set("profile", l.Profile)
	}
	if l.Unconditional {
		q.Set("conditional", "false")
	}
	u := url.URL{Scheme: "s3", Host: l.Bucket, Path: "/" + strings.TrimSuffix(l.Prefix, "/"), RawQuery: q.Encode()}
	if l.Prefix == "" {
		u.Path = ""
	}
	return u.String()
}

// Sub is the location of prefix under l: one store per vault repository in one bucket.
func (l Location) Sub(prefix ...string) Location {
	for _, p := range prefix {
		l.Prefix += strings.Trim(p, "/") + "/"
	}
	return l
}

func (l Location) signingRegion() string {
	if l.Region == "" {
		return "us-east-1"
	}
	return l.Region
}
