package console

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/billd/billd"
)

// The charts are server-rendered SVG: no script, a role="img" element named by its <title> and
// described by its <desc>, axis titles and tick labels, and every client-sent text escaped.

// Geometry of a chart's plot area inside its viewBox, in SVG user units.
const (
	chartWidth   = 720
	plotHeight   = 220
	marginLeft   = 84
	marginRight  = 16
	marginTop    = 16
	marginBottom = 52
	legendRow    = 22
	legendColumn = 230
	legendPerRow = 3
	maxXLabels   = 6
	maxLabelLen  = 40 // bytes of a source name shown in a legend or tooltip
)

// palette colours the sources of the usage chart, in order; each holds at least 4.5:1 contrast on
// white. otherColour is the sources summed as one.
var palette = []string{"#1F5FAD", "#B3261E", "#1E7A3C", "#6A3FA0", "#A65C00", "#0B7A80", "#A8326E", "#5C4B1E"}

const otherColour = "#6B6B6B"

// BalanceChart draws points, an account's balance at the end of each day, as an area under a
// line, unit naming the amounts (such as "credits"). No points gives an empty state that says how
// to get some.
func BalanceChart(points []billd.BalancePoint, unit string) template.HTML {
	if len(points) == 0 {
		return emptyChart("balance-chart", "Balance over time",
			"No balance history yet. Buy or grant credits and the balance will show here day by day.")
	}
	low, high := int64(0), int64(0)
	for _, p := range points {
		low, high = min(low, p.Balance), max(high, p.Balance)
	}
	first, last := points[0], points[len(points)-1]
	desc := fmt.Sprintf("Balance in %s at the end of each UTC day from %s to %s: %s at the start, %s at the end, lowest %s, highest %s.",
		unit, dayLabel(first.Day, true), dayLabel(last.Day, true), billd.FormatCredits(first.Balance),
		billd.FormatCredits(last.Balance), billd.FormatCredits(low), billd.FormatCredits(high))
	c := newChart("balance-chart", "Balance over time", desc, unit, len(points), low, high, 0)
	line := make([]string, len(points))
	for i, p := range points {
		line[i] = fmt.Sprintf("%.1f,%.1f", c.xCentre(i), c.y(p.Balance))
	}
	zero := c.y(0)
	fmt.Fprintf(&c.b, `<polygon class="area" fill="#1F5FAD" fill-opacity="0.15" points="%.1f,%.1f %s %.1f,%.1f"/>`,
		c.xCentre(0), zero, strings.Join(line, " "), c.xCentre(len(points)-1), zero)
	fmt.Fprintf(&c.b, `<polyline class="line" fill="none" stroke="#1F5FAD" stroke-width="2" points="%s"/>`, strings.Join(line, " "))
	c.xLabels(func(i int) string { return dayLabel(points[i].Day, false) })
	return c.end()
}

// UsageChart draws days, the net usage of each day by source, as stacked bars with a legend, unit
// naming the amounts. A source whose reverts on a day exceed its usage that day (a negative net, a
// refund of earlier usage) is drawn at 0, not below it: a usage chart that dips below zero reads as
// negative consumption. The chart's description names those days and amounts, so the figures
// still add up to the journal. Days without any usage give an empty state that says how to get some.
func UsageChart(days []billd.UsageDay, unit string) template.HTML {
	sources := usageSources(days)
	if len(sources) == 0 {
		return emptyChart("usage-chart", "Usage by source per day",
			"No usage in this period. Usage reported through the API will show here by source.")
	}
	high := int64(0)
	for _, d := range days {
		high = max(high, stackHeight(d.Sources))
	}
	desc := fmt.Sprintf("Net usage in %s per UTC day from %s to %s, stacked by source: %s.", unit,
		dayLabel(days[0].Day, true), dayLabel(days[len(days)-1].Day, true), sourceTotals(sources))
	desc += revertNote(days)
	legendRows := (len(sources) + legendPerRow - 1) / legendPerRow
	c := newChart("usage-chart", "Usage by source per day", desc, unit, len(days), 0, high, legendRows*legendRow+8)
	colours := make(map[sourceKey]string, len(sources))
	for i, s := range sources {
		colours[s.key] = s.colour(i)
	}
	for i, d := range days {
		c.bars(i, dayLabel(d.Day, true), d.Sources, colours)
	}
	c.xLabels(func(i int) string { return dayLabel(days[i].Day, false) })
	c.legend(sources, colours)
	return c.end()
}

// sourceKey names one source of the usage chart, or the other sources.
type sourceKey struct {
	name  string
	other bool
}

// sourceTotal is a source of the usage chart and its total over the chart's days.
type sourceTotal struct {
	key   sourceKey
	total int64
}

