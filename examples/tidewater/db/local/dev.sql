-- The SQLite database the API's tests run against (a subset of db/schema.sql).
CREATE TABLE loads (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'open'
);
CREATE TABLE tenders (
    id INTEGER PRIMARY KEY,
    load_id INTEGER NOT NULL REFERENCES loads(id),
    driver_id INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'offered'
);
CREATE INDEX tenders_load ON tenders(load_id);
