import GRDB

/// The database schema, as numbered migrations.
///
/// A migration is never edited once it has shipped: a change is a new migration appended at the end.
/// Migrations use SQL with literal table names, never application types.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001-ledger-operators-keys") { db in
            try db.execute(sql: v0001)
        }
        return migrator
    }

    // Balance counters are the only mutable columns of the ledger; triggers make every other
    // change to journal rows impossible through SQL (corrections are new transfers).
    private static let v0001 = """
        CREATE TABLE operator (
            code TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            tax_code TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('parking', 'bus', 'fees')),
            mtt_prefix TEXT,
            invoice_series TEXT,
            created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE api_key (
            id TEXT PRIMARY KEY NOT NULL,
            secret_hash BLOB NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'tax', 'finance')),
            operator_code TEXT REFERENCES operator(code),
            label TEXT,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER,
            CHECK ((role = 'operator') = (operator_code IS NOT NULL))
        ) STRICT;

        CREATE TABLE account (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
            ledger INTEGER NOT NULL CHECK (ledger > 0),
            code INTEGER NOT NULL,
            flags INTEGER NOT NULL,
            operator_code TEXT REFERENCES operator(code),
            name TEXT NOT NULL,
            timestamp INTEGER NOT NULL,
            debits_pending INTEGER NOT NULL DEFAULT 0,
            debits_posted INTEGER NOT NULL DEFAULT 0,
            credits_pending INTEGER NOT NULL DEFAULT 0,
            credits_posted INTEGER NOT NULL DEFAULT 0,
            hash BLOB NOT NULL CHECK (length(hash) = 32)
        ) STRICT;
        CREATE INDEX account_operator ON account(operator_code, seq);

        CREATE TABLE transfer (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
            debit_account_id BLOB NOT NULL REFERENCES account(id),
            credit_account_id BLOB NOT NULL REFERENCES account(id),
            amount INTEGER NOT NULL CHECK (amount >= 0 AND amount <= 1000000000000000),
            pending_id BLOB,
            timeout INTEGER NOT NULL,
            ledger INTEGER NOT NULL,
            code INTEGER NOT NULL,
            flags INTEGER NOT NULL,
            reference TEXT,
            timestamp INTEGER NOT NULL,
            expires_at INTEGER,
            hash BLOB NOT NULL CHECK (length(hash) = 32),
            CHECK (debit_account_id <> credit_account_id)
        ) STRICT;
        CREATE INDEX transfer_debit ON transfer(debit_account_id, seq);
        CREATE INDEX transfer_credit ON transfer(credit_account_id, seq);
        CREATE INDEX transfer_pending ON transfer(pending_id) WHERE pending_id IS NOT NULL;
        CREATE INDEX transfer_expiry ON transfer(expires_at) WHERE expires_at IS NOT NULL;

        CREATE TABLE transfer_failure (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
            result TEXT NOT NULL,
            timestamp INTEGER NOT NULL,
            hash BLOB NOT NULL CHECK (length(hash) = 32)
        ) STRICT;

        -- Position and hash of the last row of each chained table, so that removing the newest rows is detected too.
        CREATE TABLE chain_head (
            name TEXT PRIMARY KEY NOT NULL,
            seq INTEGER NOT NULL,
            hash BLOB NOT NULL,
            timestamp INTEGER NOT NULL
        ) STRICT;
        INSERT INTO chain_head (name, seq, hash, timestamp) VALUES
            ('account', 0, zeroblob(32), 0), ('transfer', 0, zeroblob(32), 0), ('transfer_failure', 0, zeroblob(32), 0);

        CREATE TRIGGER transfer_append_only_update BEFORE UPDATE ON transfer
        BEGIN SELECT RAISE(ABORT, 'transfer journal is append-only: post a correcting transfer instead'); END;
        CREATE TRIGGER transfer_append_only_delete BEFORE DELETE ON transfer
        BEGIN SELECT RAISE(ABORT, 'transfer journal is append-only: post a correcting transfer instead'); END;
        CREATE TRIGGER transfer_failure_append_only_update BEFORE UPDATE ON transfer_failure
        BEGIN SELECT RAISE(ABORT, 'transfer_failure is append-only'); END;
        CREATE TRIGGER transfer_failure_append_only_delete BEFORE DELETE ON transfer_failure
        BEGIN SELECT RAISE(ABORT, 'transfer_failure is append-only'); END;
        CREATE TRIGGER account_identity_immutable
        BEFORE UPDATE OF seq, id, ledger, code, flags, operator_code, name, timestamp, hash ON account
        BEGIN SELECT RAISE(ABORT, 'account identity is immutable: only balance counters change, through transfers'); END;
        CREATE TRIGGER account_no_delete BEFORE DELETE ON account
        BEGIN SELECT RAISE(ABORT, 'accounts are never deleted'); END;
        CREATE TRIGGER chain_head_no_delete BEFORE DELETE ON chain_head
        BEGIN SELECT RAISE(ABORT, 'chain heads are never deleted'); END;
        """
}
