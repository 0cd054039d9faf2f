package chunk

import (
	"encoding/json"
	"testing"
)

func TestIDTextRoundTripsAndRefusesWhatIsNotAnID(t *testing.T) {
	id := ID{0xab, 1, 2}
	b, err := json.Marshal(map[string]ID{"id": id})
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]ID
	if err := json.Unmarshal(b, &back); err != nil || back["id"] != id {
		t.Fatalf("round trip: %v, %v", back, err)
	}
	if id.Short() != "ab0102000000" {
		t.Fatalf("Short = %s", id.Short())
	}
	for _, bad := range []string{"", "ab", id.String() + "00", "zz" + id.String()[2:]} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
}

func TestHasherIsKeyedAndDeterministic(t *testing.T) {
	a, b := NewHasher([32]byte{1}), NewHasher([32]byte{2})
	data := []byte("the same content")
	if a.Sum(data) != a.Sum(append([]byte(nil), data...)) {
		t.Fatal("the same key gave the same content two IDs")
	}
	if a.Sum(data) == b.Sum(data) {
		t.Fatal("two keys gave the same content the same ID")
	}
	if !(Ref{Len: 5}).IsHole() || (Ref{ID: a.Sum(data), Len: 5}).IsHole() {
		t.Fatal("IsHole is not whether the ID is zero")
	}
}
