// Package console is the engine's web console, served by `engine serve` at /console: a
// dashboard (the last 24 hours of jobs by state, failures with their messages, the next scheduled
// runs, storage per vault), vaults with their lock, policy, legal holds and recovery points,
// plans with their selections and the resources they match now, restore and delete of recovery
// points, jobs with live progress, legal holds, restore tests (restore testing plans, their
// selections and the validation and cleanup of the restore jobs they start) and compliance (Backup
// Audit Manager's frameworks with each control's verdict per resource, and report plans with
// their last report job). The dashboard sums the last two up in a line: restore tests failed in
// its 24 hours, frameworks non-compliant now.
//
// # No back door
//
// The console holds no handle on the domain or the store. Every read and every change is a call
// to the engine's own API handler, made in-process with aws-sdk-go-v2's backup client (and the
// engine's extension client for the clock and plan resources), signed with the signed-in user's
// access key and secret. Authorisation, validation, error codes, metrics and the audit trail are
// therefore exactly the API's: the audit record of a point deleted from the console names the
// user's access key, the browser's address, and a user agent carrying "app/engine-console". A
// refusal (a locked vault, a legal hold) is the engine's own error, shown on the page.
//
// # Front end: server-side templates, enhanced by htmx
//
// Pages are rendered on the server with html/template, which escapes every value for its context
// (vault names, tags and error texts are the caller's and may be hostile). Every page reads fine
// without JavaScript: links and plain HTML forms do everything, and a page showing a running job
// refreshes itself with a <meta http-equiv="refresh"> inside <noscript>. With JavaScript, htmx
// polls the job tables and swaps in fresh rows instead. We chose this over an SPA (say, a
// Vite-built app) because it needs no build step, no second API, no client-side state and no
// node_modules in the Go build, and because the no-JavaScript requirement is then met by
// construction rather than by a second rendering path.
//
// htmx is vendored into the binary with go:embed (static/htmx.min.js; nothing is fetched at run
// time): htmx.org 2.0.11 from the npm registry (`npm pack htmx.org@2`, dist/htmx.min.js), sha256
// d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717, licence 0BSD
// (static/htmx.LICENSE). TestVendoredHtmxIsTheRecordedRelease checks the hash.
//
// # Sessions and requests
//
// Sign-in takes an access key ID and secret of the engine and checks them with a signed call
// (ListBackupVaults). A session is a random 256-bit ID in an HttpOnly, SameSite=Strict cookie
// (Secure when the browser came over TLS, directly or through a proxy that sets
// X-Forwarded-Proto), scoped to /console; the secret stays in this process's memory, never in
// the cookie. A session idles out after Options.IdleTimeout on the WALL clock (clock.Real by
// default), not the engine clock: a fake engine clock that jumps a month forward must not sign
// everyone out, nor one held still keep a session alive forever. Every state-changing request is
// a POST carrying the session's CSRF token, compared in constant time, and a POST whose Origin is
// another site's is refused (sign-in included); GET never changes state. Pages are sent with a
// Content-Security-Policy that allows no inline script or style, X-Frame-Options DENY, and
// Cache-Control no-store. The dashboard's "last 24 hours" are the ENGINE clock's (read through
// the extension API), so a fake-clock engine shows its own night.
//
// # Extensions
//
// Other parts of the engine can add pages with Options.Sections (a title, a path, and a render
// function given the signed-in user's clients). Restore tests and compliance are built in
// instead, read-only, because the dashboard sums them up and they share its templates; changing
// them stays with the API and Terraform.
package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// Prefix is where engine serve mounts the console.
const Prefix = "/console"

// AppID is added to the user agent of every API call the console makes, so the audit trail
// tells console calls from others.
const AppID = "engine-console"

// cookieName is the session cookie.
const cookieName = "engine_console_session"

// DefaultIdleTimeout is how long a session lasts without a request.
const DefaultIdleTimeout = 30 * time.Minute

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure a console.
type Options struct {
	// API is the engine's API handler (engine.Handler): every call goes through it.
	API http.Handler
	// Region is the region a sign-in form offers first.
	Region string
	// Clock times sessions' idle expiry; default the wall clock.
	Clock clock.Clock
	// IdleTimeout defaults to DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Log defaults to discarding.
	Log *slog.Logger
	// Sections are pages other parts of the engine add (restore tests, compliance).
	Sections []Section
}

