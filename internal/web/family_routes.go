package web

import (
	"net/http"

	"mila/internal/authz"
)

// familyRoutes: users' names (issue 18 item 5). Linking a user to a
// member, with its confirmation, stays on the member routes
// (POST /members/{id}/user).
func (a *App) familyRoutes(mux *http.ServeMux) {
	a.route(mux, "POST /users/{id}/name", authz.User, authz.Update, a.userNameSave)
	// The own name, on /account (own scope: the handler changes only the
	// signed-in user's).
	a.route(mux, "POST /account/name", authz.User, authz.Update, a.accountNameSave)
}
