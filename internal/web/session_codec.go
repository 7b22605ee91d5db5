package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec stores session data as a small JSON object instead of
// scs's default gob. Every page loads its session; gob builds a decoder
// and reads its type descriptions anew for each one, which cost about
// 70 µs a request — a twentieth of a small page (docs/PERFORMANCE.md).
// Mila keeps only strings (the user id and session stamp) and flash
// messages in sessions, so the record has exactly those two kinds.
//
// Sessions written by earlier versions (gob) are still read, so an
// upgrade signs nobody out; they are rewritten as JSON when next changed.
type sessionCodec struct{}

type sessionRecord struct {
	Deadline time.Time          `json:"deadline"`
	Strings  map[string]string  `json:"strings,omitempty"`
	Flashes  map[string][]Flash `json:"flashes,omitempty"`
}

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	rec := sessionRecord{Deadline: deadline}
	for k, v := range values {
		switch v := v.(type) {
		case string:
			if rec.Strings == nil {
				rec.Strings = map[string]string{}
			}
			rec.Strings[k] = v
		case []Flash:
			if rec.Flashes == nil {
				rec.Flashes = map[string][]Flash{}
			}
			rec.Flashes[k] = v
		default:
			return nil, fmt.Errorf("session value %q: type %T cannot be stored", k, v)
		}
	}
	return json.Marshal(rec)
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if !bytes.HasPrefix(b, []byte("{")) {
		return scs.GobCodec{}.Decode(b) // written before the JSON codec
	}
	var rec sessionRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return time.Time{}, nil, err
	}
	values := make(map[string]any, len(rec.Strings)+len(rec.Flashes))
	for k, v := range rec.Strings {
		values[k] = v
	}
	for k, v := range rec.Flashes {
		values[k] = v
	}
	return rec.Deadline, values, nil
}
