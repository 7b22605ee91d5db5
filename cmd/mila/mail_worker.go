package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/mail"
)

// mailOptions are serve's mail settings.
type mailOptions struct {
	url, from, rate, daily *option
}

func addMailFlags(fs *flag.FlagSet) *mailOptions {
	return &mailOptions{
		url:   stringOption(fs, "smtp-url", "MILA_SMTP_URL", "", "SMTP server for outgoing mail: smtp://user:password@host:587 (STARTTLS), smtps://user:password@host:465, or smtp://127.0.0.1:25 (a local relay); default: mail is not set up"),
		from:  stringOption(fs, "mail-from", "MILA_MAIL_FROM", "", "sender of Mila's mail, e.g. \"TSV Beispiel <verein@example.org>\" (needed with --smtp-url)"),
		rate:  stringOption(fs, "mail-rate", "MILA_MAIL_RATE", "60", "most messages per minute, for all Mila processes together (0: no limit)"),
		daily: stringOption(fs, "mail-daily-limit", "MILA_MAIL_DAILY_LIMIT", "0", "most messages in any 24 hours (0: no limit)"),
	}
}

func (m *mailOptions) config() (mail.Config, error) {
	c, err := mail.ParseConfig(m.url.value, m.from.value, m.rate.value, m.daily.value)
	var ce *mail.ConfigError
	if errors.As(err, &ce) {
		o := map[string]*option{"url": m.url, "from": m.from, "rate": m.rate, "daily_limit": m.daily}[ce.Setting]
		return c, o.invalid(ce.Why)
	}
	return c, err
}

// startMailWorker sends the outbox inside `mila serve` (internal/mail):
// messages marked 'sending' by a process that died become 'unknown' and
// are not resent. Without SMTP it does nothing. wait returns once it has
// stopped.
func startMailWorker(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, cfg mail.Config) (wait func()) {
	if !cfg.Enabled() {
		log.Info("mail is not set up (MILA_SMTP_URL): nothing is sent")
		return func() {}
	}
	log.Info("sending mail", "smtp", cfg.Redacted(), "from", cfg.From.String(), "rate_per_minute", cfg.Rate, "daily_limit", cfg.DailyLimit)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := mail.Worker{DB: pool, Log: log, Config: cfg}
		w.Run(ctx)
	}()
	return wg.Wait
}
