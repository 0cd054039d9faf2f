// Package apierr defines the AWS Backup error codes the engine answers with.
//
// The domain returns *Error values; the API layer writes them in the rest-json error format that
// aws-sdk-go-v2 and botocore decode into their typed exceptions (for example
// *types.ResourceNotFoundException). Keeping the codes in their own package lets the domain and the
// API layer share them without importing each other.
package apierr

import (
	"errors"
	"fmt"
	"net/http"
)

// The error codes of the AWS Backup API (service-2.json), plus the authentication codes AWS's
// front door uses for every JSON service.
const (
	AlreadyExists          = "AlreadyExistsException"
	Conflict               = "ConflictException"
	DependencyFailure      = "DependencyFailureException"
	InvalidParameterValue  = "InvalidParameterValueException"
	InvalidRequest         = "InvalidRequestException"
	InvalidResourceState   = "InvalidResourceStateException"
	LimitExceeded          = "LimitExceededException"
	MissingParameterValue  = "MissingParameterValueException"
	ResourceNotFound       = "ResourceNotFoundException"
	ServiceUnavailable     = "ServiceUnavailableException"
	AccessDenied           = "AccessDeniedException"
	InvalidSignature       = "InvalidSignatureException"
	MissingAuthToken       = "MissingAuthenticationTokenException"
	UnrecognizedClient     = "UnrecognizedClientException"
	IncompleteSignature    = "IncompleteSignatureException"
	UnknownOperation       = "UnknownOperationException"
	SerializationException = "SerializationException"
)

// Error is an AWS Backup error: a code from the model, a message that says what to fix, and the
// optional extra members some exceptions carry.
type Error struct {
	Code    string
	Message string
	// Type and Context are the model's optional error members.
	Type    string
	Context string
	// Arn and CreatorRequestId are set on AlreadyExistsException.
	Arn              string
	CreatorRequestId string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Status is the HTTP status code AWS answers this error with.
func (e *Error) Status() int {
	switch e.Code {
	case ServiceUnavailable:
		return http.StatusServiceUnavailable
	case DependencyFailure:
		return http.StatusInternalServerError
	case AccessDenied, InvalidSignature, MissingAuthToken, UnrecognizedClient, IncompleteSignature:
		return http.StatusForbidden
	case UnknownOperation:
		return http.StatusNotFound
	default:
		return http.StatusBadRequest
	}
}

// New returns an error with the given code and a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns a ResourceNotFoundException.
func NotFound(format string, args ...any) *Error { return New(ResourceNotFound, format, args...) }

// InvalidParameter returns an InvalidParameterValueException.
func InvalidParameter(format string, args ...any) *Error {
	return New(InvalidParameterValue, format, args...)
}

// InvalidReq returns an InvalidRequestException.
func InvalidReq(format string, args ...any) *Error { return New(InvalidRequest, format, args...) }

// Missing returns a MissingParameterValueException.
func Missing(format string, args ...any) *Error { return New(MissingParameterValue, format, args...) }

// As reports whether err is an *Error and returns it.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is an *Error with the given code.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
