// Package records is the engine's stored state, below the domain: the collections its documents
// live in, how a document is read, written and paged through, and the rules that hold over stored
// records alone. The domain (service) calls it; it calls nothing above it, only the store.
package records

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// GetDoc reads and decodes one document; found is false when there is none.
func GetDoc[T any](tx store.Tx, coll, key string) (v T, found bool, err error) {
	b, err := tx.Get(coll, key)
	if errors.Is(err, store.ErrNotFound) {
		return v, false, nil
	}
	if err != nil {
		return v, false, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, false, fmt.Errorf("decode %s/%s: %w", coll, key, err)
	}
	return v, true, nil
}

// PutDoc encodes v and stores it under key, replacing any document there.
func PutDoc(tx store.Tx, coll, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", coll, key, err)
	}
	return tx.Put(coll, key, b)
}

// InsertDoc encodes v and stores it under key; the store refuses a key that is already taken.
func InsertDoc(tx store.Tx, coll, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", coll, key, err)
	}
	return tx.Insert(coll, key, b)
}

// DeleteIfExists deletes a document; one that is not there is not an error.
func DeleteIfExists(tx store.Tx, coll, key string) error {
	if err := tx.Delete(coll, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// DefaultMaxResults is the page size when a List call gives no MaxResults.
const DefaultMaxResults = 1000

// Page lists documents of coll under prefix, decoded as T, that keep accepts, starting after the
// position encoded in nextToken. It returns at most maxResults items and the token of the next
// page ("" on the last one). Order is key order, so pages are stable under concurrent inserts.
func Page[T any](tx store.Tx, coll, prefix, nextToken string, maxResults *int32, keep func(*T) bool) ([]*T, string, error) {
	limit := DefaultMaxResults
	if maxResults != nil && *maxResults > 0 {
		limit = int(*maxResults)
	}
	after := ""
	if nextToken != "" {
		k, err := DecodeToken(nextToken, prefix)
		if err != nil {
			return nil, "", err
		}
		after = k
	}
	var out []*T
	for {
		batch := limit + 1
		if batch < 100 {
			batch = 100
		}
		docs, err := tx.Scan(coll, prefix, after, batch)
		if err != nil {
			return nil, "", err
		}
		for _, d := range docs {
			var v T
			if err := json.Unmarshal(d.Value, &v); err != nil {
				return nil, "", fmt.Errorf("decode %s/%s: %w", coll, d.Key, err)
			}
			if keep != nil && !keep(&v) {
				after = d.Key
				continue
			}
			if len(out) == limit {
				// One more item exists beyond this page: the page ends at the previous key.
				return out, EncodeToken(after), nil
			}
			out = append(out, &v)
			after = d.Key
		}
		if len(docs) < batch {
			return out, "", nil
		}
	}
}

// EncodeToken makes the NextToken of a page that ended at key. Tokens are opaque to clients;
// they carry the last key of the previous page.
func EncodeToken(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// DecodeToken returns the key a NextToken carries, refusing one that is not under prefix.
func DecodeToken(token, prefix string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return "", apierr.InvalidParameter("NextToken %q is not valid for this request: pass the NextToken of the previous page unchanged", token)
	}
	return string(b), nil
}

// ScanDocs decodes every document of coll under prefix and calls fn with it.
func ScanDocs[T any](tx store.Tx, coll, prefix string, fn func(*T)) error {
	after := ""
	for {
		docs, err := tx.Scan(coll, prefix, after, 512)
		if err != nil {
			return err
		}
		for _, d := range docs {
			var v T
			if err := json.Unmarshal(d.Value, &v); err != nil {
				return fmt.Errorf("decode %s/%s: %w", coll, d.Key, err)
			}
			fn(&v)
		}
		if len(docs) < 512 {
			return nil
		}
		after = docs[len(docs)-1].Key
	}
}
