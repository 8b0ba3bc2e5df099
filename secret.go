package billd

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Secrets are stored as digests, never in clear. A secret billd generates has 256 random bits, so
// one SHA-256 (microseconds) is as strong as any hash. A secret a person chooses (the platform
// admin's secret and API key from the environment) may be a guessable password, so it is stored
// with a salted, slow hash, PBKDF2-HMAC-SHA256 (DefaultSecretHashIterations), that makes each guess against
// a leaked digest cost tens of milliseconds. Checking one costs the server as much: a check that
// passed is remembered (by a digest of the stored hash and the presented secret, never the
// secret), and at most one slow check runs at a time, so guesses cannot take more than one core.

const (
	chosenPrefix    = "pbkdf2-sha256$"
	chosenSaltBytes = 16
	// maxIterations bounds the cost a stored digest may ask for.
	maxIterations = 10 * DefaultSecretHashIterations
	// slowCheckWait is how long a slow check waits for the one running before it; past it the
	// request is refused as overloaded (it may retry), so that a flood of guesses cannot queue up.
	slowCheckWait = 2 * time.Second
	// maxVerified bounds the remembered checks; the memory is forgotten whole when it is full.
	maxVerified = 1024
)

// hashSecret returns the hex SHA-256 digest under which a generated secret or key is stored.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// DefaultSecretHashIterations is the PBKDF2 cost of a chosen secret: OWASP's figure for
// PBKDF2-HMAC-SHA256 (2023), about 80 ms on a current core.
const DefaultSecretHashIterations = 600_000

// hashChosen returns the salted slow digest under which a chosen secret is stored:
// "pbkdf2-sha256$<iterations>$<salt>$<key>", salt and key in unpadded base64url.
func (c *secretChecker) hashChosen(secret string) string {
	salt := make([]byte, chosenSaltBytes)
	_, _ = rand.Read(salt)
	key, _ := pbkdf2.Key(sha256.New, secret, salt, c.iterations, sha256.Size)
	return chosenPrefix + strconv.Itoa(c.iterations) + "$" +
		base64.RawURLEncoding.EncodeToString(salt) + "$" + base64.RawURLEncoding.EncodeToString(key)
}

// isChosenDigest reports whether a stored digest is of a chosen secret.
func isChosenDigest(stored string) bool { return strings.HasPrefix(stored, chosenPrefix) }

// secretChecker compares presented secrets with stored digests.
type secretChecker struct {
	iterations int           // the PBKDF2 cost of new digests
	slow       chan struct{} // the one slow check running
	checks     atomic.Int64  // slow checks run

	mu       sync.Mutex
	verified map[[32]byte]bool          // checks of chosen secrets that passed
	running  map[[32]byte]chan struct{} // checks in progress, closed when they end
}

func newSecretChecker(iterations int) *secretChecker {
	if iterations <= 0 {
		iterations = DefaultSecretHashIterations
	}
	return &secretChecker{iterations: min(iterations, maxIterations), slow: make(chan struct{}, 1),
		verified: map[[32]byte]bool{}, running: map[[32]byte]chan struct{}{}}
}

// matches reports whether secret is the one stored digest was made of, in constant time. Requests
// that present the same chosen secret at once share one slow check (a client that signs in from
// many requests at once costs one check, however long it takes); a check of another secret that
// would wait longer than slowCheckWait for the one running is EOVERLOADED.
func (c *secretChecker) matches(ctx context.Context, secret, stored string) (bool, error) {
	if !isChosenDigest(stored) {
		want, err := hex.DecodeString(stored)
		if err != nil || len(want) != sha256.Size {
			return false, nil
		}
		got := sha256.Sum256([]byte(secret))
		return subtle.ConstantTimeCompare(got[:], want) == 1, nil
	}
	memo := sha256.Sum256([]byte(stored + "\x00" + secret))
	for {
		c.mu.Lock()
		if c.verified[memo] {
			c.mu.Unlock()
			return true, nil
		}
		if done, ok := c.running[memo]; ok {
			c.mu.Unlock()
			select {
			case <-done:
				continue // it passed (remembered) or failed (check again, in turn)
			case <-ctx.Done():
				return false, errSignInsBusy
			}
		}
		done := make(chan struct{})
		c.running[memo] = done
		c.mu.Unlock()
		ok, err := c.check(ctx, secret, stored)
		c.mu.Lock()
		delete(c.running, memo)
		if ok {
			if len(c.verified) >= maxVerified {
				clear(c.verified)
			}
			c.verified[memo] = true
		}
		c.mu.Unlock()
		close(done)
		return ok, err
	}
}

// errSignInsBusy answers a sign-in that could not be checked in time.
var errSignInsBusy = Errorf(EOVERLOADED, "too many sign-ins are being checked; retry later")

// check runs one slow check when it is its turn: at most one runs at a time.
func (c *secretChecker) check(ctx context.Context, secret, stored string) (bool, error) {
	wait, cancel := context.WithTimeout(ctx, slowCheckWait)
	defer cancel()
	select {
	case c.slow <- struct{}{}:
	case <-wait.Done():
		return false, errSignInsBusy
	}
	defer func() { <-c.slow }()
	c.checks.Add(1)
	return chosenMatches(secret, stored), nil
}

// chosenMatches runs the slow check of a chosen secret against its stored digest.
func chosenMatches(secret, stored string) bool {
	parts := strings.Split(strings.TrimPrefix(stored, chosenPrefix), "$")
	if len(parts) != 3 {
		return false
	}
	iterations, err := strconv.Atoi(parts[0])
	salt, err1 := base64.RawURLEncoding.DecodeString(parts[1])
	want, err2 := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || err1 != nil || err2 != nil || iterations < 1 || iterations > maxIterations {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, secret, salt, iterations, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}
