package web

import (
	"html/template"
	"strings"
)

// markdown renders the descriptions of the OpenAPI document, which are CommonMark, in the subset
// they use: paragraphs, "#" headings, "*" or "-" lists, "|" tables and `code` spans. Everything
// else shows as text; everything is escaped.
func markdown(s string) template.HTML {
	var b strings.Builder
	for _, block := range blocks(s) {
		if h := strings.TrimLeft(block[0], "#"); h != block[0] && strings.HasPrefix(h, " ") {
			b.WriteString("<h4>" + string(codeSpans(strings.TrimSpace(h))) + "</h4>\n")
			if block = block[1:]; len(block) == 0 {
				continue
			}
		}
		switch {
		case strings.HasPrefix(block[0], "|"):
			writeTable(&b, block)
		case strings.HasPrefix(block[0], "* ") || strings.HasPrefix(block[0], "- "):
			writeList(&b, block)
		default:
			b.WriteString("<p>" + string(codeSpans(strings.Join(block, " "))) + "</p>\n")
		}
	}
	return template.HTML(b.String())
}

// blocks splits s into its blocks, separated by blank lines, each a list of trimmed lines.
func blocks(s string) [][]string {
	var out [][]string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// writeList writes a list whose items start with "* " or "- "; other lines continue an item.
func writeList(b *strings.Builder, lines []string) {
	var items []string
	for _, line := range lines {
		if strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "- ") {
			items = append(items, line[2:])
		} else {
			items[len(items)-1] += " " + line
		}
	}
	b.WriteString("<ul>\n")
	for _, item := range items {
		b.WriteString("<li>" + string(codeSpans(item)) + "</li>\n")
	}
	b.WriteString("</ul>\n")
}

// writeTable writes a table of "| a | b |" rows; a row of dashes after the first makes it the
// header.
func writeTable(b *strings.Builder, rows []string) {
	b.WriteString("<table>\n")
	for i, row := range rows {
		if i == 1 && strings.Trim(row, "|-: ") == "" {
			continue
		}
		cell := "td"
		if i == 0 && len(rows) > 1 && strings.Trim(rows[1], "|-: ") == "" {
			cell = "th"
		}
		b.WriteString("<tr>")
		for _, c := range strings.Split(strings.Trim(row, "|"), "|") {
			b.WriteString("<" + cell + ">" + string(codeSpans(strings.TrimSpace(c))) + "</" + cell + ">")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
}
