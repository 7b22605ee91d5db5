package web

import (
	"testing"

	"mila/internal/audit"
)

// TestEveryAuditedTableHasALabel: /admin/audit names each entry's kind of
// record and offers the kinds as a filter; a table under audit without a
// label would show its message id ("AuditEntity_member_periods") there.
func TestEveryAuditedTableHasALabel(t *testing.T) {
	tr, err := newTranslator()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "de"} {
		for _, table := range audit.Audited {
			id := "AuditEntity_" + table
			if got := tr.t(lang, id); got == "" || got == id {
				t.Errorf("%s: no label for the audited table %s (add %s to locales/audit_entities.%s.json)", lang, table, id, lang)
			}
		}
	}
}
