-- SafeCall's tables: one per collection (src/core/collections.ts). Each record is its key, its value as
-- JSON text (json, not jsonb: jsonb refuses \u0000, which typed text may hold, and json keeps the value
-- exactly as written), a revision for compare-and-set, an optional expiry and lease, and one column per
-- declared index, computed by SafeCall from the value at each write. COLLATE "C" orders them by bytes,
-- which for the ISO times and ids stored is the code-unit order the Store contract promises.

CREATE TABLE users (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz,
  ix_platform text COLLATE "C"
);
CREATE INDEX users_ix_platform ON users (ix_platform, key) WHERE ix_platform IS NOT NULL;
CREATE INDEX users_expires_at ON users (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE conversations (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz,
  ix_place text COLLATE "C"
);
CREATE INDEX conversations_ix_place ON conversations (ix_place, key) WHERE ix_place IS NOT NULL;
CREATE INDEX conversations_expires_at ON conversations (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE dialogs (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz,
  ix_updated_at text COLLATE "C"
);
CREATE INDEX dialogs_ix_updated_at ON dialogs (ix_updated_at, key) WHERE ix_updated_at IS NOT NULL;
CREATE INDEX dialogs_expires_at ON dialogs (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE requests (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz,
  ix_due text COLLATE "C",
  ix_person text COLLATE "C"
);
CREATE INDEX requests_ix_due ON requests (ix_due, key) WHERE ix_due IS NOT NULL;
CREATE INDEX requests_ix_person ON requests (ix_person, key) WHERE ix_person IS NOT NULL;
CREATE INDEX requests_expires_at ON requests (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE receipts (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz
);
CREATE INDEX receipts_expires_at ON receipts (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE deliveries (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz,
  ix_due text COLLATE "C",
  ix_sending text COLLATE "C",
  ix_group text COLLATE "C"
);
CREATE INDEX deliveries_ix_due ON deliveries (ix_due, key) WHERE ix_due IS NOT NULL;
CREATE INDEX deliveries_ix_sending ON deliveries (ix_sending, key) WHERE ix_sending IS NOT NULL;
CREATE INDEX deliveries_ix_group ON deliveries (ix_group, key) WHERE ix_group IS NOT NULL;
CREATE INDEX deliveries_expires_at ON deliveries (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE timers (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz,
  ix_due text COLLATE "C",
  ix_kind text COLLATE "C"
);
CREATE INDEX timers_ix_due ON timers (ix_due, key) WHERE ix_due IS NOT NULL;
CREATE INDEX timers_ix_kind ON timers (ix_kind, key) WHERE ix_kind IS NOT NULL;
CREATE INDEX timers_expires_at ON timers (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE reports (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz,
  ix_reported_at text COLLATE "C",
  ix_reporter text COLLATE "C",
  ix_closed_at text COLLATE "C"
);
CREATE INDEX reports_ix_reported_at ON reports (ix_reported_at, key) WHERE ix_reported_at IS NOT NULL;
CREATE INDEX reports_ix_reporter ON reports (ix_reporter, key) WHERE ix_reporter IS NOT NULL;
CREATE INDEX reports_ix_closed_at ON reports (ix_closed_at, key) WHERE ix_closed_at IS NOT NULL;
CREATE INDEX reports_expires_at ON reports (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE reminders (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz,
  ix_round text COLLATE "C",
  ix_person text COLLATE "C"
);
CREATE INDEX reminders_ix_round ON reminders (ix_round, key) WHERE ix_round IS NOT NULL;
CREATE INDEX reminders_ix_person ON reminders (ix_person, key) WHERE ix_person IS NOT NULL;
CREATE INDEX reminders_expires_at ON reminders (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE runtime (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz
);
CREATE INDEX runtime_expires_at ON runtime (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE locks (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL,
  revision integer NOT NULL,
  expires_at timestamptz,
  lease_owner text,
  lease_until timestamptz
);
CREATE INDEX locks_expires_at ON locks (expires_at) WHERE expires_at IS NOT NULL;
