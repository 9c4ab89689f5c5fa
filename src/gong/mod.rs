//! What the connector knows about Gong's API v2 itself, shared by the sync engine, the entity/action
//! interface and `check`: its endpoints and the requests they take, the layout of a page of records, and
//! how Gong writes ids and dates.
//!
//! Nothing here sends a request or knows about streams' scheduling; the engine (`engine/`) and the
//! entity/action interface (`api.rs`) both build on it, and it imports neither.

pub mod content;
pub mod endpoints;
pub mod ids;
pub mod page;
pub mod params;
pub mod request;
pub mod values;
