package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine/audit"
	"github.com/strongroom/terraform-provider-backup/internal/engine/console"
)

// The vendored htmx is the release the package doc names.
func TestVendoredHtmxIsTheRecordedRelease(t *testing.T) {
	b, err := os.ReadFile("static/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	const want = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("static/htmx.min.js has sha256 %s, the package doc records %s: update both together", got, want)
	}
}

// browser is a plain HTTP client with a cookie jar, for what needs no JavaScript.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar}, base: base}
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) signIn(akid, secret string) (int, string) {
	return b.post("/console/signin", url.Values{"access_key_id": {akid}, "secret_access_key": {secret}, "region": {"us-east-1"}})
}

// Sign-in checks the key with a signed call: a wrong secret gets no session and the engine's
// refusal; the right one gets an HttpOnly, SameSite=Strict cookie that holds no secret.
func TestSignInChecksTheKeyWithTheAPI(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e.url)
	status, body := b.signIn(e.srv.Key.AccessKeyID, "not-the-secret")
	if status != http.StatusUnauthorized || !strings.Contains(body, "Sign-in refused") || !strings.Contains(body, "InvalidSignatureException") {
		t.Errorf("wrong secret: %d, want 401 naming InvalidSignatureException; page:\n%s", status, body)
	}
	if status, _ := b.get("/console/vaults"); status != http.StatusOK {
		t.Fatalf("GET /console/vaults = %d", status)
	}
	if _, body := b.get("/console/vaults"); !strings.Contains(body, "Sign in with an access key") {
		t.Errorf("without a session the console should show the sign-in form, got:\n%s", body)
	}

	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).PostForm(e.url+"/console/signin",
		url.Values{"access_key_id": {e.srv.Key.AccessKeyID}, "secret_access_key": {e.srv.Key.SecretAccessKey}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in = %d, want 303", resp.StatusCode)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].Path != console.Prefix {
		t.Fatalf("session cookie = %+v, want one HttpOnly SameSite=Strict cookie on %s", cookies, console.Prefix)
	}
	if strings.Contains(cookies[0].Value, e.srv.Key.SecretAccessKey) || strings.Contains(cookies[0].Value, e.srv.Key.AccessKeyID) || len(cookies[0].Value) < 40 {
		t.Errorf("session cookie %q must be a long random ID, holding no key", cookies[0].Value)
	}
}

// Pages carry the security headers; a POST without the session's CSRF token changes nothing;
// GET of an action does nothing either.
func TestStateChangesNeedPOSTWithTheCSRFToken(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e.url)
	if status, _ := b.signIn(e.srv.Key.AccessKeyID, e.srv.Key.SecretAccessKey); status != http.StatusOK {
		t.Fatalf("sign-in = %d", status)
	}
	resp, err := b.c.Get(e.url + "/console/vaults/" + e.vault)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q, want script only from self, no inline, no framing", csp)
	}
	m := csrfField.FindStringSubmatch(string(page))
	if m == nil {
		t.Fatalf("the vault page has no CSRF field:\n%s", page)
	}
	del := url.Values{"vault": {e.vault}, "arn": {e.point}}
	for name, token := range map[string]string{"no token": "", "wrong token": m[1] + "x"} {
		form := url.Values{"vault": del["vault"], "arn": del["arn"]}
		if token != "" {
			form.Set("csrf", token)
		}
		if status, body := b.post("/console/points/delete", form); status != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("%s: delete = %d %q, want 403 naming the CSRF token", name, status, body)
		}
	}
	if status, _ := b.get("/console/points/delete?vault=" + e.vault + "&arn=" + url.QueryEscape(e.point)); status != http.StatusNotFound {
		t.Errorf("GET of the delete action = %d, want 404 (GET never changes state)", status)
	}
	if _, err := e.c.DescribeRecoveryPoint(context.Background(), &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String(e.vault),
		RecoveryPointArn: aws.String(e.point)}); err != nil {
		t.Fatalf("the point should still exist: %v", err)
	}

	// With the token, the delete goes through the API, and the audit trail records it as the
	// user's call, made from the console.
	del.Set("csrf", m[1])
	if status, body := b.post("/console/points/delete", del); status != http.StatusOK || !strings.Contains(body, "is being deleted") {
		t.Fatalf("delete with the token = %d:\n%s", status, body)
	}
	var found []audit.Record
	if err := audit.Lookup(audit.Path(e.srv.Engine.DataDir()), audit.Filter{EventName: "DeleteRecoveryPoint"}, func(r audit.Record, _ json.RawMessage) error {
		found = append(found, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].UserIdentity.AccessKeyID != e.srv.Key.AccessKeyID || !strings.Contains(found[0].UserAgent, "app/"+console.AppID) ||
		found[0].SourceIPAddress != "127.0.0.1" || found[0].ErrorCode != "" {
		t.Errorf("audit records of DeleteRecoveryPoint = %+v, want one by the user's key with the console's user agent from 127.0.0.1", found)
	}
}

// Names, titles and messages are the callers' and are shown as text.
func TestHostileTextIsEscaped(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e.url)
	b.signIn(e.srv.Key.AccessKeyID, e.srv.Key.SecretAccessKey)
	for _, p := range []string{"/console/legal-holds", "/console/vaults/" + e.heldIn} {
		_, body := b.get(p)
		if strings.Contains(body, hostileTitle) || !strings.Contains(body, "&lt;script&gt;document.title=&#34;pwned&#34;") {
			t.Errorf("%s shows the hold title unescaped (or not at all):\n%s", p, body)
		}
	}
	if _, body := b.get("/console/vaults/" + e.vault); strings.Contains(body, hostileTag) || !strings.Contains(body, "owner=&lt;script&gt;document.title=&#34;tagged&#34;") {
		t.Errorf("the vault page shows its tag unescaped (or not at all):\n%s", body)
	}
	if status, body := b.get("/console/vaults/%3Cscript%3Ex"); status != http.StatusBadRequest || strings.Contains(body, "<script>x") {
		t.Errorf("a hostile vault name = %d, want the engine's 400 with the name escaped:\n%s", status, body)
	}
}

