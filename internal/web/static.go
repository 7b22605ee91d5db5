package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// staticFS holds the built assets (npm run build writes them). The built
// files are not committed; static/.gitkeep keeps a clean clone compiling.
//
//go:embed all:static
var staticFS embed.FS

// assetServer serves embedded static files under content-hash URLs so
// browsers may cache them forever: a new build changes the hash and so the URL.
type assetServer struct {
	files map[string]*asset // by name relative to static/, e.g. "app.css"
}

type asset struct {
	data  []byte
	hash  string // first 16 hex digits of the SHA-256
	ctype string
}

func newAssetServer(fsys fs.FS) (*assetServer, error) {
	s := &assetServer{files: map[string]*asset{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = http.DetectContentType(data)
		}
		s.files[strings.TrimPrefix(p, "static/")] = &asset{data: data, hash: hex.EncodeToString(sum[:])[:16], ctype: ctype}
		return nil
	})
	return s, err
}

// url returns the cache-busting URL of a static file: /static/app.css?v=<hash>.
// An unknown (e.g. unbuilt) file still gets a URL, so pages render; the
// request for it then 404s.
func (s *assetServer) url(name string) string {
	if f, ok := s.files[name]; ok {
		return "/static/" + name + "?v=" + f.hash
	}
	return "/static/" + name
}

// staticFile serves GET /static/{path...}. Only a request carrying the
// current hash is marked immutable; anything else must revalidate, so a
// stale URL can never pin old content in a cache.
func (a *App) staticFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	f, ok := a.assets.files[name]
	if !ok {
		a.notFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", `"`+f.hash+`"`)
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
}
