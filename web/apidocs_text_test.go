package web

import "testing"

// TestMarkdownSubset checks the markdown the reference page renders descriptions with: the
// blocks the OpenAPI document uses, and that everything is escaped.
func TestMarkdownSubset(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Two\nlines, `a<b>`.", "<p>Two lines, <code>a&lt;b&gt;</code>.</p>\n"},
		{"## Head `x`\nText.", "<h4>Head <code>x</code></h4>\n<p>Text.</p>\n"},
		{"* one\n  more\n- two", "<ul>\n<li>one more</li>\n<li>two</li>\n</ul>\n"},
		{"| A | B |\n|---|---|\n| `1` | <i> |", "<table>\n<tr><th>A</th><th>B</th></tr>\n<tr><td><code>1</code></td><td>&lt;i&gt;</td></tr>\n</table>\n"},
		{"| 503 | x |", "<table>\n<tr><td>503</td><td>x</td></tr>\n</table>\n"},
		{"a\n\n\nb", "<p>a</p>\n<p>b</p>\n"},
		{"#hashtag <script>", "<p>#hashtag &lt;script&gt;</p>\n"},
	}
	for _, c := range cases {
		if got := string(markdown(c.in)); got != c.want {
			t.Errorf("markdown(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
}
