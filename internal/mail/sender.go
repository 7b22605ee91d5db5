package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// Message is one rendered message to one recipient.
type Message struct {
	ID              string // the outbox row; also the Message-ID's local part
	To              string
	ToName          string
	Subject         string
	Text            string
	HTML            string // "" for a text-only message
	ReplyTo         string
	ListUnsubscribe string // an https URL; with it the one-click header is sent too
	Attachments     []Attachment
}

// Attachment is a file sent with a mailing.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Outcome is what became of one send.
type Outcome int

const (
	// Sent: the server accepted the message.
	Sent Outcome = iota
	// Retry: a temporary answer (4xx) or a connection lost before the
	// message was complete; it is safe to send again later.
	Retry
	// Failed: a permanent answer (5xx), or a message the server can never
	// take; the answer says why.
	Failed
	// Unknown: the whole message was handed over but the answer never
	// came; the server may or may not have it. Never resent automatically.
	Unknown
)

func (o Outcome) String() string {
	return [...]string{"sent", "retry", "failed", "unknown"}[o]
}

// Sender sends messages over one SMTP connection, opened on first use
// and kept open for the next message; a failed connection is closed and
// the next send opens a new one. It is not safe for concurrent use: each
// worker has its own.
type Sender struct {
	cfg     Config
	timeout time.Duration
	tlsConf *tls.Config
	client  *gomail.Client
	lastUse time.Time
}

// SenderOptions tune a Sender; zero values take the defaults.
type SenderOptions struct {
	// Timeout bounds each step of the SMTP conversation (default 30 s), so
	// a stalled server costs one timeout, not a hung worker.
	Timeout time.Duration
	// TLS overrides the TLS settings (tests trust their own certificate).
	TLS *tls.Config
}

// NewSender returns a Sender for cfg, which must be Enabled.
func NewSender(cfg Config, o SenderOptions) *Sender {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return &Sender{cfg: cfg, timeout: o.Timeout, tlsConf: o.TLS}
}

func (s *Sender) dial(ctx context.Context) error {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.timeout),
	}
	tlsConf := s.tlsConf
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
	}
	opts = append(opts, gomail.WithTLSConfig(tlsConf))
	switch {
	case s.cfg.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case s.cfg.Username != "":
		// Credentials never travel in the clear.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := c.DialWithContext(dctx); err != nil {
		return err
	}
	s.client = c
	return nil
}

// Close closes the connection, if one is open.
func (s *Sender) Close() {
	if s.client != nil {
		_ = s.client.Close()
		s.client = nil
	}
}

// CloseIdle closes the connection when it has not been used for d.
func (s *Sender) CloseIdle(d time.Duration) {
	if s.client != nil && time.Since(s.lastUse) > d {
		s.Close()
	}
}

// Send sends m and says what became of it, with the server's answer (or
// what went wrong) for the outbox.
func (s *Sender) Send(ctx context.Context, m Message) (Outcome, string) {
	msg, err := s.build(m)
	if err != nil {
		return Failed, "not sendable: " + err.Error()
	}
	if s.client == nil {
		if err := s.dial(ctx); err != nil {
			s.Close()
			return classifyDial(err)
		}
	}
	s.lastUse = time.Now()
	err = s.client.Send(msg)
	if err == nil {
		return Sent, answerText(msg.ServerResponse(), "accepted")
	}
	if msg.IsDelivered() {
		// Only the reset after a delivered message failed.
		s.Close()
		return Sent, answerText(msg.ServerResponse(), "accepted")
	}
	var se *gomail.SendError
	if !errors.As(err, &se) {
		s.Close()
		return Retry, clip(err.Error())
	}
	code := se.ErrorCode()
	switch {
	case code >= 500 && code < 600:
		return Failed, clip(err.Error())
	case code >= 400 && code < 500:
		return Retry, clip(err.Error())
	}
	// No SMTP answer at all: the connection broke or timed out.
	s.Close()
	if se.Reason == gomail.ErrSMTPDataClose {
		// The whole message was written; the answer is missing.
		return Unknown, clip("no answer after the message was handed over: " + err.Error())
	}
	return Retry, clip(err.Error())
}

// classifyDial: a server that cannot be reached, or refuses us at the
// greeting or to AUTH, is retried later (the configuration may be fixed
// meanwhile); the message itself was never offered.
func classifyDial(err error) (Outcome, string) {
	return Retry, clip("connect: " + err.Error())
}

func answerText(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return clip(s)
}

func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 1900 {
		s = s[:1900] + "…"
	}
	return s
}

// headerSafe removes control characters (CR, LF, ...) from a value that
// goes into a header: a member's name can never add a header line.
func headerSafe(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsControl(r) }), " ")
}

func (s *Sender) build(m Message) (*gomail.Msg, error) {
	return BuildMessage(s.cfg.From, m)
}

// BuildMessage makes the MIME message for m from from.
func BuildMessage(from mail.Address, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	f := from
	f.Name = headerSafe(f.Name)
	msg.FromMailAddress(&f)
	to := strings.TrimSpace(m.To)
	if to == "" || strings.ContainsAny(to, "\r\n<>,;\" ") {
		return nil, fmt.Errorf("bad recipient address %q", m.To)
	}
	if _, err := mail.ParseAddress(to); err != nil {
		return nil, fmt.Errorf("bad recipient address %q", m.To)
	}
	if err := msg.AddToFormat(headerSafe(m.ToName), to); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	if m.ReplyTo != "" {
		if strings.ContainsAny(m.ReplyTo, "\r\n") {
			return nil, errors.New("bad reply-to address")
		}
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	msg.Subject(headerSafe(m.Subject))
	msg.SetDate()
	if m.ID != "" {
		domain := "mila.invalid"
		if i := strings.LastIndexByte(from.Address, '@'); i >= 0 {
			domain = from.Address[i+1:]
		}
		msg.SetMessageIDWithValue(headerSafe(m.ID) + "@" + headerSafe(domain))
	}
	if m.ListUnsubscribe != "" {
		if strings.ContainsAny(m.ListUnsubscribe, "\r\n<> ") {
			return nil, errors.New("bad unsubscribe link")
		}
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+m.ListUnsubscribe+">")
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		ct := a.ContentType
		if ct == "" || strings.ContainsAny(ct, "\r\n") {
			ct = "application/octet-stream"
		}
		if err := msg.AttachReader(headerSafe(a.Filename), bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(ct))); err != nil {
			return nil, fmt.Errorf("attachment %q: %w", a.Filename, err)
		}
	}
	return msg, nil
}
