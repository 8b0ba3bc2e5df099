package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/billd/billd"
)

// tx is one store transaction; it implements billd.Tx.
type tx struct {
	c            conn
	d            *dialect
	journalPlans bool // whether d.journalPlans was sent
}

// onJournal prepares the transaction for statements on the journal (see dialect.journalPlans).
func (t *tx) onJournal(ctx context.Context) error {
	if t.d.journalPlans == "" || t.journalPlans {
		return nil
	}
	t.journalPlans = true
	return t.exec(ctx, t.d.journalPlans)
}

var _ billd.Tx = (*tx)(nil)

// scanner is a row being read.
type scanner interface {
	Scan(dest ...any) error
}

// exec runs a statement without rows; onErr, if not nil, maps its error.
func (t *tx) exec(ctx context.Context, query string, args ...any) error {
	return t.c.exec(ctx, nil, query, args...)
}

// execMapped is exec with an error mapping (such as a uniqueness violation to a domain error).
func (t *tx) execMapped(ctx context.Context, onErr func(error) error, query string, args ...any) error {
	return t.c.exec(ctx, onErr, query, args...)
}

// each is the stmt of a query whose rows are scanned with scan into *out.
func each[T any](out *[]T, scan func(scanner) (T, error), query string, args ...any) stmt {
	return stmt{sql: query, args: args, read: func(r rows) error {
		for r.Next() {
			v, err := scan(r)
			if err != nil {
				return err
			}
			*out = append(*out, v)
		}
		return nil
	}}
}

// queryAll runs a query and scans each row with scan.
func queryAll[T any](ctx context.Context, t *tx, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := t.c.queries(ctx, each(&out, scan, query, args...))
	return out, err
}

// queryOne runs a query that returns at most one row; ENOTFOUND naming what when it returns none.
func queryOne[T any](ctx context.Context, t *tx, what string, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	out, err := queryAll(ctx, t, scan, query, args...)
	if err != nil || len(out) == 0 {
		var zero T
		if err == nil {
			err = billd.Errorf(billd.ENOTFOUND, "%s not found", what)
		}
		return zero, err
	}
	return out[0], nil
}

// queryInt64 runs a query whose one row is one integer.
func queryInt64(ctx context.Context, t *tx, query string, args ...any) (int64, error) {
	var n int64
	err := t.c.queries(ctx, stmt{sql: query, args: args, read: func(r rows) error {
		if !r.Next() {
			return errors.New("no row")
		}
		return r.Scan(&n)
	}})
	return n, err
}

// newestFirst lists a page of table newest first (by created_at, then id): the rows that pass f
// and come after the keyset position after, at most pageLimit(limit).
func newestFirst[T any](ctx context.Context, t *tx, scan func(scanner) (T, error), columns, table string, f *filter,
	after *billd.Cursor, limit int) ([]T, error) {
	if after != nil {
		f.add("(created_at, id) < (?, ?)", after.At, after.ID)
	}
	query := `SELECT ` + columns + ` FROM ` + table + f.where() +
		` ORDER BY created_at DESC, id DESC LIMIT ` + f.next(pageLimit(limit))
	return queryAll(ctx, t, scan, query, f.args...)
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
		f.add(column+" = ANY(?::text[]::uuid[])", ids)
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

// duplicateID maps a uniqueness violation to billd.ErrDuplicateID.
func duplicateID(err error) error {
	if uniqueViolation(err) {
		return fmt.Errorf("%w: %v", billd.ErrDuplicateID, err)
	}
	return err
}

// conflict returns an error mapping that turns a uniqueness violation into mapped.
func conflict(mapped error) func(error) error {
	return func(err error) error {
		if uniqueViolation(err) {
			return mapped
		}
		return err
	}
}
