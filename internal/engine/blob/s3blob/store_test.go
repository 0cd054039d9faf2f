package s3blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/blobtest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// server is one versitygw for the package's tests; each store gets its own bucket.
var (
	serverOnce sync.Once
	server     *s3test.Server
	buckets    atomic.Int64
)

func startServer(t *testing.T) *s3test.Server {
	t.Helper()
	// The server lives as long as the first test that needs it: run the tests that share it
	// beneath one parent (TestS3).
	serverOnce.Do(func() { server = s3test.Start(t) })
	if server == nil {
		t.Fatal("versitygw did not start")
	}
	return server
}

// quickRetryer is the store's retryer with short backoff, so fault tests take seconds.
func quickRetryer() aws.Retryer {
	return retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = 10
		so.MaxBackoff = 20 * time.Millisecond
		so.RateLimiter = ratelimit.None
	})
}

func openStore(t *testing.T, srv *s3test.Server, client *http.Client, opts ...s3blob.Option) *s3blob.Store {
	t.Helper()
	bucket := fmt.Sprintf("blobs-%d", buckets.Add(1))
	srv.CreateBucket(t, bucket)
	loc, err := s3blob.ParseLocation("s3://" + bucket + "/vaults/v1?endpoint=" + srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]s3blob.Option{
		s3blob.WithCredentials(credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, "")),
		s3blob.WithRetryer(quickRetryer),
	}, opts...)
	if client != nil {
		opts = append(opts, s3blob.WithHTTPClient(client))
	}
	s, err := s3blob.Open(context.Background(), loc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3(t *testing.T) {
	srv := startServer(t)
	t.Run("Conformance", func(t *testing.T) {
		blobtest.Run(t, func(t *testing.T) blob.Store { return openStore(t, srv, nil) })
	})
	// Every fourth request fails in one of the ways a network and a busy server fail; the SDK's
	// retryer and the store's resume and save tokens must hide all of them.
	var faulted []*faultyTransport
	t.Run("ConformanceUnderNetworkFaults", func(t *testing.T) {
		blobtest.Run(t, func(t *testing.T) blob.Store {
			ft := &faultyTransport{every: 4}
			faulted = append(faulted, ft)
			return openStore(t, srv, &http.Client{Transport: ft})
		})
	})
	var requests int64
	for _, ft := range faulted {
		requests += ft.n.Load()
	}
	if len(faulted) > 0 { // (the subtest may be filtered out by -run)
		if requests < 150 {
			t.Fatalf("the faulty conformance run sent %d requests, so fewer than 38 faults: the faults did not happen", requests)
		}
		t.Logf("the faulty conformance run hid about %d faults in %d requests", requests/4, requests)
	}
	t.Run("ConformanceBehindTheFaultyWrapper", func(t *testing.T) {
		blobtest.Run(t, func(t *testing.T) blob.Store { return blob.NewFaulty(openStore(t, srv, nil)) })
	})
	t.Run("UploadsThatNeverGetThroughLeaveNothing", func(t *testing.T) { testNothingHalfWritten(t, srv) })
	t.Run("ASaveWhoseAnswerWasLostIsItsOwn", func(t *testing.T) { testLostAnswer(t, srv) })
	t.Run("ListStreamsPageByPage", func(t *testing.T) { testListPages(t, srv) })
	t.Run("ObserverCountsAttempts", func(t *testing.T) { testObserver(t, srv) })
	t.Run("UnconditionalFallbackStillRefusesAnExistingName", func(t *testing.T) { testUnconditional(t, srv) })
}

// conditional=false (a server without If-None-Match) checks with HEAD before the PUT: a name
// saved before is still refused, and the object kept.
func testUnconditional(t *testing.T, srv *s3test.Server) {
	ctx := context.Background()
	srv.CreateBucket(t, "unconditional")
	loc, err := s3blob.ParseLocation("s3://unconditional/r?conditional=false&endpoint=" + srv.Endpoint)
	if err != nil || !loc.Unconditional {
		t.Fatalf("ParseLocation: %+v, %v", loc, err)
	}
	s, err := s3blob.Open(ctx, loc, s3blob.WithCredentials(credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, "")))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, "locks/gc", strings.NewReader("first")); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, "locks/gc", strings.NewReader("second")); !errors.Is(err, blob.ErrExists) {
		t.Fatalf("second Save: %v, want ErrExists", err)
	}
	if b, err := blob.ReadAll(ctx, s, "locks/gc"); err != nil || string(b) != "first" {
		t.Fatalf("object = %q, %v", b, err)
	}
}

// Every PUT and UploadPart is cut off half way, on every retry: Save fails, and neither an
// object nor an unfinished multipart upload is left, for a single PUT and a multipart upload.
func testNothingHalfWritten(t *testing.T, srv *s3test.Server) {
	ft := &faultyTransport{dropUploads: true}
	s := openStore(t, srv, &http.Client{Transport: ft})
	ctx := context.Background()
	for _, n := range []int{1 << 20, 70 << 20} { // one PUT, and a multipart upload
		name := fmt.Sprintf("packs/00/p%d", n)
		err := s.Save(ctx, name, bytes.NewReader(make([]byte, n)))
		if err == nil {
			t.Fatalf("Save of %d bytes succeeded though every upload was cut off", n)
		}
		if _, err := s.Stat(ctx, name); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("after the failed Save of %d bytes, Stat = %v, want ErrNotFound", n, err)
		}
	}
	if ft.dropped.Load() < 10 {
		t.Fatalf("only %d uploads were cut off: the faults did not happen", ft.dropped.Load())
	}
	loc := s.Location()
	ups, err := srv.Client().ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String(loc.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups.Uploads) != 0 {
		t.Fatalf("%d multipart uploads left behind", len(ups.Uploads))
	}
	objs, err := srv.Client().ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(loc.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Contents) != 0 {
		t.Fatalf("objects left behind: %d", len(objs.Contents))
	}
}

