package web

import "testing"

// TestTelURI: phone numbers as people write them become tel: links; notes do not.
func TestTelURI(t *testing.T) {
	for in, want := range map[string]string{
		"0351 / 123 45-6":   "tel:0351123456",
		"+49 (0) 351 12345": "tel:+4935112345",
		"(030) 1234.56":     "tel:030123456",
		"ab 18 Uhr":         "",
		"12":                "",
		"1+2+3":             "",
		"":                  "",
	} {
		if got := telURI(in); got != want {
			t.Errorf("telURI(%q) = %q, want %q", in, got, want)
		}
	}
}
