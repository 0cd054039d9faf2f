package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
)

// signingService is the SigV4 service name AWS Backup requests are signed for.
const signingService = "backup"

// maxSkew is how far a request's X-Amz-Date may be from the wall clock, as on AWS.
const maxSkew = 5 * time.Minute

const amzDateLayout = "20060102T150405Z"

// Identity is who signed a request, and for which region.
type Identity struct {
	AccessKeyID string
	AccountID   string
	Region      string
}

// KeyLookup resolves an access key ID to its key.
type KeyLookup interface {
	Lookup(accessKeyID string) (credentials.Key, bool)
}

// verifier checks SigV4 signatures. It recomputes the signature with aws-sdk-go-v2's own signer
// over exactly the headers the client signed, so the canonicalisation rules (path escaping, query
// sorting, header trimming) are the SDK's rather than a second hand-written copy.
type verifier struct {
	keys   KeyLookup
	signer *v4.Signer
	wall   func() time.Time
	// regions are the regions a credential may be scoped to; the region names directories of the
	// data dir, so nothing else gets past the signature check (nil: AWS's standard regions).
	regions *region.Set
	// signingKeys are the signing keys fastSignature derived (sigv4_fast.go).
	keysMu      sync.Mutex
	signingKeys map[signingKeyID]*signingKey
}

func newVerifier(keys KeyLookup) *verifier {
	return &verifier{keys: keys, signer: v4.NewSigner(), wall: clock.Wall}
}

type authHeader struct {
	accessKeyID, date, region, service string
	signedHeaders                      []string
	signature                          string
}

