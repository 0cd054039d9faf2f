// Package awsbackup is the provider's logic over the AWS Backup API: finders that turn "not found"
// into one sentinel, status functions, and waiters. Resources stay thin and read like
// terraform-provider-aws's internal/service/backup: find → not-found sentinel → status → waiter.
//
// Everything here talks to the API through aws-sdk-go-v2's backup client, so it works unchanged
// against the embedded engine, an engine daemon, and AWS Backup itself.
package awsbackup

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/aws/smithy-go"
)

// ErrNotFound is wrapped by every finder's error when the thing looked for does not exist.
var ErrNotFound = errors.New("not found")

// NotFoundError says what was not found; errors.Is(err, ErrNotFound) holds for it.
type NotFoundError struct {
	What  string
	Cause error
}

func (e *NotFoundError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s not found: %v", e.What, e.Cause)
	}
	return e.What + " not found"
}

func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
func (e *NotFoundError) Unwrap() error        { return e.Cause }

// IsNotFound reports whether err means the resource does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// notFoundOr converts the API's ResourceNotFoundException (and AccessDenied on a vault that is
// gone, which AWS answers for some deleted resources) into a NotFoundError.
func notFoundOr(what string, err error) error {
	var rnf *types.ResourceNotFoundException
	if errors.As(err, &rnf) {
		return &NotFoundError{What: what, Cause: err}
	}
	return err
}

// ErrorCode returns the API error code of err, or "".
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// ErrorMessage returns the API error message of err, or err's text.
func ErrorMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}