// label is how people read the source's name.
func (s sourceTotal) label() string {
	if s.key.other {
		return "Other sources"
	}
	return sourceLabel(s.key.name)
}

// colour is the colour of the index-th source.
func (s sourceTotal) colour(index int) string {
	if s.key.other {
		return otherColour
	}
	return palette[index%len(palette)]
}

// usageSources lists the sources that have usage in days, largest total first, the other sources
// last.
func usageSources(days []billd.UsageDay) []sourceTotal {
	totals := map[sourceKey]int64{}
	for _, d := range days {
		for _, s := range d.Sources {
			totals[sourceKey{s.Source, s.Other}] += s.Amount
		}
	}
	out := make([]sourceTotal, 0, len(totals))
	for k, v := range totals {
		out = append(out, sourceTotal{k, v})
	}
	slices.SortFunc(out, func(a, b sourceTotal) int {
		if a.key.other != b.key.other {
			if a.key.other {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.total, a.total), cmp.Compare(a.key.name, b.key.name))
	})
	return out
}

// sourceTotals writes the sources and their totals for the chart's description.
func sourceTotals(sources []sourceTotal) string {
	parts := make([]string, len(sources))
	for i, s := range sources {
		parts[i] = s.label() + " " + billd.FormatCredits(s.total)
	}
	return strings.Join(parts, ", ")
}

// stackHeight returns how high a day's stacked bars reach: the sum of its positive amounts.
func stackHeight(sources []billd.SourceUsage) int64 {
	var up int64
	for _, s := range sources {
		if s.Amount > 0 {
			up = saturatingAdd(up, s.Amount)
		}
	}
	return up
}

