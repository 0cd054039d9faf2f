package records

import (
	"strings"
	"testing"
	"time"
)

// TestStorageKeepsNamesWhatTheServerStillHolds: a point whose objects the S3 server still
// retains or legally holds is kept, with the reason (the server's date in RFC 3339); one whose
// objects the server lets go is not.
func TestStorageKeepsNamesWhatTheServerStillHolds(t *testing.T) {
	until := time.Date(2027, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	if err := StorageKeeps(time.Time{}, false); err != nil {
		t.Errorf("nothing retained: %v, want nil", err)
	}
	if err := StorageKeeps(until, false); err == nil || !strings.Contains(err.Error(), "S3 Object Lock retention until 2027-01-02T02:04:05Z") {
		t.Errorf("retained: %v, want the server's date in UTC", err)
	}
	if err := StorageKeeps(time.Time{}, true); err == nil || !strings.Contains(err.Error(), "S3 legal hold") {
		t.Errorf("held: %v, want the legal hold named", err)
	}
	if err := StorageKeeps(until, true); err == nil || !strings.Contains(err.Error(), "S3 legal hold") {
		t.Errorf("held and retained: %v, want the legal hold named (it outlasts any date)", err)
	}
}
