// Package secrets keeps credentials that callers hand the engine — the KEY:SECRET@ of an S3
// locator, the password of a PostgreSQL URL — sealed wherever the engine stores them.
//
// The boundary is the metadata store: Wrap returns a store.Store whose documents are sealed on
// the way in and opened on the way out, so every record that copies a locator (the registry,
// backup, copy and restore jobs, recovery points, queued work) is covered without any of them
// knowing, and the domain keeps reading plain documents. A document is sealed whole when it holds
// a credential anywhere (HoldsCredential); documents without one are stored as they are, so the
// store stays inspectable for everything that is not secret.
//
// Sealing is AES-256-GCM (the standard library's, as the vault repositories use) under a key
// derived with HKDF-SHA256 from the data dir's master key, with a random 96-bit nonce and the
// document's collection and key as additional data: a sealed document copied under another key
// does not open. Sealed form: magic || nonce || ciphertext || tag. The magic starts with a NUL
// byte, which no JSON document does; a document that happens to begin with it is sealed too, so
// whatever carries the magic in the store is always a sealed document.
//
// Hand-written, briefly, because no library seals documents at a key-value boundary; the
// cryptography itself is crypto/aes, crypto/cipher and crypto/hkdf.
//
// Stores written before sealing existed hold credentials in plain text, in the database file and
// possibly in its WAL and free pages. SealExisting re-seals them once and has the store scrub
// what the plain text left behind (a checkpoint and VACUUM for SQLite).
package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
)

// magic begins every sealed document.
const magic = "\x00strongroom-sealed-v1\x00"

// hkdfInfo separates the store's sealing key from every other key derived from the master key.
const hkdfInfo = "strongroom/secrets/v1 store documents"

// Sealer seals and opens documents under a key derived from the master key.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer derives the document-sealing key from the data dir's master key.
func NewSealer(masterKey [32]byte) (*Sealer, error) {
	key, err := hkdf.Key(sha256.New, masterKey[:], nil, hkdfInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("derive the store's sealing key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("derive the store's sealing key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("derive the store's sealing key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// ErrUnsealable is wrapped by the error of a sealed document that does not open: a master key
// other than the one that sealed it, or a damaged or tampered document.
var ErrUnsealable = errors.New("a sealed document does not open with this data dir's master key")

func aad(collection, key string) []byte {
	return []byte(magic + collection + "\x00" + key)
}

// IsSealed reports whether a stored document is in sealed form.
func IsSealed(doc []byte) bool { return bytes.HasPrefix(doc, []byte(magic)) }

// needsSealing reports whether a document must be stored sealed: it holds a credential, or it
// begins like a sealed document and so must not be mistaken for one.
func needsSealing(doc []byte) bool { return IsSealed(doc) || HoldsCredential(doc) }

// Seal returns the sealed form of doc, stored under collection/key.
func (s *Sealer) Seal(collection, key string, doc []byte) []byte {
	ns := s.aead.NonceSize()
	out := make([]byte, len(magic)+ns, len(magic)+ns+len(doc)+s.aead.Overhead())
	copy(out, magic)
	if _, err := rand.Read(out[len(magic):]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // never happens on supported systems
	}
	return s.aead.Seal(out, out[len(magic):], doc, aad(collection, key))
}

// Open returns the document a sealed document under collection/key holds; a document that is not
// sealed is returned as it is.
func (s *Sealer) Open(collection, key string, stored []byte) ([]byte, error) {
	if !IsSealed(stored) {
		return stored, nil
	}
	body := stored[len(magic):]
	ns := s.aead.NonceSize()
	if len(body) < ns+s.aead.Overhead() {
		return nil, fmt.Errorf("%s/%s: %w (it is truncated)", collection, key, ErrUnsealable)
	}
	doc, err := s.aead.Open(nil, body[:ns], body[ns:], aad(collection, key))
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w: restore the data dir's master.key from a copy", collection, key, ErrUnsealable)
	}
	return doc, nil
}

// sealIfNeeded is what a write stores: the sealed form of a document that needs it, the document
// itself otherwise.
func (s *Sealer) sealIfNeeded(collection, key string, doc []byte) []byte {
	if needsSealing(doc) {
		return s.Seal(collection, key, doc)
	}
	return doc
}

var (
	// userinfoPassword finds scheme://USER:PASSWORD@ anywhere: an S3 locator's KEY:SECRET@, a
	// PostgreSQL URL's password. Characters JSON escapes inside a password (\u003c ...) are
	// neither '/', '@' nor quotes, so the pattern sees through the encoding.
	userinfoPassword = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/@\s":?#]*:[^/@\s"]*@`)
	// queryPassword finds libpq's password=/sslpassword= URL parameters; JSON encodes '&' as
	// \u0026.
	queryPassword = regexp.MustCompile(`(?:\?|&|\\u0026)(?:ssl)?password=`)
)

// HoldsCredential reports whether b holds a credential the engine must not store in plain text:
// a URL with a password in its user info (http://KEY:SECRET@..., postgres://USER:PASSWORD@...)
// or a password= query parameter. It looks at the raw bytes, so it works on any encoding of a
// document that keeps URLs readable (JSON does).
func HoldsCredential(b []byte) bool {
	hasURL := bytes.Contains(b, []byte("://")) && bytes.IndexByte(b, '@') >= 0
	hasParam := bytes.Contains(b, []byte("password="))
	return hasURL && userinfoPassword.Match(b) || hasParam && queryPassword.Match(b)
}