// revertNote names the sources and days whose net usage is negative (drawn at 0), or "".
func revertNote(days []billd.UsageDay) string {
	var notes []string
	for _, d := range days {
		for _, s := range d.Sources {
			if s.Amount < 0 {
				notes = append(notes, fmt.Sprintf("%s, %s: %s", dayLabel(d.Day, true),
					sourceTotal{key: sourceKey{s.Source, s.Other}}.label(), billd.FormatCredits(s.Amount)))
			}
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return " Reverts exceeded usage (drawn at 0): " + strings.Join(notes, "; ") + "."
}

// saturatingAdd returns a+b, held at the int64 bounds instead of wrapping.
func saturatingAdd(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}

// chart is an SVG chart being written: its plot area spans n slots (days) and the values from
// low to high, rounded out to its ticks.
type chart struct {
	b          strings.Builder
	n          int
	low, high  float64
	ticks      []float64
	plotBottom float64
}

// newChart starts a chart's SVG with its accessible name and description, its value axis (ticks,
// grid lines and unit) and the day axis title; extra is the height added below for a legend.
func newChart(id, title, desc, unit string, n int, low, high int64, extra int) *chart {
	c := &chart{n: n, plotBottom: marginTop + plotHeight}
	c.ticks = niceTicks(float64(low), float64(high))
	c.low, c.high = c.ticks[0], c.ticks[len(c.ticks)-1]
	height := marginTop + plotHeight + marginBottom + extra
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" role="img" viewBox="0 0 %d %d" `+
		`aria-labelledby="%s-title %s-desc" font-family="system-ui, sans-serif" font-size="12">`, id, chartWidth, height, id, id)
	fmt.Fprintf(&c.b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, text(title), id, text(desc))
	for _, v := range c.ticks {
		y := c.yf(v)
		fmt.Fprintf(&c.b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#D0D4DA"/>`, marginLeft, chartWidth-marginRight, y, y)
		fmt.Fprintf(&c.b, `<text class="tick" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle" fill="#3B4048">%s</text>`,
			marginLeft-8, y, text(billd.FormatCredits(int64(v))))
	}
	fmt.Fprintf(&c.b, `<line class="axis" x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#3B4048"/>`, marginLeft, chartWidth-marginRight, c.y(0), c.y(0))
	fmt.Fprintf(&c.b, `<text class="axis-title" transform="translate(16 %d) rotate(-90)" text-anchor="middle" fill="#3B4048">%s</text>`,
		marginTop+plotHeight/2, text(unit))
	fmt.Fprintf(&c.b, `<text class="axis-title" x="%d" y="%.1f" text-anchor="middle" fill="#3B4048">Day (UTC)</text>`,
		marginLeft+(chartWidth-marginLeft-marginRight)/2, c.plotBottom+40)
	return c
}

// end closes the SVG and returns it.
func (c *chart) end() template.HTML {
	c.b.WriteString(`</svg>`)
	return template.HTML(c.b.String()) // built from escaped text only
}

// slot is the width of one day on the day axis.
func (c *chart) slot() float64 { return float64(chartWidth-marginLeft-marginRight) / float64(c.n) }

// xCentre is the x of the middle of day i.
func (c *chart) xCentre(i int) float64 { return marginLeft + (float64(i)+0.5)*c.slot() }

// y is the y of value v.
func (c *chart) y(v int64) float64 { return c.yf(float64(v)) }

func (c *chart) yf(v float64) float64 {
	return c.plotBottom - (v-c.low)/(c.high-c.low)*plotHeight
}

// xLabels writes at most maxXLabels day labels, evenly spread, the first and last day included.
func (c *chart) xLabels(label func(i int) string) {
	k := min(c.n, maxXLabels)
	for j := range k {
		i := 0
		if k > 1 {
			i = j * (c.n - 1) / (k - 1)
		}
		fmt.Fprintf(&c.b, `<text class="day" x="%.1f" y="%.1f" text-anchor="middle" fill="#3B4048">%s</text>`,
			c.xCentre(i), c.plotBottom+18, text(label(i)))
	}
}

// bars writes day i's stacked bars up from zero; a source with no positive net usage has none.
func (c *chart) bars(i int, day string, sources []billd.SourceUsage, colours map[sourceKey]string) {
	width := max(c.slot()*0.7, 1)
	var up int64
	for _, s := range sources {
		if s.Amount <= 0 {
			continue
		}
		from := up
		up = saturatingAdd(from, s.Amount)
		top, bottom := c.y(up), c.y(from)
		key := sourceKey{s.Source, s.Other}
		name := sourceTotal{key: key}.label()
		fmt.Fprintf(&c.b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`,
			c.xCentre(i)-width/2, top, width, bottom-top, colours[key],
			text(fmt.Sprintf("%s, %s: %s", day, name, billd.FormatCredits(s.Amount))))
	}
}

// legend writes a swatch and the name of each source, legendPerRow to a row, below the day axis.
func (c *chart) legend(sources []sourceTotal, colours map[sourceKey]string) {
	c.b.WriteString(`<g class="legend">`)
	for i, s := range sources {
		x := marginLeft + (i%legendPerRow)*legendColumn
		y := int(c.plotBottom) + marginBottom + (i/legendPerRow)*legendRow
		fmt.Fprintf(&c.b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`, x, y, colours[s.key])
		fmt.Fprintf(&c.b, `<text x="%d" y="%d" fill="#1B1F24">%s</text>`, x+18, y+10, text(s.label()))
	}
	c.b.WriteString(`</g>`)
}

// emptyChart is the SVG of a chart with nothing to draw: its title and what to do next.
func emptyChart(id, title, message string) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-empty" id="%s" role="img" viewBox="0 0 %d 120" `+
		`aria-labelledby="%s-title %s-desc" font-family="system-ui, sans-serif" font-size="14">`, id, chartWidth, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, text(title), id, text(message))
	fmt.Fprintf(&b, `<rect x="1" y="1" width="%d" height="118" rx="8" fill="#F6F7F9" stroke="#D0D4DA"/>`, chartWidth-2)
	fmt.Fprintf(&b, `<text class="empty" x="%d" y="64" text-anchor="middle" fill="#3B4048">%s</text></svg>`, chartWidth/2, text(message))
	return template.HTML(b.String()) // built from escaped text only
}

// niceTicks returns 3 to 6 round values (1, 2 or 5 times a power of ten apart) that span low to
// high; a flat range is widened so that it has height.
func niceTicks(low, high float64) []float64 {
	if high <= low {
		high = low + 1
	}
	raw := (high - low) / 4
	power := math.Pow(10, math.Floor(math.Log10(raw)))
	step := power * 10
	for _, m := range []float64{1, 2, 5} {
		if m*power >= raw {
			step = m * power
			break
		}
	}
	var ticks []float64
	for v := math.Floor(low/step) * step; ; v += step {
		ticks = append(ticks, v)
		if v >= high || len(ticks) > 12 {
			return ticks
		}
	}
}

// dayLabel writes a day for an axis ("Mar 5") or, with year, for a sentence ("5 Mar 2026").
func dayLabel(t time.Time, year bool) string {
	if year {
		return t.Format("2 Jan 2006")
	}
	return t.Format("Jan 2")
}

// sourceLabel is a source name as shown: bounded, and "(no source)" when empty.
func sourceLabel(name string) string {
	if name == "" {
		return "(no source)"
	}
	return billd.Truncate(name, maxLabelLen)
}

// text escapes s for SVG (XML) text and attribute values; runes XML cannot hold become U+FFFD.
func text(s string) string {
	valid := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0xFFFE && r != 0xFFFF) {
			return r
		}
		return '\uFFFD'
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return template.HTMLEscapeString(valid)
}
