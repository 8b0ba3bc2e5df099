-- People granted a role on a billing account through the CUDO dialect (issue 10). billd has no
-- users: these are records for the platform in front of billd, bounded per account by the service.
CREATE TABLE account_users (
    account_id TEXT NOT NULL REFERENCES billing_accounts (id),
    user_id    TEXT NOT NULL,
    email      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    project_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, user_id, project_id, role)
);
