package billd

import (
	"context"
	"time"
)

// Console sessions: a person signs in to the web console with an API client's id and secret and
// gets a random session token (the cookie's value). Only the token's digest is stored. A session
// acts as its client: the principal is the client's, checked again on every lookup, so revoking
// the client ends its sessions. Sign-out deletes the session; a platform admin (or the client's
// organization owner) can end all of a client's sessions.

// Session is a signed-in console session, stored under the digest of its token.
type Session struct {
	TokenHash string // SHA-256 digest of the token (secret.go)
	ClientID  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// NewSession is a session just made, with the token that is handed to the browser only this once.
type NewSession struct {
	Session *Session
	Token   string
}

// Session bounds.
const (
	// MaxSessionsPerClient is how many sessions one client keeps: signing in again ends the
	// oldest beyond it, so that sign-ins cannot grow the store without bound.
	MaxSessionsPerClient = 20
	// MaxSessionTTL is the longest a session may last.
	MaxSessionTTL = 30 * 24 * time.Hour
	// sessionTokenPrefix starts every session token.
	sessionTokenPrefix = "billds_"
	// maxSessionTokenLen bounds a token a browser presents; real ones are 50 characters long.
	maxSessionTokenLen = 128
)

// errNoSession is the one answer to a session token that is unknown, expired or whose client is
// revoked.
var errNoSession = Errorf(EUNAUTHORIZED, "the session has ended: sign in again")

// SignIn checks an API client's id and secret as Authenticate does and starts a session of ttl
// (at most MaxSessionTTL) for it; EUNAUTHORIZED if they are wrong. API keys do not sign in.
func (s *Service) SignIn(ctx context.Context, clientID, secret string, ttl time.Duration) (*NewSession, error) {
	if ttl <= 0 || ttl > MaxSessionTTL {
		return nil, Errorf(EINVALID, "a session lasts more than 0 and at most %s", MaxSessionTTL)
	}
	if clientID == "" || secret == "" {
		return nil, errBadCredentials
	}
	p, err := s.Authenticate(ctx, Credentials{ClientID: clientID, Secret: secret})
	if err != nil {
		return nil, err
	}
	now := s.clock()
	ns := &NewSession{Token: newSecret(sessionTokenPrefix)}
	ns.Session = &Session{TokenHash: hashSecret(ns.Token), ClientID: p.ClientID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = s.update(ctx, func(tx Tx) error {
		if err := tx.InsertSession(ctx, ns.Session); err != nil {
			return err
		}
		return tx.DeleteClientSessions(ctx, p.ClientID, MaxSessionsPerClient)
	})
	if err != nil {
		return nil, err
	}
	return ns, nil
}

// SessionPrincipal returns the principal of a session token and its client (whose name the
// console shows): EUNAUTHORIZED if the session is unknown, ended, expired, or its client was
// revoked.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (Principal, *APIClient, error) {
	if token == "" || len(token) > maxSessionTokenLen {
		return Principal{}, nil, errNoSession
	}
	var sess *Session
	var c *APIClient
	err := s.view(ctx, func(tx Tx) (err error) {
		if sess, err = tx.SessionByToken(ctx, hashSecret(token)); err != nil {
			return err
		}
		c, err = tx.Client(ctx, sess.ClientID)
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		err = errNoSession
	}
	if err != nil {
		return Principal{}, nil, err
	}
	if !s.clock().Before(sess.ExpiresAt) || !c.RevokedAt.IsZero() {
		return Principal{}, nil, errNoSession
	}
	return Principal{ClientID: c.ID, Role: c.Role, OrgID: c.OrgID}, c, nil
}

// SignOut ends the session of token. Ending an unknown session is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" || len(token) > maxSessionTokenLen {
		return nil
	}
	return s.update(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, hashSecret(token)) })
}

// RevokeSessions ends every session of the client id: a platform admin may end any client's, an
// owner those of the organization's clients (the permission of RevokeClient). ENOTFOUND for an
// unknown or revoked client or one the principal may not see.
func (s *Service) RevokeSessions(ctx context.Context, p Principal, id string) error {
	return s.update(ctx, func(tx Tx) error {
		c, err := manageableClient(ctx, tx, p, id)
		if err != nil {
			return err
		}
		return tx.DeleteClientSessions(ctx, c.ID, 0)
	})
}

// pruneSessions deletes at most batch expired sessions: a part of the purge job's round.
func (s *Service) pruneSessions(ctx context.Context, batch int) error {
	return s.update(ctx, func(tx Tx) error { return tx.DeleteExpiredSessions(ctx, s.clock(), batch) })
}
