package scenario

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
)

func staticCreds(k credentials.Key) aws.CredentialsProvider {
	return awscreds.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")
}

func inProcessHTTP(e *engine.Engine) *http.Client {
	return &http.Client{Transport: e.InProcessTransport()}
}
