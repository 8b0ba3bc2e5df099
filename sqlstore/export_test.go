package sqlstore

import (
	"context"
	"encoding/json"
	"time"
)

// UsageCTERows runs AccountDailyUsage's query on a PostgreSQL store under EXPLAIN ANALYZE and
// returns the rows its CTE used holds (PostgreSQL materializes it: it is read twice).
func (db *DB) UsageCTERows(ctx context.Context, accountID string, from, to time.Time, sources int) (int, error) {
	var plan string
	err := db.reader.QueryRowContext(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+db.d.dailyUsageQuery(), accountID, from, to, sources).Scan(&plan)
	if err != nil {
		return 0, err
	}
	var nodes []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(plan), &nodes); err != nil {
		return 0, err
	}
	return nodes[0].Plan.cteRows("used"), nil
}

// planNode is a node of a PostgreSQL JSON plan.
type planNode struct {
	Type  string     `json:"Node Type"`
	CTE   string     `json:"CTE Name"`
	Rows  int        `json:"Actual Rows"`
	Loops int        `json:"Actual Loops"`
	Plans []planNode `json:"Plans"`
}

// cteRows returns the most rows a scan of the CTE name returns in the plan under n.
func (n planNode) cteRows(name string) int {
	rows := 0
	if n.Type == "CTE Scan" && n.CTE == name {
		rows = n.Rows * max(n.Loops, 1)
	}
	for _, c := range n.Plans {
		rows = max(rows, c.cteRows(name))
	}
	return rows
}
