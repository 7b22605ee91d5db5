package web

import (
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodecRoundTrip(t *testing.T) {
	deadline := time.Date(2026, 11, 21, 15, 4, 5, 123456789, time.UTC)
	for _, values := range []map[string]any{
		{},
		{sessionUserID: "01a1fc00-aad8-73e6-bb7e-68f4dc9b2f88", sessionStamp: "0123456789abcdef"},
		{sessionUserID: "u", flashKey: []Flash{{Kind: "success", Text: `Gruppe „<b>Jugend</b>" angelegt`}, {Kind: "error", Text: "ü\x00"}}},
	} {
		b, err := sessionCodec{}.Encode(deadline, values)
		if err != nil {
			t.Fatal(err)
		}
		gotDeadline, got, err := sessionCodec{}.Decode(b)
		if err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
			t.Errorf("round trip of %v: got %v, %v", values, gotDeadline, got)
		}
	}
}

// TestSessionCodecReadsGob: sessions stored before the JSON codec (scs's
// gob) still decode, so an upgrade signs nobody out.
func TestSessionCodecReadsGob(t *testing.T) {
	deadline := time.Now().Add(time.Hour).Round(0)
	values := map[string]any{sessionUserID: "u1", sessionStamp: "s1", flashKey: []Flash{{Kind: "success", Text: "ok"}}}
	b, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	gotDeadline, got, err := sessionCodec{}.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Errorf("gob session decoded as %v, %v", gotDeadline, got)
	}
}

func TestSessionCodecRefusesOtherTypes(t *testing.T) {
	if _, err := (sessionCodec{}).Encode(time.Now(), map[string]any{"n": 42}); err == nil {
		t.Error("an int was encoded; Decode would give it back as something else")
	}
}
