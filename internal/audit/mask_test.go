package audit_test

import (
	"testing"

	"mila/internal/testpg"
)

// IBAN-like text keeps its country code and last group.
func TestMask(t *testing.T) {
	db := testpg.New(t)
	for in, want := range map[string]string{
		"DE89 3704 0044 0532 0130 00":          "DE** **** 00",
		"IBAN: DE89370400440532013000, danke":  "IBAN: DE** ****00, danke",
		"GB29 NWBK 6016 1331 9268 19 und mehr": "GB** **** 19 und mehr",
		"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
		"Musterstraße 12, 24103 Kiel":          "Musterstraße 12, 24103 Kiel",
		"+49 431 1234567":                      "+49 431 1234567",
	} {
		var got string
		if err := db.QueryRow(ctxb, `SELECT audit_mask($1)`, in).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("audit_mask(%q) = %q, want %q", in, got, want)
		}
	}
}
