package audit

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"
)

// Problem is one break in the chain: the file and line of the record at fault, and what is wrong.
type Problem struct {
	File   string
	Line   int
	Reason string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Reason) }

// Verify walks the whole chain of dir and returns every break it finds, and how many records it
// read. A record edited shows as its recordHash not matching it, as a line that is not a
// record, or (were its recordHash recomputed) as the next record's previousHash not matching it; a record removed as a gap in the sequence;
// records reordered as the sequence going back.
func Verify(dir string) ([]Problem, int, error) {
	files, err := Files(dir)
	if err != nil {
		return nil, 0, err
	}
	var problems []Problem
	var prevHash, prevFile string
	var prevSeq uint64
	prevLine, count := 0, 0
	prevReported := false // the record before was already named; do not name it twice
	for _, path := range files {
		name := filepath.Base(path)
		err := eachLine(path, func(n int, line []byte) error {
			count++
			var r Record
			if err := json.Unmarshal(line, &r); err != nil {
				problems = append(problems, Problem{name, n, fmt.Sprintf("not a record (%v): edited or torn", err)})
				prevHash, prevSeq, prevFile, prevLine, prevReported = hashLine(line), prevSeq+1, name, n, true
				return nil
			}
			before := len(problems)
			switch {
			case !sealed(line):
				problems = append(problems, Problem{name, n, "the record was edited: it does not match its own recordHash"})
			case count == 1 && r.Sequence != 1:
				problems = append(problems, Problem{name, n, fmt.Sprintf("the chain starts at sequence %d, not 1: the records before it were removed", r.Sequence)})
			case count > 1 && r.Sequence == prevSeq:
				problems = append(problems, Problem{name, n, fmt.Sprintf("sequence %d repeats the record before it: a record was duplicated", r.Sequence)})
			case count > 1 && r.Sequence < prevSeq:
				problems = append(problems, Problem{name, n, fmt.Sprintf("sequence %d comes after %d: records were reordered", r.Sequence, prevSeq)})
			case count > 1 && r.Sequence > prevSeq+1:
				problems = append(problems, Problem{name, n, fmt.Sprintf("sequence %d follows %d: %d record(s) removed before this line", r.Sequence, prevSeq, r.Sequence-prevSeq-1)})
			case r.PreviousHash != prevHash && !prevReported:
				where := "the chain's start"
				if count > 1 {
					where = fmt.Sprintf("%s:%d", prevFile, prevLine)
				}
				problems = append(problems, Problem{prevFile, prevLine, fmt.Sprintf("the record at %s was edited: its hash does not match the previousHash that %s:%d carries", where, name, n)})
			}
			prevHash, prevSeq, prevFile, prevLine = hashLine(line), r.Sequence, name, n
			prevReported = len(problems) > before && problems[len(problems)-1].Line == n && problems[len(problems)-1].File == name
			return nil
		})
		if err != nil {
			return problems, count, err
		}
	}
	return problems, count, nil
}

// Filter selects records, as CloudTrail's LookupEvents does. Zero fields match everything.
type Filter struct {
	Start, End  time.Time
	EventName   string
	AccountID   string
	ResourceARN string
	AccessKeyID string
}

func (f Filter) match(r *Record) bool {
	if f.EventName != "" && r.EventName != f.EventName {
		return false
	}
	if f.AccountID != "" && r.UserIdentity.AccountID != f.AccountID {
		return false
	}
	if f.AccessKeyID != "" && r.UserIdentity.AccessKeyID != f.AccessKeyID {
		return false
	}
	if f.ResourceARN != "" {
		found := false
		for _, res := range r.Resources {
			found = found || res.ARN == f.ResourceARN
		}
		if !found {
			return false
		}
	}
	if !f.Start.IsZero() || !f.End.IsZero() {
		t, err := time.Parse(time.RFC3339Nano, r.EventTime)
		if err != nil || (!f.Start.IsZero() && t.Before(f.Start)) || (!f.End.IsZero() && t.After(f.End)) {
			return false
		}
	}
	return true
}

// Lookup calls fn with every record of dir that f matches, oldest first.
func Lookup(dir string, f Filter, fn func(Record, json.RawMessage) error) error {
	files, err := Files(dir)
	if err != nil {
		return err
	}
	for _, path := range files {
		err := eachLine(path, func(n int, line []byte) error {
			var r Record
			if err := json.Unmarshal(line, &r); err != nil {
				return fmt.Errorf("%s:%d is not a record (%v): run `engine audit verify`", filepath.Base(path), n, err)
			}
			if !f.match(&r) {
				return nil
			}
			return fn(r, append(json.RawMessage(nil), line...))
		})
		if err != nil {
			return err
		}
	}
	return nil
}
