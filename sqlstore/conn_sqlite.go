package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// sqliteConn is a conn over a database/sql transaction with cached prepared statements.
type sqliteConn struct {
	tx     *sql.Tx
	stmts  *stmtCache
	rebind func(string) string
}

// prepared returns the cached statement of query in this transaction, or nil and the query text
// to run unprepared.
func (c *sqliteConn) prepared(ctx context.Context, query string) (*sql.Stmt, string) {
	if s := c.stmts.stmt(ctx, c.tx, query); s != nil {
		return s, ""
	}
	return nil, c.rebind(query)
}

func (c *sqliteConn) exec(ctx context.Context, onErr func(error) error, query string, args ...any) error {
	var err error
	if s, q := c.prepared(ctx, query); s != nil {
		_, err = s.ExecContext(ctx, args...)
	} else {
		_, err = c.tx.ExecContext(ctx, q, args...)
	}
	if err != nil && onErr != nil {
		err = onErr(err)
	}
	return statementError(query, err)
}

func (c *sqliteConn) queries(ctx context.Context, stmts ...stmt) error {
	for _, st := range stmts {
		if st.read == nil {
			if err := c.exec(ctx, nil, st.sql, st.args...); err != nil {
				return err
			}
			continue
		}
		var r *sql.Rows
		var err error
		if s, q := c.prepared(ctx, st.sql); s != nil {
			r, err = s.QueryContext(ctx, st.args...)
		} else {
			r, err = c.tx.QueryContext(ctx, q, st.args...)
		}
		if err != nil {
			return statementError(st.sql, err)
		}
		err = st.read(r)
		if err == nil {
			err = r.Err()
		}
		if err = errors.Join(err, r.Close()); err != nil {
			return statementError(st.sql, err)
		}
	}
	return nil
}

func (c *sqliteConn) end(_ context.Context, commit bool) error {
	if !commit {
		return storeError("rollback", c.tx.Rollback())
	}
	return storeError("commit", c.tx.Commit())
}
