package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFragmentsSpliced: fragments come out in place of their markers, in
// order, however often and wherever the template prints them, and the
// Content-Length counts the page as sent.
func TestFragmentsSpliced(t *testing.T) {
	a := &App{}
	tmpl := template.Must(template.New("p").Parse(
		`<p title="{{.Title}}">{{.Text}}</p><ul>{{.A}}</ul>{{.B}}|{{.A}}<b>{{.Text}}</b>`))
	var got string
	h := withFragments(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data := map[string]any{
			// Typed input with NUL and a forged marker stays inert text.
			"Title": "x\x00mila-fragment:0\x00y",
			"Text":  "<b>\x00mila-fragment:1\x00</b>",
			"A":     a.fragment(r, func(b *bytes.Buffer) { b.WriteString("<li>one</li><li>two</li>") }),
			"B":     a.fragment(r, func(b *bytes.Buffer) { b.WriteString(strings.Repeat("é", 5000)) }),
		}
		buf := getBuffer()
		defer putBuffer(buf)
		if err := tmpl.Execute(buf, data); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		for _, p := range splice(r, buf.Bytes()) {
			out.Write(p)
		}
		got = out.String()
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

	want := `<p title="x` + "\uFFFD" + `mila-fragment:0` + "\uFFFD" + `y">&lt;b&gt;` + "\uFFFD" + `mila-fragment:1` + "\uFFFD" + `&lt;/b&gt;</p>` +
		`<ul><li>one</li><li>two</li></ul>` + strings.Repeat("é", 5000) + `|<li>one</li><li>two</li>` +
		`<b>&lt;b&gt;` + "\uFFFD" + `mila-fragment:1` + "\uFFFD" + `&lt;/b&gt;</b>`
	if got != want {
		t.Errorf("spliced page\n got: %q\nwant: %q", got, want)
	}
	if strings.Contains(got, "\x00") {
		t.Error("a NUL byte reached the page")
	}
}

// TestFragmentOutsidePage: without a page request's fragment store (a
// unit test of a handler's pieces) the fragment is the HTML itself.
func TestFragmentOutsidePage(t *testing.T) {
	a := &App{}
	r := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(context.Background())
	got := a.fragment(r, func(b *bytes.Buffer) { b.WriteString("<li>x</li>") })
	if got != "<li>x</li>" {
		t.Errorf("fragment = %q", got)
	}
}

// TestSpliceMalformedMarker: a marker that is not one of the request's
// fragments is dropped (its NUL), never an index out of range.
func TestSpliceMalformedMarker(t *testing.T) {
	f := &fragments{bufs: []*bytes.Buffer{bytes.NewBufferString("F")}}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), fragmentsKey{}, f))
	for in, want := range map[string]string{
		"a" + fragmentMark + "0\x00b":    "aFb",
		"a" + fragmentMark + "7\x00b":    "amila-fragment:7\x00b",
		"a" + fragmentMark + "x\x00b":    "amila-fragment:x\x00b",
		"a" + fragmentMark + "0":         "amila-fragment:0",
		"a" + fragmentMark + "\x00b":     "amila-fragment:\x00b",
		fragmentMark + "0\x00" + "0\x00": "F0\x00",
	} {
		var out bytes.Buffer
		for _, p := range splice(r, []byte(in)) {
			out.Write(p)
		}
		if out.String() != want {
			t.Errorf("splice(%q) = %q, want %q", in, out.String(), want)
		}
	}
}