// Section is a page another part of the engine adds to the console: it appears in the
// navigation and is served at Prefix/Path for signed-in users only.
type Section struct {
	// Path is the page's path under Prefix, such as "/restore-tests".
	Path string
	// Title names it in the navigation.
	Title string
	// Render returns the page's body. It is given the signed-in user's clients; what it shows
	// must come through them, so the audit trail and authorisation stay the API's.
	Render func(ctx context.Context, c Clients) (template.HTML, error)
}

// Clients are the signed-in user's API clients, signed with the user's key.
type Clients struct {
	Backup    *backup.Client
	Extension *engineclient.Client
	// AccessKeyID signs the calls; Region is the region signed for.
	AccessKeyID, Region string
}

// builtInPages are the paths the console serves itself (each with what lies below it), which a
// Section must not shadow.
var builtInPages = []string{"/signin", "/signout", "/static", "/vaults", "/plans", "/jobs", "/legal-holds", "/restore",
	"/points", "/restore-tests", "/compliance"}

func builtIn(path string) bool {
	if path == "/" {
		return true
	}
	for _, p := range builtInPages {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// Console serves the console's pages.
type Console struct {
	o        Options
	pages    map[string]*template.Template
	static   http.Handler
	mu       sync.Mutex
	sessions map[string]*session
}

type session struct {
	id, csrf  string
	clients   Clients
	accessKey string
	lastSeen  time.Time
	// flash is a message for the next page shown, set by a POST before it redirects.
	flash, flashErr string
}

// New returns a console over o.API.
func New(o Options) (*Console, error) {
	if o.API == nil {
		return nil, errors.New("console: the API handler is required")
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	for _, s := range o.Sections {
		if !strings.HasPrefix(s.Path, "/") || s.Render == nil || s.Title == "" {
			return nil, fmt.Errorf("console: section %q needs a Path starting with /, a Title and a Render", s.Path)
		}
		if builtIn(s.Path) {
			return nil, fmt.Errorf("console: section %q: the console serves that path itself; choose another Path", s.Path)
		}
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("console: static files: %w", err)
	}
	return &Console{o: o, pages: pages, static: http.StripPrefix(Prefix+"/static/", http.FileServerFS(sub)),
		sessions: map[string]*session{}}, nil
}

// ServeHTTP serves everything under Prefix.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w)
	path := strings.TrimPrefix(r.URL.Path, Prefix)
	if strings.HasPrefix(path, "/static/") {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "static files are read with GET", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		c.static.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodPost && !sameOrigin(r) {
		http.Error(w, "this form was posted from another site (its Origin is not this console's): open the console and submit it there", http.StatusForbidden)
		return
	}
	switch path {
	case "":
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	case "/signin":
		c.signIn(w, r)
		return
	}
	s := c.session(r)
	if s == nil {
		if r.Method == http.MethodGet && r.Header.Get("HX-Request") == "" {
			http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
			return
		}
		http.Error(w, "not signed in (or the session expired): sign in at "+Prefix+"/signin", http.StatusUnauthorized)
		return
	}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "cannot read the form: "+err.Error(), http.StatusBadRequest)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.csrf)) != 1 {
			http.Error(w, "this form's CSRF token is missing or wrong: reload the page and submit it again", http.StatusForbidden)
			return
		}
	} else if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "the console takes GET and POST only", http.StatusMethodNotAllowed)
		return
	}
	c.route(w, r, s, path)
}

// sameOrigin reports whether a POST came from the console's own pages. Browsers send Origin with
// every POST; one from another host is a forged form, which the CSRF token also stops, except on
// sign-in, which has no session yet (login CSRF). A request without Origin (not a browser) is let
// through to the token check.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// setSecurityHeaders: no inline script or style anywhere (htmx is configured by a meta tag and
// its indicator styles are off), no framing, nothing sniffed, no referrer (with its ARNs) to
// other sites; same-origin, not no-referrer, because no-referrer makes browsers send "Origin:
// null" on the console's own POSTs, which sameOrigin refuses.
func setSecurityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

