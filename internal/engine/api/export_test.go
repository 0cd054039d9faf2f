package api

import "net/http"

// AnswersKept is how many pure reads' answers h keeps (0 for a handler that is not this
// package's).
func AnswersKept(h http.Handler) int {
	hh, ok := h.(*Handler)
	if !ok || hh.answers == nil {
		return 0
	}
	hh.answers.mu.Lock()
	defer hh.answers.mu.Unlock()
	return len(hh.answers.answers)
}
