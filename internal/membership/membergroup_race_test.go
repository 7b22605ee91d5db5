package membership

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"mila/internal/authz"
	"mila/internal/pg"
)

// TestMembershipRaceWithGroupDelete races adds and removes against the
// deletion of the group: every call ends in success or not found — never
// a raw database error — and no membership outlives its group.
func TestMembershipRaceWithGroupDelete(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	ids := groupTestMembers(t, db, 40)
	for round := range 5 {
		g := groupTestCreate(t, s, fmt.Sprintf("Runde %d", round))
		other := groupTestCreate(t, s, fmt.Sprintf("Bleibt %d", round))
		if _, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids[:20]); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		start := make(chan struct{})
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var err error
				switch i % 4 {
				case 0:
					_, err = s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids[i:i+20])
				case 1:
					_, err = s.RemoveMembersFromGroup(ctx, groupAdmin, g.ID, ids[i:i+10])
				case 2:
					_, err = s.AddMemberToGroups(ctx, groupAdmin, ids[i], []string{other.ID, g.ID})
				case 3:
					_, err = s.AddMember(ctx, groupAdmin, g.ID, ids[30+i%10])
				}
				errs <- err
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- s.DeleteGroup(ctx, groupAdmin, g.ID)
		}()
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("round %d: raw error surfaced: %v", round, err)
			}
		}
		if n := groupCount(t, db, `SELECT count(*) FROM member_groups WHERE group_id = $1`, g.ID); n != 0 {
			t.Fatalf("round %d: %d orphan memberships", round, n)
		}
		if _, err := s.GroupByID(ctx, groupAdmin, g.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("round %d: group survived its delete: %v", round, err)
		}
		if err := CheckGroupConsistency(ctx, db); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

// TestMembershipRaceWithMemberDelete: a member deleted while being added
// is reported as not found, never as a foreign key error.
func TestMembershipRaceWithMemberDelete(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugend")
	for round := range 10 {
		ids := groupTestMembers(t, db, 30)
		var wg sync.WaitGroup
		var addErr error
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, addErr = s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids)
		}()
		go func() {
			defer wg.Done()
			<-start
			_, err := db.Exec(ctx, `DELETE FROM members WHERE id = $1`, ids[29])
			if err != nil && !pg.IsRetryable(err) {
				t.Errorf("delete member: %v", err)
			}
		}()
		close(start)
		wg.Wait()
		if addErr != nil && !errors.Is(addErr, ErrNotFound) {
			t.Fatalf("round %d: %v", round, addErr)
		}
		if err := CheckGroupConsistency(ctx, db); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

// TestMembershipForeignKeyRaceIsNotFound makes the race deterministic: the
// member is deleted by a transaction that commits only after the add has
// checked it exists and is waiting in its INSERT. The foreign key
// violation that follows must come back as not found.
func TestMembershipForeignKeyRaceIsNotFound(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugend")
	ids := groupTestMembers(t, db, 3)
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `DELETE FROM members WHERE id = $1`, ids[2]); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids)
		done <- err
	}()
	for groupCount(t, db, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO member_groups%'`) == 0 {
		select {
		case err := <-done:
			t.Fatalf("the add did not wait for the delete: %v", err)
		case <-time.After(5 * time.Millisecond): // poll gently
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = <-done
	groupWantMissing(t, err, authz.Member)
	var nf *MembershipNotFoundError
	if errors.As(err, &nf); len(nf.IDs) != 1 || nf.IDs[0] != ids[2] {
		t.Fatalf("not found names %v, want %s", nf.IDs, ids[2])
	}
	if n := groupMembershipRows(t, db); n != 0 {
		t.Fatalf("%d memberships left by the failed add", n)
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
}
