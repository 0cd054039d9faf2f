package content

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
)

// The repository-format parsers are fuzzed: whatever bytes a damaged or hostile store holds,
// they must return an error rather than panic, loop or allocate without bound, and what they
// accept must survive re-encoding. Seeds (valid encodings and near misses) are kept in
// testdata/fuzz/<FuzzName>/; UPDATE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds rewrites them.

func sampleIndex() []indexPack {
	return []indexPack{
		{id: PackID{1, 2, 3}, entries: []packEntry{{id: chunk.ID{9}, off: 8, length: 100, raw: 200}, {id: chunk.ID{10}, off: 108, length: 50, raw: 21}}},
		{id: PackID{4}, entries: nil},
	}
}

func sampleSnapshot() []byte {
	b, _ := json.Marshal(snapshotFile{Version: 1, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Kind: KindTree, Meta: map[string]string{"k": "v"}, Size: 10, StoredBytes: 5, Tree: []chunk.ID{{1}, {2}}, Files: 3, Dirs: 1})
	return b
}

func FuzzDecodeIndex(f *testing.F) {
	f.Add(encodeIndex(sampleIndex()))
	f.Add(encodeIndex(nil))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		packs, err := decodeIndex(b)
		if err != nil {
			return
		}
		again, err := decodeIndex(encodeIndex(packs))
		if err != nil {
			t.Fatalf("re-encoded index does not decode: %v", err)
		}
		if len(again) != len(packs) {
			t.Fatalf("round trip changed the pack count")
		}
		for i := range packs {
			if packs[i].id != again[i].id || !slices_equal(packs[i].entries, again[i].entries) {
				t.Fatalf("round trip changed pack %d", i)
			}
		}
	})
}

func slices_equal(a, b []packEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzDecodePackTable(f *testing.F) {
	f.Add(appendEntries(nil, sampleIndex()[0].entries), int64(200))
	f.Add(appendEntries(nil, sampleIndex()[0].entries), int64(150))
	f.Add([]byte{0}, int64(8))
	f.Fuzz(func(t *testing.T, b []byte, dataEnd int64) {
		es, err := decodePackTable(b, dataEnd)
		if err != nil {
			return
		}
		prev := int64(len(packMagic))
		for _, e := range es {
			if int64(e.off) < prev || int64(e.off)+int64(e.length) > dataEnd {
				t.Fatalf("accepted entry %+v outside [%d, %d)", e, prev, dataEnd)
			}
			prev = int64(e.off) + int64(e.length)
		}
	})
}

func FuzzParsePackFooter(f *testing.F) {
	f.Add([]byte("\x40\x00\x00\x00"+packFooterMagic), int64(1000))
	f.Add([]byte("\xff\xff\xff\xff"+packFooterMagic), int64(1000))
	f.Add([]byte("short"), int64(10))
	f.Fuzz(func(t *testing.T, b []byte, size int64) {
		n, err := parsePackFooter(b, size)
		if err != nil {
			return
		}
		if n < keyring.SealOverhead || n > size-int64(len(packMagic)+packFooterSize) {
			t.Fatalf("accepted table length %d for a %d-byte pack", n, size)
		}
	})
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add(sampleSnapshot())
	f.Add([]byte(`{"version":1,"kind":"stream","size":-1}`))
	f.Add([]byte(`{"version":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := decodeSnapshot(b)
		if err != nil {
			return
		}
		if sf.Kind != KindTree && sf.Kind != KindStream || sf.Size < 0 {
			t.Fatalf("accepted %+v", sf)
		}
		again, _ := json.Marshal(sf)
		if _, err := decodeSnapshot(again); err != nil {
			t.Fatalf("re-encoded snapshot does not decode: %v", err)
		}
	})
}

// TestWriteFuzzSeeds writes the seed corpora kept in testdata/fuzz.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("UPDATE_FUZZ_SEEDS") == "" {
		t.Skip("set UPDATE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	lit := func(v any) string {
		switch x := v.(type) {
		case []byte:
			return "[]byte(" + strconv.Quote(string(x)) + ")"
		case int64:
			return fmt.Sprintf("int64(%d)", x)
		}
		panic("type")
	}
	write := func(name, seed string, args ...any) {
		dir := filepath.Join("testdata", "fuzz", name)
		os.MkdirAll(dir, 0o755)
		s := "go test fuzz v1\n"
		for _, a := range args {
			s += lit(a) + "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, seed), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	idx := encodeIndex(sampleIndex())
	write("FuzzDecodeIndex", "valid", idx)
	write("FuzzDecodeIndex", "truncated", idx[:len(idx)/2])
	write("FuzzDecodeIndex", "huge-count", []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	tbl := appendEntries(nil, sampleIndex()[0].entries)
	write("FuzzDecodePackTable", "valid", tbl, int64(200))
	write("FuzzDecodePackTable", "beyond-end", tbl, int64(150))
	write("FuzzParsePackFooter", "valid", []byte("\x40\x00\x00\x00"+packFooterMagic), int64(1000))
	write("FuzzParsePackFooter", "too-long", []byte("\xff\xff\xff\xff"+packFooterMagic), int64(1000))
	snap := sampleSnapshot()
	write("FuzzDecodeSnapshot", "valid", snap)
	write("FuzzDecodeSnapshot", "unknown-field", []byte(`{"version":1,"kind":"tree","evil":true}`))
}
