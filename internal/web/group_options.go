package web

import (
	"bytes"
	"context"
	"hash/maphash"
	"io"
	"sync"

	"github.com/a-h/templ"

	"mila/internal/membership"
)

// The overview offers every group twice (the filter and the bulk bar),
// 300 options each in a large club, on every page view: the options are
// rendered by groupOptions once per list of groups and choice, and kept.
// The key is the list itself (a hash of every group's id, name and slug,
// in order) with the selected slug, so any change to the groups — a new
// name, a new group, a deleted one, another order — is another key: the
// cache needs no invalidation and is never stale.
var groupOptionsCache = &renderedGroupOptions{byKey: map[string][]byte{}}

// groupOptionsCacheMax bounds the kept renderings (one per selected
// group, of the current list).
const groupOptionsCacheMax = 512

type renderedGroupOptions struct {
	mu    sync.Mutex
	list  uint64            // hash of the list the kept renderings are of
	byKey map[string][]byte // by selected slug
}

var groupOptionsSeed = maphash.MakeSeed()

func groupListHash(groups []membership.GroupChoice) uint64 {
	var h maphash.Hash
	h.SetSeed(groupOptionsSeed)
	for i := range groups {
		h.WriteString(groups[i].ID)
		h.WriteByte(0)
		h.WriteString(groups[i].Name)
		h.WriteByte(0)
		h.WriteString(groups[i].Slug)
		h.WriteByte(0)
	}
	return h.Sum64()
}

// cachedGroupOptions writes what groupOptions(groups, selected) writes.
func cachedGroupOptions(groups []membership.GroupChoice, selected string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		list := groupListHash(groups)
		c := groupOptionsCache
		c.mu.Lock()
		if c.list != list {
			c.list, c.byKey = list, map[string][]byte{}
		}
		out, ok := c.byKey[selected]
		c.mu.Unlock()
		if !ok {
			var buf bytes.Buffer
			if err := groupOptions(groups, selected).Render(ctx, &buf); err != nil {
				return err
			}
			out = buf.Bytes()
			c.mu.Lock()
			if c.list == list && len(c.byKey) < groupOptionsCacheMax {
				c.byKey[selected] = out
			}
			c.mu.Unlock()
		}
		_, err := w.Write(out)
		return err
	})
}
