-- pg_dump --schema-only, trimmed of owners and grants. Postgres 15.
CREATE TABLE carriers (
    id          bigserial PRIMARY KEY,
    name        text        NOT NULL,
    timezone    text        NOT NULL DEFAULT 'America/Chicago',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE drivers (
    id          bigserial PRIMARY KEY,
    carrier_id  bigint      NOT NULL REFERENCES carriers(id),
    full_name   text        NOT NULL,
    phone       text        NOT NULL,
    active      boolean     NOT NULL DEFAULT true
);

CREATE TABLE loads (
    id          bigserial PRIMARY KEY,
    carrier_id  bigint      NOT NULL REFERENCES carriers(id),
    reference   text        NOT NULL,
    status      text        NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'covered', 'in_transit', 'delivered', 'cancelled')),
    rate_cents  integer     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (carrier_id, reference)
);

CREATE TABLE stops (
    id           bigserial PRIMARY KEY,
    load_id      bigint      NOT NULL REFERENCES loads(id) ON DELETE CASCADE,
    position     smallint    NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('pickup', 'drop')),
    address      text        NOT NULL,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    arrived_at   timestamptz,
    departed_at  timestamptz,
    UNIQUE (load_id, position)
);

CREATE TABLE tenders (
    id          bigserial PRIMARY KEY,
    load_id     bigint      NOT NULL REFERENCES loads(id),
    driver_id   bigint      NOT NULL REFERENCES drivers(id),
    status      text        NOT NULL DEFAULT 'offered'
                CHECK (status IN ('offered', 'accepted', 'rejected', 'expired')),
    offered_at  timestamptz NOT NULL DEFAULT now(),
    answered_at timestamptz
);

CREATE INDEX tenders_load_idx ON tenders (load_id);
