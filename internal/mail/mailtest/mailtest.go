// Package mailtest is an SMTP server for tests (github.com/emersion/go-smtp):
// it records every message it accepts and can, per recipient and
// attempt, answer 4xx or 5xx, drop the connection, or stall.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Behaviour is how the server answers one delivery attempt.
type Behaviour int

const (
	Accept      Behaviour = iota
	Temporary             // 451 at RCPT
	Permanent             // 550 at RCPT
	Drop                  // close the connection at RCPT
	DropAtEnd             // read the whole message, then close without an answer
	Stall                 // read the whole message, then wait (until Release or the connection's end)
	RejectAtEnd           // read the whole message, then 554
	// AcceptThenStall records the message as delivered but never answers
	// (until Release or the connection's end): the sender cannot know it
	// arrived — a resend would be a duplicate.
	AcceptThenStall
)

// Received is one accepted message.
type Received struct {
	From string
	To   []string
	Data []byte
	At   time.Time
}

// Header returns the parsed message header.
func (r Received) Header() mail.Header {
	m, err := mail.ReadMessage(strings.NewReader(string(r.Data)))
	if err != nil {
		return mail.Header{}
	}
	return m.Header
}

// Server is a running test SMTP server.
type Server struct {
	Addr     string // host:port
	Host     string
	Port     int
	CertPool *x509.CertPool // with TLS: trusts the server's certificate

	srv      *smtp.Server
	user     string
	password string

	mu       sync.Mutex
	received []Received
	attempts map[string]int // per recipient
	answer   func(to string, attempt int) Behaviour
	release  chan struct{}
	conns    int
	auths    int
	stalled  int
	delay    time.Duration

	implicitTLS bool
}

// Options of Start.
type Options struct {
	// TLS offers STARTTLS with a self-signed certificate for 127.0.0.1.
	TLS bool
	// ImplicitTLS serves TLS from the first byte (smtps).
	ImplicitTLS bool
	// User and Password, when set, require AUTH PLAIN.
	User, Password string
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{attempts: map[string]int{}, release: make(chan struct{}), user: o.User, password: o.Password, implicitTLS: o.ImplicitTLS}
	s.srv = smtp.NewServer(&backend{s: s})
	s.srv.Domain = "mailtest.local"
	s.srv.AllowInsecureAuth = !o.TLS && !o.ImplicitTLS
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.MaxMessageBytes = 50 << 20
	var ln net.Listener
	var err error
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.TLS || o.ImplicitTLS {
		cert, pool := selfSigned(t)
		s.CertPool = pool
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		if o.ImplicitTLS {
			ln = tls.NewListener(ln, s.srv.TLSConfig)
		}
	}
	s.Addr = ln.Addr().String()
	s.Host = "127.0.0.1"
	s.Port = ln.Addr().(*net.TCPAddr).Port
	go s.srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() {
		s.Release()
		s.srv.Close()
	})
	return s
}

// URL is the MILA_SMTP_URL for this server.
func (s *Server) URL() string {
	scheme := "smtp"
	if s.implicitTLS {
		scheme = "smtps"
	}
	cred := ""
	if s.user != "" {
		cred = s.user + ":" + s.password + "@"
	}
	return scheme + "://" + cred + s.Addr
}

// Answer sets how attempts are answered (nil: accept all). attempt counts
// from 1 per recipient.
func (s *Server) Answer(f func(to string, attempt int) Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer = f
}

// Release ends every stall, now and later.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

// Messages returns the accepted messages in order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// PerRecipient counts accepted messages per recipient address.
func (s *Server) PerRecipient() map[string]int {
	n := map[string]int{}
	for _, m := range s.Messages() {
		for _, to := range m.To {
			n[strings.ToLower(to)]++
		}
	}
	return n
}

// Connections is how many connections were opened; Auths how many
// successful AUTHs.
func (s *Server) Connections() int { s.mu.Lock(); defer s.mu.Unlock(); return s.conns }
func (s *Server) Auths() int       { s.mu.Lock(); defer s.mu.Unlock(); return s.auths }

// SetDelay makes every accepted message take d before its answer (a
// slow server).
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); defer s.mu.Unlock(); s.delay = d }

// Stalled is how many messages are held by AcceptThenStall so far.
func (s *Server) Stalled() int { s.mu.Lock(); defer s.mu.Unlock(); return s.stalled }

// WaitFor waits until n messages were accepted, or fails the test after d.
func (s *Server) WaitFor(t testing.TB, n int, d time.Duration) []Received {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		m := s.Messages()
		if len(m) >= n {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: %d messages after %s, want %d", len(m), d, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type backend struct{ s *Server }

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.conns++
	b.s.mu.Unlock()
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s      *Server
	conn   *smtp.Conn
	from   string
	to     []string
	behave Behaviour
	authed bool
}

func (se *session) AuthMechanisms() []string {
	if se.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != se.s.user || password != se.s.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		se.authed = true
		se.s.mu.Lock()
		se.s.auths++
		se.s.mu.Unlock()
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.user != "" && !se.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	se.s.attempts[strings.ToLower(to)]++
	n := se.s.attempts[strings.ToLower(to)]
	f := se.s.answer
	se.s.mu.Unlock()
	b := Accept
	if f != nil {
		b = f(to, n)
	}
	switch b {
	case Temporary:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	case Permanent:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
	case Drop:
		se.conn.Close()
		return errors.New("dropped")
	}
	se.behave = b
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch se.behave {
	case DropAtEnd:
		se.conn.Close()
		return errors.New("dropped")
	case Stall:
		<-se.s.release
		se.conn.Close()
		return errors.New("stalled")
	case RejectAtEnd:
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "content rejected"}
	case AcceptThenStall:
		se.s.mu.Lock()
		se.s.received = append(se.s.received, Received{From: se.from, To: append([]string(nil), se.to...), Data: data, At: time.Now()})
		se.s.stalled++
		se.s.mu.Unlock()
		<-se.s.release
		se.conn.Close()
		return errors.New("stalled")
	}
	se.s.mu.Lock()
	se.s.received = append(se.s.received, Received{From: se.from, To: append([]string(nil), se.to...), Data: data, At: time.Now()})
	d := se.s.delay
	se.s.mu.Unlock()
	time.Sleep(d)
	return nil
}

func (se *session) Reset() { se.from, se.to, se.behave = "", nil, Accept }

func (se *session) Logout() error { return nil }

func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, pool
}
