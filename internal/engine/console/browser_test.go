package console_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// ScreenshotsEnv, when set to a directory (relative to the repository root, such as
// docs/images), makes the browser test save PNG screenshots of the main pages there.
const screenshotsEnv = "CONSOLE_SCREENSHOTS"

// chromiumPath finds Debian's chromium, which scripts/install-test-deps.sh installs.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("the console's browser test needs Debian's chromium: run scripts/install-test-deps.sh (apt-get install -y chromium)")
	return ""
}

// The console in a real browser (headless Chromium), one browser and a few tabs: a wrong secret
// cannot sign in; the right one can; the dashboard shows the failed job and its message; a point
// is restored through the UI and the restore is seen to complete (the page polls with htmx);
// deleting a held point is refused on the page with the engine's error; a POST without the CSRF
// token is refused; and the dashboard reads fine with JavaScript disabled.
func TestConsoleInABrowser(t *testing.T) {
	e := newEnv(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1000))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	// The first run starts the browser, on a context without a timeout (its timeout would stop
	// the browser); the steps then run under one.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// The browser's log: a Content-Security-Policy violation (an inline script or style, an
	// eval in htmx) would show there.
	var logMu sync.Mutex
	var violations []string
	if err := chromedp.Listen(browserCtx, func(ev any) {
		var entry *cdplog.Entry
		switch e := ev.(type) {
		case *cdplog.EventEntryAdded:
			entry = e.Entry
		case cdplog.EventEntryAdded:
			entry = e.Entry
		}
		if entry != nil && strings.Contains(entry.Text, "Content Security Policy") {
			logMu.Lock()
			violations = append(violations, entry.Text)
			logMu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, 120*time.Second)
	defer cancel()
	shots := screenshotDir(t)
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if shots == "" {
				return nil
			}
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		})
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(stepCtx, actions...); err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.location.href + "\n" + document.body.innerText`))
			t.Fatalf("%s: %v; the page:\n%s", step, err, page)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	signIn := func(secret string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Navigate(e.url+"/console/"),
			chromedp.WaitVisible(css(`input[name=access_key_id]`)),
			chromedp.SetValue(css(`input[name=access_key_id]`), e.srv.Key.AccessKeyID),
			chromedp.SetValue(css(`input[name=secret_access_key]`), secret),
			chromedp.Submit(css(`input[name=secret_access_key]`)),
		)
	}

	do("sign in with a wrong secret", signIn("wrong-secret"), chromedp.WaitVisible(css(`.flash.error`)))
	if got := text(`.flash.error`); !strings.Contains(got, "Sign-in refused") || !strings.Contains(got, "InvalidSignatureException") {
		t.Errorf("wrong secret: the page says %q, want the engine's refusal", got)
	}
	do("sign in", shot("console-signin"), signIn(e.srv.Key.SecretAccessKey), chromedp.WaitVisible(css(`#failures`)))
	if got := text(`#failures`); !strings.Contains(got, e.failed) || !strings.Contains(got, "FAILED") || !strings.Contains(got, e.failMsg) {
		t.Errorf("the dashboard's failures = %q, want job %s FAILED with %q", got, e.failed, e.failMsg)
	}
	do("dashboard", shot("console-dashboard"))
	if got := text(`main`); !strings.Contains(got, "daily") || !strings.Contains(got, "2026-01-11 05:00 UTC") || !strings.Contains(got, "nightly") {
		t.Errorf("the dashboard should show the plan's next run (2026-01-11 05:00 UTC) and the vaults:\n%s", got)
	}

	target := filepath.Join(e.dir, "restored")
	do("restore through the UI",
		chromedp.Navigate(e.url+"/console/vaults/"+e.vault),
		chromedp.WaitVisible(css(`#points`)),
		shot("console-vault"),
		chromedp.Click(css(`#points a.button`)),
		chromedp.WaitVisible(css(`input[name=target]`)),
		chromedp.SetValue(css(`input[name=target]`), target),
		chromedp.Submit(css(`input[name=target]`)),
		chromedp.WaitVisible(css(`#restore-status`)),
	)
	if got := text(`main`); !strings.Contains(got, "Restore job started") {
		t.Fatalf("the restore job page should say the job started:\n%s", got)
	}
	// The page polls (htmx) until the job ends.
	do("see the restore complete", chromedp.WaitVisible(css(`#restore-status .state-COMPLETED, #restore-status .state-FAILED, #restore-status .state-ABORTED`)),
		shot("console-restore-job"))
	if got := text(`main`); !strings.Contains(got, "COMPLETED") {
		t.Fatalf("the restore did not complete:\n%s", got)
	}
	if diffs := enginetest.DiffTrees(t, filepath.Join(e.dir, "data"), target); len(diffs) > 0 {
		t.Errorf("the restored directory differs from the original: %v", diffs)
	}

	do("delete a held point", chromedp.Navigate(e.url+"/console/vaults/"+e.heldIn), chromedp.WaitVisible(css(`#points`)),
		chromedp.Click(css(`#points button.danger`)), chromedp.WaitVisible(css(`.flash.error`)), shot("console-held-point-refused"))
	if got := text(`.flash.error`); !strings.Contains(got, "InvalidRequestException") || !strings.Contains(got, "legal hold") {
		t.Errorf("deleting the held point: the page says %q, want the engine's InvalidRequestException about the legal hold", got)
	}
	if _, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String(e.heldIn), RecoveryPointArn: aws.String(e.held)}); err != nil {
		t.Errorf("the held point is gone: %v", err)
	}

	// A form posted from the page without the token, as a forged form would be.
	forge := chromedp.Evaluate[bool](`(() => { const f = document.createElement("form"); f.method = "post"; f.action = "/console/points/delete";
		for (const [k, v] of [["vault", ` + jsString(e.vault) + `], ["arn", ` + jsString(e.point) + `]]) {
			const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i); }
		document.body.appendChild(f); f.submit(); return true; })()`)
	do("POST without the CSRF token", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := forge(ctx, tg)
		return err
	}), chromedp.Sleep(500*time.Millisecond), chromedp.WaitReady(css(`body`)))
	if got := text(`body`); !strings.Contains(got, "CSRF token is missing or wrong") {
		t.Errorf("a POST without the CSRF token: the page says %q", got)
	}
	if _, err := e.c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String(e.vault), RecoveryPointArn: aws.String(e.point)}); err != nil {
		t.Errorf("the point the forged form named is gone: %v", err)
	}

	do("other pages", chromedp.Navigate(e.url+"/console/jobs"), chromedp.WaitVisible(css(`#jobs`)), shot("console-jobs"),
		chromedp.Navigate(e.url+"/console/plans/"+e.planID), chromedp.WaitVisible(css(`#plan-resources`)), shot("console-plan"))
	if got := text(`#plan-resources`); !strings.Contains(got, e.resource) {
		t.Errorf("the plan's matched resources = %q, want %s", got, e.resource)
	}
	do("legal holds", chromedp.Navigate(e.url+"/console/legal-holds"), chromedp.WaitVisible(css(`main table`)), shot("console-legal-holds"))
	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || title == "pwned" || title == "tagged" {
		t.Errorf("page title = %q, %v: the legal hold's hostile title must not run as script", title, err)
	}

	// Restore tests and compliance, seeded now: the restore test moves the engine clock, which
	// the steps above assume still stands at 09:00.
	e.failRestoreTest(t, e.startRestoreTest(t))
	e.nonCompliantFramework(t)
	do("restore tests", chromedp.Navigate(e.url+"/console/restore-tests"), chromedp.WaitVisible(css(`table.restore-tests`)), shot("console-restore-tests"))
	if got := text(`table.restore-tests`); !strings.Contains(got, "FAILED") || !strings.Contains(got, "checksum mismatch") {
		t.Errorf("the restore tests table = %q, want the FAILED validation with its message", got)
	}
	if title, _ := chromedp.Run(ctx, chromedp.Title()); title != "restore-tests · backup engine console" {
		t.Errorf("page title = %q: the validator's hostile message must not run", title)
	}
	do("compliance", chromedp.Navigate(e.url+"/console/compliance"), chromedp.WaitVisible(css(`table.verdicts`)), shot("console-compliance"))
	if got := text(`table.verdicts`); !strings.HasPrefix(strings.TrimSpace(strings.SplitN(got, "\n", 2)[1]), "NON_COMPLIANT") {
		t.Errorf("the verdicts table = %q, want NON_COMPLIANT first", got)
	}

	logMu.Lock()
	seen := slices.Clone(violations)
	logMu.Unlock()
	if len(seen) > 0 {
		t.Errorf("the pages broke their Content-Security-Policy: %q", seen)
	}
	// The listener does see a violation: an inline script, which the policy refuses.
	inject := chromedp.Evaluate[bool](`(() => { const s = document.createElement("script"); s.textContent = "document.title='inline'"; document.body.appendChild(s); return true; })()`)
	do("an inline script is refused", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := inject(ctx, tg)
		return err
	}), chromedp.Sleep(300*time.Millisecond))
	logMu.Lock()
	seen = slices.Clone(violations)
	logMu.Unlock()
	if title, _ := chromedp.Run(ctx, chromedp.Title()); title == "inline" || len(seen) != 1 {
		t.Errorf("an injected inline script: title %q, CSP violations logged %q; want it refused and logged once", title, seen)
	}

	// A second tab with JavaScript off reads the same dashboard (the session cookie is shared).
	noJS, cancelNoJS := chromedp.NewContext(browserCtx)
	defer cancelNoJS()
	noJS, cancelNoJSTimeout := context.WithTimeout(noJS, 30*time.Second)
	defer cancelNoJSTimeout()
	disableJS := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(noJS, disableJS, chromedp.Navigate(e.url+"/console/"), chromedp.WaitVisible(css(`#failures`))); err != nil {
		t.Fatalf("dashboard without JavaScript: %v", err)
	}
	if got, err := chromedp.Run(noJS, chromedp.Text(css(`#failures`))); err != nil || !strings.Contains(got, e.failMsg) {
		t.Errorf("without JavaScript the dashboard's failures = %q (%v), want %q", got, err, e.failMsg)
	}
}

// screenshotDir is where to save screenshots, or "" when not asked to.
func screenshotDir(t *testing.T) string {
	d := os.Getenv(screenshotsEnv)
	if d == "" {
		return ""
	}
	if !filepath.IsAbs(d) {
		d = filepath.Join("..", "..", "..", d) // the test runs in internal/engine/console
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(errors.Join(errors.New(screenshotsEnv), err))
	}
	return d
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "<", `\x3c`).Replace(s) + `"`
}
