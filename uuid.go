package billd

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"time"
)

// namespaceBilld is the UUIDv5 namespace of the identifiers billd derives (platform accounts,
// idempotency keys given as free text).
var namespaceBilld = [16]byte{0x7c, 0x1e, 0x4b, 0x52, 0x0a, 0x3d, 0x4f, 0x8e, 0x9b, 0x61, 0x25, 0xd4, 0xc8, 0x0f, 0x3a, 0x97}

// NewUUID returns a random (version 4) UUID in canonical lower-case form.
func NewUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails (it panics instead, Go ≥ 1.24)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

// NewUUIDv7 returns a time-ordered (version 7) UUID: 48 bits of Unix milliseconds, then random
// bits. Ids made this way sort by creation time, which keeps an index on them append-only;
// metering services that report at high rates should prefer them for usage ids.
func NewUUIDv7() string {
	var u [16]byte
	_, _ = rand.Read(u[6:])
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		u[i] = byte(ms)
		ms >>= 8
	}
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

// DeriveUUID returns the name-based (version 5) UUID of name in billd's namespace, so that the same
// name always maps to the same id.
func DeriveUUID(name string) string {
	h := sha1.New()
	h.Write(namespaceBilld[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

// ParseUUID returns s in canonical lower-case form if it is a UUID written as 32 hex digits in the
// 8-4-4-4-12 layout, and an EINVALID error naming field otherwise.
func ParseUUID(field, s string) (string, error) {
	if !IsUUID(s) {
		if s == "" {
			return "", Errorf(EINVALID, "%s is required", field)
		}
		return "", Errorf(EINVALID, "%s must be a UUID, got %q", field, Truncate(s, 64))
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'F' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b), nil
}

// IsUUID reports whether s is a UUID in the 8-4-4-4-12 hex layout (either case).
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// Truncate shortens text a client sent to at most n bytes, cut on a character boundary and
// marked with "…", so that a message or log line quoting it stays bounded.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
