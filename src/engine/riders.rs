//! The page side of a ride (`streams::Ride`): a provider's request asks for the rider's field too, the
//! rider gets only the fields it builds its records from, and the provider's own records lose the field
//! its config did not ask for.
//!
//! Invariants: a provider's records are exactly those of its own request (the added field removed, every
//! other field byte for byte, in Gong's order); a record without the field is passed on untouched, so a
//! provider whose config asks for the field costs nothing here.

use bytes::Bytes;
use serde_json::value::RawValue;

use crate::client::ApiRequest;
use crate::error::{Error, Result};
use crate::gong::page::Page;
use crate::gong::values::{json_str, Fields};

/// Adds `exposedFields.<field>: true` to `request`'s content selector; `false` when the request already
/// asks for it (or selects no content, so there is nothing to add to).
pub fn ask_for(request: &mut ApiRequest, field: &str) -> bool {
    let Some(exposed) = request
        .body
        .as_mut()
        .and_then(|b| b.get_mut("contentSelector"))
        .and_then(|c| c.get_mut("exposedFields"))
        .and_then(|e| e.as_object_mut())
    else {
        return false;
    };
    if exposed.get(field).and_then(|v| v.as_bool()) == Some(true) {
        return false;
    }
    exposed.insert(field.to_string(), true.into());
    true
}

/// `request` without the field [`ask_for`] added: what the provider sends when Gong refuses the field.
pub fn without_field(request: &ApiRequest, field: &str) -> ApiRequest {
    let mut request = request.clone();
    if let Some(exposed) = request
        .body
        .as_mut()
        .and_then(|b| b.get_mut("contentSelector"))
        .and_then(|c| c.get_mut("exposedFields"))
        .and_then(|e| e.as_object_mut())
    {
        exposed.insert(field.to_string(), false.into());
    }
    request
}

/// Builds a page of the records `rebuild` returns for each record of `page` (`None`: unchanged), in a
/// body no larger than they are (a compact page is held until its rider takes it).
fn rebuilt(page: &Page, mut rebuild: impl FnMut(&str) -> Result<Option<String>>) -> Result<Page> {
    let mut body = Vec::new();
    let mut records = Vec::with_capacity(page.len());
    for i in 0..page.len() {
        let record = page.record(i);
        let start = body.len();
        match rebuild(record)? {
            Some(new) => body.extend_from_slice(new.as_bytes()),
            None => body.extend_from_slice(record.as_bytes()),
        }
        records.push(start..body.len());
    }
    body.shrink_to_fit();
    Ok(Page {
        body: Bytes::from(body),
        records,
        total_records: page.total_records,
    })
}

/// `{fields}` of a record, those `keep` says, in the record's order.
fn object<'a>(fields: impl Iterator<Item = &'a (String, &'a RawValue)>) -> String {
    let parts: Vec<String> = fields
        .map(|(k, v)| format!("{}:{}", json_str(k), v.get()))
        .collect();
    format!("{{{}}}", parts.join(","))
}

fn malformed(path: &str) -> impl Fn(serde_json::Error) -> Error + '_ {
    move |e| Error::system(format!("A record of {path} is malformed: {e}"))
}

/// The page's records with only the fields in `keep`: what a rider builds its records from, held until
/// it takes the window (a fraction of the provider's page).
pub fn compact(page: &Page, keep: &[&str], path: &str) -> Result<Page> {
    rebuilt(page, |record| {
        let fields: Fields = serde_json::from_str(record).map_err(malformed(path))?;
        let kept = fields.0.iter().filter(|(k, _)| keep.contains(&k.as_str()));
        Ok(Some(object(kept)))
    })
}

