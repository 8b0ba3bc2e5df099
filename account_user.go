package billd

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Account users: billd has no users of its own (its principals are API clients), but the CUDO
// dialect grants people roles on a billing account. billd keeps these grants as records for the
// platform in front of it to act on; they give no access to billd's API.

// AccountUser is one role granted to a person on a billing account, optionally on one project.
type AccountUser struct {
	AccountID string
	UserID    string // derived from the email: DeriveUUID("account-user:" + lower-case email)
	Email     string
	Role      string // AccountUserRoles
	ProjectID string // "" for the whole account
	CreatedAt time.Time
}

// AccountUserRoles are the roles a grant may give.
var AccountUserRoles = []string{"owner", "editor", "viewer"}

// MaxAccountUsers bounds the grants of one account.
const MaxAccountUsers = 100

// AccountUserTx persists account users.
type AccountUserTx interface {
	// AccountUsers lists an account's grants, oldest first, at most MaxAccountUsers+1.
	AccountUsers(ctx context.Context, accountID string) ([]AccountUser, error)
	// InsertAccountUser stores a grant; one that is stored already is left as it is.
	InsertAccountUser(ctx context.Context, u AccountUser) error
	// DeleteAccountUser removes a grant (account, user, project and role); a missing one is no error.
	DeleteAccountUser(ctx context.Context, u AccountUser) error
}

// AccountUserID is the user id of an email address.
func AccountUserID(email string) string {
	return DeriveUUID("account-user:" + strings.ToLower(strings.TrimSpace(email)))
}

// AddAccountUser grants role to the person with the email on an account (on one of its
// organization's projects when projectID is set). Granting it again changes nothing. Needs delete
// permission. EINVALID for a bad email or role; ENOTFOUND for a project of another organization;
// EQUOTA past MaxAccountUsers grants.
func (s *Service) AddAccountUser(ctx context.Context, p Principal, billingID, email, role, projectID string) error {
	email = strings.TrimSpace(email)
	if email == "" || len(email) > 320 || !strings.Contains(email, "@") || checkText("userEmail", email) != nil {
		return Errorf(EINVALID, "userEmail must be an email address")
	}
	u := AccountUser{UserID: AccountUserID(email), Email: email, Role: role, ProjectID: projectID, CreatedAt: s.clock()}
	return s.changeAccountUsers(ctx, p, billingID, &u, func(tx Tx, users []AccountUser) error {
		for _, o := range users {
			if o.UserID == u.UserID && o.ProjectID == u.ProjectID && o.Role == u.Role {
				return nil
			}
		}
		if len(users) >= MaxAccountUsers {
			return Errorf(EQUOTA, "a billing account holds at most %d user permissions", MaxAccountUsers)
		}
		return tx.InsertAccountUser(ctx, u)
	})
}

// RemoveAccountUser takes back a role granted on an account: userID is the id AddAccountUser
// derived (AccountUserID) or the email itself. Removing a grant that does not exist changes
// nothing. Needs delete permission.
func (s *Service) RemoveAccountUser(ctx context.Context, p Principal, billingID, userID, role, projectID string) error {
	if strings.Contains(userID, "@") {
		userID = AccountUserID(userID)
	}
	userID, err := ParseUUID("userId", userID)
	if err != nil {
		return err
	}
	u := AccountUser{UserID: userID, Role: role, ProjectID: projectID}
	return s.changeAccountUsers(ctx, p, billingID, &u, func(tx Tx, _ []AccountUser) error {
		return tx.DeleteAccountUser(ctx, u)
	})
}

// changeAccountUsers checks u's role and project, and runs change under the account's lock with
// its grants; it sets u.AccountID.
func (s *Service) changeAccountUsers(ctx context.Context, p Principal, billingID string, u *AccountUser, change func(Tx, []AccountUser) error) error {
	if !slices.Contains(AccountUserRoles, u.Role) {
		return Errorf(EINVALID, "role must be one of owner, editor, viewer")
	}
	return s.update(ctx, func(tx Tx) error {
		a, err := readableAccount(ctx, tx, p, PermDelete, "", billingID)
		if err != nil {
			return err
		}
		if a, err = lockAccountOf(ctx, tx, a.OrgID, a.ID); err != nil {
			return err
		}
		u.AccountID = a.ID
		if u.ProjectID != "" {
			if err := checkProjectOf(ctx, tx, a.OrgID, u.ProjectID); err != nil {
				return err
			}
		}
		users, err := tx.AccountUsers(ctx, a.ID)
		if err != nil {
			return err
		}
		return change(tx, users)
	})
}

// checkProjectOf fails with ENOTFOUND unless id is an open project of the organization orgID.
func checkProjectOf(ctx context.Context, tx Tx, orgID, id string) error {
	id, err := ParseUUID("projectId", id)
	if err != nil {
		return err
	}
	pr, err := tx.Project(ctx, id)
	if err != nil {
		return err
	}
	if pr.OrgID != orgID || pr.State == ProjectClosed {
		return Errorf(ENOTFOUND, "project not found")
	}
	return nil
}