func parseAuthorization(h string) (authHeader, error) {
	const algo = "AWS4-HMAC-SHA256"
	var a authHeader
	if !strings.HasPrefix(h, algo+" ") {
		return a, apierr.New(apierr.IncompleteSignature, "unsupported signature algorithm: the Authorization header must start with %s", algo)
	}
	for _, part := range strings.Split(strings.TrimPrefix(h, algo+" "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 || f[4] != "aws4_request" {
				return a, apierr.New(apierr.IncompleteSignature, "the Credential %q must be ACCESS_KEY/DATE/REGION/SERVICE/aws4_request", v)
			}
			a.accessKeyID, a.date, a.region, a.service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	switch {
	case a.accessKeyID == "":
		return a, apierr.New(apierr.IncompleteSignature, "Authorization header requires 'Credential' parameter")
	case len(a.signedHeaders) == 0:
		return a, apierr.New(apierr.IncompleteSignature, "Authorization header requires 'SignedHeaders' parameter")
	case a.signature == "":
		return a, apierr.New(apierr.IncompleteSignature, "Authorization header requires 'Signature' parameter")
	}
	return a, nil
}

// verify makes every check of r's authentication that needs no body: the Authorization header,
// its scope, the date and the key. When the client signed an X-Amz-Content-Sha256 header, the
// signature itself is checked too, over that declared hash, so a request with a wrong signature is
// refused before a byte of its body is read. Otherwise (aws-sdk-go-v2's and botocore's backup
// clients send no X-Amz-Content-Sha256), the signature covers the body's hash and is checked by
// verifyBody once the body, bounded by the caller, has been read.
func (v *verifier) verify(ctx context.Context, r *http.Request) (*signedRequest, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, apierr.New(apierr.MissingAuthToken, "Missing Authentication Token: sign requests with SigV4 (the AWS CLI and SDKs do this when credentials are configured; `terraform-provider-backup engine credentials --data-dir DIR` prints them)")
	}
	a, err := parseAuthorization(h)
	if err != nil {
		return nil, err
	}
	if a.service != signingService {
		return nil, apierr.New(apierr.InvalidSignature, "credential should be scoped to correct service: '%s'", signingService)
	}
	if err := v.regions.Check(a.region); err != nil {
		return nil, apierr.New(apierr.InvalidSignature, "Credential should be scoped to a valid region, not %q: %v", a.region, err)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return nil, apierr.New(apierr.IncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header")
	}
	signedAt, err := time.Parse(amzDateLayout, amzDate)
	if err != nil {
		return nil, apierr.New(apierr.IncompleteSignature, "X-Amz-Date %q is not in the form %s", amzDate, amzDateLayout)
	}
	now := v.wall()
	switch {
	case signedAt.Before(now.Add(-maxSkew)):
		return nil, apierr.New(apierr.InvalidSignature, "Signature expired: %s is now earlier than %s (%s - 5 min.)",
			amzDate, now.Add(-maxSkew).Format(amzDateLayout), now.Format(amzDateLayout))
	case signedAt.After(now.Add(maxSkew)):
		return nil, apierr.New(apierr.InvalidSignature, "Signature not yet current: %s is still later than %s (%s + 5 min.)",
			amzDate, now.Add(maxSkew).Format(amzDateLayout), now.Format(amzDateLayout))
	}
	if a.date != signedAt.Format("20060102") {
		return nil, apierr.New(apierr.InvalidSignature, "credential should be scoped to a valid date: %s does not match X-Amz-Date %s", a.date, amzDate)
	}
	key, ok := v.keys.Lookup(a.accessKeyID)
	if !ok {
		return nil, apierr.New(apierr.UnrecognizedClient, "The security token included in the request is invalid.")
	}

	s := &signedRequest{r: r, auth: a, key: key, signedAt: signedAt}
	if contains(a.signedHeaders, contentSHA256Header) && (!contains(a.signedHeaders, "content-length") || r.ContentLength >= 0) {
		declared := r.Header.Get(contentSHA256Header)
		if !isHexSHA256(declared) {
			return nil, apierr.New(apierr.InvalidSignature, "the x-amz-content-sha256 header must be the hex SHA-256 of the request body; this API does not accept %q", declared)
		}
		if err := v.checkSignature(ctx, s, declared, -1); err != nil {
			return nil, err
		}
		s.declaredHash = strings.ToLower(declared)
	}
	return s, nil
}

// contentSHA256Header is the header in which a client may declare, and sign, its body's hash.
const contentSHA256Header = "x-amz-content-sha256"

// signedRequest is a request whose headers passed verify; its body is still to be checked.
type signedRequest struct {
	r        *http.Request
	auth     authHeader
	key      credentials.Key
	signedAt time.Time
	// declaredHash is the signed X-Amz-Content-Sha256, lower case, when the client sent one; the
	// signature has then been checked already.
	declaredHash string
}

// verifyBody completes the authentication of s with its body.
func (v *verifier) verifyBody(ctx context.Context, s *signedRequest, body []byte) (Identity, error) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if s.declaredHash != "" {
		if !hmac.Equal([]byte(hash), []byte(s.declaredHash)) {
			return Identity{}, apierr.New(apierr.InvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed: the body's SHA-256 is %s", hash)
		}
	} else if err := v.checkSignature(ctx, s, hash, int64(len(body))); err != nil {
		return Identity{}, err
	}
	return Identity{AccessKeyID: s.key.AccessKeyID, AccountID: s.key.AccountID, Region: s.auth.region}, nil
}

// checkSignature recomputes the signature of s over payloadHash and compares it with the
// client's; bodyLen stands in for a Content-Length the client signed but did not send (-1: unknown).
func (v *verifier) checkSignature(ctx context.Context, s *signedRequest, payloadHash string, bodyLen int64) error {
	r, a := s.r, s.auth
	if v.fastSignatureMatches(s, payloadHash, bodyLen) {
		return nil
	}
	// Rebuild the request with only the headers the client signed, then sign it ourselves.
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	clone := &http.Request{Method: r.Method, URL: &u, Host: r.Host, Header: http.Header{}}
	for _, name := range a.signedHeaders {
		switch name {
		case "host":
		case "content-length":
			clone.ContentLength = r.ContentLength
			if clone.ContentLength < 0 {
				clone.ContentLength = bodyLen
			}
		default:
			for _, val := range r.Header.Values(name) {
				clone.Header.Add(name, val)
			}
		}
	}
	creds := aws.Credentials{AccessKeyID: s.key.AccessKeyID, SecretAccessKey: s.key.SecretAccessKey}
	if err := v.signer.SignHTTP(ctx, creds, clone, payloadHash, a.service, a.region, s.signedAt); err != nil {
		return apierr.New(apierr.InvalidSignature, "cannot verify the signature: %v", err)
	}
	want, err := parseAuthorization(clone.Header.Get("Authorization"))
	if err != nil || !hmac.Equal([]byte(want.signature), []byte(a.signature)) {
		return apierr.New(apierr.InvalidSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

func isHexSHA256(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
