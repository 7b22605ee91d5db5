package mail

import (
	"fmt"

	"mila/internal/authz"
)

type authzActor = authz.Actor

func requireOutbox(a authz.Actor) error {
	if a.Scope(authz.Outbox, authz.Read) != authz.All {
		return fmt.Errorf("read outbox: %w", authz.ErrForbidden)
	}
	return nil
}

func requireMailing(a authz.Actor, act authz.Action) error {
	if a.Scope(authz.Mailing, act) != authz.All {
		return fmt.Errorf("%s mailing: %w", act, authz.ErrForbidden)
	}
	return nil
}
