package s3blob

import (
	"net/http"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// observingClient reports every HTTP attempt, retries included, with its S3 operation.
type observingClient struct {
	next    awss3.HTTPClient
	observe func(operation string, status int, err error)
}

func (c observingClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	c.observe(awsmiddleware.GetOperationName(req.Context()), status, err)
	return resp, err
}
