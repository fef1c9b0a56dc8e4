//! Versioned schema migrations, one list per dialect, embedded in the
//! binary (nothing is read from disk at run time). Each backend applies the
//! ones its `squall_migrations` table does not list, in order, each in its
//! own transaction; PostgreSQL takes an advisory lock first so that several
//! instances starting at once apply each migration exactly once.

/// One migration: a version number and the SQL that brings the schema to it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

macro_rules! migration {
    ($dialect:literal, $version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../migrations/", $dialect, "/", $name, ".sql")),
        }
    };
}

/// SQLite's migrations, in order.
pub(crate) const SQLITE: &[Migration] = &[
    migration!("sqlite", 1, "0001_meta"),
    migration!("sqlite", 2, "0002_documents"),
    migration!("sqlite", 3, "0003_collection_version"),
];

/// PostgreSQL's migrations, in order.
pub(crate) const POSTGRES: &[Migration] = &[
    migration!("postgres", 1, "0001_meta"),
    migration!("postgres", 2, "0002_documents"),
    migration!("postgres", 3, "0003_collection_version"),
];

/// The table both dialects record applied versions in.
pub(crate) const TABLE_DDL: &str = "CREATE TABLE IF NOT EXISTS squall_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

/// PostgreSQL advisory lock key held while migrating ("squall" in ASCII).
pub(crate) const PG_LOCK_KEY: i64 = 0x7371_7561_6c6c;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_strictly_increasing_and_both_dialects_match() {
        for list in [SQLITE, POSTGRES] {
            assert!(list.windows(2).all(|w| w[0].version < w[1].version));
        }
        let names = |l: &[Migration]| l.iter().map(|m| (m.version, m.name)).collect::<Vec<_>>();
        assert_eq!(names(SQLITE), names(POSTGRES), "each schema change needs both dialects");
    }
}
