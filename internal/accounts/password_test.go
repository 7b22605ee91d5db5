package accounts

import (
	"strings"
	"testing"
	"time"

	"mila/internal/validate"
)

func TestHashAndVerify(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("not a PHC argon2id string with the documented parameters: %s", h)
	}
	if ok, err := VerifyPassword("correct horse battery", h); err != nil || !ok {
		t.Fatalf("right password: ok=%v err=%v", ok, err)
	}
	if ok, err := VerifyPassword("correct horse batterY", h); err != nil || ok {
		t.Fatalf("wrong password: ok=%v err=%v", ok, err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	if DefaultParams.needsRehash(h) {
		t.Error("fresh hash needs rehash")
	}
	cheap := Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}
	hc, _ := cheap.HashPassword("x")
	if !DefaultParams.needsRehash(hc) {
		t.Error("hash with other parameters does not need rehash")
	}
	if ok, _ := VerifyPassword("x", hc); !ok {
		t.Error("parameters are not read from the hash")
	}
}

func TestVerifyMalformed(t *testing.T) {
	good, _ := Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}.HashPassword("pw")
	parts := strings.Split(good, "$")
	bad := []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=1,p=1$" + parts[4] + "$" + parts[5], // memory bomb
		"$argon2id$v=19$m=64,t=0,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$short",
	}
	for _, h := range bad {
		if ok, err := VerifyPassword("pw", h); err == nil || ok {
			t.Errorf("%q: ok=%v err=%v, want an error", h, ok, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	cases := []struct {
		pw   string
		want string // message id, "" for fine
	}{
		{"", validate.Required},
		{"123456789", validate.TooShort},
		{"1234567890", ""},
		{"äöüäöüäöüä", ""}, // 10 characters, 20 bytes
		{"äöüäöüäöü", validate.TooShort},
		{strings.Repeat("a", MaxPasswordLen), ""},
		{strings.Repeat("a", MaxPasswordLen+1), validate.TooLong},
		{"abcdefghij\x00", validate.BadChars},
		{"abcdefghi\xff", validate.BadChars},
		{"  spaces  count ", ""},
	}
	for _, c := range cases {
		err := CheckPassword(c.pw)
		fe, _ := validate.As(err)
		got := ""
		if fe != nil {
			got = fe["password"].ID
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.pw, got, c.want)
		}
	}
}

func TestThrottledMinutes(t *testing.T) {
	for _, c := range []struct {
		wait time.Duration
		want int
	}{{0, 1}, {time.Second, 1}, {time.Minute, 1}, {time.Minute + time.Second, 2}, {14*time.Minute + 59*time.Second, 15}} {
		if got := (&ThrottledError{Wait: c.wait}).Minutes(); got != c.want {
			t.Errorf("%s: %d, want %d", c.wait, got, c.want)
		}
	}
}
