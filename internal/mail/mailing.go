package mail

import (
	"github.com/jackc/pgx/v5/pgxpool"
)

// Mailings is the store of mailings: one message per recipient, queued
// in the outbox in one transaction.
type Mailings struct {
	db  *pgxpool.Pool
	cfg Config
}

// NewMailings returns the mailings store on db; cfg says whether mail is
// set up (a mailing cannot be sent otherwise).
func NewMailings(db *pgxpool.Pool, cfg Config) *Mailings { return &Mailings{db: db, cfg: cfg} }
