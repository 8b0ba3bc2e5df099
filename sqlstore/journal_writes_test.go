package sqlstore

import (
	"strconv"
	"strings"
	"testing"

	"github.com/billd/billd"
)

// TestSQLiteJournalWriteShapes checks that the SQLite journal writes of any batch size use a few
// statement texts only (so that each is prepared once), and that they insert every transfer once.
func TestSQLiteJournalWriteShapes(t *testing.T) {
	texts := map[string]bool{}
	for n := 1; n <= 3*insertRows+7; n++ {
		transfers := make([]billd.Transfer, n)
		for i := range transfers {
			transfers[i] = billd.Transfer{ID: strconv.Itoa(i), Amount: 1, Kind: billd.KindUsage}
		}
		rows := 0
		for _, st := range sqliteDialect.journalWrites(transfers, nil) {
			texts[st.sql] = true
			const columns = 11
			if len(st.args)%columns != 0 {
				t.Fatalf("n=%d: a statement with %d arguments, not whole rows", n, len(st.args))
			}
			if got := strings.Count(st.sql, "(") - 1; got != len(st.args)/columns {
				t.Fatalf("n=%d: %d value lists for %d rows of arguments", n, got, len(st.args)/columns)
			}
			if st.args[0] != transfers[rows].ID {
				t.Fatalf("n=%d: a statement starts at transfer %v, want %s", n, st.args[0], transfers[rows].ID)
			}
			rows += len(st.args) / columns
		}
		if rows != n {
			t.Fatalf("n=%d: statements insert %d rows", n, rows)
		}
	}
	// Powers of two from 1 to insertRows: 10 texts for insertRows = 512.
	if want := 10; len(texts) != want {
		t.Errorf("%d distinct INSERT texts over every batch size, want %d", len(texts), want)
	}
}
