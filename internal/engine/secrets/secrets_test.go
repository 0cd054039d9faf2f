package secrets_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/secrets"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store/storetest"
)

func sealer(t *testing.T, seed byte) *secrets.Sealer {
	t.Helper()
	s, err := secrets.NewSealer([32]byte{seed, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The wrapper keeps every promise of the store contract.
func TestWrappedStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return secrets.Wrap(store.NewMemory(), sealer(t, 1)) })
}

func TestHoldsCredential(t *testing.T) {
	enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	for doc, want := range map[string]bool{
		enc(map[string]string{"locator": "http://AKID:s3cr3t@127.0.0.1:7070/bucket"}):                 true,
		enc(map[string]string{"locator": "https://AKID:se%2Fcr<et>@s3.example.com/b?region=x"}):       true,
		enc(map[string]string{"locator": "postgres://app:pw@db:5432/orders?sslmode=disable"}):         true,
		enc(map[string]string{"locator": "postgres://app@db:5432/orders?sslmode=disable&password=x"}): true,
		enc(map[string]string{"locator": "postgres://app@db/orders?password=x"}):                      true,
		enc(map[string]string{"msg": "cannot reach postgres://u:p@h/db: refused"}):                    true,
		enc(map[string]string{"locator": "postgres://app@db:5432/orders"}):                            false,
		enc(map[string]string{"locator": "http://127.0.0.1:7070/bucket?profile=minio"}):               false,
		enc(map[string]string{"locator": "/srv/data", "arn": "arn:aws:s3:::bucket"}):                  false,
		enc(map[string]string{"destination": "http://host:9000/a@b", "mail": "ops@example.com"}):      false,
		`{"resource":{"locator":"http://AKID:xxxxx@host/bucket"}}`:                                    true, // masked, but harmless to seal
	} {
		if got := secrets.HoldsCredential([]byte(doc)); got != want {
			t.Errorf("HoldsCredential(%s) = %v, want %v", doc, got, want)
		}
	}
}

// A document with a credential is stored sealed (the inner store never sees the secret) and
// read back byte for byte; one without is stored as it is.
func TestDocumentsWithCredentialsAreSealedAtRest(t *testing.T) {
	ctx := context.Background()
	inner := store.NewMemory()
	st := secrets.Wrap(inner, sealer(t, 1))
	secretDoc := []byte(`{"arn":"arn:aws:s3:::media","locator":"http://AKID:TOP-SECRET-KEY@127.0.0.1:7070/media"}`)
	plainDoc := []byte(`{"arn":"arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1","locator":"/srv/data"}`)
	lookalike := []byte("\x00strongroom-sealed-v1\x00 not sealed at all")
	err := st.Update(ctx, func(tx store.Tx) error {
		return errors.Join(tx.Put("resources", "a/r/media", secretDoc), tx.Insert("resources", "a/r/fs-1", plainDoc), tx.Put("other", "odd", lookalike))
	})
	if err != nil {
		t.Fatal(err)
	}
	var rawSecret, rawPlain, rawOdd []byte
	_ = inner.View(ctx, func(tx store.Tx) error {
		rawSecret, _ = tx.Get("resources", "a/r/media")
		rawPlain, _ = tx.Get("resources", "a/r/fs-1")
		rawOdd, _ = tx.Get("other", "odd")
		return nil
	})
	if bytes.Contains(rawSecret, []byte("TOP-SECRET-KEY")) || bytes.Contains(rawSecret, []byte("AKID")) || !secrets.IsSealed(rawSecret) {
		t.Errorf("stored form of a document with a credential: %q, want it sealed", rawSecret)
	}
	if !bytes.Equal(rawPlain, plainDoc) {
		t.Errorf("stored form of a document without credentials: %q, want it as written", rawPlain)
	}
	if bytes.Equal(rawOdd, lookalike) {
		t.Errorf("a document that begins like a sealed one was stored as it is, so it would be mistaken for one")
	}
	_ = st.View(ctx, func(tx store.Tx) error {
		for key, want := range map[string][]byte{"a/r/media": secretDoc, "a/r/fs-1": plainDoc} {
			if got, err := tx.Get("resources", key); err != nil || !bytes.Equal(got, want) {
				t.Errorf("Get %s = %q, %v; want %q", key, got, err, want)
			}
		}
		if got, err := tx.Get("other", "odd"); err != nil || !bytes.Equal(got, lookalike) {
			t.Errorf("Get of the look-alike = %q, %v", got, err)
		}
		docs, err := tx.Scan("resources", "a/r/", "", 0)
		if err != nil || len(docs) != 2 || !bytes.Equal(docs[1].Value, secretDoc) {
			t.Errorf("Scan = %v, %v; want both documents opened", docs, err)
		}
		return nil
	})

	// Another master key does not open it, nor does the same document moved under another key.
	err = secrets.Wrap(inner, sealer(t, 2)).View(ctx, func(tx store.Tx) error {
		_, err := tx.Get("resources", "a/r/media")
		return err
	})
	if !errors.Is(err, secrets.ErrUnsealable) {
		t.Errorf("Get with another master key: %v, want ErrUnsealable", err)
	}
	_ = inner.Update(ctx, func(tx store.Tx) error { return tx.Put("resources", "a/r/moved", rawSecret) })
	err = st.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get("resources", "a/r/moved")
		return err
	})
	if !errors.Is(err, secrets.ErrUnsealable) {
		t.Errorf("Get of a sealed document copied under another key: %v, want ErrUnsealable", err)
	}
}
