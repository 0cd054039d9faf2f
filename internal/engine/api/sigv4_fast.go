package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/smithy-go/encoding/httpbinding"
)

// The signature's fast path. checkSignature's reference is aws-sdk-go-v2's signer run over a
// copy of the request, which costs about a hundred allocations a call (a request and header
// clone, a map and a string per header, the canonical request joined from parts, a key derived
// through a cache keyed by strings it builds). For the requests SDKs and the AWS CLI send, the
// canonical request is built here instead, in one buffer, with the same rules as the SDK's
// signer (its code is the model: path escaped again as httpbinding.EscapePath does, the query
// sorted and encoded as its EncodeQuery, header values trimmed as its StripExcessSpaces), and
// signed with a signing key derived once per key, date, region and service.
//
// The fast path only ever accepts: a signature it does not reproduce, or a request it does not
// cover (a header the SDK's signer would leave out, an opaque URL, a default port), goes to the
// SDK's signer, whose verdict stands. So it cannot refuse a request the SDK accepts, and it
// accepts only a signature made with the key over the canonical form of this very request.

// fastSignature returns the signature s should carry over payloadHash, in hex, and false where
// the fast path does not cover the request.
func (v *verifier) fastSignature(s *signedRequest, payloadHash string, bodyLen int64) (string, bool) {
	var mac [sha256.Size]byte
	if !v.fastMAC(s, payloadHash, bodyLen, &mac) {
		return "", false
	}
	return hex.EncodeToString(mac[:]), true
}

// fastSignatureMatches reports whether the fast path covers s and reproduces its signature.
func (v *verifier) fastSignatureMatches(s *signedRequest, payloadHash string, bodyLen int64) bool {
	var mac, claimed [sha256.Size]byte
	return decodeSignature(s.auth.signature, &claimed) && v.fastMAC(s, payloadHash, bodyLen, &mac) && hmac.Equal(mac[:], claimed[:])
}

// decodeSignature decodes a hex signature into sig (hex.Decode would need it as a []byte, a
// copy on the heap).
func decodeSignature(hexSig string, sig *[sha256.Size]byte) bool {
	if len(hexSig) != 2*sha256.Size {
		return false
	}
	for i := range sig {
		hi, ok1 := fromHexChar(hexSig[2*i])
		lo, ok2 := fromHexChar(hexSig[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		sig[i] = hi<<4 | lo
	}
	return true
}

func fromHexChar(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// fastMAC computes into mac the signature s should carry over payloadHash, and reports false
// where the fast path does not cover the request.
func (v *verifier) fastMAC(s *signedRequest, payloadHash string, bodyLen int64, mac *[sha256.Size]byte) bool {
	r, a := s.r, s.auth
	if r.URL.Opaque != "" || strings.HasSuffix(r.Host, ":80") {
		return false
	}
	signedAt := s.signedAt.UTC()
	b := fastBuffers.Get().(*fastBuffer)
	defer fastBuffers.Put(b)
	c := b.canonical[:0]
	c = append(c, r.Method...)
	c = append(c, '\n')
	c = append(c, httpbinding.EscapePath(escapedPath(r.URL), false)...)
	c = append(c, '\n')
	c = appendCanonicalQuery(c, r.URL.RawQuery)
	c = append(c, '\n')
	// The headers, in the client's order, which must be sorted and without repeats, as the
	// SDK's signer sorts and merges them; host and x-amz-date are always among the SDK's.
	sawHost, sawDate := false, false
	for i, name := range a.signedHeaders {
		if i > 0 && name <= a.signedHeaders[i-1] || name != strings.ToLower(name) {
			return false
		}
		c = append(c, name...)
		c = append(c, ':')
		switch name {
		case "host":
			sawHost = true
			c = appendTrimmedValue(c, r.Host)
		case "x-amz-date":
			sawDate = true
			c = signedAt.AppendFormat(c, amzDateLayout)
		case "content-length":
			n := r.ContentLength
			if n < 0 {
				n = bodyLen
			}
			if n <= 0 { // the SDK's signer leaves a zero length out
				return false
			}
			c = strconv.AppendInt(c, n, 10)
		case "authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding":
			return false // the SDK's signer ignores these
		default:
			values := headerValues(r.Header, name)
			if len(values) == 0 {
				return false
			}
			for j, val := range values {
				if j > 0 {
					c = append(c, ',')
				}
				c = appendTrimmedValue(c, val)
			}
		}
		c = append(c, '\n')
	}
	if !sawHost || !sawDate {
		return false
	}
	c = append(c, '\n')
	for i, name := range a.signedHeaders {
		if i > 0 {
			c = append(c, ';')
		}
		c = append(c, name...)
	}
	c = append(c, '\n')
	c = append(c, payloadHash...)
	b.canonical = c

	b.sha.Reset()
	b.sha.Write(c)
	sum := b.sha.Sum(b.sum[:0])
	toSign := b.toSign[:0]
	toSign = append(toSign, "AWS4-HMAC-SHA256\n"...)
	toSign = signedAt.AppendFormat(toSign, amzDateLayout)
	toSign = append(toSign, '\n')
	toSign = append(toSign, a.date...)
	toSign = append(toSign, '/')
	toSign = append(toSign, a.region...)
	toSign = append(toSign, '/')
	toSign = append(toSign, a.service...)
	toSign = append(toSign, "/aws4_request\n"...)
	toSign = hex.AppendEncode(toSign, sum)
	b.toSign = toSign

	key := v.signingKey(s.key.SecretAccessKey, a.date, a.region, a.service)
	m, _ := key.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, key.key)
	}
	m.Reset()
	m.Write(toSign)
	m.Sum(mac[:0])
	key.macs.Put(m)
	return true
}

// fastBuffer holds one signature's scratch space.
type fastBuffer struct {
	canonical, toSign []byte
	sum               [sha256.Size]byte // the canonical request's hash
	sha               hash.Hash
}

var fastBuffers = sync.Pool{New: func() any {
	return &fastBuffer{canonical: make([]byte, 0, 1024), toSign: make([]byte, 0, 256), sha: sha256.New()}
}}

// headerValues is h.Values(name) for a lower-case name, without building its canonical form
// on the heap.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) > len(buf) {
		return h.Values(name)
	}
	key := buf[:len(name)]
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		key[i] = c
		upper = c == '-'
	}
	return h[string(key)]
}

