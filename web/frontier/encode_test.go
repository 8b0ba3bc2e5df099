package frontier

import (
	"encoding/json"
	"testing"

	"github.com/billd/billd"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// TestStructOfStoredNumbers checks that metadata numbers a double cannot hold (stored before
// metadata became a Struct) are shown as their text, so that the object still encodes.
func TestStructOfStoredNumbers(t *testing.T) {
	s := toStruct(billd.Metadata{"big": json.Number("1e400"), "neg": json.Number("-1e400"), "ok": json.Number("1e2")})
	if _, err := protojson.Marshal(s); err != nil {
		t.Fatalf("marshal: %v", err)
	}
	for k, want := range map[string]*structpb.Value{
		"big": structpb.NewStringValue("1e400"),
		"neg": structpb.NewStringValue("-1e400"),
		"ok":  structpb.NewNumberValue(100),
	} {
		if got := s.Fields[k]; got.String() != want.String() {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
}
