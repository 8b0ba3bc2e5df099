package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/billd/billd"
)

// tx is one store transaction; it implements billd.Tx.
type tx struct {
	tx    *sql.Tx
	d     *dialect
	stmts *stmtCache // nil: statements are not cached here
}

var _ billd.Tx = (*tx)(nil)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// prepared returns the cached statement of query in this transaction, or nil and the query text
// to run unprepared.
func (t *tx) prepared(ctx context.Context, query string) (*sql.Stmt, string) {
	if t.stmts != nil {
		if s := t.stmts.stmt(ctx, t.tx, query); s != nil {
			return s, ""
		}
	}
	if t.d.rebind != nil {
		query = t.d.rebind(query)
	}
	return nil, query
}

func (t *tx) exec(ctx context.Context, query string, args ...any) error {
	var err error
	if s, q := t.prepared(ctx, query); s != nil {
		_, err = s.ExecContext(ctx, args...)
	} else {
		_, err = t.tx.ExecContext(ctx, q, args...)
	}
	return err
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, q := t.prepared(ctx, query)
	if s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

// queryRow runs a query that returns one row.
func (t *tx) queryRow(ctx context.Context, query string, args ...any) scanner {
	s, q := t.prepared(ctx, query)
	if s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// queryAll runs a query and scans each row with scan.
func queryAll[T any](ctx context.Context, t *tx, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// queryOne runs a query that returns at most one row; ENOTFOUND naming what when it returns none.
func queryOne[T any](ctx context.Context, t *tx, what string, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(t.queryRow(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, billd.Errorf(billd.ENOTFOUND, "%s not found", what)
	}
	return v, err
}

// filter builds a WHERE clause whose conditions are written with ? and numbered $n in order.
type filter struct {
	conds []string
	args  []any
}

// add appends a condition; each ? in cond takes the next of args.
func (f *filter) add(cond string, args ...any) {
	var b strings.Builder
	for _, r := range cond {
		if r == '?' {
			f.args = append(f.args, args[0])
			args = args[1:]
			b.WriteString("$" + strconv.Itoa(len(f.args)))
			continue
		}
		b.WriteRune(r)
	}
	f.conds = append(f.conds, b.String())
}

// in appends "column is one of ids" in the dialect's form.
func (f *filter) in(d *dialect, column string, ids []string) {
	if d.uuidArrays {
		f.add(column+" = ANY(?::uuid[])", ids)
		return
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	args := make([]any, len(ids))
	for i, v := range ids {
		args[i] = v
	}
	f.add(column+" IN ("+marks+")", args...)
}

// where returns " WHERE c1 AND c2 ..." or "".
func (f *filter) where() string {
	if len(f.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.conds, " AND ")
}

// next returns the placeholder of one more argument, which it appends.
func (f *filter) next(arg any) string {
	f.args = append(f.args, arg)
	return "$" + strconv.Itoa(len(f.args))
}

// chunks splits ids into slices of at most n, to keep statements under the parameter limits.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// conflict maps a uniqueness violation to err, and returns any other error as it is.
func conflict(err, mapped error) error {
	if err != nil && uniqueViolation(err) {
		return mapped
	}
	return err
}
