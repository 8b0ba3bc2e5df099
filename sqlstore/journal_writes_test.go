package sqlstore

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/billd/billd"
)

// TestSQLiteJournalWriteShapes checks that the SQLite journal writes of any batch size use a few
// statement texts only, each inserting a power-of-two number of rows (so that each text is prepared
// once), and that they insert every transfer once, in order. It tries the batch sizes where the
// chunking changes: around each power of two up to insertRows, around insertRows and its multiples,
// and sizes that need a chunk of every size.
func TestSQLiteJournalWriteShapes(t *testing.T) {
	texts := map[string]bool{}
	for _, n := range journalBatchSizes() {
		rows := 0
		for _, st := range sqliteDialect.journalWrites(journalTransfers(n), nil) {
			texts[st.sql] = true
			rows += checkJournalInsert(t, n, rows, st)
		}
		if rows != n {
			t.Fatalf("n=%d: statements insert %d rows", n, rows)
		}
	}
	// Powers of two from 1 to insertRows: 10 texts for insertRows = 512.
	if want := bits.Len(uint(insertRows)); len(texts) != want {
		t.Errorf("%d distinct INSERT texts over the batch sizes %v, want %d", len(texts), journalBatchSizes(), want)
	}
}

// journalBatchSizes are the batch sizes TestSQLiteJournalWriteShapes tries.
func journalBatchSizes() []int {
	var sizes []int
	for p := 1; p <= insertRows; p *= 2 {
		sizes = append(sizes, p-1, p, p+1)
	}
	sizes = append(sizes,
		insertRows-1,   // one chunk of every smaller size
		2*insertRows-1, // a full chunk, then one of every smaller size
		2*insertRows, 2*insertRows+1,
		3*insertRows+7)
	slices.Sort(sizes)
	return slices.DeleteFunc(slices.Compact(sizes), func(n int) bool { return n < 1 })
}

// journalTransfers returns n transfers whose ids are their positions.
func journalTransfers(n int) []billd.Transfer {
	transfers := make([]billd.Transfer, n)
	for i := range transfers {
		transfers[i] = billd.Transfer{ID: strconv.Itoa(i), Amount: 1, Kind: billd.KindUsage}
	}
	return transfers
}

// checkJournalInsert checks one INSERT of a batch of n transfers, of which done are already
// inserted: whole rows of arguments, as many value lists as rows, a power of two of them at most
// insertRows, starting at transfer done. It returns the rows it inserts.
func checkJournalInsert(t *testing.T, n, done int, st stmt) int {
	t.Helper()
	const columns = 11
	if len(st.args)%columns != 0 {
		t.Fatalf("n=%d: a statement with %d arguments, not whole rows", n, len(st.args))
	}
	rows := len(st.args) / columns
	if got := strings.Count(st.sql, "(") - 1; got != rows {
		t.Fatalf("n=%d: %d value lists for %d rows of arguments", n, got, rows)
	}
	if rows > insertRows || bits.OnesCount(uint(rows)) != 1 {
		t.Fatalf("n=%d: a statement of %d rows, want a power of two up to %d", n, rows, insertRows)
	}
	if want := strconv.Itoa(done); st.args[0] != want {
		t.Fatalf("n=%d: a statement starts at transfer %v, want %s", n, st.args[0], want)
	}
	return rows
}
