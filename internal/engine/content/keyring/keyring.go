// Package keyring holds a repository's key material: the engine's master key file, the wrapping
// of each repository's data key (and namespace key) under it, the subkeys derived from them, and
// the sealed envelope (AES-256-GCM) every encrypted object of the repository is stored in.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MasterKey wraps every vault's data key. It lives in the engine's data dir.
type MasterKey [32]byte

// LoadOrCreateMasterKey reads the master key at path, making one (mode 0600) if there is none.
//
// The file holds the key as 64 hex digits and a newline. A new key is written to a temporary
// file, fsynced and hard-linked into place, so a crash never leaves a truncated key behind and
// two processes racing to create it end up sharing whichever landed first. An existing file that
// does not hold a key is an error, never replaced: replacing it would make every vault it wraps
// unreadable.
func LoadOrCreateMasterKey(path string) (MasterKey, error) {
	mk, err := loadMasterKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return mk, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return MasterKey{}, fmt.Errorf("create master key: %w", err)
	}
	fillRandom(mk[:])
	tmp, err := os.CreateTemp(dir, ".master-key-*")
	if err != nil {
		return MasterKey{}, fmt.Errorf("create master key: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // linked into place or not needed
	werr := func() error {
		if err := tmp.Chmod(0o600); err != nil {
			return err
		}
		if _, err := tmp.WriteString(hex.EncodeToString(mk[:]) + "\n"); err != nil {
			return err
		}
		return tmp.Sync()
	}()
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return MasterKey{}, fmt.Errorf("create master key %s: %w", path, werr)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return MasterKey{}, fmt.Errorf("create master key %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		syncErr := d.Sync()
		_ = d.Close()
		if syncErr != nil {
			return MasterKey{}, fmt.Errorf("create master key %s: %w", path, syncErr)
		}
	}
	// If another process linked its key first, that one is the key.
	return loadMasterKey(path)
}

// LoadMasterKey reads the master key at path; unlike LoadOrCreateMasterKey it never makes one.
func LoadMasterKey(path string) (MasterKey, error) { return loadMasterKey(path) }

func loadMasterKey(path string) (MasterKey, error) {
	var mk MasterKey
	b, err := os.ReadFile(path)
	if err != nil {
		return mk, fmt.Errorf("read master key: %w", err)
	}
	s := strings.TrimSpace(string(b))
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != len(mk) {
		return mk, fmt.Errorf("master key %s does not hold 64 hex digits; restore it from a copy (a new key cannot read existing vaults)", path)
	}
	copy(mk[:], raw)
	return mk, nil
}

// Keys are one repository's working keys, all derived from its data key.
//
// The data key is 32 random bytes made at Init. It is stored only wrapped (see WrapDataKey).
// HKDF-SHA256 derives independent subkeys from it, one per purpose, so that no key is used for
// two things:
//   - "strongroom/content/v1 encryption": AES-256-GCM over chunks, pack tables, index files
//     and snapshots;
//   - "strongroom/content/v1 chunk id": the BLAKE3 key of chunk IDs, so an ID reveals nothing
//     about content to anyone without the key (no confirmation-of-file attacks on the store);
//   - "strongroom/content/v1 gear": the chunker's gear table, so chunk boundaries (and hence
//     chunk sizes, which are visible in the store) cannot fingerprint known files.
//
// A repository made with a namespace key (content.WithNamespaceKey) derives the last two from that
// key instead of its data key. Repositories sharing a namespace key cut the same content at the
// same boundaries and give it the same IDs, while each still encrypts under its own data key: a
// copy between them re-seals chunks without decompressing or re-hashing them, and reads only the
// chunks the destination lacks. What the sharing reveals, to someone who can read the stores of two
// such repositories but holds no key, is which chunks they have in common; the engine shares a
// namespace only among the vaults of one account (copies between which carry the same chunks by
// design), never across accounts.
type Keys struct {
	aead cipher.AEAD
	// IDKey keys chunk IDs (chunk.NewHasher).
	IDKey [32]byte
	// Gear is the chunker's gear table (chunker.New).
	Gear [256]uint64
}

// Derive derives a repository's keys from its data key and, if not nil, its namespace key
// (see above).
func Derive(dataKey, namespaceKey []byte) (*Keys, error) {
	var k Keys
	encKey, err := hkdf.Key(sha256.New, dataKey, nil, "strongroom/content/v1 encryption", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	idSource := dataKey
	if namespaceKey != nil {
		idSource = namespaceKey
	}
	idKey, err := hkdf.Key(sha256.New, idSource, nil, "strongroom/content/v1 chunk id", 32)
	if err != nil {
		return nil, err
	}
	copy(k.IDKey[:], idKey)
	gear, err := hkdf.Key(sha256.New, idSource, nil, "strongroom/content/v1 gear", 256*8)
	if err != nil {
		return nil, err
	}
	for i := range k.Gear {
		k.Gear[i] = binary.LittleEndian.Uint64(gear[i*8:])
	}
	return &k, nil
}

// Key wrapping: the data key is sealed with AES-256-GCM under the master key, with a random
// 96-bit nonce, and with the repository ID and the key ID as additional data, so a wrapped key
// copied into another repository's config, or relabelled with another key ID, does not unwrap.
// wrapped = nonce || ciphertext || tag.
func wrapAAD(repoID, keyID string) []byte {
	return []byte("strongroom/content/v1 data key\x00" + repoID + "\x00" + keyID)
}

// A namespace key is wrapped the same way, under additional data of its own, so it cannot pass
// for the data key (or the data key for it).
func wrapNamespaceAAD(repoID string) []byte {
	return []byte("strongroom/content/v1 namespace key\x00" + repoID)
}

// WrapDataKey wraps a repository's data key under mk.
func WrapDataKey(mk MasterKey, dataKey []byte, repoID, keyID string) ([]byte, error) {
	return wrapKey(mk, dataKey, wrapAAD(repoID, keyID))
}

// UnwrapDataKey unwraps what WrapDataKey wrapped; it fails with ErrWrongKey if mk, repoID or
// keyID is not what it was wrapped with.
func UnwrapDataKey(mk MasterKey, wrapped []byte, repoID, keyID string) ([]byte, error) {
	return unwrapKey(mk, wrapped, wrapAAD(repoID, keyID))
}

// WrapNamespaceKey wraps a repository's namespace key under mk.
func WrapNamespaceKey(mk MasterKey, key []byte, repoID string) ([]byte, error) {
	return wrapKey(mk, key, wrapNamespaceAAD(repoID))
}

// UnwrapNamespaceKey unwraps what WrapNamespaceKey wrapped, or fails with ErrWrongKey.
func UnwrapNamespaceKey(mk MasterKey, wrapped []byte, repoID string) ([]byte, error) {
	return unwrapKey(mk, wrapped, wrapNamespaceAAD(repoID))
}

func wrapKey(mk MasterKey, key, aad []byte) ([]byte, error) {
	block, err := aes.NewCipher(mk[:])
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(key)+gcm.Overhead())
	fillRandom(nonce)
	return gcm.Seal(nonce, nonce, key, aad), nil
}

// ErrWrongKey is returned by the unwrap functions (and so by content.Open) when the master key
// does not unwrap the repository's data key.
var ErrWrongKey = errors.New("content: the master key does not unwrap this repository's data key")

func unwrapKey(mk MasterKey, wrapped, aad []byte) ([]byte, error) {
	block, err := aes.NewCipher(mk[:])
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(wrapped) < gcm.NonceSize()+gcm.Overhead() {
		return nil, ErrWrongKey
	}
	dk, err := gcm.Open(nil, wrapped[:gcm.NonceSize()], wrapped[gcm.NonceSize():], aad)
	if err != nil {
		return nil, ErrWrongKey
	}
	return dk, nil
}

// Sealed layout of every encrypted thing: nonce (12 random bytes) || AES-256-GCM ciphertext ||
// tag (16). Random nonces under one data key are safe for 2^32 seals (NIST SP 800-38D); at one
// seal per chunk that is four billion chunks per vault, i.e. petabytes at the ~1 MiB average,
// or a billion-file tree backed up anew every day for eleven years.
const (
	nonceSize = 12
	tagSize   = 16
	// SealOverhead is what sealing adds to the plaintext.
	SealOverhead = nonceSize + tagSize
)

// Seal appends the sealed form of plaintext to dst.
func (k *Keys) Seal(dst, plaintext, aad []byte) []byte {
	off := len(dst)
	dst = append(dst, make([]byte, nonceSize)...)
	fillRandom(dst[off:])
	return k.aead.Seal(dst, dst[off:off+nonceSize], plaintext, aad)
}

var errAuth = errors.New("authentication failed (corrupt or tampered data)")

// Open decrypts sealed in place and returns the plaintext (which aliases sealed).
func (k *Keys) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < SealOverhead {
		return nil, fmt.Errorf("sealed data of %d bytes is shorter than the %d-byte envelope", len(sealed), SealOverhead)
	}
	pt, err := k.aead.Open(sealed[nonceSize:nonceSize], sealed[:nonceSize], sealed[nonceSize:], aad)
	if err != nil {
		return nil, errAuth
	}
	return pt, nil
}

// fillRandom fills b from crypto/rand, which never fails (it panics if the OS source does).
func fillRandom(b []byte) { _, _ = rand.Read(b) }
