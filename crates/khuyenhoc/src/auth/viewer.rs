//! The signed-in person and the positions they hold now, resolved once per request by a
//! middleware and read by the `Viewer` / `ApiViewer` / `OptionalViewer` extractors.

use super::{csrf, perm, same_secret, secret_hash, session};
use crate::audit::Actor;
use crate::db::{now, Db};
use crate::error::{ApiError, AppError, PageError};
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use khuyenhoc_domain::Level;
use sqlx::Row;
use std::convert::Infallible;

#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct HeldPosition {
    pub position_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_level: Level,
    pub type_code: String,
    pub type_name_vi: String,
    pub type_name_en: String,
    pub permissions: Vec<String>,
}

/// Something that lies in the tree: its scope is the path of the unit it belongs to.
pub trait InScope {
    fn scope_path(&self) -> &str;
}

#[derive(Debug, Clone)]
pub struct Viewer {
    pub person_id: i64,
    pub full_name: String,
    pub home_unit_id: i64,
    pub must_change_password: bool,
    pub positions: Vec<HeldPosition>,
    /// Unread notices in the person's inbox (`notify`), for the header link.
    pub unread_notices: i64,
}

impl Viewer {
    /// The position that grants `right` over the unit at `path`, if any: held at a unit whose
    /// subtree holds `path`, at a level where the right may be used (`perm::deepest_level`). The
    /// nearest one wins, so the audit log names the most specific position. This is the one
    /// answer to "may this viewer do this here"; every capability asks it, directly or through
    /// [`Viewer::read`] and [`Viewer::act`].
    pub fn position_for(&self, right: &str, path: &str) -> Option<&HeldPosition> {
        self.position_at_or_above(right, path, Level::Branch)
    }

    /// [`Viewer::position_for`], among the positions held at `lowest` or above only: for an
    /// action a right allows only from higher up (a province or the centre marks a commune as a
    /// disadvantaged area, never the commune itself).
    pub fn position_at_or_above(
        &self,
        right: &str,
        path: &str,
        lowest: Level,
    ) -> Option<&HeldPosition> {
        let deepest = perm::deepest_level(right).depth().min(lowest.depth());
        self.positions
            .iter()
            .filter(|p| {
                path.starts_with(&p.unit_path)
                    && p.unit_level.depth() <= deepest
                    && p.permissions.iter().any(|x| x == right)
            })
            .max_by_key(|p| p.unit_path.len())
    }

    /// The thing found, if the viewer may read it (a position covering its unit); "not found"
    /// when it is missing or out of scope, so that nothing outside hints at what exists.
    pub fn read<T: InScope>(&self, found: Option<T>) -> Result<T, AppError> {
        found
            .filter(|t| self.can_read(t.scope_path()))
            .ok_or(AppError::NotFound)
    }

    /// The thing and the actor the viewer acts as when using `right` on it (the position that
    /// grants it, for the audit log); "not found" without such a position.
    pub fn act<T: InScope>(&self, found: Option<T>, right: &str) -> Result<(T, Actor), AppError> {
        let t = self.read(found)?;
        let actor = self.actor_for(right, t.scope_path())?;
        Ok((t, actor))
    }

    /// The actor the viewer acts as when using `right` on the unit at `path`.
    pub fn actor_for(&self, right: &str, path: &str) -> Result<Actor, AppError> {
        let p = self.position_for(right, path).ok_or(AppError::NotFound)?;
        Ok(Actor::new(self.person_id, Some(p.position_id)))
    }

    /// The position through which the viewer may act on a person's account (reset a password,
    /// change the person): the viewer's `person.manage` position over the person's home unit at
    /// `home_path`, provided that every position the person holds (`held`) lies strictly below
    /// a unit where the viewer has `person.manage`, and deeper than that acting position. So
    /// nobody acts on a person at their own level or above, anywhere: a branch officer cannot
    /// take over a commune vice-chair whose home unit is the branch.
    pub fn position_over_person(
        &self,
        home_path: &str,
        held: &[HeldPosition],
    ) -> Option<&HeldPosition> {
        let acting = self.position_for(perm::PERSON_MANAGE, home_path)?;
        let depth = acting.unit_level.depth();
        let below_a_manager = |t: &HeldPosition| {
            self.positions.iter().any(|p| {
                t.unit_path.starts_with(&p.unit_path)
                    && p.unit_level.depth() < t.unit_level.depth()
                    && p.permissions.iter().any(|x| x == perm::PERSON_MANAGE)
            })
        };
        held.iter()
            .all(|t| t.unit_level.depth() > depth && below_a_manager(t))
            .then_some(acting)
    }

    /// Any position whose unit covers `path`: officers read everything under their units.
    pub fn reading_position(&self, path: &str) -> Option<&HeldPosition> {
        self.positions
            .iter()
            .filter(|p| path.starts_with(&p.unit_path))
            .max_by_key(|p| p.unit_path.len())
    }

    pub fn can_read(&self, path: &str) -> bool {
        self.reading_position(path).is_some()
    }

    pub fn is_officer(&self) -> bool {
        !self.positions.is_empty()
    }

    /// The unit paths the viewer reads, without paths nested in another.
    pub fn scope_roots(&self) -> Vec<String> {
        let mut roots: Vec<String> = self.positions.iter().map(|p| p.unit_path.clone()).collect();
        roots.sort();
        roots.dedup();
        let all = roots.clone();
        roots.retain(|r| !all.iter().any(|o| o != r && r.starts_with(o.as_str())));
        roots
    }
}

