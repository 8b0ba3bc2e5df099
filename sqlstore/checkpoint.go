package sqlstore

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// checkpointInterval is how often the background checkpointer copies SQLite's write-ahead log
// into the database file.
const checkpointInterval = 250 * time.Millisecond

// walSafetyFrames is the WAL size, in pages, at which the writer checkpoints by itself
// (wal_autocheckpoint): only when the background checkpointer falls behind.
const walSafetyFrames = 10000

// checkpointer runs PASSIVE checkpoints of an SQLite database on a connection of its own, so that
// the one writer, which carries every group commit, does not stop to copy pages and sync the
// database file: a checkpoint runs alongside commits and never blocks them.
type checkpointer struct {
	db     *sql.DB
	cancel context.CancelFunc
	done   chan struct{}
}

// startCheckpointer opens a connection with dsn and checkpoints the database every
// checkpointInterval until stop.
func startCheckpointer(dsn string) (*checkpointer, error) {
	db, err := openSQLitePool(context.Background(), dsn, 1)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, cancel: cancel, done: make(chan struct{})}
	go c.run(ctx)
	return c, nil
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	tick := time.NewTicker(checkpointInterval)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// The result row (busy, log, checkpointed) says how far it got; a partial checkpoint is
		// finished by a later one.
		var busy, log, done int
		err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done)
		if err != nil && ctx.Err() == nil && !failing {
			slog.Warn("sqlite background checkpoint failed; the writer checkpoints by itself", "err", err)
		}
		failing = err != nil
	}
}

// stop ends the checkpointer and closes its connection.
func (c *checkpointer) stop() error {
	c.cancel()
	<-c.done
	return c.db.Close()
}
