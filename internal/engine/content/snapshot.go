package content

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
)

// Snapshots ("snapshots/<32 hex digits>") are sealed JSON objects. A snapshot lists the chunks
// of its node list (a tree; package tree) or chunk list (a stream; stream.go), never the file list
// itself, so a snapshot object stays small however many files it covers.
const snapshotMagic = "SRSN"

type snapshotFile struct {
	Version     int               `json:"version"`
	Time        time.Time         `json:"time"`
	Kind        string            `json:"kind"`
	Meta        map[string]string `json:"meta,omitempty"`
	Size        int64             `json:"size"`
	StoredBytes int64             `json:"storedBytes"`
	Tree        []chunk.ID        `json:"tree"`
	Parent      SnapshotID        `json:"parent,omitempty"`
	Files       int64             `json:"files,omitempty"`
	Dirs        int64             `json:"dirs,omitempty"`
	Host        string            `json:"host,omitempty"`
}

func (sf snapshotFile) snapshot(id SnapshotID) Snapshot {
	return Snapshot{ID: id, Time: sf.Time, Kind: sf.Kind, Meta: sf.Meta, Size: sf.Size, StoredBytes: sf.StoredBytes}
}

func snapshotName(id SnapshotID) string { return "snapshots/" + string(id) }

func validSnapshotID(id SnapshotID) error {
	if len(id) != 32 || strings.Trim(string(id), "0123456789abcdef") != "" {
		return fmt.Errorf("%w: %q is not a snapshot ID (32 lower-case hex digits)", ErrSnapshotNotFound, id)
	}
	return nil
}

func decodeSnapshot(b []byte) (snapshotFile, error) {
	var sf snapshotFile
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&sf); err != nil {
		return sf, fmt.Errorf("%w: %v", errFormat, err)
	}
	if sf.Version != formatVersion {
		return sf, fmt.Errorf("snapshot format version %d is not supported (this engine reads %d)", sf.Version, formatVersion)
	}
	if sf.Kind != KindTree && sf.Kind != KindStream {
		return sf, fmt.Errorf("%w: unknown snapshot kind %q", errFormat, sf.Kind)
	}
	if sf.Size < 0 || sf.StoredBytes < 0 {
		return sf, fmt.Errorf("%w: negative size", errFormat)
	}
	return sf, nil
}

func (r *Repository) saveSnapshot(ctx context.Context, id SnapshotID, sf snapshotFile) error {
	body, err := json.Marshal(sf)
	if err != nil {
		return err
	}
	name := snapshotName(id)
	if err := r.st.Save(ctx, name, bytes.NewReader(r.sealObject(snapshotMagic, name, body))); err != nil {
		return fmt.Errorf("store snapshot: %w", err)
	}
	return nil
}

func (r *Repository) loadSnapshot(ctx context.Context, id SnapshotID) (snapshotFile, error) {
	if err := validSnapshotID(id); err != nil {
		return snapshotFile{}, err
	}
	name := snapshotName(id)
	b, err := blob.ReadAll(ctx, r.st, name)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return snapshotFile{}, fmt.Errorf("snapshot %s: %w", id, ErrSnapshotNotFound)
		}
		return snapshotFile{}, err
	}
	body, err := r.openObject(snapshotMagic, name, b)
	if err != nil {
		return snapshotFile{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	sf, err := decodeSnapshot(body)
	if err != nil {
		return snapshotFile{}, fmt.Errorf("%w: %s: %w", ErrCorrupt, name, err)
	}
	return sf, nil
}

// Snapshot returns a snapshot's description, or an error wrapping ErrSnapshotNotFound.
func (r *Repository) Snapshot(ctx context.Context, id SnapshotID) (Snapshot, error) {
	sf, err := r.loadSnapshot(ctx, id)
	if err != nil {
		return Snapshot{}, err
	}
	return sf.snapshot(id), nil
}

// SnapshotIDs lists the repository's snapshots.
func (r *Repository) SnapshotIDs(ctx context.Context) ([]SnapshotID, error) {
	var ids []SnapshotID
	err := r.st.List(ctx, "snapshots/", func(name string, _ int64) error {
		ids = append(ids, SnapshotID(strings.TrimPrefix(name, "snapshots/")))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// Forget removes a snapshot. Its data stays until GC.
func (r *Repository) Forget(ctx context.Context, id SnapshotID) error {
	if err := validSnapshotID(id); err != nil {
		return err
	}
	if err := r.st.Remove(ctx, snapshotName(id)); err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("snapshot %s: %w", id, ErrSnapshotNotFound)
		}
		return fmt.Errorf("forget snapshot %s: %w", id, err)
	}
	return nil
}
