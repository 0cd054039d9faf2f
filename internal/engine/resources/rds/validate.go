package rds

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// QueryCount connects to the database at dbURL and runs query in a read-only transaction, so a
// validation query cannot change the database it validates. Its count is the integer in the
// first column of its only row when it answers one row of one integer column (SELECT count(*)
// FROM orders); otherwise the number of rows it answers.
func QueryCount(ctx context.Context, dbURL, query string) (int64, error) {
	u, err := parseURL(dbURL)
	if err != nil {
		return 0, err
	}
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return 0, fmt.Errorf("connect to %s: %w", redact(u), err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, fmt.Errorf("begin a read-only transaction on %s: %w", redact(u), err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("run %q: %w", query, err)
	}
	defer rows.Close()
	var n int64
	var single *int64
	for rows.Next() {
		n++
		vals, err := rows.Values()
		if err != nil {
			return 0, fmt.Errorf("read the answer of %q: %w", query, err)
		}
		single = nil
		if n == 1 && len(vals) == 1 {
			if v, ok := integer(vals[0]); ok {
				single = &v
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("run %q: %w", query, err)
	}
	if n == 1 && single != nil {
		return *single, nil
	}
	return n, nil
}

// integer reads a column value PostgreSQL answered as an integer (count(*) is a bigint).
func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}