// A session ends after the idle timeout (on the console's clock), and at sign-out; either way its
// cookie no longer opens a page.
func TestSessionsIdleOutAndSignOut(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e.url)
	b.signIn(e.srv.Key.AccessKeyID, e.srv.Key.SecretAccessKey)
	e.sessions.Advance(console.DefaultIdleTimeout - time.Second)
	if _, body := b.get("/console/jobs"); !strings.Contains(body, "Backup jobs") {
		t.Fatalf("a session used within the idle timeout should still be live:\n%s", body)
	}
	e.sessions.Advance(console.DefaultIdleTimeout + time.Second)
	if _, body := b.get("/console/jobs"); !strings.Contains(body, "Sign in with an access key") {
		t.Errorf("after the idle timeout the console should ask to sign in again:\n%s", body)
	}

	b.signIn(e.srv.Key.AccessKeyID, e.srv.Key.SecretAccessKey)
	_, page := b.get("/console/")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no sign-out form:\n%s", page)
	}
	if _, body := b.post("/console/signout", url.Values{"csrf": {m[1]}}); !strings.Contains(body, "Sign in with an access key") {
		t.Errorf("sign-out should land on the sign-in form:\n%s", body)
	}
	if _, body := b.get("/console/"); !strings.Contains(body, "Sign in with an access key") {
		t.Errorf("after sign-out the old session still opens the dashboard:\n%s", body)
	}
}

