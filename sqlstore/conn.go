package sqlstore

import "context"

// conn runs the statements of one transaction. SQLite runs each at once, in process. PostgreSQL
// pipelines them: BEGIN goes out with the first statements, a statement whose only result is its
// error waits for the next query or the commit, and the statements of one queries call share one
// round trip. PostgreSQL executes a pipeline in order, each statement with its own snapshot, so
// the semantics are those of sending them one by one.
type conn interface {
	// exec runs a statement without rows. Its error, mapped by onErr (if not nil), may surface
	// only at the next queries or end call.
	exec(ctx context.Context, onErr func(error) error, query string, args ...any) error
	// queries runs the statements in order and hands each one's rows to its read function.
	queries(ctx context.Context, stmts ...stmt) error
	// end commits the transaction (commit) or rolls it back, and releases it.
	end(ctx context.Context, commit bool) error
}

// stmt is one statement of a queries call.
type stmt struct {
	sql  string
	args []any
	read func(rows) error // reads the statement's rows; nil for a statement without rows
}

// rows are the rows of one statement; the conn checks their error and closes them.
type rows interface {
	Next() bool
	Scan(dest ...any) error
}
