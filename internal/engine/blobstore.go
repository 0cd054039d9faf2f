package engine

import (
	"errors"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// defaultBlobStore opens a vault repository directory as a local blob store.
func defaultBlobStore(dir string) (blob.Store, error) {
	return nil, errors.New("engine: the local blob store is not built yet")
}
