package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// insertHistory gives the loaded register five years of history, in SQL
// and deterministically: every choice is a hash of the member's generated
// data (names, email, street) and the group's slug, never of an id (the
// ids carry the load time).
//
//   - the current memberships (member_groups, loaded with its history
//     trigger off) get their dated rows in one statement: begun on a day
//     in the last five years, not before the member joined;
//   - one member in 16 left and re-joined: an earlier, closed period
//     before their join date (the trigger moves the join date back);
//   - about four members in ten had a membership that ended, in a group
//     of their own hash, before any current one in it;
//   - the club-wide roles Leitung, Trainer and Kassenwart, one group role
//     per group (Jugendwart), held by about one membership in 25.
//
// Current memberships stay as they are, so member_groups, the counts and
// the search keys the load computed are unchanged.
// memberKey is the text the choices hash (the generated data of m).
const memberKey = `(m.first_name || m.last_name || coalesce(m.email::text, '') || m.street || m.house_number || m.postal_code)`

func insertHistory(ctx context.Context, tx pgx.Tx, res *Result) error {
	steps := []struct {
		what string
		sql  string
		n    *int
	}{
		{"roles", `INSERT INTO group_roles (group_id, name, leads, position)
			VALUES (NULL, 'Leitung', true, 1), (NULL, 'Trainer', true, 2), (NULL, 'Kassenwart', false, 3)
			ON CONFLICT DO NOTHING`, nil},
		{"group roles", `INSERT INTO group_roles (group_id, name, leads, position)
			SELECT id, 'Jugendwart', false, 10 FROM groups ON CONFLICT DO NOTHING`, nil},
		// The current memberships are in member_groups already: the
		// trigger that would put them there again is off meanwhile.
		{"pause trigger", `ALTER TABLE group_memberships DISABLE TRIGGER group_memberships_changed_ins`, nil},
		{"current memberships", `INSERT INTO group_memberships (member_id, group_id, valid_from, role_id)
			SELECT mg.member_id, mg.group_id,
			       least(current_date, greatest(m.join_date, current_date - (abs(hashtext(` + memberKey + ` || g.slug)) % 1826))),
			       CASE WHEN abs(hashtext(` + memberKey + ` || g.slug || 'role')) % 25 = 0
			            THEN (SELECT r.id FROM group_roles r
			                   WHERE r.group_id IS NULL OR r.group_id = mg.group_id
			                   ORDER BY r.group_id NULLS FIRST, r.position OFFSET abs(hashtext(` + memberKey + ` || g.slug || 'which')) % 4 LIMIT 1) END
			  FROM member_groups mg JOIN members m ON m.id = mg.member_id JOIN groups g ON g.id = mg.group_id
			 ORDER BY mg.member_id, mg.group_id`, &res.Roles},
		{"resume trigger", `ALTER TABLE group_memberships ENABLE TRIGGER group_memberships_changed_ins`, nil},
		{"re-joins", `INSERT INTO member_periods (member_id, starts_on, ends_on, resignation_received_on)
			SELECT m.id, m.join_date - 365 * 2 - abs(hashtext(` + memberKey + ` || 'p')) % 700,
			       m.join_date - 200 - abs(hashtext(` + memberKey + ` || 'q')) % 150,
			       m.join_date - 260 - abs(hashtext(` + memberKey + ` || 'q')) % 150
			  FROM members m WHERE abs(hashtext(` + memberKey + ` || 'rejoin')) % 16 = 0
			   AND m.join_date > DATE '1805-01-01'`, &res.Rejoins},
		{"ended memberships", `INSERT INTO group_memberships (member_id, group_id, role_id, valid_from, valid_until)
			SELECT s.member_id, s.group_id, NULL, s.f, s.u FROM (
			  SELECT m.id AS member_id, g.id AS group_id,
			         least(current_date - 60, greatest(m.join_date, current_date - 1826 + abs(hashtext(` + memberKey + ` || 'f')) % 900)) AS f,
			         least(current_date - 30, greatest(m.join_date, current_date - 1826 + abs(hashtext(` + memberKey + ` || 'f')) % 900)
			               + 30 + abs(hashtext(` + memberKey + ` || 'u')) % 700) AS u
			    FROM members m
			    JOIN LATERAL (SELECT id FROM groups ORDER BY name_key, id
			                  OFFSET abs(hashtext(` + memberKey + ` || 'g')) % greatest((SELECT count(*) FROM groups), 1) LIMIT 1) g ON true
			   WHERE abs(hashtext(` + memberKey + ` || 'ended')) % 10 < 4) s
			 WHERE s.u > s.f
			   AND NOT EXISTS (SELECT 1 FROM group_memberships c WHERE c.member_id = s.member_id AND c.group_id = s.group_id
			                     AND c.span && daterange(s.f, s.u, '[)'))`, &res.EndedMemberships},
	}
	for _, st := range steps {
		tag, err := tx.Exec(ctx, st.sql)
		if err != nil {
			return fmt.Errorf("history (%s): %w", st.what, err)
		}
		if st.n != nil {
			*st.n = int(tag.RowsAffected())
		}
	}
	// Roles counted are the memberships holding one.
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM group_memberships WHERE role_id IS NOT NULL`).Scan(&res.Roles); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}
