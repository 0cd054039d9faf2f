package engine

import (
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
)

// DefaultBlobStore opens a vault repository directory as a local blob store: the store a vault
// uses unless Options.BlobStore says otherwise.
func DefaultBlobStore(dir string) (blob.Store, error) { return blob.NewLocal(dir) }
