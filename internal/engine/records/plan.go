package records

import "time"

// RuleCursor is the last instant a plan rule fired, in CollRuleCursors.
type RuleCursor struct {
	Last time.Time `json:"last"`
}
