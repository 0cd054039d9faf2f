package scenario

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The HTTP part of the security scenario (issue 11, "HTTP hygiene"): against a real `engine
// serve`, oversized and trickled requests are answered or closed without the daemon's memory
// growing, and malformed JSON is refused with SerializationException, through raw requests signed
// with aws-sdk-go-v2's SigV4 signer and through the AWS CLI.

// memoryGrowthBound is how much the daemon's peak resident memory may exceed its resident memory
// before an attack. Before the fix, 48 unsigned 8 MiB bodies added about 250 MB.
const memoryGrowthBound = 64 << 20

// procMemory reads a field (VmRSS, VmHWM) of /proc/PID/status, in bytes.
func procMemory(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read the daemon's memory: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("/proc/%d/status %s: %v", pid, line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

// signer signs raw requests with the daemon's key, as the AWS SDKs would.
type signer struct {
	creds  aws.Credentials
	region string
}

func (d *daemon) signer(t *testing.T) signer {
	t.Helper()
	s := signer{region: "us-east-1"}
	for _, kv := range d.clientEnv(t, s.region) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "AWS_ACCESS_KEY_ID":
			s.creds.AccessKeyID = v
		case "AWS_SECRET_ACCESS_KEY":
			s.creds.SecretAccessKey = v
		}
	}
	if s.creds.AccessKeyID == "" || s.creds.SecretAccessKey == "" {
		t.Fatal("engine credentials printed no key")
	}
	return s
}

// sign signs req for a body whose SHA-256 is of signedBody.
func (s signer) sign(t *testing.T, req *http.Request, signedBody []byte) {
	t.Helper()
	sum := sha256.Sum256(signedBody)
	if err := v4.NewSigner().SignHTTP(context.Background(), s.creds, req, hex.EncodeToString(sum[:]), "backup", s.region, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// errorCode is the AWS error code of a response, or "" for success.
func errorCode(resp *http.Response) string { return resp.Header.Get("x-amzn-ErrorType") }

// flood sends n requests at once, each built by build, and returns the error codes of those
// answered; a request the daemon refused by closing the connection mid-body is not answered.
func flood(t *testing.T, n int, build func() *http.Request) []string {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 60 * time.Second}
	var mu sync.Mutex
	var codes []string
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Do(build())
			if err != nil {
				return // Go's client drops an answer that arrives before it has sent the whole body
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			codes = append(codes, fmt.Sprintf("%d %s", resp.StatusCode, errorCode(resp)))
			mu.Unlock()
		}()
	}
	wg.Wait()
	return codes
}

