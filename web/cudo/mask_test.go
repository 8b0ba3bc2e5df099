package cudo

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/billd/billd"
)

// billingAccountFields are the paths an update of a billing account may name, for these tests.
var billingAccountFields = []string{"displayName", "billingAddress", "billingAddress.city",
	"billingAddress.line1", "taxId", "creditBalanceRecharge.autoRecharge"}

func TestParseUpdateMask(t *testing.T) {
	tests := []struct {
		values []string
		want   []string
	}{
		{nil, nil},
		{[]string{""}, nil},
		{[]string{"", ""}, nil},
		{[]string{"displayName"}, []string{"displayName"}},
		{[]string{"displayName,billingAddress.city"}, []string{"displayName", "billingAddress.city"}},
		{[]string{"displayName", "billingAddress.city"}, []string{"displayName", "billingAddress.city"}},
		{[]string{"taxId,displayName", "displayName"}, []string{"taxId", "displayName"}},
		{[]string{" displayName , taxId"}, []string{"displayName", "taxId"}},
		{[]string{"billingAddress,billingAddress.city"}, []string{"billingAddress", "billingAddress.city"}},
		{[]string{strings.Repeat("taxId,", MaxMaskPaths-1) + "taxId"}, []string{"taxId"}},
	}
	for _, tt := range tests {
		m, err := ParseUpdateMask(tt.values, billingAccountFields)
		if err != nil || !slices.Equal(m.Paths(), tt.want) || m.Empty() != (len(tt.want) == 0) {
			t.Errorf("ParseUpdateMask(%q) = %q, %v; want %q", tt.values, m.Paths(), err, tt.want)
		}
	}
}

func TestParseUpdateMaskRefuses(t *testing.T) {
	tests := []struct {
		values []string
		why    string
	}{
		{[]string{"state"}, `"state" is not a field`},
		{[]string{"displayName,state"}, `"state" is not a field`},
		{[]string{"displayName", "id"}, `"id" is not a field`},
		{[]string{"display_name"}, `"display_name" is not a field`},
		{[]string{"DisplayName"}, `"DisplayName" is not a field`},
		{[]string{"billingAddress.country"}, `"billingAddress.country" is not a field`},
		{[]string{"displayName."}, `"displayName." is not a field`},
		{[]string{"displayName,"}, "empty path"},
		{[]string{",displayName"}, "empty path"},
		{[]string{"displayName,,taxId"}, "empty path"},
		{[]string{" "}, "empty path"},
		{[]string{","}, "empty path"},
		{[]string{strings.Repeat("taxId,", MaxMaskPaths) + "taxId"}, "more than 64 paths"},
		{slices.Repeat([]string{"taxId"}, MaxMaskPaths+1), "more than 64 paths"},
		{[]string{strings.Repeat("x", MaxMaskBytes+1)}, "longer than 2048 bytes"},
		{[]string{strings.Repeat("x", MaxMaskBytes/2), strings.Repeat("x", MaxMaskBytes/2+1)}, "longer than 2048 bytes"},
		{[]string{strings.Repeat("x", 100)}, `"` + strings.Repeat("x", maxQuotedPath) + `..." is not a field`},
	}
	for _, tt := range tests {
		m, err := ParseUpdateMask(tt.values, billingAccountFields)
		if billd.ErrorCode(err) != billd.EINVALID || !strings.Contains(billd.ErrorMessage(err), tt.why) {
			t.Errorf("ParseUpdateMask(%q) = %q, %v; want EINVALID with %q", tt.values, m.Paths(), err, tt.why)
		}
	}
}

func TestUpdateMaskFromQuery(t *testing.T) {
	query, err := url.ParseQuery("updateMask=displayName,billingAddress.city&id=x&updateMask=taxId&update_mask=billingAddress.line1")
	if err != nil {
		t.Fatal(err)
	}
	m, err := UpdateMaskFromQuery(query, billingAccountFields)
	want := []string{"displayName", "billingAddress.city", "taxId", "billingAddress.line1"}
	if err != nil || !slices.Equal(m.Paths(), want) {
		t.Fatalf("UpdateMaskFromQuery = %q, %v; want %q", m.Paths(), err, want)
	}
	if m, err := UpdateMaskFromQuery(url.Values{}, billingAccountFields); err != nil || !m.Empty() {
		t.Errorf("no updateMask: %q, %v; want an empty mask", m.Paths(), err)
	}
}

// TestUpdateMaskFromJSONBody reads the body form: proto3 JSON of a FieldMask is one string.
func TestUpdateMaskFromJSONBody(t *testing.T) {
	var body struct {
		UpdateMask string `json:"updateMask"`
	}
	if err := json.Unmarshal([]byte(`{"billingAccount": {}, "updateMask": "displayName,billingAddress"}`), &body); err != nil {
		t.Fatal(err)
	}
	m, err := ParseUpdateMask([]string{body.UpdateMask}, billingAccountFields)
	if err != nil || !slices.Equal(m.Paths(), []string{"displayName", "billingAddress"}) {
		t.Fatalf("ParseUpdateMask = %q, %v", m.Paths(), err)
	}
}

func TestUpdateMaskCovers(t *testing.T) {
	m, err := ParseUpdateMask([]string{"billingAddress,taxId"}, billingAccountFields)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"billingAddress": true, "billingAddress.city": true, "taxId": true, "taxId.value": true,
		"displayName": false, "billingAddressX": false, "tax": false, "": false,
	} {
		if got := m.Covers(path); got != want {
			t.Errorf("Covers(%q) = %v, want %v", path, got, want)
		}
	}
	if !m.Has("taxId") || m.Has("billingAddress.city") {
		t.Error("Has names only the mask's own paths")
	}
	m.Paths()[0] = "changed"
	if m.Paths()[0] != "billingAddress" {
		t.Error("Paths shares the mask's slice")
	}
}

// FuzzUpdateMask checks ParseUpdateMask on any values: it never panics; it refuses with EINVALID
// or returns distinct, allowed, non-empty paths within the bounds, each of which the input names.
func FuzzUpdateMask(f *testing.F) {
	for _, s := range []string{"", ",", "displayName", "displayName,billingAddress.city", " taxId ,taxId",
		"state", "a,,b", "display_name", strings.Repeat("taxId,", 70)} {
		f.Add(s, "taxId")
	}
	f.Fuzz(func(t *testing.T, first, second string) {
		values := []string{first, second}
		m, err := ParseUpdateMask(values, billingAccountFields)
		if err != nil {
			if billd.ErrorCode(err) != billd.EINVALID {
				t.Fatalf("ParseUpdateMask(%q): %v is not EINVALID", values, err)
			}
			return
		}
		paths := m.Paths()
		if len(paths) > MaxMaskPaths || len(first)+len(second) > MaxMaskBytes {
			t.Fatalf("ParseUpdateMask(%q) accepted more than the bounds: %q", values, paths)
		}
		for i, p := range paths {
			if !slices.Contains(billingAccountFields, p) || slices.Contains(paths[:i], p) {
				t.Fatalf("ParseUpdateMask(%q) = %q: %q is not allowed or given twice", values, paths, p)
			}
			if !strings.Contains(first, p) && !strings.Contains(second, p) {
				t.Fatalf("ParseUpdateMask(%q) = %q: %q is not in the input", values, paths, p)
			}
		}
		again, err := ParseUpdateMask([]string{strings.Join(paths, ",")}, billingAccountFields)
		if err != nil || !slices.Equal(again.Paths(), paths) {
			t.Fatalf("the mask %q joined does not parse to itself: %q, %v", paths, again.Paths(), err)
		}
	})
}
