//! One page of a list as the entity/action interface answers it: Gong's records (byte for byte, ids sent
//! as numbers quoted, `gong/ids.rs`) and the seed's `meta.pagination`, read from Gong's answer with the
//! sync's page parser (`gong/page.rs`) and the endpoint's "no data" 404 rule.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::client::{ApiRequest, GongClient, Reply};
use crate::error::{Error, Result};
use crate::gong::endpoints::Endpoint;
use crate::gong::ids::quote_ids;
use crate::gong::page::parse_page;

/// The `records` object of a Gong page, as the seed's `meta.pagination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    pub total_records: u64,
    pub current_page_size: u64,
    pub current_page_number: u64,
    /// Present when another page exists: pass it as `params.cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// One page of a list: Gong's records (byte for byte but for ids sent as numbers, quoted), and its pagination.
#[derive(Debug)]
pub struct ListPage {
    pub data: Vec<Box<RawValue>>,
    pub pagination: Pagination,
    /// Set when the connector filtered Gong's page (`meta.note`): what `totalRecords` counts.
    pub note: Option<String>,
}

impl ListPage {
    fn empty() -> ListPage {
        ListPage {
            data: Vec::new(),
            pagination: Pagination::default(),
            note: None,
        }
    }

    /// The seed's response: `{"data": [...], "meta": {"pagination": {...}}}`.
    pub fn to_json_string(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            data: &'a [Box<RawValue>],
            meta: Meta<'a>,
        }
        #[derive(Serialize)]
        struct Meta<'a> {
            pagination: &'a Pagination,
            #[serde(skip_serializing_if = "Option::is_none")]
            note: Option<&'a str>,
        }
        serde_json::to_string(&Out {
            data: &self.data,
            meta: Meta {
                pagination: &self.pagination,
                note: self.note.as_deref(),
            },
        })
        .unwrap_or_else(|_| "{}".into())
    }
}

/// One page as Gong sent it. `what` names the list in errors.
pub async fn read_page(
    client: &GongClient,
    endpoint: &Endpoint,
    request: &ApiRequest,
    what: &str,
) -> Result<ListPage> {
    let key = endpoint.record_key;
    let reply = client
        .send_parsed(request, |body| {
            parse_page(body, key).map(|parsed| (body.to_vec(), parsed))
        })
        .await?;
    let (body, (ranges, total, cursor)) = match reply {
        Reply::Ok(parsed) => parsed,
        // Asked for one record's list (a user's history), a 404 is that record missing.
        Reply::NotFound(text)
            if endpoint.is_empty_404(&text) && !endpoint.path.contains("{id}") =>
        {
            return Ok(ListPage::empty())
        }
        Reply::NotFound(text) => {
            return Err(
                Error::system(format!("{what} list: Gong answered 404: {text}")).with_status(404),
            )
        }
    };
    let mut data: Vec<Box<RawValue>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        let text = std::str::from_utf8(&body[r])
            .map_err(|_| Error::system("Gong sent a record that is not UTF-8."))?;
        data.push(
            RawValue::from_string(quote_ids(text).into_owned())
                .map_err(|e| Error::system(format!("Gong sent a malformed record: {e}")))?,
        );
    }
    let (page_number, page_size) = page_numbers(&body);
    Ok(ListPage {
        pagination: Pagination {
            total_records: total.unwrap_or(data.len() as u64),
            current_page_size: page_size.unwrap_or(data.len() as u64),
            current_page_number: page_number.unwrap_or(0),
            cursor,
        },
        data,
        note: None,
    })
}

/// `records.currentPageNumber` and `records.currentPageSize` of a Gong page, where it has them.
fn page_numbers(body: &[u8]) -> (Option<u64>, Option<u64>) {
    #[derive(Deserialize)]
    struct Top {
        records: Option<Records>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Records {
        current_page_size: Option<u64>,
        current_page_number: Option<u64>,
    }
    let records = serde_json::from_slice::<Top>(body)
        .ok()
        .and_then(|t| t.records);
    (
        records.as_ref().and_then(|r| r.current_page_number),
        records.as_ref().and_then(|r| r.current_page_size),
    )
}
