package sqlstore

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// pgConn is a conn over one pgx connection that pipelines a transaction's statements: a group
// commit of any size costs two round trips (BEGIN and the reads it needs; then the writes and
// COMMIT).
type pgConn struct {
	c       *pgx.Conn
	begin   string // the BEGIN statement, still to send while begun is false
	begun   bool
	pending []pendingExec
}

// pendingExec is a statement without rows waiting to be sent.
type pendingExec struct {
	sql   string
	args  []any
	onErr func(error) error
}

func (p *pgConn) exec(_ context.Context, onErr func(error) error, query string, args ...any) error {
	p.pending = append(p.pending, pendingExec{sql: query, args: args, onErr: onErr})
	return nil
}

// flushInto queues BEGIN (once) and the pending statements into b.
func (p *pgConn) flushInto(b *pgx.Batch) (queued []pendingExec) {
	if !p.begun {
		b.Queue(p.begin)
		queued = append(queued, pendingExec{sql: p.begin})
		p.begun = true
	}
	for _, pe := range p.pending {
		b.Queue(pe.sql, pe.args...)
	}
	queued = append(queued, p.pending...)
	p.pending = nil
	return queued
}

// readQueued reads the results of the flushed statements and returns the first error, mapped.
func readQueued(br pgx.BatchResults, queued []pendingExec) error {
	for _, pe := range queued {
		if _, err := br.Exec(); err != nil {
			if pe.onErr != nil {
				err = pe.onErr(err)
			}
			return statementError(pe.sql, err)
		}
	}
	return nil
}

func (p *pgConn) queries(ctx context.Context, stmts ...stmt) error {
	b := &pgx.Batch{}
	queued := p.flushInto(b)
	for _, st := range stmts {
		b.Queue(st.sql, st.args...)
	}
	br := p.c.SendBatch(ctx, b)
	err := readQueued(br, queued)
	for _, st := range stmts {
		if err != nil {
			break // the transaction is aborted: the rest of the pipeline failed too
		}
		err = readStmt(br, st)
	}
	if cerr := br.Close(); err == nil { // after a failed statement, Close repeats its error
		err = storeError("pipeline", cerr)
	}
	return err
}

// readStmt reads the result of one statement of a pipeline.
func readStmt(br pgx.BatchResults, st stmt) error {
	if st.read == nil {
		_, err := br.Exec()
		return statementError(st.sql, err)
	}
	r, err := br.Query()
	if err != nil {
		return statementError(st.sql, err)
	}
	err = st.read(r)
	r.Close()
	if err == nil {
		err = r.Err()
	}
	return statementError(st.sql, err)
}

func (p *pgConn) end(ctx context.Context, commit bool) error {
	if !p.begun && (!commit || len(p.pending) == 0) {
		p.pending = nil
		return nil // nothing reached the server
	}
	var err error
	if commit {
		b := &pgx.Batch{}
		queued := p.flushInto(b)
		b.Queue("commit")
		br := p.c.SendBatch(ctx, b)
		if err = readQueued(br, queued); err == nil {
			_, err = br.Exec()
			err = storeError("commit", err)
		}
		if cerr := br.Close(); err == nil {
			err = storeError("pipeline", cerr)
		}
	}
	// A rollback, or a commit that did not go through: leave no transaction open on the
	// connection, and drop the connection if that fails.
	if p.c.PgConn().TxStatus() != 'I' {
		if _, rerr := p.c.Exec(ctx, "rollback"); rerr != nil {
			p.c.Close(context.WithoutCancel(ctx))
			err = errors.Join(err, storeError("rollback", rerr))
		}
	}
	return err
}
