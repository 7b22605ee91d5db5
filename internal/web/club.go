package web

import (
	"context"
	"sync"
	"time"

	"mila/internal/club"
)

// clubCacheTTL is how long a process trusts its copy of the club's
// settings. Every page shows the club's name, so they are not read per
// request; a change made through this process is seen at once (save
// drops the copy), one made through another Mila process on the same
// database within this time.
const clubCacheTTL = 10 * time.Second

// clubCache holds the club's settings for the page frame.
type clubCache struct {
	store *club.Store
	mu    sync.Mutex
	s     club.Settings
	at    time.Time
	ok    bool
}

// get returns the settings, read again when the copy is older than
// clubCacheTTL. When the database cannot be read it serves the last copy
// (or Mila's defaults): a page must not fail for want of the club's name.
func (c *clubCache) get(ctx context.Context) club.Settings {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && time.Since(c.at) < clubCacheTTL {
		return c.s
	}
	s, err := c.store.Get(ctx)
	if err != nil {
		// Keep what we had (or the defaults) and try again only after the
		// TTL: while the database is down, pages (its own error page
		// included) must not each wait for it.
		if !c.ok {
			c.s = club.Settings{DefaultLang: "en"}
		}
		c.at, c.ok = time.Now(), true
		return c.s
	}
	c.s, c.at, c.ok = s, time.Now(), true
	return s
}

// forget drops the copy after a change.
func (c *clubCache) forget() {
	c.mu.Lock()
	c.ok = false
	c.mu.Unlock()
}
