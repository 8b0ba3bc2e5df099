package cudo

import (
	"net/url"
	"slices"
	"strings"

	"github.com/billd/billd"
)

// A CUDO update names the fields it changes in an updateMask, a google.protobuf.FieldMask, which
// CUDO sends in one of two forms:
//
//   - as query parameters, updateMask=displayName,billingAddress.city (the gateway also takes the
//     proto name update_mask), possibly repeated: every value counts;
//   - in the JSON body, per proto3 JSON of FieldMask, as one string "displayName,billingAddress.city".
//
// Paths are comma-separated lowerCamelCase field paths, matched exactly against the paths the
// route allows (snake_case is not a path CUDO sends, so it is an unknown path). Spaces around a
// path are ignored. An empty string is an empty mask (proto3 JSON's ""), but an empty path among
// others ("a,,b", "a,") is refused. A path given twice counts once. The mask is bounded: at most
// MaxMaskPaths paths and MaxMaskBytes bytes in all its values, checked before it is split.

// MaxMaskPaths is the most paths an updateMask may name, duplicates included.
const MaxMaskPaths = 64

// MaxMaskBytes is the most bytes an updateMask may have, all its values together.
const MaxMaskBytes = 2048

// maxQuotedPath is how much of an unknown path an error quotes.
const maxQuotedPath = 64

// UpdateMask is a parsed, validated updateMask: distinct allowed paths, in the order first given.
type UpdateMask struct {
	paths []string
}

// Paths returns the mask's paths, in the order first given; nil for an empty mask.
func (m UpdateMask) Paths() []string { return slices.Clone(m.paths) }

// Empty reports whether the mask names no path.
func (m UpdateMask) Empty() bool { return len(m.paths) == 0 }

// Has reports whether the mask names path itself.
func (m UpdateMask) Has(path string) bool { return slices.Contains(m.paths, path) }

// Covers reports whether the mask names path or a field that holds it: a mask of "billingAddress"
// covers "billingAddress.city".
func (m UpdateMask) Covers(path string) bool {
	for _, p := range m.paths {
		if p == path || strings.HasPrefix(path, p+".") {
			return true
		}
	}
	return false
}

// UpdateMaskFromQuery parses the updateMask of a query string: every value of updateMask and of
// update_mask, validated against allowed as ParseUpdateMask does.
func UpdateMaskFromQuery(query url.Values, allowed []string) (UpdateMask, error) {
	return ParseUpdateMask(queryMaskValues(query), allowed)
}

// queryMaskValues returns the values of the query's updateMask and update_mask parameters, in a
// new slice that callers may append to without touching the query's own.
func queryMaskValues(query url.Values) []string {
	return append(slices.Clone(query["updateMask"]), query["update_mask"]...)
}

// ParseUpdateMask parses the values of an updateMask (the query parameter's values, or the JSON
// body's one string) into distinct paths, each of which must be in allowed. It returns an EINVALID
// error naming an unknown path, for an empty path among others, and for a mask over MaxMaskPaths
// paths or MaxMaskBytes bytes.
func ParseUpdateMask(values []string, allowed []string) (UpdateMask, error) {
	size := 0
	for _, v := range values {
		size += len(v)
	}
	if size > MaxMaskBytes {
		return UpdateMask{}, billd.Errorf(billd.EINVALID, "updateMask is longer than %d bytes", MaxMaskBytes)
	}
	var mask UpdateMask
	count := 0
	for _, v := range values {
		if v == "" {
			continue // proto3 JSON's empty FieldMask
		}
		for path := range strings.SplitSeq(v, ",") {
			if count++; count > MaxMaskPaths {
				return UpdateMask{}, billd.Errorf(billd.EINVALID, "updateMask names more than %d paths", MaxMaskPaths)
			}
			if err := mask.add(strings.Trim(path, " \t"), allowed); err != nil {
				return UpdateMask{}, err
			}
		}
	}
	return mask, nil
}

// add adds path to m unless it is there, if it is allowed.
func (m *UpdateMask) add(path string, allowed []string) error {
	switch {
	case path == "":
		return billd.Errorf(billd.EINVALID, "updateMask has an empty path")
	case !slices.Contains(allowed, path):
		return billd.Errorf(billd.EINVALID, "updateMask path %q is not a field this request can update (it can: %s)",
			quotable(path), strings.Join(allowed, ", "))
	case !m.Has(path):
		m.paths = append(m.paths, path)
	}
	return nil
}

// quotable returns path cut to maxQuotedPath bytes, marked with "..." when cut.
func quotable(path string) string {
	if len(path) <= maxQuotedPath {
		return path
	}
	return path[:maxQuotedPath] + "..."
}
