package web

import (
	"net/http"

	"mila/internal/authz"
)

// accountRoutes registers sign-in, the own account, users, roles and the
// one-time links. Every guarded route names the permission it needs; the
// handlers narrow the scope where the table grants only "own".
func (a *App) accountRoutes(mux *http.ServeMux) {
	a.publicRoute(mux, "GET /sign-in", a.authSignInShow)
	a.publicRoute(mux, "POST /sign-in", a.authSignIn)
	a.publicRoute(mux, "POST /sign-out", a.authSignOut)
	a.publicRoute(mux, "GET /setup", a.setupShow)
	a.publicRoute(mux, "POST /setup", a.setupSave)
	a.publicRoute(mux, "GET /set-password", a.authSetPasswordShow)
	a.publicRoute(mux, "POST /set-password", a.authSetPasswordSave)

	a.route(mux, "GET /account", authz.User, authz.Read, a.accountShow)
	a.route(mux, "POST /account/password", authz.User, authz.Update, a.accountPasswordSave)

	a.route(mux, "GET /users", authz.User, authz.Read, a.userList)
	a.route(mux, "GET /users/new", authz.User, authz.Create, a.userNew)
	a.route(mux, "POST /users", authz.User, authz.Create, a.userCreate)
	a.route(mux, "GET /users/{id}", authz.User, authz.Update, a.userEdit)
	a.route(mux, "POST /users/{id}/role", authz.User, authz.Update, a.userRoleSave)
	a.route(mux, "POST /users/{id}/email", authz.User, authz.Update, a.userEmailSave)
	a.route(mux, "POST /users/{id}/deactivate", authz.User, authz.Update, a.userDeactivate)
	a.route(mux, "POST /users/{id}/reactivate", authz.User, authz.Update, a.userReactivate)
	a.route(mux, "POST /users/{id}/link", authz.User, authz.Update, a.userLinkCreate)
	a.route(mux, "GET /users/{id}/delete", authz.User, authz.Destroy, a.userDeleteConfirm)
	a.route(mux, "POST /users/{id}/delete", authz.User, authz.Destroy, a.userDelete)

	a.route(mux, "GET /admin/roles", authz.Role, authz.Read, a.roleList)
	a.route(mux, "GET /admin/roles/new", authz.Role, authz.Create, a.roleNew)
	a.route(mux, "POST /admin/roles", authz.Role, authz.Create, a.roleCreate)
	a.route(mux, "GET /admin/roles/{id}", authz.Role, authz.Update, a.roleEdit)
	a.route(mux, "POST /admin/roles/{id}", authz.Role, authz.Update, a.roleSave)
	a.route(mux, "GET /admin/roles/{id}/delete", authz.Role, authz.Destroy, a.roleDeleteConfirm)
	a.route(mux, "POST /admin/roles/{id}/delete", authz.Role, authz.Destroy, a.roleDelete)
}

func init() {
	// Users and roles in the navigation for those who manage them; the
	// own account is reached from the header's account menu.
	navItems = append(navItems,
		navItem{LabelID: "NavUsers", Path: "/users", Resource: authz.User, Action: authz.Create, Icon: "user-cog"},
		navItem{LabelID: "NavRoles", Path: "/admin/roles", Resource: authz.Role, Action: authz.Update, Icon: "shield"},
	)
}