// escapedPath is the SDK's GetURIPath for a URL without an Opaque part.
func escapedPath(u *url.URL) string {
	if p := u.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// appendCanonicalQuery appends the SDK's EncodeQuery of rawQuery: every key and value decoded as
// url.ParseQuery does, escaped as url.QueryEscape with "%20" for a space, sorted by key, then
// value.
func appendCanonicalQuery(c []byte, rawQuery string) []byte {
	if rawQuery == "" {
		return c
	}
	query, _ := url.ParseQuery(rawQuery) // the SDK's signer reads it through URL.Query, which drops what it cannot parse
	type param struct{ key, value string }
	var params []param
	for k, vals := range query {
		ek := queryEscape(k)
		for _, val := range vals {
			params = append(params, param{ek, queryEscape(val)})
		}
	}
	sort.Slice(params, func(i, j int) bool {
		if params[i].key != params[j].key {
			return params[i].key < params[j].key
		}
		return params[i].value < params[j].value
	})
	for i, p := range params {
		if i > 0 {
			c = append(c, '&')
		}
		c = append(c, p.key...)
		c = append(c, '=')
		c = append(c, p.value...)
	}
	return c
}

func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// appendTrimmedValue appends a header value as the SDK's signer canonicalises it:
// strings.TrimSpace of StripExcessSpaces (leading and trailing spaces cut, runs of spaces
// inside made one).
func appendTrimmedValue(c []byte, v string) []byte {
	v = strings.Trim(v, " ")
	if !strings.Contains(v, "  ") {
		return append(c, strings.TrimSpace(v)...)
	}
	var sb strings.Builder
	spaces := 0
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			if spaces == 0 {
				sb.WriteByte(' ')
			}
			spaces++
			continue
		}
		spaces = 0
		sb.WriteByte(v[i])
	}
	return append(c, strings.TrimSpace(sb.String())...)
}

// signingKey is a SigV4 signing key and the HMACs keyed with it that calls have finished with.
type signingKey struct {
	key  []byte
	macs sync.Pool // of hash.Hash: hmac.New(sha256.New, key)
}

// signingKey returns the SigV4 signing key of secret for a date, region and service, derived
// once and kept: deriving it is four HMACs.
func (v *verifier) signingKey(secret, date, region, service string) *signingKey {
	id := signingKeyID{secret, date, region, service}
	v.keysMu.Lock()
	key, ok := v.signingKeys[id]
	v.keysMu.Unlock()
	if ok {
		return key
	}
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	key = &signingKey{key: hmacSHA256(k, "aws4_request")}
	v.keysMu.Lock()
	defer v.keysMu.Unlock()
	if v.signingKeys == nil || len(v.signingKeys) >= maxSigningKeys {
		// A new day, or many keys: start over rather than track which are stale.
		v.signingKeys = map[signingKeyID]*signingKey{}
	}
	v.signingKeys[id] = key
	return key
}

// maxSigningKeys bounds the signing keys kept: a day's are one per key and region.
const maxSigningKeys = 256

type signingKeyID struct{ secret, date, region, service string }

func hmacSHA256(key []byte, data string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(data))
	return mac.Sum(nil)
}
