package console

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
)

// svgNode is an element of a parsed SVG: its name, attributes, text and children.
type svgNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []svgNode  `xml:",any"`
}

// attr returns the value of the attribute name, or "".
func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// all returns the nodes named name under n, depth first.
func (n svgNode) all(name string) []svgNode {
	var out []svgNode
	for _, c := range n.Children {
		if c.XMLName.Local == name {
			out = append(out, c)
		}
		out = append(out, c.all(name)...)
	}
	return out
}

// parseSVG parses s as XML, failing the test unless it is one accessible svg element.
func parseSVG(t *testing.T, s string) svgNode {
	t.Helper()
	var root svgNode
	d := xml.NewDecoder(strings.NewReader(s))
	if err := d.Decode(&root); err != nil {
		t.Fatalf("the chart is not XML: %v\n%s", err, s)
	}
	if _, err := d.Token(); err != io.EOF {
		t.Fatalf("the chart has content after its svg element: %v", err)
	}
	if root.XMLName.Local != "svg" || root.attr("role") != "img" {
		t.Fatalf("root = %s role %q, want svg role img", root.XMLName.Local, root.attr("role"))
	}
	ids := strings.Fields(root.attr("aria-labelledby"))
	titles, descs := root.all("title"), root.all("desc")
	if len(ids) != 2 || len(titles) == 0 || titles[0].attr("id") != ids[0] || len(descs) != 1 || descs[0].attr("id") != ids[1] {
		t.Fatalf("the chart is not named by its title and desc: aria-labelledby %q", root.attr("aria-labelledby"))
	}
	return root
}

// texts returns the text of the nodes named name under n.
func texts(n svgNode, name string) []string {
	var out []string
	for _, c := range n.all(name) {
		out = append(out, c.Text)
	}
	return out
}

var day0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func TestBalanceChartDrawsOnePointADay(t *testing.T) {
	var points []billd.BalancePoint
	for i, b := range []int64{0, 1000, 650, 650, 750, -1200, 2_500_000} {
		points = append(points, billd.BalancePoint{Day: day0.AddDate(0, 0, i), Balance: b})
	}
	svg := parseSVG(t, string(BalanceChart(points, "credits")))
	lines := svg.all("polyline")
	if len(lines) != 1 {
		t.Fatalf("%d polylines, want 1", len(lines))
	}
	if got := len(strings.Fields(lines[0].attr("points"))); got != len(points) {
		t.Errorf("the line has %d points, want %d", got, len(points))
	}
	all := strings.Join(texts(svg, "text"), "|")
	for _, want := range []string{"credits", "Day (UTC)", "Mar 1", "Mar 7", "3,000,000", "-1,000,000"} {
		if !strings.Contains(all, want) {
			t.Errorf("the chart's text %q lacks %q", all, want)
		}
	}
	if desc := svg.all("desc")[0].Text; !strings.Contains(desc, "lowest -1,200, highest 2,500,000") {
		t.Errorf("desc = %q", desc)
	}
}

func TestUsageChartStacksSourcesAndEscapesNames(t *testing.T) {
	hostile := `</text><script>alert("x")</script>&` + "\x01"
	days := []billd.UsageDay{
		{Day: day0, Sources: []billd.SourceUsage{{Source: "gpu", Amount: 300}, {Source: hostile, Amount: 50}}},
		{Day: day0.AddDate(0, 0, 1)},
		{Day: day0.AddDate(0, 0, 2), Sources: []billd.SourceUsage{{Source: "gpu", Amount: -100}, {Other: true, Amount: 7}}},
	}
	out := string(UsageChart(days, "credits"))
	if strings.Contains(out, "<script") {
		t.Fatalf("a source name made markup: %s", out)
	}
	svg := parseSVG(t, out)
	bars := svg.all("rect")
	var barCount int
	for _, b := range bars {
		if b.attr("class") == "bar" {
			barCount++
		}
	}
	if barCount != 3 {
		t.Errorf("%d bars, want 3 (one per source and day with positive net usage)", barCount)
	}
	var legend string
	for _, g := range svg.all("g") {
		if g.attr("class") == "legend" {
			legend = strings.Join(texts(g, "text"), "|")
		}
	}
	wantLegend := "gpu|" + `</text><script>alert("x")</script>&` + "\uFFFD|Other sources"
	if legend != wantLegend {
		t.Errorf("legend = %q, want %q", legend, wantLegend)
	}
}

func TestUsageChartDrawsRevertsAtZeroAndNamesThem(t *testing.T) {
	days := []billd.UsageDay{
		{Day: day0, Sources: []billd.SourceUsage{{Source: "gpu", Amount: 300}}},
		{Day: day0.AddDate(0, 0, 1), Sources: []billd.SourceUsage{{Source: "gpu", Amount: -85}, {Source: "disk", Amount: 40}}},
	}
	svg := parseSVG(t, string(UsageChart(days, "credits")))
	zero := -1.0
	for _, l := range svg.all("line") {
		if l.attr("class") == "axis" {
			zero = atof(t, l.attr("y1"))
		}
	}
	for _, b := range svg.all("rect") {
		if b.attr("class") != "bar" {
			continue
		}
		if bottom := atof(t, b.attr("y")) + atof(t, b.attr("height")); bottom > zero+0.05 {
			t.Errorf("bar %q reaches below zero (bottom %.1f, zero label at %.1f)", texts(b, "title"), bottom, zero)
		}
		if title := strings.Join(texts(b, "title"), ""); strings.Contains(title, "-85") {
			t.Errorf("a negative net is drawn as a bar: %q", title)
		}
	}
	for _, l := range svg.all("text") {
		if strings.HasPrefix(strings.TrimSpace(l.Text), "-") {
			t.Errorf("the axis has a negative label %q", l.Text)
		}
	}
	if desc := svg.all("desc")[0].Text; !strings.Contains(desc, "Reverts exceeded usage (drawn at 0): 2 Mar 2026, gpu: -85.") {
		t.Errorf("the description does not name the revert: %q", desc)
	}
}

func TestChartsWithoutDataSayWhatToDo(t *testing.T) {
	for name, out := range map[string]string{
		"balance": string(BalanceChart(nil, "credits")),
		"usage":   string(UsageChart([]billd.UsageDay{{Day: day0}, {Day: day0.AddDate(0, 0, 1)}}, "credits")),
	} {
		svg := parseSVG(t, out)
		if len(svg.all("polyline")) != 0 || len(svg.all("polygon")) != 0 {
			t.Errorf("%s: the empty chart draws data", name)
		}
		msg := texts(svg, "text")
		if len(msg) != 1 || !strings.Contains(msg[0], "will show here") {
			t.Errorf("%s: empty state %q", name, msg)
		}
	}
}

// atof reads a number of an SVG attribute.
func atof(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}
