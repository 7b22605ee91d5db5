package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCancelledRequestIsNotAServerError: a statement that fails because
// the client gave up is logged as that, with status 499 — not as a server
// error with a 500 page.
func TestCancelledRequestIsNotAServerError(t *testing.T) {
	var logs bytes.Buffer
	a := &App{log: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/members/export?format=csv", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	a.serverError(w, r, fmt.Errorf("export members: %w", context.Canceled))
	if w.Code != statusClientClosedRequest {
		t.Errorf("status %d, want %d", w.Code, statusClientClosedRequest)
	}
	if w.Body.Len() != 0 {
		t.Errorf("a body for nobody: %q", w.Body.String())
	}
	if got := logs.String(); strings.Contains(got, "server error") || !strings.Contains(got, "request cancelled by the client") {
		t.Errorf("log: %s", got)
	}
}