/// The page's records without their top-level `field`; only records that have it are rebuilt, and a
/// page where no record mentions it is returned as is (no copy).
pub fn strip(page: Page, field: &str, path: &str) -> Result<Page> {
    let needle = json_str(field);
    let mentions = |r: &str| r.contains(needle.as_str());
    if !(0..page.len()).any(|i| mentions(page.record(i))) {
        return Ok(page);
    }
    rebuilt(&page, |record| {
        if !mentions(record) {
            return Ok(None);
        }
        let fields: Fields = serde_json::from_str(record).map_err(malformed(path))?;
        if !fields.0.iter().any(|(k, _)| k == field) {
            return Ok(None);
        }
        Ok(Some(object(fields.0.iter().filter(|(k, _)| k != field))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gong::page::parse_page;
    use serde_json::json;

    fn page(body: &'static str) -> Page {
        let (records, total_records, _) = parse_page(body.as_bytes(), "calls").unwrap();
        Page {
            body: Bytes::from_static(body.as_bytes()),
            records,
            total_records,
        }
    }

    const BODY: &str = r#"{"records":{"totalRecords":3},"calls":[{"metaData":{"id":"1"},"parties":[{"n":"x"}],"media":{"audioUrl":"a"},"content":{"k":1}},{"metaData":{"id":"2"},"parties":[]},{"metaData":{"id":"3","title":"media \"x\""},"media":null}]}"#;

    #[test]
    fn strip_removes_only_the_field_and_keeps_the_rest_byte_for_byte() {
        let stripped = strip(page(BODY), "media", "/v2/calls/extensive").unwrap();
        let records: Vec<&str> = (0..stripped.len()).map(|i| stripped.record(i)).collect();
        assert_eq!(
            records,
            [
                r#"{"metaData":{"id":"1"},"parties":[{"n":"x"}],"content":{"k":1}}"#,
                r#"{"metaData":{"id":"2"},"parties":[]}"#,
                r#"{"metaData":{"id":"3","title":"media \"x\""}}"#,
            ]
        );
        assert_eq!(stripped.total_records, Some(3));
        // No record has the field: the same bytes, not a copy.
        let plain = page(r#"{"calls":[{"metaData":{"id":"1"}}]}"#);
        let same = strip(plain.clone(), "media", "p").unwrap();
        assert_eq!(same.body.as_ptr(), plain.body.as_ptr());
    }

    #[test]
    fn compact_keeps_the_riders_fields_in_order() {
        let kept = compact(&page(BODY), &["metaData", "media"], "p").unwrap();
        let records: Vec<&str> = (0..kept.len()).map(|i| kept.record(i)).collect();
        assert_eq!(
            records,
            [
                r#"{"metaData":{"id":"1"},"media":{"audioUrl":"a"}}"#,
                r#"{"metaData":{"id":"2"}}"#,
                r#"{"metaData":{"id":"3","title":"media \"x\""},"media":null}"#,
            ]
        );
        let not_an_object = Page {
            body: Bytes::from_static(b"[1]"),
            records: std::iter::once(0..3).collect(),
            total_records: None,
        };
        let e = compact(&not_an_object, &["media"], "/v2/calls/extensive").unwrap_err();
        assert!(
            e.message.contains("/v2/calls/extensive is malformed"),
            "{e}"
        );
    }

    #[test]
    fn the_field_is_asked_for_unless_the_request_has_it_and_taken_back() {
        let mut req = ApiRequest::post("/v2/calls/extensive", json!({"filter": {}}));
        assert!(!ask_for(&mut req, "media"), "no content selector");
        let selector = json!({"contentSelector": {"exposedFields": {"parties": true}}});
        let mut req = ApiRequest::post("/v2/calls/extensive", selector);
        assert!(ask_for(&mut req, "media"));
        let body = req.body.clone().unwrap();
        assert_eq!(body["contentSelector"]["exposedFields"]["media"], true);
        assert!(!ask_for(&mut req, "media"), "already asked");
        let back = without_field(&req, "media");
        assert_eq!(
            back.body.unwrap()["contentSelector"]["exposedFields"]["media"],
            false
        );
    }
}
