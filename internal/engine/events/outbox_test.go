package events

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

func putOutbox(t *testing.T, st store.Store, evs ...Event) {
	t.Helper()
	err := st.Update(context.Background(), func(tx store.Tx) error {
		for _, ev := range evs {
			if err := records.PutDoc(tx, collOutbox, ev.ID, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testEvent(i int) Event {
	return Event{ID: fmt.Sprintf("0190%012d", i), Time: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC), Type: "BACKUP_JOB_STARTED", AccountID: "123456789012", Region: "us-east-1", BackupJobID: fmt.Sprint(i)}
}

func TestEventLogDoesNotRewriteWhatADeadWriterAlreadyAppended(t *testing.T) {
	st := store.NewMemory()
	path := filepath.Join(t.TempDir(), LogFile)
	evs := []Event{testEvent(1), testEvent(2), testEvent(3)}
	putOutbox(t, st, evs...)
	// A writer appended the first two, fsynced, and died before emptying the outbox; it was in
	// the middle of a third line.
	var b []byte
	for _, ev := range evs[:2] {
		line, _ := json.Marshal(ev)
		b = append(append(b, line...), '\n')
	}
	b = append(b, `{"id":"0190000000000003","ti`...)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	l := New(Options{Store: st, LogPath: path})
	if err := l.drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLog(path)
	if err == nil {
		t.Fatal("the torn line should make the log unreadable as a whole; ReadLog reported no error")
	}
	// Every whole line is an event, each once; the torn line stays on a line of its own.
	seen := map[string]int{}
	for _, ev := range got {
		seen[ev.ID]++
	}
	raw, _ := os.ReadFile(path)
	lines := 0
	for _, c := range raw {
		if c == '\n' {
			lines++
		}
	}
	if lines != 4 {
		t.Fatalf("the log has %d lines, want 4 (two old events, the torn line, the third event):\n%s", lines, raw)
	}
	var third Event
	if err := json.Unmarshal(raw[len(raw)-1-len(mustJSON(t, evs[2])):len(raw)-1], &third); err != nil || third.ID != evs[2].ID {
		t.Fatalf("the last line is not the third event: %v\n%s", err, raw)
	}
	if seen[evs[0].ID] != 1 || seen[evs[1].ID] != 1 {
		t.Fatalf("events were written twice: %v", seen)
	}
	var empty bool
	_ = st.View(context.Background(), func(tx store.Tx) error { empty, _ = outboxEmpty(tx); return nil })
	if !empty {
		t.Fatal("the outbox still holds events after the drain")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTwoEventLogWritersOnOneFileWriteEachEventOnceAndWhole(t *testing.T) {
	st := store.NewMemory()
	path := filepath.Join(t.TempDir(), LogFile)
	writers := []*Outbox{New(Options{Store: st, LogPath: path}), New(Options{Store: st, LogPath: path})}
	var wg sync.WaitGroup
	for round := range 20 {
		var batch []Event
		for i := range 50 {
			batch = append(batch, testEvent(round*50+i))
		}
		putOutbox(t, st, batch...)
		for _, w := range writers {
			wg.Add(1)
			go func() { defer wg.Done(); _ = w.drain(context.Background()) }()
		}
	}
	wg.Wait()
	for _, w := range writers {
		if err := w.drain(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadLog(path)
	if err != nil {
		t.Fatalf("the log is not whole lines of JSON: %v", err)
	}
	seen := map[string]int{}
	for _, ev := range got {
		seen[ev.ID]++
	}
	if len(got) != 1000 || len(seen) != 1000 {
		t.Fatalf("%d lines, %d distinct events; want 1000 of each", len(got), len(seen))
	}
}
