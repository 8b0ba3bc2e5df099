package web

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/billd/billd"
)

// writeList writes a page of a list as {"<name>": [items], "next_page_token": "..."}, bounded in
// bytes as well as in items: it encodes the items one by one and stops before the item that would
// take the response past maxBytes (a page holds one item at least; the budget keeps room for the
// token and the closing bytes). next_page_token then goes on after the last item sent, so that a
// caller walking the pages gets every item exactly once.
// listTailBytes is room for what follows the items: `],"next_page_token":"<token>"}`, the token a
// base64 cursor of about 100 bytes.
const listTailBytes = 256

func writeList[T any](w http.ResponseWriter, maxBytes int, name string, page billd.Page[T], encode func(T) any) error {
	var b bytes.Buffer
	maxBytes -= listTailBytes
	b.WriteString(`{"` + name + `":[`)
	enc := json.NewEncoder(&b)
	n := 0
	for _, item := range page.Items {
		mark := b.Len()
		if n > 0 {
			b.WriteByte(',')
		}
		if err := enc.Encode(encode(item)); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // Encode ends each value with a newline
		if n > 0 && b.Len() > maxBytes {
			b.Truncate(mark)
			break
		}
		n++
	}
	b.WriteString(`],"next_page_token":`)
	if err := enc.Encode(page.Truncate(n).NextPageToken); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1)
	b.WriteByte('}')
	writeBody(w, http.StatusOK, b.Bytes())
	return nil
}
