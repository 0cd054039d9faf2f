// Package engineclient is a small typed client for the engine's extension API (the endpoints under
// /_engine/ that AWS Backup has no operation for): the protected-resource registry and the engine
// clock. The CLI and the provider use it; everything AWS Backup has an operation for goes through aws-sdk-go-v2.
//
// Requests are signed with aws-sdk-go-v2's SigV4 signer for the "backup" service, exactly like the
// SDK signs AWS Backup calls, so one key pair and one verifier serve both APIs. Errors come back
// as *APIError, which implements smithy.APIError: code that inspects SDK errors by code works on
// these too.
package engineclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// resourcesPath is the registry's collection; clockPath the engine clock.
const (
	resourcesPath = "/_engine/v1/resources"
	clockPath     = "/_engine/v1/clock"
)

// signingService is the SigV4 service name the engine verifies.
const signingService = "backup"

// Options configure a Client.
type Options struct {
	// Endpoint is the engine's base URL, e.g. http://127.0.0.1:9191.
	Endpoint string
	// Region is the region requests are signed for; registered resources live in it.
	Region string
	// Credentials sign the requests.
	Credentials aws.CredentialsProvider
	// HTTPClient defaults to http.DefaultClient; the embedded provider passes one whose transport
	// calls the engine in-process.
	HTTPClient *http.Client
	// Answered, if set, sees the raw body of every successful answer, before it is decoded: the
	// provider checks it for members it does not model.
	Answered func(ctx context.Context, method, path string, body []byte)
}

// ResourceAnswerMembers are the members of a registry answer (GetResource) this client decodes.
var ResourceAnswerMembers = []string{"ResourceArn", "ResourceType", "ResourceId", "ResourceName", "Locator", "Tags{}", "CreationDate"}

// ResourcePath is the path GetResource asks for arn.
func ResourcePath(arn string) string { return resourcesPath + "/" + url.PathEscape(arn) }

// Client calls the engine's extension API.
type Client struct {
	o      Options
	signer *v4.Signer
}

// New returns a client.
func New(o Options) *Client {
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	o.Endpoint = strings.TrimRight(o.Endpoint, "/")
	return &Client{o: o, signer: v4.NewSigner()}
}

// Resource is a registered protected resource.
type Resource struct {
	ResourceArn  string
	ResourceType string
	ResourceId   string
	ResourceName string
	// Locator says where the resource is: for EFS, the directory's absolute path.
	Locator      string
	Tags         map[string]string
	CreationDate time.Time
}

type wireResource struct {
	ResourceArn  string            `json:"ResourceArn"`
	ResourceType string            `json:"ResourceType"`
	ResourceId   string            `json:"ResourceId"`
	ResourceName string            `json:"ResourceName"`
	Locator      string            `json:"Locator"`
	Tags         map[string]string `json:"Tags"`
	CreationDate float64           `json:"CreationDate"`
}

func (w wireResource) resource() *Resource {
	sec, frac := math.Modf(w.CreationDate)
	tags := w.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return &Resource{ResourceArn: w.ResourceArn, ResourceType: w.ResourceType, ResourceId: w.ResourceId, ResourceName: w.ResourceName,
		Locator: w.Locator, Tags: tags, CreationDate: time.Unix(int64(sec), int64(frac*1e9)).UTC()}
}

// RegisterResourceInput registers a resource.
type RegisterResourceInput struct {
	// ResourceType is "EFS" (a directory tree).
	ResourceType string `json:"ResourceType"`
	// Locator is where the resource is; for EFS an absolute directory path.
	Locator string            `json:"Locator"`
	Tags    map[string]string `json:"Tags,omitempty"`
}

// RegisterResource registers a resource and returns it with its ARN. Registering a locator twice
// is an *APIError with code AlreadyExistsException.
func (c *Client) RegisterResource(ctx context.Context, in RegisterResourceInput) (*Resource, error) {
	var out wireResource
	if err := c.do(ctx, http.MethodPost, resourcesPath, in, &out); err != nil {
		return nil, err
	}
	return out.resource(), nil
}

// GetResource returns a registered resource; ResourceNotFoundException if there is none.
func (c *Client) GetResource(ctx context.Context, arn string) (*Resource, error) {
	var out wireResource
	if err := c.do(ctx, http.MethodGet, ResourcePath(arn), nil, &out); err != nil {
		return nil, err
	}
	return out.resource(), nil
}

// UpdateResourceTags replaces a registered resource's tags.
func (c *Client) UpdateResourceTags(ctx context.Context, arn string, tags map[string]string) (*Resource, error) {
	if tags == nil {
		tags = map[string]string{}
	}
	var out wireResource
	if err := c.do(ctx, http.MethodPatch, resourcesPath+"/"+url.PathEscape(arn), map[string]any{"Tags": tags}, &out); err != nil {
		return nil, err
	}
	return out.resource(), nil
}

// RemoveResource takes a resource out of the registry (its recovery points stay).
func (c *Client) RemoveResource(ctx context.Context, arn string) error {
	return c.do(ctx, http.MethodDelete, resourcesPath+"/"+url.PathEscape(arn), nil, nil)
}

// ListResources returns every registered resource of the region, of resourceType if not empty,
// following pagination.
func (c *Client) ListResources(ctx context.Context, resourceType string) ([]*Resource, error) {
	var all []*Resource
	token := ""
	for {
		q := url.Values{}
		if resourceType != "" {
			q.Set("type", resourceType)
		}
		if token != "" {
			q.Set("nextToken", token)
		}
		var out struct {
			Resources []wireResource `json:"Resources"`
			NextToken string         `json:"NextToken"`
		}
		p := resourcesPath
		if len(q) > 0 {
			p += "?" + q.Encode()
		}
		if err := c.do(ctx, http.MethodGet, p, nil, &out); err != nil {
			return nil, err
		}
		for _, r := range out.Resources {
			all = append(all, r.resource())
		}
		if out.NextToken == "" {
			return all, nil
		}
		token = out.NextToken
	}
}

