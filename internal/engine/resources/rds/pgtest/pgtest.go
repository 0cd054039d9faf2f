// Package pgtest starts a real PostgreSQL server for tests: initdb and pg_ctl into a temporary
// directory, listening on a free loopback port, run as the postgres user when the tests run as
// root (PostgreSQL refuses to run as root).
package pgtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Server is a running PostgreSQL server.
type Server struct {
	// URL connects to the server's maintenance database as the superuser.
	URL  string
	Host string
	Port int
	User string
	dir  string
	cred *syscall.Credential
}

// DatabaseURL is a connection URL for database db on the server.
func (s *Server) DatabaseURL(db string) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", s.User, s.Host, s.Port, db)
}

// Start initialises and starts a server that is stopped and removed when t ends. It skips the
// test if the PostgreSQL server binaries are not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	for _, bin := range []string{"initdb", "pg_ctl"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("PostgreSQL server binaries not on PATH (%s): %v", bin, err)
		}
	}
	// Not t.TempDir: its parent directories are private to the test user, and the server runs as
	// the postgres user, who must reach its data directory.
	dir, err := os.MkdirTemp("", "pgtest-") //nolint:usetesting
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Host: "127.0.0.1", User: "postgres", dir: dir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and there is no postgres user to run the server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = s.run("pg_ctl", "-D", filepath.Join(dir, "data"), "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	})
	if err := s.run("initdb", "-D", filepath.Join(dir, "data"), "-U", s.User, "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v", err)
	}
	s.Port = freePort(t)
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", s.Port, dir)
	if err := s.run("pg_ctl", "-D", filepath.Join(dir, "data"), "-o", opts, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		t.Fatalf("pg_ctl start: %v\n%s", err, log)
	}
	s.URL = s.DatabaseURL("postgres")
	return s
}

func (s *Server) run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = s.dir
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, out.String())
	}
	return nil
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}
