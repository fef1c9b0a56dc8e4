//! `database_url`: which backend to open, parsed once at load time so that an
//! unknown scheme is a configuration error rather than a start-up surprise.
//! Its password is a secret: `Display`, `Debug` and `Serialize` redact it.

use std::{fmt, path::PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::secret::REDACTED;

/// A parsed `database_url`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH`: an embedded database file (relative paths are
    /// relative to the working directory; `sqlite:///abs/path` is absolute).
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// `postgres://` or `postgresql://`: a PostgreSQL server.
    Postgres {
        /// The URL as given (it may hold a password: never print it).
        url: String,
    },
}

impl DatabaseUrl {
    /// Parses a URL, naming what is wrong with it.
    ///
    /// # Errors
    /// An unknown scheme, an empty SQLite path, or a PostgreSQL URL that does
    /// not parse.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("a sqlite:// URL needs a file path, e.g. sqlite://squall-data/squall.db".into());
            }
            return Ok(Self::Sqlite { path: PathBuf::from(path) });
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
            return Ok(Self::Postgres { url: raw.to_owned() });
        }
        Err("unknown scheme: expected sqlite://PATH or postgres://USER@HOST/DB".into())
    }

    /// The URL with any password replaced, safe to log and print.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite://{}", path.display()),
            Self::Postgres { url } => match url::Url::parse(url) {
                Ok(mut parsed) if parsed.password().is_some() => {
                    // set_password only fails for URLs that cannot have one.
                    let _ = parsed.set_password(Some("***"));
                    parsed.to_string()
                }
                Ok(parsed) => parsed.to_string(),
                Err(_) => REDACTED.to_owned(),
            },
        }
    }
}

impl Default for DatabaseUrl {
    fn default() -> Self {
        Self::Sqlite { path: PathBuf::from("squall-data/squall.db") }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_and_postgres_urls_parse_and_others_are_refused() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://squall-data/squall.db"),
            Ok(DatabaseUrl::Sqlite { path: "squall-data/squall.db".into() })
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/squall/db"),
            Ok(DatabaseUrl::Sqlite { path: "/var/lib/squall/db".into() })
        );
        assert!(matches!(DatabaseUrl::parse("postgresql://u@h/db"), Ok(DatabaseUrl::Postgres { .. })));
        for bad in ["mysql://x/y", "sqlite://", "squall.db", "postgres://[bad"] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn the_password_is_never_shown() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db.internal:5432/squall").unwrap_or_default();
        for shown in [url.to_string(), format!("{url:?}"), serde_json::to_string(&url).unwrap_or_default()] {
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("db.internal"), "{shown}");
        }
    }
}