// TestScenarioHTTPOversizedBodies: 48 concurrent 8 MiB bodies, unsigned and signed, with and
// without a Content-Length, are refused without the daemon holding them in memory.
func TestScenarioHTTPOversizedBodies(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	pid := d.cmd.Process.Pid
	s := d.signer(t)
	d.mustAWS(t, "us-east-1", "backup", "list-backup-vaults") // warm up
	before := procMemory(t, pid, "VmRSS")

	eightMiB := bytes.Repeat([]byte("x"), 8<<20)
	attacks := []struct {
		name  string
		build func() *http.Request
		want  string
	}{
		{"unsigned", func() *http.Request {
			req, _ := http.NewRequest("PUT", d.Endpoint+"/backup-vaults/flood", bytes.NewReader(eightMiB))
			return req
		}, "403 MissingAuthenticationTokenException"},
		{"signed, with Content-Length", func() *http.Request {
			req, _ := http.NewRequest("PUT", d.Endpoint+"/backup/plans/", bytes.NewReader(eightMiB))
			s.sign(t, req, eightMiB)
			return req
		}, "413 SerializationException"},
		{"signed, chunked", func() *http.Request {
			req, _ := http.NewRequest("PUT", d.Endpoint+"/backup/plans/", io.MultiReader(bytes.NewReader(eightMiB)))
			req.ContentLength = -1
			s.sign(t, req, eightMiB)
			return req
		}, "413 SerializationException"},
	}
	u, _ := url.Parse(d.Endpoint)
	for _, a := range attacks {
		// One probe reads the answer without racing its own upload: it sends the head and, for a
		// chunked body, one chunk just over the largest plan, then waits.
		req := a.build()
		var sent []byte
		if req.ContentLength < 0 {
			sent = append(fmt.Appendf(nil, "%x\r\n", (1<<20)+1), eightMiB[:(1<<20)+1]...)
		}
		if got := probe(t, u.Host, req, sent); got != a.want {
			t.Errorf("%s: answered %q, want %q", a.name, got, a.want)
		}
		codes := flood(t, 48, a.build)
		for _, c := range codes {
			if c != a.want {
				t.Errorf("%s: answered %q, want %q", a.name, c, a.want)
			}
		}
		t.Logf("%s: %d of 48 read the answer %s before the daemon closed the connection mid-body", a.name, len(codes), a.want)
	}

	peak := procMemory(t, pid, "VmHWM")
	t.Logf("daemon memory: %d MiB resident before, %d MiB peak after", before>>20, peak>>20)
	if peak-before > memoryGrowthBound {
		t.Errorf("the daemon's peak memory grew by %d MiB under oversized bodies, more than %d MiB", (peak-before)>>20, memoryGrowthBound>>20)
	}
	// The daemon still serves, and nothing was created.
	out := d.mustAWS(t, "us-east-1", "backup", "list-backup-vaults")
	if vaults, _ := out["BackupVaultList"].([]any); len(vaults) != 0 {
		t.Errorf("the attack created vaults: %v", vaults)
	}
}

// rawHead is req's request line and headers as a client sends them, with its Content-Length, or
// chunked transfer encoding when its length is unknown.
func rawHead(req *http.Request) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.URL.Host)
	if req.ContentLength < 0 {
		b.WriteString("Transfer-Encoding: chunked\r\n")
	} else {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", req.ContentLength)
	}
	_ = req.Header.Write(&b)
	b.WriteString("\r\n")
	return b.Bytes()
}

// probe sends req's head and then sent, and returns the answer's status and error code. The
// read deadline only keeps a broken daemon from hanging the test.
func probe(t *testing.T, host string, req *http.Request, sent []byte) string {
	t.Helper()
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(append(rawHead(req), sent...)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return "no answer: " + err.Error()
	}
	resp.Body.Close()
	return fmt.Sprintf("%d %s", resp.StatusCode, errorCode(resp))
}

// TestScenarioHTTPTrickledRequests: a client that sends headers or a body one byte a second is
// disconnected once the daemon's --read-timeout (or header timeout) passes, signed or not.
func TestScenarioHTTPTrickledRequests(t *testing.T) {
	parallel(t)
	d := startDaemon(t, "--read-timeout", "2s")
	pid := d.cmd.Process.Pid
	s := d.signer(t)
	before := procMemory(t, pid, "VmRSS")
	u, _ := url.Parse(d.Endpoint)

	head := func(signed bool) []byte {
		body := bytes.Repeat([]byte(" "), 100)
		req, _ := http.NewRequest("PUT", d.Endpoint+"/backup-vaults/trickle", nil)
		req.ContentLength = int64(len(body))
		if signed {
			s.sign(t, req, body)
		}
		return rawHead(req)
	}
	cases := []struct {
		name  string
		first []byte
	}{
		{"headers, one byte a second", []byte("PUT /backup-vaults/trickle HTTP/1.1\r\nHost: " + u.Host + "\r\nX-Slow: ")},
		{"unsigned body, one byte a second", head(false)},
		{"signed body, one byte a second", head(true)},
	}
	var wg sync.WaitGroup
	for _, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			closed, answer := trickle(t, u.Host, tc.first, 60)
			if !closed {
				t.Errorf("%s: the daemon kept the connection open for 60 s", tc.name)
				return
			}
			t.Logf("%s: closed by the daemon after answering %q", tc.name, answer)
		}()
	}
	wg.Wait()
	if peak := procMemory(t, pid, "VmHWM"); peak-before > memoryGrowthBound {
		t.Errorf("the daemon's peak memory grew by %d MiB under trickled requests", (peak-before)>>20)
	}
}

