package sqlstore

import (
	"context"

	"github.com/billd/billd"
)

// AppendNotices implements billd.NoticeTx.
func (t *tx) AppendNotices(ctx context.Context, notices []billd.Notice) error {
	for _, n := range notices {
		if err := t.exec(ctx, `INSERT INTO notices (id, type, org_id, account_id, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
			n.ID, string(n.Type), nullString(n.OrgID), nullString(n.AccountID), string(n.Data), n.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}
