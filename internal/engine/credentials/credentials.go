// Package credentials keeps the engine's access keys: which key pairs may sign requests, and the
// account each one acts for.
//
// A daemon started without --access-key-id makes a key pair on first start and keeps it in the
// data dir (mode 0600), so `engine credentials` can print it and the provider's embedded engine can
// reuse it. Extra keys map to other accounts (cross-account copies need a second account).
package credentials

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/layout"
)

// FileName is the key file inside a data dir.
const FileName = "credentials.json"

// DefaultAccountID is the account a new data dir acts for unless told otherwise.
const DefaultAccountID = "123456789012"

var accountPattern = regexp.MustCompile(`^[0-9]{12}$`)

// Key is one access key pair and the account it acts for.
type Key struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	AccountID       string `json:"account_id"`
}

// Ring resolves access key IDs to keys.
type Ring struct {
	keys  map[string]Key
	order []string
}

// NewRing returns a ring holding keys; the first is the primary key.
func NewRing(keys ...Key) (*Ring, error) {
	r := &Ring{keys: map[string]Key{}}
	for _, k := range keys {
		if err := r.Add(k); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Add puts a key on the ring.
func (r *Ring) Add(k Key) error {
	if k.AccessKeyID == "" || k.SecretAccessKey == "" {
		return errors.New("an access key needs both an access key ID and a secret access key")
	}
	if !accountPattern.MatchString(k.AccountID) {
		return fmt.Errorf("account ID %q must be 12 digits", k.AccountID)
	}
	if _, dup := r.keys[k.AccessKeyID]; !dup {
		r.order = append(r.order, k.AccessKeyID)
	}
	r.keys[k.AccessKeyID] = k
	return nil
}

// Lookup returns the key with the given access key ID.
func (r *Ring) Lookup(accessKeyID string) (Key, bool) {
	k, ok := r.keys[accessKeyID]
	return k, ok
}

// Primary returns the first key on the ring.
func (r *Ring) Primary() Key {
	if len(r.order) == 0 {
		return Key{}
	}
	return r.keys[r.order[0]]
}

// Keys returns every key, primary first.
func (r *Ring) Keys() []Key {
	out := make([]Key, 0, len(r.order))
	for _, id := range r.order {
		out = append(out, r.keys[id])
	}
	return out
}

type file struct {
	Keys []Key `json:"keys"`
}

// LoadOrCreate returns the keys kept in dataDir, first making a fresh key pair for accountID if
// the data dir has none. The file is written with mode 0600 and replaced atomically.
func LoadOrCreate(dataDir, accountID string) ([]Key, error) {
	keys, err := Load(dataDir)
	if err == nil {
		return keys, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if accountID == "" {
		accountID = DefaultAccountID
	}
	k := Key{AccessKeyID: "AKIA" + randomString(16, upperAlnum), SecretAccessKey: randomString(40, secretAlphabet), AccountID: accountID}
	if err := Save(dataDir, []Key{k}); err != nil {
		return nil, err
	}
	// Another process may have won the race to create the file; whatever is on disk is the truth.
	return Load(dataDir)
}

// Load reads the keys kept in dataDir.
func Load(dataDir string) ([]Key, error) {
	path, err := layout.Join(dataDir, FileName)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if len(f.Keys) == 0 {
		return nil, fmt.Errorf("%s holds no keys", path)
	}
	return f.Keys, nil
}

// Save writes keys to dataDir with mode 0600, without ever leaving a partial file behind.
func Save(dataDir string, keys []Key) error {
	path, err := layout.Join(dataDir, FileName)
	if err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	b, err := json.MarshalIndent(file{Keys: keys}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dataDir, ".credentials-*")
	if err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write credentials: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write credentials: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	// Link, not rename: if another process created the file first, keep theirs.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write credentials: %w", err)
	}
	return nil
}

// ExportLines renders k as shell export lines for the AWS CLI and SDKs.
func ExportLines(k Key, region string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "export AWS_ACCESS_KEY_ID=%s\n", k.AccessKeyID)
	fmt.Fprintf(&b, "export AWS_SECRET_ACCESS_KEY=%s\n", k.SecretAccessKey)
	if region != "" {
		fmt.Fprintf(&b, "export AWS_DEFAULT_REGION=%s\n", region)
		fmt.Fprintf(&b, "export AWS_REGION=%s\n", region)
	}
	return b.String()
}

const (
	upperAlnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
