-- Payments: checkouts, saved payment methods, subscriptions, and the provider events (webhooks)
-- they are driven by. billd keeps its own record of each; a provider's id of an object is
-- provider_id, and an id that is not known yet is ''. A link to another of billd's objects that is
-- not set (a product checkout's plan, a subscription made without a checkout) is NULL.

CREATE TABLE checkouts (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organizations (id),
    account_id         TEXT NOT NULL REFERENCES billing_accounts (id),
    kind               TEXT NOT NULL CHECK (kind IN ('product', 'subscription', 'setup')),
    provider           TEXT NOT NULL,
    provider_id        TEXT NOT NULL,
    url                TEXT NOT NULL,
    success_url        TEXT NOT NULL,
    cancel_url         TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('open', 'complete', 'expired')),
    payment_status     TEXT NOT NULL CHECK (payment_status IN ('unpaid', 'paid', 'no_payment_required')),
    payment_error      TEXT NOT NULL,
    plan_id            TEXT,
    product_id         TEXT,
    quantity           BIGINT NOT NULL CHECK (quantity >= 0),
    amount             BIGINT NOT NULL CHECK (amount >= 0),
    currency           TEXT NOT NULL,
    credits            BIGINT NOT NULL CHECK (credits >= 0),
    skip_trial         BOOLEAN NOT NULL,
    cancel_after_trial BOOLEAN NOT NULL,
    subscription_id    TEXT,
    fulfilled_at       TIMESTAMP,
    metadata           TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    expire_at          TIMESTAMP NOT NULL
);
-- An account's checkouts, newest first.
CREATE INDEX checkouts_account_created ON checkouts (account_id, created_at, id);
-- Open checkouts past their expiry, for the expiry job.
CREATE INDEX checkouts_state_expire ON checkouts (state, expire_at);
-- Paid checkouts whose grant is not applied yet, for the job that applies it.
CREATE INDEX checkouts_unfulfilled ON checkouts (created_at, id) WHERE state = 'complete' AND fulfilled_at IS NULL;

-- One row per method of a provider; is_default marks the one charged off-session, at most one
-- per account.
CREATE TABLE payment_methods (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES billing_accounts (id),
    provider     TEXT NOT NULL,
    provider_id  TEXT NOT NULL,
    type         TEXT NOT NULL,
    card_brand   TEXT NOT NULL,
    card_last4   TEXT NOT NULL,
    expiry_month BIGINT NOT NULL CHECK (expiry_month BETWEEN 0 AND 12),
    expiry_year  BIGINT NOT NULL CHECK (expiry_year >= 0),
    is_default   BOOLEAN NOT NULL,
    metadata     TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (provider, provider_id)
);
CREATE INDEX payment_methods_account_created ON payment_methods (account_id, created_at, id);
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (account_id) WHERE is_default;

-- plan_history is a JSON array of the earlier plans' ids, oldest first. A period bound that is not
-- known yet is NULL.
CREATE TABLE subscriptions (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organizations (id),
    account_id           TEXT NOT NULL REFERENCES billing_accounts (id),
    plan_id              TEXT NOT NULL,
    provider             TEXT NOT NULL,
    provider_id          TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('active', 'trialing', 'past_due', 'canceled', 'ended')),
    quantity             BIGINT NOT NULL CHECK (quantity >= 0),
    current_period_start TIMESTAMP,
    current_period_end   TIMESTAMP,
    trial_ends_at        TIMESTAMP,
    cancel_at_period_end BOOLEAN NOT NULL,
    canceled_at          TIMESTAMP,
    ended_at             TIMESTAMP,
    next_plan_id         TEXT,
    next_plan_at         TIMESTAMP,
    plan_history         TEXT NOT NULL,
    checkout_id          TEXT,
    metadata             TEXT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
-- An account's subscriptions, newest first.
CREATE INDEX subscriptions_account_created ON subscriptions (account_id, created_at, id);
-- Subscriptions whose period ends by a time, for renewals.
CREATE INDEX subscriptions_state_period_end ON subscriptions (state, current_period_end);

-- Provider events, recorded before their delivery is answered: the key deduplicates deliveries.
-- event is the billd.ProviderEvent as JSON. An event is pending until processed_at is set.
CREATE TABLE provider_events (
    provider     TEXT NOT NULL,
    id           TEXT NOT NULL,
    type         TEXT NOT NULL,
    event        TEXT NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    processed_at TIMESTAMP,
    attempts     BIGINT NOT NULL CHECK (attempts >= 0),
    last_error   TEXT NOT NULL,
    next_attempt TIMESTAMP NOT NULL,
    PRIMARY KEY (provider, id)
);
CREATE INDEX provider_events_pending ON provider_events (next_attempt) WHERE processed_at IS NULL;
