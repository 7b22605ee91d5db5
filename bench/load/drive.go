package main

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"mila/bench/internal/harness"
)

// runStats is what the clients did.
type runStats struct {
	rec      *recorder
	clients  map[string]int // clients per permission set
	elapsed  time.Duration
	signedIn time.Duration // signing all clients in
}

// drive signs the clients in and lets them run their mix for the
// duration. Each client finishes the operation it is in when time is up.
func drive(ctx context.Context, c config, m *harness.Server, w *world) (runStats, error) {
	st := runStats{rec: newRecorder(), clients: map[string]int{}}
	byRole := map[string][]account{}
	for _, a := range w.accounts {
		byRole[a.role] = append(byRole[a.role], a)
	}
	share := func(p float64) int { return int(math.Round(p * float64(c.clients))) }
	nMember := min(len(byRole[roleMember]), share(0.08))
	nTreasurer, nBoard := share(0.16), share(0.16)
	if nMember+nTreasurer+nBoard >= c.clients {
		nMember, nTreasurer, nBoard = 0, 0, 0 // too few clients for a mix: admins only
	}
	var clients []*client
	add := func(role string, n int) {
		for i := range n {
			a := byRole[role][i%len(byRole[role])]
			clients = append(clients, newClient(len(clients), a, m.Base, w, c.seed))
		}
	}
	add(roleMember, nMember)
	add(roleTreasurer, nTreasurer)
	add(roleBoard, nBoard)
	add(roleAdmin, c.clients-nMember-nTreasurer-nBoard)
	for _, cl := range clients {
		st.clients[cl.acct.role]++
	}

	// Groups an earlier run left behind belong to the admins now.
	var admins []*client
	for _, cl := range clients {
		if cl.acct.role == roleAdmin {
			admins = append(admins, cl)
		}
	}
	i := 0
	w.loadGroups.Range(func(_, v any) bool {
		admins[i%len(admins)].groups = append(admins[i%len(admins)].groups, v.(*loadGroup))
		i++
		return true
	})

	// Signing in hashes a password (argon2id): a few at a time.
	began := time.Now()
	sem := make(chan struct{}, 4)
	errs := make(chan error, len(clients))
	var wg sync.WaitGroup
	for _, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := cl.signIn(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return st, err
	}
	st.signedIn = time.Since(began)
	harness.Logf("%d clients signed in in %.1f s (%d admin, %d treasurer, %d board, %d own_data); running for %s",
		len(clients), st.signedIn.Seconds(), st.clients[roleAdmin], st.clients[roleTreasurer], st.clients[roleBoard], st.clients[roleMember], c.duration)
	// The sign-ins are setup, not load.
	for _, cl := range clients {
		cl.rec = newRecorder()
	}

	began = time.Now()
	deadline := began.Add(c.duration)
	for _, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				cl.step(c.writes)
				if cl.rec.errors > 50 || !m.Alive() {
					return // the server is gone: no point hammering it
				}
			}
		}()
	}
	progress := time.NewTicker(10 * time.Second)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
wait:
	for {
		select {
		case <-done:
			break wait
		case <-progress.C:
			var n, e int64
			for _, cl := range clients {
				n += cl.sent.Load()
				e += cl.problems.Load()
			}
			harness.Logf("%4.0f s: ~%d requests, ~%d problems, Mila RSS %.0f MB", time.Since(began).Seconds(), n, e, float64(m.Status("VmRSS"))/(1<<20))
		}
	}
	progress.Stop()
	st.elapsed = time.Since(began)
	for _, cl := range clients {
		st.rec.merge(cl.rec)
	}
	if !m.Alive() {
		return st, fmt.Errorf("mila serve stopped during the run (see %s)", m.LogPath)
	}
	harness.Logf("done: %d requests in %.1f s (%.0f/s)", st.rec.total(), st.elapsed.Seconds(), float64(st.rec.total())/st.elapsed.Seconds())
	return st, nil
}