async fn load(db: &Db, person_id: i64) -> Result<Option<Viewer>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT id, full_name, unit_id, must_change_password, \
         (SELECT COUNT(*) FROM notices n WHERE n.person_id = $1 AND n.read_at IS NULL) \
         FROM people WHERE id = $1",
    )
    .bind(person_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let positions = held_positions(&db.pool, person_id).await?;
    Ok(Some(Viewer {
        person_id: row.try_get(0)?,
        full_name: row.try_get(1)?,
        home_unit_id: row.try_get(2)?,
        must_change_password: row.try_get::<i64, _>(3)? != 0,
        positions,
        unread_notices: row.try_get(4)?,
    }))
}

/// The open positions a person holds now, by unit path (on the pool or inside a transaction).
pub async fn held_positions<'e, E>(
    exec: E,
    person_id: i64,
) -> Result<Vec<HeldPosition>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "SELECT p.id, p.unit_id, u.path, u.code, u.name, u.level, t.code AS tcode, t.name_vi, t.name_en, t.permissions \
         FROM position_holdings h JOIN positions p ON p.id = h.position_id \
         JOIN units u ON u.id = p.unit_id JOIN position_types t ON t.id = p.type_id \
         WHERE h.person_id = $1 AND h.to_at IS NULL AND p.closed_at IS NULL ORDER BY u.path, p.id",
    )
    .bind(person_id)
    .fetch_all(exec)
    .await?
    .into_iter()
    .map(|r| {
        Ok(HeldPosition {
            position_id: r.try_get(0)?,
            unit_id: r.try_get(1)?,
            unit_path: r.try_get(2)?,
            unit_code: r.try_get(3)?,
            unit_name: r.try_get(4)?,
            unit_level: level_of(&r.try_get::<String, _>(5)?)?,
            type_code: r.try_get(6)?,
            type_name_vi: r.try_get(7)?,
            type_name_en: r.try_get(8)?,
            permissions: r.try_get::<String, _>(9)?.split_whitespace().map(str::to_owned).collect(),
        })
    })
    .collect()
}

/// A level stored in the database; anything else is a corrupt row.
pub(crate) fn level_of(code: &str) -> Result<Level, sqlx::Error> {
    Level::parse(code)
        .map_err(|_| sqlx::Error::Decode(format!("unknown unit level {code:?}").into()))
}

async fn person_of_token(db: &Db, token: &str) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, person_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(secret_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let (id, person): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    let last: Option<i64> = row.try_get(2)?;
    let t = now();
    // "Last used" is kept to the minute, written after the answer and only when stale: a write
    // on every API request would take SQLite's one write lock (an UPDATE takes it even when it
    // changes nothing) and add a round trip to every call.
    if last.is_none_or(|l| l < t - 60) {
        let db = db.clone();
        tokio::spawn(async move {
            let done = sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
                .bind(t)
                .bind(id)
                .bind(t - 60)
                .execute(&db.pool)
                .await;
            if let Err(e) = done {
                tracing::warn!(error = %e, "could not note when a token was last used");
            }
        });
    }
    Ok(Some(person))
}

/// Which person a request speaks for: a bearer token, or a session cookie. A state-changing API
/// request on a session cookie must also carry the session's CSRF token in the header.
async fn person_of_request(
    db: &Db,
    headers: &HeaderMap,
    path: &str,
    method: &Method,
    secure: bool,
) -> Result<Option<i64>, sqlx::Error> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(token) = bearer {
        return person_of_token(db, token.trim()).await;
    }
    let jar = CookieJar::from_headers(headers);
    let Some(sid) = session::id_of(&jar, secure) else {
        return Ok(None);
    };
    let unsafe_api = path.starts_with("/api/") && !matches!(*method, Method::GET | Method::HEAD);
    if unsafe_api {
        let sent = headers.get(csrf::HEADER).and_then(|v| v.to_str().ok());
        if !sent.is_some_and(|s| same_secret(s, &csrf::for_session(&sid))) {
            return Ok(None);
        }
    }
    session::person_of(db, &sid).await
}

pub async fn resolve_viewer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let (headers, path, method) = (
        req.headers().clone(),
        req.uri().path().to_owned(),
        req.method().clone(),
    );
    let secure = state.settings.secure_cookies();
    let viewer = match person_of_request(&state.db, &headers, &path, &method, secure).await {
        Ok(Some(pid)) => load(&state.db, pid).await,
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    match viewer {
        Ok(v) => {
            req.extensions_mut().insert(OptionalViewer(v));
            next.run(req).await
        }
        Err(e) => {
            use axum::response::IntoResponse;
            let err = AppError::from(e);
            if req.uri().path().starts_with("/api/") {
                ApiError(err).into_response()
            } else {
                PageError(err).into_response()
            }
        }
    }
}

/// The viewer if signed in.
#[derive(Debug, Clone, Default)]
pub struct OptionalViewer(pub Option<Viewer>);

impl<S: Send + Sync> FromRequestParts<S> for OptionalViewer {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<OptionalViewer>()
            .cloned()
            .unwrap_or_default())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, PageError> {
        let OptionalViewer(v) = OptionalViewer::from_request_parts(parts, s)
            .await
            .unwrap_or_default();
        v.ok_or(PageError(AppError::Unauthenticated))
    }
}

/// The viewer of an API request; 401 problem+json when nobody is signed in.
#[derive(Debug, Clone)]
pub struct ApiViewer(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for ApiViewer {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, ApiError> {
        let OptionalViewer(v) = OptionalViewer::from_request_parts(parts, s)
            .await
            .unwrap_or_default();
        v.map(ApiViewer).ok_or(ApiError(AppError::Unauthenticated))
    }
}
