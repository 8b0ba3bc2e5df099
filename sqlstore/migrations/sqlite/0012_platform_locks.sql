-- Named rows whose write lock serializes a platform-wide change that has no row of its own to
-- lock, such as counting the platform-wide webhooks against their quota.
CREATE TABLE platform_locks (
    name TEXT PRIMARY KEY
);