// session returns the request's live session, touching it, or nil.
func (c *Console) session(r *http.Request) *session {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	now := c.o.Clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[ck.Value]
	if s == nil {
		return nil
	}
	if now.Sub(s.lastSeen) > c.o.IdleTimeout {
		delete(c.sessions, ck.Value)
		return nil
	}
	s.lastSeen = now
	return s
}

// sweep drops idle sessions, so that abandoned ones do not pile up.
func (c *Console) sweep(now time.Time) {
	for id, s := range c.sessions {
		if now.Sub(s.lastSeen) > c.o.IdleTimeout {
			delete(c.sessions, id)
		}
	}
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("console: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// clientsFor makes API clients signed with a key, calling the API handler in-process.
func (c *Console) clientsFor(r *http.Request, accessKey, secret, region string) Clients {
	creds := awscreds.NewStaticCredentialsProvider(accessKey, secret, "")
	httpClient := &http.Client{Transport: inProcess{api: c.o.API, remoteAddr: r.RemoteAddr}}
	cfg := aws.Config{Region: region, Credentials: creds, RetryMaxAttempts: 1, HTTPClient: httpClient, AppID: AppID}
	b := backup.NewFromConfig(cfg, func(o *backup.Options) { o.BaseEndpoint = aws.String(inProcessEndpoint) })
	ext := engineclient.New(engineclient.Options{Endpoint: inProcessEndpoint, Region: region, Credentials: creds, HTTPClient: httpClient})
	return Clients{Backup: b, Extension: ext, AccessKeyID: accessKey, Region: region}
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		c.render(w, r, nil, "signin", http.StatusOK, map[string]any{"Region": c.o.Region})
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			http.Error(w, "cannot read the form: "+err.Error(), http.StatusBadRequest)
			return
		}
		akid, secret := strings.TrimSpace(r.PostForm.Get("access_key_id")), r.PostForm.Get("secret_access_key")
		region := strings.TrimSpace(r.PostForm.Get("region"))
		if region == "" {
			region = c.o.Region
		}
		data := map[string]any{"Region": region, "AccessKeyID": akid}
		if akid == "" || secret == "" {
			data["Error"] = "Enter an access key ID and its secret access key (engine credentials prints them)."
			c.render(w, r, nil, "signin", http.StatusBadRequest, data)
			return
		}
		clients := c.clientsFor(r, akid, secret, region)
		// A signed call proves the key and secret: the API checks them as it checks any call,
		// and records the sign-in in the audit trail.
		if _, err := clients.Backup.ListBackupVaults(r.Context(), &backup.ListBackupVaultsInput{MaxResults: aws.Int32(1)}); err != nil {
			data["Error"] = "Sign-in refused: " + apiMessage(err)
			c.render(w, r, nil, "signin", http.StatusUnauthorized, data)
			return
		}
		id, err1 := randomToken()
		csrf, err2 := randomToken()
		if err := errors.Join(err1, err2); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		now := c.o.Clock.Now()
		c.mu.Lock()
		c.sweep(now)
		c.sessions[id] = &session{id: id, csrf: csrf, clients: clients, accessKey: akid, lastSeen: now}
		c.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: Prefix, HttpOnly: true, Secure: overTLS(r),
			SameSite: http.SameSiteStrictMode})
		c.o.Log.Info("console sign-in", slog.String("access_key_id", akid), slog.String("remote_addr", r.RemoteAddr))
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
	default:
		http.Error(w, "sign in with GET (the form) or POST", http.StatusMethodNotAllowed)
	}
}

// overTLS reports whether the browser reached the console over TLS: directly, or through a proxy
// that says so (X-Forwarded-Proto). Trusting the header can only make the cookie Secure, which a
// lie would merely stop the browser from sending over plain HTTP.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	c.mu.Lock()
	delete(c.sessions, s.id)
	c.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true, Secure: overTLS(r),
		SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
}

// redirectWith sends the browser to path after a POST, with a message for the page it lands on.
func (c *Console) redirectWith(w http.ResponseWriter, r *http.Request, s *session, path, flash, flashErr string) {
	c.mu.Lock()
	s.flash, s.flashErr = flash, flashErr
	c.mu.Unlock()
	http.Redirect(w, r, Prefix+path, http.StatusSeeOther)
}

// takeFlash returns and clears the session's message.
func (c *Console) takeFlash(s *session) (string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, e := s.flash, s.flashErr
	s.flash, s.flashErr = "", ""
	return f, e
}