// A POST from another site's page is refused by its Origin, sign-in included (which has no
// session, and so no CSRF token, yet); over TLS the session cookie is Secure.
func TestForeignOriginsAreRefusedAndTLSCookiesAreSecure(t *testing.T) {
	e := newEnv(t)
	for _, origin := range []string{"https://evil.example", "null"} {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/console/signin", strings.NewReader(url.Values{
			"access_key_id": {e.srv.Key.AccessKeyID}, "secret_access_key": {e.srv.Key.SecretAccessKey}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("a sign-in posted from origin %s = %d with cookies %v, want 403 and no session", origin, resp.StatusCode, resp.Cookies())
		}
	}

	con, err := console.New(console.Options{API: e.srv.Engine.Handler()})
	if err != nil {
		t.Fatal(err)
	}
	tlsSrv := httptest.NewTLSServer(con)
	defer tlsSrv.Close()
	client := tlsSrv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.PostForm(tlsSrv.URL+"/console/signin", url.Values{"access_key_id": {e.srv.Key.AccessKeyID}, "secret_access_key": {e.srv.Key.SecretAccessKey}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := resp.Cookies(); resp.StatusCode != http.StatusSeeOther || len(c) != 1 || !c[0].Secure {
		t.Errorf("sign-in over TLS = %d, cookies %+v; want a Secure session cookie", resp.StatusCode, c)
	}
	// Behind a TLS-terminating proxy the console is reached over plain HTTP; the proxy says so.
	for proto, secure := range map[string]bool{"https": true, "": false} {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/console/signin", strings.NewReader(url.Values{
			"access_key_id": {e.srv.Key.AccessKeyID}, "secret_access_key": {e.srv.Key.SecretAccessKey}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if c := resp.Cookies(); len(c) != 1 || c[0].Secure != secure {
			t.Errorf("sign-in with X-Forwarded-Proto %q: cookies %+v, want Secure=%v", proto, c, secure)
		}
	}
}

// A section another part of the engine adds is in the navigation, served only to signed-in
// users, and rendered with the user's own signed clients.
func TestSectionsAreServedWithTheUsersClients(t *testing.T) {
	e := newEnv(t)
	con, err := console.New(console.Options{API: e.srv.Engine.Handler(), Sections: []console.Section{{
		Path: "/capacity", Title: "Capacity",
		Render: func(ctx context.Context, c console.Clients) (template.HTML, error) {
			out, err := c.Backup.ListBackupVaults(ctx, &backup.ListBackupVaultsInput{})
			if err != nil {
				return "", err
			}
			return template.HTML(fmt.Sprintf("<p id=vault-count>%d vaults seen by %s</p>", len(out.BackupVaultList), template.HTMLEscapeString(c.AccessKeyID))), nil
		},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(con)
	defer hs.Close()
	b := newBrowser(t, hs.URL)
	if _, body := b.get("/console/capacity"); !strings.Contains(body, "Sign in with an access key") {
		t.Errorf("a section without a session should ask to sign in:\n%s", body)
	}
	b.signIn(e.srv.Key.AccessKeyID, e.srv.Key.SecretAccessKey)
	if _, body := b.get("/console/"); !strings.Contains(body, `<a href="/console/capacity">Capacity</a>`) {
		t.Errorf("the navigation has no link to the section:\n%s", body)
	}
	if status, body := b.get("/console/capacity"); status != http.StatusOK || !strings.Contains(body, "2 vaults seen by "+e.srv.Key.AccessKeyID) {
		t.Errorf("the section = %d:\n%s", status, body)
	}
	if _, err := console.New(console.Options{API: e.srv.Engine.Handler(), Sections: []console.Section{{Path: "no-slash", Title: "x"}}}); err == nil ||
		!strings.Contains(err.Error(), "Path starting with /") {
		t.Errorf("a section without a path or render function: %v", err)
	}
	shadow := func(context.Context, console.Clients) (template.HTML, error) { return "", nil }
	for _, path := range []string{"/compliance", "/vaults/x", "/"} {
		if _, err := console.New(console.Options{API: e.srv.Engine.Handler(), Sections: []console.Section{{Path: path, Title: "x", Render: shadow}}}); err == nil ||
			!strings.Contains(err.Error(), "serves that path itself") {
			t.Errorf("a section at the built-in %s: %v, want refused", path, err)
		}
	}
}

// A vault's page shows its lock (only when it has one), its access policy and its points with
// their legal holds.
func TestVaultPageShowsLockPolicyAndHolds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: aws.String(e.heldIn),
		MinRetentionDays: aws.Int64(1), MaxRetentionDays: aws.Int64(400)}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}`
	if _, err := e.c.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String(e.vault), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.url)
	b.signIn(e.srv.Key.AccessKeyID, e.srv.Key.SecretAccessKey)
	_, held := b.get("/console/vaults/" + e.heldIn)
	if !strings.Contains(held, "locked: retention at least 1 days, at most 400 days; governance mode") || !strings.Contains(held, e.held) ||
		!strings.Contains(held, `<span class="hold">&lt;script&gt;`) {
		t.Errorf("the locked vault's page should show its lock and its held point:\n%s", held)
	}
	if _, holds := b.get("/console/legal-holds"); !strings.Contains(holds, "<code>"+e.held+"</code>") || strings.Contains(holds, "<code>"+e.point+"</code>") {
		t.Errorf("the legal holds page should list the held point, and only it:\n%s", holds)
	}
	_, open := b.get("/console/vaults/" + e.vault)
	if !strings.Contains(open, "not locked") || !strings.Contains(open, "backup:DeleteRecoveryPoint") || strings.Contains(open, `class="hold"`) {
		t.Errorf("the unlocked vault's page should say so, show its policy, and no hold:\n%s", open)
	}
}

// A plan's page shows each selection with the resources it alone matches now, and what the plan
// covers in all.
func TestPlanPageShowsWhatEachSelectionMatches(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: aws.String(e.planID), BackupSelection: &types.BackupSelection{
		SelectionName: aws.String("tagged-nothing"), IamRoleArn: aws.String("arn:aws:iam::123456789012:role/backup"),
		ListOfTags: []types.Condition{{ConditionType: types.ConditionTypeStringequals, ConditionKey: aws.String("tier"), ConditionValue: aws.String("gold")}}}}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.url)
	b.signIn(e.srv.Key.AccessKeyID, e.srv.Key.SecretAccessKey)
	_, body := b.get("/console/plans/" + e.planID)
	matches := regexp.MustCompile(`(?s)<h3>([^<]+)</h3>.*?<dd class="selection-resources">(.*?)</dd>`).FindAllStringSubmatch(body, -1)
	got := map[string]string{}
	for _, m := range matches {
		got[m[1]] = m[2]
	}
	if len(got) != 2 || !strings.Contains(got["all-directories"], e.resource) || got["tagged-nothing"] != "nothing" {
		t.Errorf("selections and what they match = %v; want all-directories matching %s and tagged-nothing matching nothing:\n%s", got, e.resource, body)
	}
}
