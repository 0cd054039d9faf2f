package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStartServesQueries(t *testing.T) {
	s := Start(t)
	conn, err := pgx.Connect(context.Background(), s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v int
	if err := conn.QueryRow(context.Background(), "SELECT 40 + 2").Scan(&v); err != nil || v != 42 {
		t.Fatalf("SELECT 40 + 2 = %d, %v", v, err)
	}
}
