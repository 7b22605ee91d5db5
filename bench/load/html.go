package main

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// The pages are Mila's own templates, so a few patterns read what a
// browser would: the fields of a form, the counts on /groups and
// /members. A template change that breaks them fails the run loudly.
var (
	reForm     = regexp.MustCompile(`(?s)<form\b[^>]*\baction="([^"]*)"[^>]*>(.*?)</form>`)
	reInput    = regexp.MustCompile(`(?s)<input\b([^>]*)>`)
	reTextarea = regexp.MustCompile(`(?s)<textarea\b([^>]*)>(.*?)</textarea>`)
	reAttr     = regexp.MustCompile(`(?s)\b([a-z-]+)(?:="([^"]*)")?`)
	reGroupRow = regexp.MustCompile(`(?s)<a class="link link-primary" href="/groups/([^"]+)">.*?</th>\s*<td[^>]*>.*?</td>\s*<td class="text-end tabular-nums">([^<]*)</td>`)
	reCount    = regexp.MustCompile(`id="member-count"[^>]*>([^<]*)`)
)

// attrs reads a tag's attributes (a bare attribute has the value "").
func attrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range reAttr.FindAllStringSubmatch(s, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// parseForm returns what the browser would submit from the form posting
// to action, unchanged: text inputs and hidden fields with their values,
// checked checkboxes, textareas.
func parseForm(body []byte, action string) (url.Values, error) {
	for _, f := range reForm.FindAllStringSubmatch(string(body), -1) {
		if html.UnescapeString(f[1]) != action {
			continue
		}
		v := url.Values{}
		for _, in := range reInput.FindAllStringSubmatch(f[2], -1) {
			a := attrs(in[1])
			name, ok := a["name"]
			if !ok || name == "" {
				continue
			}
			switch a["type"] {
			case "checkbox", "radio":
				if _, checked := a["checked"]; checked {
					v.Add(name, a["value"])
				}
			case "submit", "button":
			default:
				v.Add(name, a["value"])
			}
		}
		for _, ta := range reTextarea.FindAllStringSubmatch(f[2], -1) {
			if name := attrs(ta[1])["name"]; name != "" {
				v.Add(name, html.UnescapeString(ta[2]))
			}
		}
		if len(v) == 0 {
			return nil, fmt.Errorf("the form to %s has no fields", action)
		}
		return v, nil
	}
	return nil, fmt.Errorf("no form posting to %s", action)
}

// parseGroupCounts reads slug → member count from the /groups page.
func parseGroupCounts(body []byte) map[string]int {
	out := map[string]int{}
	for _, m := range reGroupRow.FindAllStringSubmatch(string(body), -1) {
		n, err := strconv.Atoi(digits(m[2]))
		if err != nil {
			n = -1
		}
		out[html.UnescapeString(m[1])] = n
	}
	return out
}

// parseMemberCount reads the total of the /members page ("1,234
// members"), and whether it is marked as an estimate ("about …").
func parseMemberCount(body []byte) (n int, about bool, err error) {
	m := reCount.FindSubmatch(body)
	if m == nil {
		if strings.Contains(string(body), `id="member-results"`) {
			return 0, false, nil // no rows: the empty state instead of a count
		}
		return 0, false, fmt.Errorf("no member count on the page")
	}
	text := html.UnescapeString(string(m[1]))
	n, err = strconv.Atoi(digits(text))
	if err != nil {
		return 0, false, fmt.Errorf("member count %q: %v", text, err)
	}
	return n, strings.Contains(strings.ToLower(text), "about"), nil
}

// digits keeps the digits of s ("61,439" → "61439").
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
