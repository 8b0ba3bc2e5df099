package client

import (
	"encoding/json"
	"testing"
)

func TestUsagesBodyIsTheJSONOfTheUsages(t *testing.T) {
	us := []Usage{{ID: "a", Amount: 1, Source: "gpu"}, {ID: `q"uote`, Amount: -7}}
	var got, want any
	if err := json.Unmarshal(UsagesBody(us), &got); err != nil {
		t.Fatal(err)
	}
	ref, _ := json.Marshal(map[string]any{"usages": us})
	json.Unmarshal(ref, &want)
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("UsagesBody = %s, want %s", g, w)
	}
}
