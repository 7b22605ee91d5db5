package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"strconv"
)

// Fragments are the large parts of a page that are written in Go rather
// than by html/template: the member overview's rows, the groups page's
// rows, the group selects (member_rows.go, group_rows.go). They are
// written straight into pooled buffers, and the template prints only a
// short marker in their place; when the page is written out, the markers
// are replaced by the buffers. Printed through the template, each would
// have been copied twice more (html/template hands strings to fmt, which
// grows a fresh buffer as large as the value) — a few hundred KB of
// garbage per overview, which is what the collector spent its time on.
//
// The marker starts with a NUL byte. Nothing else on a page can contain
// one: html/template replaces NUL in every context it escapes (U+FFFD in
// text and attributes, %00 in URLs) and so do writeEscaped and
// writeURLAttr; the templates themselves contain none.
const fragmentMark = "\x00mila-fragment:"

type fragmentsKey struct{}

// fragments holds a request's fragment buffers until the page is written.
type fragments struct{ bufs []*bytes.Buffer }

// withFragments gives the request a place for its fragments and returns
// their buffers to the pool when the request is done.
func withFragments(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := &fragments{}
		defer f.release()
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), fragmentsKey{}, f)))
	})
}

func (f *fragments) release() {
	for _, b := range f.bufs {
		putBuffer(b)
	}
	f.bufs = nil
}

// fragment runs write on a pooled buffer and returns what the template
// prints in its place. Outside a page request (a unit test calling a
// handler's pieces) it returns the HTML itself.
func (a *App) fragment(r *http.Request, write func(*bytes.Buffer)) template.HTML {
	b := getBuffer()
	write(b)
	f, ok := r.Context().Value(fragmentsKey{}).(*fragments)
	if !ok {
		s := b.String()
		putBuffer(b)
		return template.HTML(s) //nolint:gosec // write escapes what it writes
	}
	f.bufs = append(f.bufs, b)
	return template.HTML(fragmentMark + strconv.Itoa(len(f.bufs)-1) + "\x00") //nolint:gosec // a marker, no input
}

// splice cuts page at its fragment markers and returns the pieces to
// write in order, the fragments in place of their markers. A page without
// fragments is one piece.
func splice(r *http.Request, page []byte) [][]byte {
	f, ok := r.Context().Value(fragmentsKey{}).(*fragments)
	if !ok || len(f.bufs) == 0 {
		return [][]byte{page}
	}
	mark := []byte(fragmentMark)
	pieces := make([][]byte, 0, 2*len(f.bufs)+1)
	for {
		i := bytes.Index(page, mark)
		if i < 0 {
			return append(pieces, page)
		}
		rest := page[i+len(mark):]
		end := bytes.IndexByte(rest, 0)
		n := -1
		if end > 0 {
			if v, err := strconv.Atoi(string(rest[:end])); err == nil && v < len(f.bufs) {
				n = v
			}
		}
		if n < 0 {
			// Not one of ours (cannot happen, see fragmentMark): the NUL
			// is dropped so the rest is written as it is.
			pieces = append(pieces, page[:i])
			page = page[i+1:]
			continue
		}
		pieces = append(pieces, page[:i], f.bufs[n].Bytes())
		page = rest[end+1:]
	}
}
