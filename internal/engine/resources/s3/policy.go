package s3

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Policy is the engine operator's limit on S3 locators, which callers of the engine write: which
// endpoints they may name, and whether a locator without keys of its own may borrow credentials
// of the engine's. The zero Policy is the safe one: any endpoint, the locator's own keys only.
//
// Three kinds of credentials can sign a locator's requests:
//   - the locator's own KEY:SECRET@ — the caller's credentials, always accepted;
//   - ?profile=NAME, a profile of the AWS config and credentials files of the user the engine
//     runs as — the operator's credentials, accepted only for profiles the operator lists in
//     AllowedProfiles. A profile is as much the operator's as the environment is (and a profile
//     may run a credential_process or assume a role), so naming one is borrowing it; a list,
//     rather than a switch, lets an operator lend the profile of a shared MinIO without lending
//     every other profile of the machine;
//   - the engine's default AWS credential chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
//     AWS_PROFILE, ~/.aws, web identity, an instance or container role) — the operator's, used
//     only with AllowEnvironmentCredentials.
//
// Without the operator's consent a caller could otherwise have the engine sign requests with the
// operator's credentials and send them to a host of the caller's choosing.
type Policy struct {
	// AllowEnvironmentCredentials lets a locator with neither KEY:SECRET@ nor ?profile= be
	// signed with the engine's default AWS credential chain.
	AllowEnvironmentCredentials bool
	// AllowedProfiles are the profiles of the engine's AWS config files that ?profile= may name.
	AllowedProfiles []string
	// AllowedEndpoints, when not empty, are the only endpoints (scheme://host[:port]) locators
	// may name; a port that is the scheme's default may be left out on either side.
	AllowedEndpoints []string
}

// ErrRefused is wrapped by the errors of locators the engine's S3 policy refuses.
var ErrRefused = errors.New("refused by the engine's S3 settings")

// Check reports why the policy refuses loc, or nil. It sends no request.
func (p Policy) Check(loc Location) error {
	if len(p.AllowedEndpoints) > 0 {
		want, err := CanonicalEndpoint(loc.Endpoint)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrRefused, err)
		}
		allowed := false
		for _, e := range p.AllowedEndpoints {
			if c, err := CanonicalEndpoint(e); err == nil && c == want {
				allowed = true
			}
		}
		if !allowed {
			return fmt.Errorf("%w: endpoint %s is not one the engine may reach; use one of %s (s3.allowed_endpoints in the engine config), or ask the engine's operator to add it",
				ErrRefused, loc.Endpoint, strings.Join(p.AllowedEndpoints, ", "))
		}
	}
	switch {
	case loc.AccessKeyID != "":
		return nil
	case loc.Profile != "":
		if !slices.Contains(p.AllowedProfiles, loc.Profile) {
			return fmt.Errorf("%w: ?profile=%s would sign with the engine's own AWS credentials, which it lends only for profiles its operator lists in s3.allowed_profiles of the engine config; put the bucket's keys in the locator instead (http[s]://ACCESS_KEY_ID:SECRET@HOST/BUCKET)",
				ErrRefused, loc.Profile)
		}
		return nil
	case !p.AllowEnvironmentCredentials:
		return fmt.Errorf("%w: %s has no credentials of its own, and the engine lends its own AWS credentials only when its operator sets s3.allow_environment_credentials in the engine config; put the bucket's keys in the locator (http[s]://ACCESS_KEY_ID:SECRET@HOST/BUCKET)",
			ErrRefused, loc.Redacted())
	}
	return nil
}

// CanonicalEndpoint checks an endpoint, scheme://host[:port], and returns it in the form
// endpoints are compared in: scheme and host in lower case, without the scheme's default port.
func CanonicalEndpoint(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("%q is not an endpoint URL such as https://s3.example.com:9000", endpoint)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return "", fmt.Errorf("endpoint %q must begin with http:// or https://", endpoint)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("endpoint %q names no host", endpoint)
	case u.User != nil:
		return "", fmt.Errorf("endpoint %q must not hold credentials", RedactLocator(endpoint))
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "", fmt.Errorf("endpoint %q must be scheme://host[:port] alone, without a path, bucket or query", endpoint)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "80" && scheme == "http" || port == "443" && scheme == "https" {
		port = ""
	}
	if port != "" {
		return scheme + "://" + net.JoinHostPort(host, port), nil
	}
	if strings.Contains(host, ":") { // IPv6
		host = "[" + host + "]"
	}
	return scheme + "://" + host, nil
}

// stayOnEndpoint is the HTTP client's redirect rule: follow a 307 or 308 (which keep the method
// and body, as the SDK's own client does) only to the same endpoint; answer anything else with
// the redirect itself, which fails the request. A redirect must not carry the engine's requests
// to a host the policy never saw.
func stayOnEndpoint(endpoint string) func(*http.Request, []*http.Request) error {
	want, _ := CanonicalEndpoint(endpoint)
	return func(r *http.Request, _ []*http.Request) error {
		if r.Response == nil || (r.Response.StatusCode != http.StatusTemporaryRedirect && r.Response.StatusCode != http.StatusPermanentRedirect) {
			return http.ErrUseLastResponse
		}
		if got, err := CanonicalEndpoint(r.URL.Scheme + "://" + r.URL.Host); err != nil || got != want {
			return fmt.Errorf("%w: the endpoint redirected a request to %s://%s, another endpoint", ErrRefused, r.URL.Scheme, r.URL.Host)
		}
		return nil
	}
}
