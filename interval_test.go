package billd_test

import (
	"testing"
	"time"

	"github.com/billd/billd"
)

// A month or a year that lacks the start's day ends on its last day; days and weeks are plain.
func TestAddInterval(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		start, interval string
		n               int
		want            string
	}{
		{"2026-01-31", "month", 1, "2026-02-28"},
		{"2028-01-31", "month", 1, "2028-02-29"},
		{"2026-01-31", "month", 2, "2026-03-31"},
		{"2026-03-31", "month", 1, "2026-04-30"},
		{"2026-12-15", "month", 1, "2027-01-15"},
		{"2028-02-29", "year", 1, "2029-02-28"},
		{"2026-02-28", "day", 1, "2026-03-01"},
		{"2026-12-29", "week", 1, "2027-01-05"},
		{"2026-05-10", "", 1, "2026-06-10"},
	}
	for _, c := range cases {
		if got := billd.AddInterval(at(c.start), c.interval, c.n).Format(time.DateOnly); got != c.want {
			t.Errorf("AddInterval(%s, %q, %d) = %s, want %s", c.start, c.interval, c.n, got, c.want)
		}
	}
}
