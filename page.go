package billd

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

// Page sizes of every list: a list is never unbounded.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// PageRequest is the paging part of a list request: at most PageSize items after the position
// that PageToken (from a previous page's NextPageToken) names.
type PageRequest struct {
	PageSize  int
	PageToken string
}

// Page is one page of a list. NextPageToken is empty on the last page.
type Page[T any] struct {
	Items         []T
	NextPageToken string
	cursor        func(T) Cursor // the position of an item, for Truncate
}

// Truncate returns the page cut to its first n items (at least one), with the token of the page
// that goes on after them: a transport that bounds its responses in bytes sends fewer items and
// hands the rest to the next request.
func (p Page[T]) Truncate(n int) Page[T] {
	n = max(n, 1)
	if n >= len(p.Items) {
		return p
	}
	if p.cursor == nil {
		panic("billd: Truncate of a page that was not made by a list") // its rest could not be reached
	}
	items := p.Items[:n]
	return Page[T]{Items: items, NextPageToken: p.cursor(items[n-1]).Encode(), cursor: p.cursor}
}

// Cursor is a keyset position in a list: the sort key (time, then id) of the last item returned.
type Cursor struct {
	At time.Time `json:"t"`
	ID string    `json:"i,omitempty"`
}

// Encode returns the opaque page token of c.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pageQuery turns a PageRequest into the limit to fetch (one more than the page, to learn whether
// a next page exists) and the cursor to start after. validID says whether a cursor's id can be an
// id of the list: a token is opaque but not trusted, and a forged one is EINVALID, never a query
// the store cannot run.
func pageQuery(req PageRequest, validID func(string) bool) (limit int, after *Cursor, err error) {
	size := req.PageSize
	switch {
	case size < 0:
		return 0, nil, Errorf(EINVALID, "the page size must not be negative")
	case size == 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	if req.PageToken == "" {
		return size, nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(req.PageToken)
	var c Cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.At.IsZero() || !validID(c.ID) {
		return 0, nil, Errorf(EINVALID, "the page token is not a token this server issued")
	}
	return size, &c, nil
}

// makePage cuts items (fetched with limit+1) to one page and sets the next token from the last
// item's cursor.
func makePage[T any](items []T, limit int, cursor func(T) Cursor) Page[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) <= limit {
		return Page[T]{Items: items, cursor: cursor}
	}
	items = items[:limit]
	return Page[T]{Items: items, NextPageToken: cursor(items[len(items)-1]).Encode(), cursor: cursor}
}
