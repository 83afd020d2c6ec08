/// The summary index's tables (migration 3): one row per (account, UIDL) with the summary as JSON
/// and the searchable columns, plus a full-text index: an FTS5 table kept in step by triggers on
/// SQLite, a generated weighted `tsvector` (subject A, from B, to C; `'simple'` configuration, no
/// extension needed) with a GIN index on PostgreSQL. Rows never change (a UIDL's headers are
/// immutable); they are inserted once and deleted when the message is gone.
enum SummaryIndexSchema {
    /// The migration step.
    static let migration = SQLMigration(version: 3, summary: "summary index for search", sqlite: """
        CREATE TABLE summary_index (
            account TEXT NOT NULL,
            uidl TEXT NOT NULL,
            subject_words TEXT NOT NULL,
            from_words TEXT NOT NULL,
            to_words TEXT NOT NULL,
            date_at BIGINT,
            size BIGINT NOT NULL,
            has_attachments SMALLINT NOT NULL,
            summary TEXT NOT NULL,
            indexed_at BIGINT NOT NULL,
            PRIMARY KEY (account, uidl)
        );
        CREATE INDEX summary_index_date ON summary_index (account, date_at);
        CREATE VIRTUAL TABLE summary_index_fts USING fts5(
            subject_words, from_words, to_words,
            content = 'summary_index', content_rowid = 'rowid',
            tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
        );
        CREATE TRIGGER summary_index_insert AFTER INSERT ON summary_index BEGIN
            INSERT INTO summary_index_fts (rowid, subject_words, from_words, to_words)
            VALUES (new.rowid, new.subject_words, new.from_words, new.to_words);
        END;
        CREATE TRIGGER summary_index_delete AFTER DELETE ON summary_index BEGIN
            INSERT INTO summary_index_fts (summary_index_fts, rowid, subject_words, from_words, to_words)
            VALUES ('delete', old.rowid, old.subject_words, old.from_words, old.to_words);
        END;
        CREATE TRIGGER summary_index_update AFTER UPDATE ON summary_index BEGIN
            INSERT INTO summary_index_fts (summary_index_fts, rowid, subject_words, from_words, to_words)
            VALUES ('delete', old.rowid, old.subject_words, old.from_words, old.to_words);
            INSERT INTO summary_index_fts (rowid, subject_words, from_words, to_words)
            VALUES (new.rowid, new.subject_words, new.from_words, new.to_words);
        END;
        """, postgres: """
        CREATE TABLE summary_index (
            account TEXT NOT NULL,
            uidl TEXT NOT NULL,
            subject_words TEXT NOT NULL,
            from_words TEXT NOT NULL,
            to_words TEXT NOT NULL,
            date_at BIGINT,
            size BIGINT NOT NULL,
            has_attachments SMALLINT NOT NULL,
            summary TEXT NOT NULL,
            indexed_at BIGINT NOT NULL,
            search tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('simple', subject_words), 'A')
                || setweight(to_tsvector('simple', from_words), 'B')
                || setweight(to_tsvector('simple', to_words), 'C')
            ) STORED,
            PRIMARY KEY (account, uidl)
        );
        CREATE INDEX summary_index_date ON summary_index (account, date_at);
        CREATE INDEX summary_index_search ON summary_index USING GIN (search);
        """)
}