// The first PUT lands but its answer is lost; the SDK retries, the server refuses with 412, and
// Save must recognise its own object rather than report ErrExists. A second Save of the name
// still gets ErrExists.
func testLostAnswer(t *testing.T, srv *s3test.Server) {
	ft := &faultyTransport{loseAnswers: 1}
	s := openStore(t, srv, &http.Client{Transport: ft})
	ctx := context.Background()
	if err := s.Save(ctx, "snapshots/s1", strings.NewReader("mine")); err != nil {
		t.Fatalf("Save whose first answer was lost: %v", err)
	}
	if ft.lost.Load() != 1 {
		t.Fatalf("lost %d answers, want 1", ft.lost.Load())
	}
	if err := s.Save(ctx, "snapshots/s1", strings.NewReader("other")); !errors.Is(err, blob.ErrExists) {
		t.Fatalf("second Save: %v, want ErrExists", err)
	}
	if b, err := blob.ReadAll(ctx, s, "snapshots/s1"); err != nil || string(b) != "mine" {
		t.Fatalf("object = %q, %v", b, err)
	}
}

// More objects than one page (1000 keys) are listed in order, and the callback sees the first
// page's names before the second page is asked for.
func testListPages(t *testing.T, srv *s3test.Server) {
	var lists atomic.Int64
	s := openStore(t, srv, nil, s3blob.WithObserver(func(op string, _ int, _ error) {
		if op == "ListObjectsV2" {
			lists.Add(1)
		}
	}))
	ctx := context.Background()
	const n = 1100
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.Save(ctx, fmt.Sprintf("index/%05d", i), strings.NewReader("x")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	lists.Store(0)
	var seen int
	var listsAtFirst int64
	err := s.List(ctx, "index/", func(name string, size int64) error {
		if want := fmt.Sprintf("index/%05d", seen); name != want || size != 1 {
			return fmt.Errorf("object %d: %s (%d bytes), want %s (1 byte)", seen, name, size, want)
		}
		if seen == 0 {
			listsAtFirst = lists.Load()
		}
		seen++
		return nil
	})
	if err != nil || seen != n {
		t.Fatalf("listed %d of %d: %v", seen, n, err)
	}
	if listsAtFirst != 1 || lists.Load() != 2 {
		t.Fatalf("list requests: %d before the first name, %d in all; want 1 and 2", listsAtFirst, lists.Load())
	}
}

func testObserver(t *testing.T, srv *s3test.Server) {
	var mu sync.Mutex
	got := map[string]int{}
	ft := &faultyTransport{every: 2}
	s := openStore(t, srv, &http.Client{Transport: ft}, s3blob.WithObserver(func(op string, status int, err error) {
		mu.Lock()
		defer mu.Unlock()
		got[fmt.Sprintf("%s %d %t", op, status, err != nil)]++
	}))
	if err := s.Save(context.Background(), "a", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got["PutObject 200 false"] != 1 || len(got) < 2 {
		t.Fatalf("observed %v; want one successful PutObject after a failed attempt", got)
	}
}

// faultyTransport fails requests the way networks and busy servers do. With every > 0, every
// every-th request gets the next fault of a cycle: a 500, a 503 SlowDown, a timeout, an upload
// cut off half way (or a download body cut off half way), and an answer lost after the server
// acted. With dropUploads, every request with a body is cut off half way. With loseAnswers, that
// many requests reach the server and then lose their answer.
type faultyTransport struct {
	every       int64
	dropUploads bool
	loseAnswers int64

	n       atomic.Int64
	dropped atomic.Int64
	lost    atomic.Int64
}

var base = awshttp.NewBuildableClient()

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout (injected)" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var errReset = errors.New("connection reset by peer (injected)")

func (f *faultyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	n := f.n.Add(1)
	if f.dropUploads && req.ContentLength > 0 {
		f.dropped.Add(1)
		return f.cutUpload(req)
	}
	if f.loseAnswers > 0 && f.lost.Load() < f.loseAnswers {
		f.lost.Add(1)
		resp, err := base.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		return nil, errReset
	}
	if f.every == 0 || n%f.every != 0 {
		return base.Do(req)
	}
	switch (n / f.every) % 5 {
	case 0:
		return errorResponse(req, http.StatusInternalServerError, "InternalError"), nil
	case 1:
		return errorResponse(req, http.StatusServiceUnavailable, "SlowDown"), nil
	case 2:
		return nil, timeoutError{}
	case 3:
		if req.ContentLength > 0 {
			return f.cutUpload(req)
		}
		resp, err := base.Do(req)
		if err != nil || resp.ContentLength < 2 {
			return resp, err
		}
		resp.Body = &cutBody{ReadCloser: resp.Body, left: resp.ContentLength / 2}
		return resp, nil
	default:
		resp, err := base.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		return nil, errReset
	}
}

// cutUpload sends the request with its body cut off half way: the server sees a connection
// that broke mid-upload.
func (f *faultyTransport) cutUpload(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(&cutReader{r: req.Body, left: req.ContentLength / 2})
	resp, err := base.Do(req)
	if err == nil {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("the server answered %s to a cut-off upload", resp.Status)
	}
	return nil, err
}

type cutReader struct {
	r    io.Reader
	left int64
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errReset
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

type cutBody struct {
	io.ReadCloser
	left int64
}

func (c *cutBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errReset
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.ReadCloser.Read(p)
	c.left -= int64(n)
	return n, err
}

func errorResponse(req *http.Request, status int, code string) *http.Response {
	body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>injected</Message></Error>`
	return &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header:        http.Header{"Content-Type": {"application/xml"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}