// APIError is an error the engine answered with.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	// Arn is set on AlreadyExistsException: the resource that exists.
	Arn string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// ErrorCode, ErrorMessage and ErrorFault implement smithy.APIError.
func (e *APIError) ErrorCode() string    { return e.Code }
func (e *APIError) ErrorMessage() string { return e.Message }
func (e *APIError) ErrorFault() smithy.ErrorFault {
	if e.StatusCode >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

var _ smithy.APIError = (*APIError)(nil)

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.o.Endpoint+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("engine request: %w", err)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	creds, err := c.o.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("engine request: get credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), signingService, c.o.Region, clock.Wall()); err != nil {
		return fmt.Errorf("engine request: sign: %w", err)
	}
	resp, err := c.o.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("engine request %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("engine request %s %s: read the answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Type, Code, Message, LowerMessage, Arn string
		}
		_ = json.Unmarshal(b, &e)
		apiErr := &APIError{StatusCode: resp.StatusCode, Code: resp.Header.Get("x-amzn-ErrorType"), Message: e.Message, Arn: e.Arn}
		if apiErr.Code == "" {
			apiErr.Code = e.Code
		}
		if apiErr.Code == "" {
			apiErr.Code = "HTTP" + strconv.Itoa(resp.StatusCode)
			apiErr.Message = strings.TrimSpace(string(b))
		}
		return apiErr
	}
	if c.o.Answered != nil {
		c.o.Answered(ctx, method, path, b)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("engine request %s %s: decode the answer: %w", method, path, err)
		}
	}
	return nil
}

// Clock is the engine clock.
type Clock struct {
	// Mode is "fake" (moved only through SetClock and AdvanceClock) or "real" (the wall clock).
	Mode string
	Now  time.Time
	// Persistent is set when the fake clock's time is kept in the data dir.
	Persistent bool
}

// ClockMove is what moving the clock did.
type ClockMove struct {
	Clock
	From time.Time
	// Steps counts the instants at which work came due on the way.
	Steps int
	// Unfinished is set when some step moved on with jobs still running (maxWait).
	Unfinished bool
}

type wireClock struct {
	Mode       string `json:"Mode"`
	Now        string `json:"Now"`
	Persistent bool   `json:"Persistent"`
	From       string `json:"From"`
	Steps      int    `json:"Steps"`
	Unfinished bool   `json:"Unfinished"`
}

func (w wireClock) clock() (Clock, error) {
	now, err := time.Parse(time.RFC3339Nano, w.Now)
	if err != nil {
		return Clock{}, fmt.Errorf("the engine answered a clock time %q that is not RFC 3339: %w", w.Now, err)
	}
	return Clock{Mode: w.Mode, Now: now.UTC(), Persistent: w.Persistent}, nil
}

// GetClock returns the engine clock.
func (c *Client) GetClock(ctx context.Context) (*Clock, error) {
	var out wireClock
	if err := c.do(ctx, http.MethodGet, clockPath, nil, &out); err != nil {
		return nil, err
	}
	clk, err := out.clock()
	return &clk, err
}

// SetClock moves a fake engine clock to t, doing everything that comes due on the way (rules
// fire and their jobs run, windows close, lifecycles act), and returns when that is done. maxWait
// bounds how long each step waits for its jobs (0: as long as they take). An engine on the wall
// clock answers InvalidRequestException; t before the clock's time is
// InvalidParameterValueException.
func (c *Client) SetClock(ctx context.Context, t time.Time, maxWait time.Duration) (*ClockMove, error) {
	return c.moveClock(ctx, map[string]any{"Set": t.UTC().Format(time.RFC3339Nano)}, maxWait)
}

// AdvanceClock is SetClock by a duration: "24h", "90m", "400d", "1d12h".
func (c *Client) AdvanceClock(ctx context.Context, d string, maxWait time.Duration) (*ClockMove, error) {
	return c.moveClock(ctx, map[string]any{"Advance": d}, maxWait)
}

func (c *Client) moveClock(ctx context.Context, in map[string]any, maxWait time.Duration) (*ClockMove, error) {
	if maxWait > 0 {
		in["MaxWaitSeconds"] = int64(math.Ceil(maxWait.Seconds()))
	}
	var out wireClock
	if err := c.do(ctx, http.MethodPost, clockPath, in, &out); err != nil {
		return nil, err
	}
	clk, err := out.clock()
	if err != nil {
		return nil, err
	}
	from, _ := time.Parse(time.RFC3339Nano, out.From)
	return &ClockMove{Clock: clk, From: from.UTC(), Steps: out.Steps, Unfinished: out.Unfinished}, nil
}

// PlanResources returns the ARNs of the registered resources a backup plan's selections cover:
// what a rule of the plan would back up if it fired now.
func (c *Client) PlanResources(ctx context.Context, planID string) ([]string, error) {
	return c.planResources(ctx, "/_engine/v1/plans/"+url.PathEscape(planID)+"/resources")
}

// SelectionResources returns the ARNs of the registered resources one selection of a backup plan
// covers now.
func (c *Client) SelectionResources(ctx context.Context, planID, selectionID string) ([]string, error) {
	return c.planResources(ctx, "/_engine/v1/plans/"+url.PathEscape(planID)+"/resources?selectionId="+url.QueryEscape(selectionID))
}

func (c *Client) planResources(ctx context.Context, path string) ([]string, error) {
	var out struct {
		ResourceArns []string `json:"ResourceArns"`
	}
	if err := c.do(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	return out.ResourceArns, nil
}
