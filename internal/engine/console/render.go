package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

// parseTemplates parses each page with the shared layout.
func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"when":  formatTime,
		"bytes": formatBytes,
		"str":   aws.ToString,
		"p":     url.PathEscape,
		"deref": aws.ToInt64,
		// isTrue reads an optional bool: a template's if is true for any non-nil pointer.
		"isTrue": aws.ToBool,
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

func formatTime(t any) string {
	var tt time.Time
	switch v := t.(type) {
	case time.Time:
		tt = v
	case *time.Time:
		if v == nil {
			return "—"
		}
		tt = *v
	}
	if tt.IsZero() {
		return "—"
	}
	return tt.UTC().Format("2006-01-02 15:04 UTC")
}

func formatBytes(n any) string {
	var b int64
	switch v := n.(type) {
	case int64:
		b = v
	case *int64:
		b = aws.ToInt64(v)
	}
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := int64(unit), 0
	for m := b / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}

// apiMessage is an API error as the console shows it: the AWS error code and the engine's
// message.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

// page is what every page template gets.
type page struct {
	Title, Active     string
	Flash, FlashError string
	CSRF, AccessKeyID string
	Region            string
	Sections          []Section
	// Refresh asks a browser without JavaScript to reload the page (a job is running).
	Refresh bool
	Data    any
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, s *session, name string, status int, data any) {
	t := c.pages[name]
	p := page{Title: name, Active: name, Data: data, Sections: c.o.Sections}
	if s != nil {
		p.Flash, p.FlashError = c.takeFlash(s)
		p.CSRF, p.AccessKeyID, p.Region = s.csrf, s.clients.AccessKeyID, s.clients.Region
	}
	if rf, ok := data.(interface{ Live() bool }); ok {
		p.Refresh = rf.Live()
	}
	var buf bytes.Buffer
	exec := "layout"
	if r.Header.Get("HX-Request") != "" && t.Lookup("fragment") != nil {
		exec = "fragment"
	}
	if err := t.ExecuteTemplate(&buf, exec, p); err != nil {
		c.o.Log.Error("console: rendering a page failed", slog.String("page", name), slog.Any("error", err))
		http.Error(w, "the console could not render this page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows a page's API error in place of the page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status := http.StatusBadGateway
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() >= 400 {
		status = re.HTTPStatusCode()
	}
	c.render(w, r, s, "error", status, map[string]any{"Error": apiMessage(err)})
}

func (c *Console) route(w http.ResponseWriter, r *http.Request, s *session, p string) {
	ctx := r.Context()
	post := r.Method == http.MethodPost
	switch {
	case p == "/signout" && post:
		c.signOut(w, r, s)
	case p == "/" && !post:
		c.dashboard(ctx, w, r, s)
	case p == "/vaults" && !post:
		c.vaults(ctx, w, r, s)
	case strings.HasPrefix(p, "/vaults/") && !post:
		c.vault(ctx, w, r, s, strings.TrimPrefix(p, "/vaults/"))
	case p == "/plans" && !post:
		c.plans(ctx, w, r, s)
	case strings.HasPrefix(p, "/plans/") && !post:
		c.plan(ctx, w, r, s, strings.TrimPrefix(p, "/plans/"))
	case p == "/jobs" && !post:
		c.jobs(ctx, w, r, s)
	case strings.HasPrefix(p, "/jobs/restore/") && !post:
		c.restoreJob(ctx, w, r, s, strings.TrimPrefix(p, "/jobs/restore/"))
	case p == "/restore-tests" && !post:
		c.restoreTests(ctx, w, r, s)
	case p == "/compliance" && !post:
		c.compliance(ctx, w, r, s)
	case p == "/legal-holds" && !post:
		c.legalHolds(ctx, w, r, s)
	case p == "/restore" && !post:
		c.restoreForm(ctx, w, r, s)
	case p == "/restore" && post:
		c.startRestore(ctx, w, r, s)
	case p == "/points/delete" && post:
		c.deletePoint(ctx, w, r, s)
	default:
		for _, sec := range c.o.Sections {
			if p == sec.Path && !post {
				body, err := sec.Render(ctx, s.clients)
				if err != nil {
					c.fail(w, r, s, err)
					return
				}
				c.render(w, r, s, "section", http.StatusOK, map[string]any{"Title": sec.Title, "Body": body})
				return
			}
		}
		if post {
			http.Error(w, "the console has no action "+p, http.StatusNotFound)
			return
		}
		c.render(w, r, s, "error", http.StatusNotFound, map[string]any{"Error": "The console has no page " + p + "."})
	}
}
