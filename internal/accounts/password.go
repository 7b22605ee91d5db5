package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"mila/internal/validate"
)

// Params are argon2id parameters.
type Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
	SaltLen   uint32 // bytes of random salt
	KeyLen    uint32 // bytes of derived key
}

// DefaultParams follow the OWASP Password Storage Cheat Sheet's argon2id
// recommendation "m=19456 (19 MiB), t=2, p=1": about 20-40 ms and 19 MiB
// per hash on a small server, which makes offline guessing expensive
// while a club server with a handful of simultaneous sign-ins stays
// responsive. A 16-byte salt and a 32-byte key are RFC 9106's defaults.
// Hashes record their parameters (PHC string), so these can be raised
// later: SignIn rehashes a password whose hash used other parameters.
var DefaultParams = Params{Time: 2, MemoryKiB: 19 * 1024, Threads: 1, SaltLen: 16, KeyLen: 32}

// Upper bounds accepted when reading a stored hash, so a corrupted or
// hostile row cannot make verification allocate gigabytes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 20
	maxKeyLen    = 128
)

var errBadHash = errors.New("accounts: malformed password hash")

// hashSlots bounds how many argon2id computations run at once. Each one
// holds MemoryKiB (19 MiB) while it runs and is CPU-bound, so more of
// them than cores only adds memory, not speed: without the bound, 30
// parallel sign-in attempts (what the per-address throttle lets through,
// and any number from many addresses) took Mila from 50 MB to 750 MB
// (found by the load run, bench/load). The others wait their turn.
var hashSlots = make(chan struct{}, max(2, runtime.NumCPU()))

// idKey is argon2.IDKey within a hashSlots slot.
func idKey(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey(pw, salt, time, memory, threads, keyLen)
}

// HashPassword hashes pw with argon2id and returns a PHC string:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>   (unpadded standard base64)
func (p Params) HashPassword(pw string) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := idKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// HashPassword hashes pw with DefaultParams.
func HashPassword(pw string) (string, error) { return DefaultParams.HashPassword(pw) }

// decodeHash parses a PHC argon2id string.
func decodeHash(phc string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &threads); err != nil {
		return p, nil, nil, errBadHash
	}
	if p.MemoryKiB == 0 || p.MemoryKiB > maxMemoryKiB || p.Time == 0 || p.Time > maxTime || threads == 0 || threads > 255 {
		return p, nil, nil, errBadHash
	}
	p.Threads = uint8(threads)
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > maxKeyLen {
		return p, nil, nil, errBadHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword reports whether pw matches the PHC hash. The comparison
// of the derived keys is constant-time. A malformed hash is an error.
func VerifyPassword(pw, phc string) (bool, error) {
	p, salt, key, err := decodeHash(phc)
	if err != nil {
		return false, err
	}
	got := idKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// needsRehash reports whether phc was made with parameters other than p.
func (p Params) needsRehash(phc string) bool {
	q, _, _, err := decodeHash(phc)
	return err != nil || q.Time != p.Time || q.MemoryKiB != p.MemoryKiB || q.Threads != p.Threads || q.KeyLen != p.KeyLen
}

var (
	dummyOnce sync.Once
	dummyHash string
)

// burnVerify spends about the time of one verification with DefaultParams
// and fails: SignIn calls it for an unknown email, a user without a
// password or a malformed hash, so timing does not tell those apart from
// a wrong password.
func burnVerify(pw string) {
	dummyOnce.Do(func() {
		dummyHash, _ = DefaultParams.HashPassword("mila dummy password for timing")
	})
	_, _ = VerifyPassword(pw, dummyHash)
}

// checkPassword records a problem with a new password under field: at
// least MinPasswordLen and at most MaxPasswordLen characters of valid
// UTF-8. Passwords are not trimmed: spaces are characters too.
func checkPassword(e validate.Errors, field, pw string) {
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "":
		e.Add(field, validate.Required, nil)
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		e.Add(field, validate.BadChars, nil)
	case n < MinPasswordLen:
		e.Add(field, validate.TooShort, map[string]any{"Min": MinPasswordLen})
	case n > MaxPasswordLen:
		e.Add(field, validate.TooLong, map[string]any{"Max": MaxPasswordLen})
	}
}

// CheckPassword returns a validation error (field "password") when pw is
// not acceptable as a new password, else nil. The CLI uses it before
// touching the database.
func CheckPassword(pw string) error {
	e := validate.Errors{}
	checkPassword(e, "password", pw)
	return e.Err()
}
