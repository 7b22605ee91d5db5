// Package mail sends Mila's email: a durable outbox in PostgreSQL
// (mail_outbox, one row per message), a worker inside `mila serve` that
// claims rows with FOR UPDATE SKIP LOCKED and sends them over one reused
// SMTP connection (github.com/wneessen/go-mail), mailings to many members
// (one message per recipient) and the rendering of their Markdown with
// placeholders to HTML and plain text.
//
// A message is never sent twice: a row is marked 'sending' before its
// SMTP transaction starts; when the process dies meanwhile, the row
// becomes 'unknown' (RecoverOrphans) and waits for a person to decide.
package mail

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
)

// Config is how Mila reaches its SMTP server (MILA_SMTP_URL and friends).
// The zero value means mail is not set up: nothing is sent.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	// ImplicitTLS: smtps:// (TLS from the first byte, usually port 465).
	// Otherwise STARTTLS is used whenever the server offers it, and
	// required when credentials are given.
	ImplicitTLS bool
	From        mail.Address // MILA_MAIL_FROM
	// Rate is the most messages per minute (MILA_MAIL_RATE, default 60;
	// 0 means no limit). It holds across every Mila process sharing the
	// database.
	Rate int
	// DailyLimit is the most messages in any 24 hours (MILA_MAIL_DAILY_LIMIT;
	// 0 means no limit).
	DailyLimit int
}

// DefaultRate is the rate when MILA_MAIL_RATE is not set.
const DefaultRate = 60

// Enabled reports whether an SMTP server is configured.
func (c Config) Enabled() bool { return c.Host != "" }

// Addr is host:port.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// Redacted is the URL without the password, for logs.
func (c Config) Redacted() string {
	if !c.Enabled() {
		return ""
	}
	scheme := "smtp"
	if c.ImplicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: c.Addr()}
	if c.Username != "" {
		u.User = url.UserPassword(c.Username, "xxxxx")
	}
	return u.String()
}

// ConfigError names the setting that is wrong and why.
type ConfigError struct {
	Setting string // "url", "from", "rate" or "daily_limit"
	Why     string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("mail %s: %s", e.Setting, e.Why) }

// ParseConfig reads the four mail settings. An empty smtpURL means mail
// is not set up; the others are then ignored. from is an address with an
// optional display name ("Club <club@example.org>").
func ParseConfig(smtpURL, from, rate, dailyLimit string) (Config, error) {
	var c Config
	if strings.TrimSpace(smtpURL) == "" {
		return c, nil
	}
	u, err := url.Parse(smtpURL)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return c, &ConfigError{"url", "use smtp://user:password@host:587, smtps://user:password@host:465 or smtp://127.0.0.1:25"}
	}
	c.ImplicitTLS = u.Scheme == "smtps"
	c.Host = u.Hostname()
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	switch p := u.Port(); {
	case p != "":
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, &ConfigError{"url", "the port must be a number from 1 to 65535"}
		}
		c.Port = n
	case c.ImplicitTLS:
		c.Port = 465
	case c.Username != "":
		c.Port = 587
	default:
		c.Port = 25
	}
	if strings.TrimSpace(from) == "" {
		return Config{}, &ConfigError{"from", "set the sender, e.g. \"TSV Beispiel <verein@example.org>\""}
	}
	a, err := mail.ParseAddress(from)
	if err != nil || strings.ContainsAny(from, "\r\n") {
		return Config{}, &ConfigError{"from", "not an address; use \"Name <address@example.org>\" or address@example.org"}
	}
	c.From = *a
	if c.Rate, err = nonNegative(rate, DefaultRate); err != nil {
		return Config{}, &ConfigError{"rate", "use a whole number of messages per minute (0: no limit)"}
	}
	if c.DailyLimit, err = nonNegative(dailyLimit, 0); err != nil {
		return Config{}, &ConfigError{"daily_limit", "use a whole number of messages per 24 hours (0: no limit)"}
	}
	return c, nil
}

func nonNegative(s string, def int) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, errors.New("not a count")
	}
	return n, nil
}
