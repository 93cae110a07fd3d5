//! The extractors of the admin API. Each turns a bad request into an [`ApiError`] that says
//! what to fix, instead of axum's plain-text rejections: a body that does not parse names
//! the field, an id that is not a number says so, a typo in a field name is refused, and a
//! string with a control character is refused with its field named.

use super::error::ApiError;
use crate::location::Location;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A JSON request body, read whatever the `Content-Type` (curl users forget it). An empty
/// body reads as `{}`, so a body whose fields are all optional may be left out.
pub(super) struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await?;
        Ok(JsonBody(parse(&bytes)?))
    }
}

/// A JSON body of a type this module does not own and that does not refuse unknown fields
/// itself ([`crate::import::Decision`]): parsed, then checked field by field against what
/// it serialises back to, so a misspelt optional field is an error here too.
pub(super) struct StrictBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Serialize> FromRequest<S> for StrictBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await?;
        let value: T = parse(&bytes)?;
        let given: Value = parse(&bytes)?;
        let known = serde_json::to_value(&value).map_err(|e| ApiError::bad_request(e.to_string()))?;
        if let Some(path) = unknown_field(&given, &known, String::new()) {
            return Err(ApiError::bad_request(format!("invalid JSON body: {path}: unknown field")));
        }
        Ok(StrictBody(value))
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Json::<T>::from_bytes(b"{}")
            .map(|Json(v)| v)
            .map_err(|e| ApiError::bad_request(format!("a JSON body is needed: {}", super::error::reason(&e))));
    }
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        if let Some(why) = control_character(&value, String::new()) {
            return Err(ApiError::bad_request(format!("invalid JSON body: {why}")));
        }
    }
    Ok(Json::<T>::from_bytes(bytes)?.0)
}

/// The first string (or object key) in `value` holding a control character, as
/// `path: what to fix`; a `key` field is left to the key rules. No field of the API is
/// multi-line text, and a reason or a name with a
/// newline or an escape sequence would forge lines in the audit trail as printed
/// ([`crate::free_text`]).
fn control_character(value: &Value, path: String) -> Option<String> {
    let at = |p: &str| if p.is_empty() { "the body".to_string() } else { p.to_string() };
    match value {
        Value::String(s) => crate::free_text::refusal(s).map(|why| format!("{}: {why}", at(&path))),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| control_character(v, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(name, v)| {
            let here = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
            match crate::free_text::refusal(name) {
                Some(why) => Some(format!("field name {:?}: {why}", crate::free_text::printable(name))),
                // A key is a secret, not text: never printed, trimmed and checked by the
                // key rules (a pasted key often ends in a newline).
                None if name == "key" => None,
                None => control_character(v, here),
            }
        }),
        _ => None,
    }
}

/// The path of the first object key in `given` that `known` (the parsed value written
/// back) does not have: a field serde skipped without a word.
fn unknown_field(given: &Value, known: &Value, path: String) -> Option<String> {
    match (given, known) {
        (Value::Object(g), Value::Object(k)) => g.iter().find_map(|(name, v)| {
            let here = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
            match k.get(name) {
                None => Some(here),
                Some(kv) => unknown_field(v, kv, here),
            }
        }),
        (Value::Array(g), Value::Array(k)) => {
            g.iter().zip(k).enumerate().find_map(|(i, (gv, kv))| unknown_field(gv, kv, format!("{path}[{i}]")))
        }
        _ => None,
    }
}

/// The query string as `T` (which refuses unknown parameters).
pub(super) struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Ok(Params(Query::<T>::from_request_parts(parts, state).await?.0))
    }
}

/// The `{id}` of a route (a koppeling or a proposal): a positive number.
pub(super) struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = one_param(parts, state).await?;
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Id(id)),
            _ => Err(ApiError::bad_request(format!("'{raw}' is not an id: use the number the API returned"))),
        }
    }
}

/// The `{location}` of a route: BRIN + dependance (`99DE00`) or a schoolkey, parsed as a
/// [`Location`].
pub(super) struct AtLocation(pub Location);

impl<S: Send + Sync> FromRequestParts<S> for AtLocation {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = one_param(parts, state).await?;
        Ok(AtLocation(Location::parse(&raw).map_err(|e| ApiError::bad_request(e.to_string()))?))
    }
}

/// The one path parameter every parameterised route has.
async fn one_param<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<String, ApiError> {
    Path::<String>::from_request_parts(parts, state)
        .await
        .map(|Path(s)| s)
        .map_err(|e| ApiError::bad_request(format!("invalid path: {}", e.body_text())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_found_with_their_path() {
        let known = json!([{ "action": "skip", "record": { "tab": "groepen", "key": "G1" } }]);
        assert_eq!(unknown_field(&known, &known, String::new()), None);
        let given = json!([{ "action": "skip", "record": { "tab": "groepen", "key": "G1", "kye": "x" } }]);
        assert_eq!(unknown_field(&given, &known, String::new()).as_deref(), Some("[0].record.kye"));
        let given = json!([{ "action": "skip", "to": 3, "record": { "tab": "groepen", "key": "G1" } }]);
        assert_eq!(unknown_field(&given, &known, String::new()).as_deref(), Some("[0].to"));
    }
}
