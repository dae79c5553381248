//! Migrations embedded in the binary, one folder per backend, the same version ids in both.

use super::Backend;
use futures_core::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;

/// (version, description, SQLite text, PostgreSQL text). Append only: never edit a released one.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/sqlite/0001_foundation.sql"),
        include_str!("../../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "learning models",
        include_str!("../../migrations/sqlite/0002_learning_models.sql"),
        include_str!("../../migrations/postgres/0002_learning_models.sql"),
    ),
    (
        3,
        "funds",
        include_str!("../../migrations/sqlite/0003_funds.sql"),
        include_str!("../../migrations/postgres/0003_funds.sql"),
    ),
    (
        4,
        "members and reports",
        include_str!("../../migrations/sqlite/0004_members_reports.sql"),
        include_str!("../../migrations/postgres/0004_members_reports.sql"),
    ),
    (
        5,
        "counter shards",
        include_str!("../../migrations/sqlite/0005_counter_shards.sql"),
        include_str!("../../migrations/postgres/0005_counter_shards.sql"),
    ),
    (
        6,
        "money hardening",
        include_str!("../../migrations/sqlite/0006_money_hardening.sql"),
        include_str!("../../migrations/postgres/0006_money_hardening.sql"),
    ),
    (
        7,
        "group invitations",
        include_str!("../../migrations/sqlite/0007_group_invitations.sql"),
        include_str!("../../migrations/postgres/0007_group_invitations.sql"),
    ),
    (
        8,
        "jobs and notifications",
        include_str!("../../migrations/sqlite/0008_jobs_notifications.sql"),
        include_str!("../../migrations/postgres/0008_jobs_notifications.sql"),
    ),
    (
        9,
        "join",
        include_str!("../../migrations/sqlite/0009_join.sql"),
        include_str!("../../migrations/postgres/0009_join.sql"),
    ),
    (
        10,
        "people corrections, moves and merges",
        include_str!("../../migrations/sqlite/0010_people_corrections.sql"),
        include_str!("../../migrations/postgres/0010_people_corrections.sql"),
    ),
    (
        11,
        "evidence and families",
        include_str!("../../migrations/sqlite/0011_evidence_families.sql"),
        include_str!("../../migrations/postgres/0011_evidence_families.sql"),
    ),
    (
        12,
        "disadvantaged communes by year",
        include_str!("../../migrations/sqlite/0012_unit_disadvantaged.sql"),
        include_str!("../../migrations/postgres/0012_unit_disadvantaged.sql"),
    ),
    (
        13,
        "revoked titles and the populations the targets count",
        include_str!("../../migrations/sqlite/0013_figures.sql"),
        include_str!("../../migrations/postgres/0013_figures.sql"),
    ),
    (
        14,
        "worklists and decisions",
        include_str!("../../migrations/sqlite/0014_worklists.sql"),
        include_str!("../../migrations/postgres/0014_worklists.sql"),
    ),
    (
        15,
        "lists that scale: people, registrations, notices",
        include_str!("../../migrations/sqlite/0015_lists.sql"),
        include_str!("../../migrations/postgres/0015_lists.sql"),
    ),
    (
        16,
        "the search text of ledger entries",
        include_str!("../../migrations/sqlite/0016_fund_lists.sql"),
        include_str!("../../migrations/postgres/0016_fund_lists.sql"),
    ),
    (
        17,
        "the search names of funds and donors",
        include_str!("../../migrations/sqlite/0017_fund_search.sql"),
        include_str!("../../migrations/postgres/0017_fund_search.sql"),
    ),
    (
        18,
        "units with a lifetime: code unique per day, districts",
        include_str!("../../migrations/sqlite/0018_unit_lifetimes.sql"),
        include_str!("../../migrations/postgres/0018_unit_lifetimes.sql"),
    ),
    (
        19,
        "how the shares of succession links were decided",
        include_str!("../../migrations/sqlite/0019_succession_shares.sql"),
        include_str!("../../migrations/postgres/0019_succession_shares.sql"),
    ),
    (
        20,
        "dated moves: the parent links a move replaced; figures from before the program",
        include_str!("../../migrations/sqlite/0020_dated_moves.sql"),
        include_str!("../../migrations/postgres/0020_dated_moves.sql"),
    ),
    (
        21,
        "the search names of groups",
        include_str!("../../migrations/sqlite/0021_group_search.sql"),
        include_str!("../../migrations/postgres/0021_group_search.sql"),
    ),
    (
        22,
        "documents",
        include_str!("../../migrations/sqlite/0022_documents.sql"),
        include_str!("../../migrations/postgres/0022_documents.sql"),
    ),
    (
        23,
        "cooperation programmes: partners, programmes, commitments, reviews",
        include_str!("../../migrations/sqlite/0023_cooperation.sql"),
        include_str!("../../migrations/postgres/0023_cooperation.sql"),
    ),
    (
        24,
        "credential keys outside the database; revocation status lists",
        include_str!("../../migrations/sqlite/0024_credential_keys.sql"),
        include_str!("../../migrations/postgres/0024_credential_keys.sql"),
    ),
    (
        25,
        "the lifelong-learning record: share links, the person a nomination is for",
        include_str!("../../migrations/sqlite/0025_learning_record.sql"),
        include_str!("../../migrations/postgres/0025_learning_record.sql"),
    ),
    (
        26,
        "meetings: invited units and people, attendance, linked documents, calendar tokens",
        include_str!("../../migrations/sqlite/0026_meetings.sql"),
        include_str!("../../migrations/postgres/0026_meetings.sql"),
    ),
    (
        27,
        "the folded text of attached PDFs, for the search of documents",
        include_str!("../../migrations/sqlite/0027_document_text.sql"),
        include_str!("../../migrations/postgres/0027_document_text.sql"),
    ),
    (
        29,
        "fund totals by half-year at every unit, transfers inside a subtree apart",
        include_str!("../../migrations/sqlite/0029_fund_totals.sql"),
        include_str!("../../migrations/postgres/0029_fund_totals.sql"),
    ),
];

/// The embedded migrations of one backend, as a source for sqlx's migrator.
#[derive(Debug)]
struct Embedded(Backend);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, description, sqlite, postgres)| {
                let sql = match self.0 {
                    Backend::Sqlite => sqlite,
                    Backend::Postgres => postgres,
                };
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect();
        Box::pin(std::future::ready(Ok(migrations)))
    }
}

pub async fn migrator(backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(backend)).await
}

pub fn latest_version() -> i64 {
    MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0)
}