// trickle writes first, then one byte a second for at most seconds seconds, and reports whether
// the daemon closed the connection, with the status line it answered before closing, if any.
func trickle(t *testing.T, host string, first []byte, seconds int) (closed bool, answer string) {
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Error(err)
		return false, ""
	}
	defer conn.Close()
	if _, err := conn.Write(first); err != nil {
		return true, ""
	}
	r := bufio.NewReader(conn)
	for range seconds {
		if _, err := conn.Write([]byte("a")); err != nil {
			return true, answer
		}
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		line, err := r.ReadString('\n')
		if strings.HasPrefix(line, "HTTP/") && answer == "" {
			answer = strings.TrimSpace(line)
		}
		var ne net.Error
		if err != nil && (!errors.As(err, &ne) || !ne.Timeout()) {
			return true, answer
		}
	}
	return false, answer
}

// TestScenarioHTTPMalformedJSON: what encoding/json let through — trailing data, invalid UTF-8,
// duplicate members — and a 7 MiB CreatorRequestId are refused, and no vault is created.
func TestScenarioHTTPMalformedJSON(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	s := d.signer(t)
	client := &http.Client{Timeout: 60 * time.Second}
	for _, tc := range []struct{ name, body, inMsg string }{
		{"trailing data", `{}xyz`, "after the JSON object"},
		{"invalid UTF-8", "{\"BackupVaultTags\":{\"k\":\"\xff\"}}", "UTF-8"},
		{"duplicate member", `{"CreatorRequestId":"a","CreatorRequestId":"b"}`, "duplicate"},
	} {
		req, _ := http.NewRequest("PUT", d.Endpoint+"/backup-vaults/bad-json", strings.NewReader(tc.body))
		s.sign(t, req, []byte(tc.body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var e struct{ Message string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 400 || errorCode(resp) != "SerializationException" || !strings.Contains(e.Message, tc.inMsg) {
			t.Errorf("%s: %d %s %q, want 400 SerializationException saying %q", tc.name, resp.StatusCode, errorCode(resp), e.Message, tc.inMsg)
		}
	}

	// Through the AWS CLI: a 7 MiB CreatorRequestId (from a file, as no argument can be that
	// long), and one that breaks AWS's documented 1-50 characters.
	input := filepath.Join(t.TempDir(), "input.json")
	big, _ := json.Marshal(map[string]string{"BackupVaultName": "big-id", "CreatorRequestId": strings.Repeat("a", 7<<20)})
	if err := os.WriteFile(input, big, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"7 MiB CreatorRequestId", []string{"backup", "create-backup-vault", "--cli-input-json", "file://" + input}, "(SerializationException)"},
		{"51-character CreatorRequestId", []string{"backup", "create-backup-vault", "--backup-vault-name", "long-id", "--creator-request-id", strings.Repeat("a", 51)}, "(InvalidParameterValueException)"},
	} {
		r := d.aws(t, "us-east-1", tc.args...)
		if r.Code == 0 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want an error %s", tc.name, r.Code, r.Stderr, tc.want)
		}
	}
	out := d.mustAWS(t, "us-east-1", "backup", "list-backup-vaults")
	if vaults, _ := out["BackupVaultList"].([]any); len(vaults) != 0 {
		t.Errorf("refused requests created vaults: %v", vaults)
	}
}

// TestScenarioHTTPReadTimeoutFlag: a read timeout that would refuse every body is a usage error.
func TestScenarioHTTPReadTimeoutFlag(t *testing.T) {
	parallel(t)
	_, stderr, code := engineCmd(t, "serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--read-timeout", "0s")
	if code == 0 || !strings.Contains(stderr, "--read-timeout must be a positive duration") {
		t.Errorf("--read-timeout 0s: exit %d, stderr %q; want a usage error naming --read-timeout", code, stderr)
	}
}
