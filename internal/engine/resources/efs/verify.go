package efs

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// VerifyRestored checks the tree a whole-snapshot restore wrote into dir against the snapshot's
// manifest: every regular file of the snapshot is present with its size, and each of its pieces
// hashes to the chunk ID the snapshot records for it (holes read back as zeros). It reads only
// the restored files, never the repository's data, so it proves the bytes on disk are the bytes
// that were backed up. It returns what it checked.
func VerifyRestored(ctx context.Context, repo *content.Repository, snap content.SnapshotID, dir *Dir) (string, error) {
	nr, err := repo.Nodes(ctx, snap)
	if err != nil {
		return "", err
	}
	var files, bytes int64
	buf := make([]byte, 0, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := nr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		if n.Type != tree.NodeFile {
			continue
		}
		if err := verifyFile(repo, dir, n, &buf); err != nil {
			return "", err
		}
		files++
		bytes += n.Size
	}
	return fmt.Sprintf("%d files (%d bytes) match the recovery point's content hashes", files, bytes), nil
}

func verifyFile(repo *content.Repository, dir *Dir, n *tree.Node, buf *[]byte) error {
	f, err := dir.OpenRead(n.Path)
	if err != nil {
		return fmt.Errorf("file %s of the recovery point is missing from the restore: %w", n.Path, err)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() != n.Size {
		return fmt.Errorf("file %s is %d bytes restored, %d in the recovery point", n.Path, st.Size(), n.Size)
	}
	var off int64
	for i, ref := range n.Refs {
		if int64(cap(*buf)) < ref.Len {
			*buf = make([]byte, ref.Len)
		}
		data := (*buf)[:ref.Len]
		if _, err := io.ReadFull(f, data); err != nil {
			return fmt.Errorf("read %s at %d: %w", n.Path, off, err)
		}
		if ref.IsHole() {
			for _, b := range data {
				if b != 0 {
					return fmt.Errorf("file %s: bytes %d to %d should be a hole of zeros and are not", n.Path, off, off+ref.Len)
				}
			}
		} else if repo.ChunkID(data) != ref.ID {
			return fmt.Errorf("file %s: piece %d (bytes %d to %d) does not hash to the recovery point's content hash: the restored bytes differ", n.Path, i, off, off+ref.Len)
		}
		off += ref.Len
	}
	return nil
}
