//! The parameters of Gong's endpoints, as data: each [`Param`] is one name a caller may give, with its
//! type, where it goes in Gong's request ([`At`]), whether it is required, what it means and its default
//! rule ([`Fill`]). The lists hang on the endpoint entries (`Endpoint::params`, `gong/endpoints.rs`);
//! validation and request building (`api/`), the MCP input schemas and `execute --describe`
//! (`api/catalog.rs`) and the sync planner's filter names (`streams.rs`) all read them, so a parameter
//! name is spelled once (the model is Airbyte's declarative `RequestOption`: field name + inject_into).
//!
//! Invariant: a parameter's caller-facing name ([`Param::path`]) is its `at` prefix + `name`; within one
//! list no two parameters share a path, and a parameter's parent object (`filter` for `filter.x`) comes
//! before it.

/// A parameter's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    /// ISO-8601 date-time, e.g. `2025-01-01T00:00:00Z`.
    DateTime,
    /// `YYYY-MM-DD`.
    Date,
    StringList,
    Boolean,
    Object,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A list of these strings.
    ListOf(&'static [&'static str]),
}

impl ParamType {
    /// The type in words, for error messages.
    pub fn describe(self) -> String {
        match self {
            ParamType::String => "a string".into(),
            ParamType::DateTime => "an ISO-8601 date-time such as \"2025-01-01T00:00:00Z\"".into(),
            ParamType::Date => "a date such as \"2025-01-01\" (YYYY-MM-DD)".into(),
            ParamType::StringList => "an array of strings".into(),
            ParamType::Boolean => "true or false".into(),
            ParamType::Object => "an object".into(),
            ParamType::OneOf(v) => format!("one of {v:?}"),
            ParamType::ListOf(v) => format!("an array of {v:?}"),
        }
    }
}

/// Where a parameter goes in Gong's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The query string of a GET.
    Query,
    /// The `{id}` of the endpoint's path.
    Path,
    /// Under `filter` in a POST's body; the caller writes it `filter.<name>`.
    Filter,
    /// At the top of a POST's body (`filter`, `contentSelector` and what they hold).
    Body,
    /// The page cursor, where the endpoint's method reads it (`Endpoint::set_cursor`).
    Cursor,
    /// A top-level parameter of the connector's own, never sent (a download's range).
    Local,
}

/// A parameter's default when the caller leaves it out. Only the stats endpoints have one: Gong
/// requires both dates, the seed makes them optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Left out of the request.
    Nothing,
    /// The config's `start_date`.
    ConfigStart,
    /// The end of the closed days a sync would read (`gong::values::closed_days_end`).
    ClosedDaysEnd,
    /// This many days before the request's end date.
    DaysBeforeEnd(i64),
}

/// One parameter of an endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Gong's name, dotted inside `at` (`contentSelector.exposedFields.media` at the top of the body).
    pub name: &'static str,
    pub at: At,
    pub ty: ParamType,
    pub required: bool,
    /// Sent to Gong where `at` says; `false` when the connector reads it instead (a filter it applies
    /// to Gong's pages, a bound it translates): see the entity's special case in `api/entities.rs`.
    pub sent: bool,
    /// What it means, for people and agents (the MCP input schemas, `--describe`).
    pub about: &'static str,
    pub fill: Fill,
}

impl Param {
    /// The name a caller gives it: `filter.` + name under the filter, else the name.
    pub fn path(&self) -> String {
        match self.at {
            At::Filter => format!("filter.{}", self.name),
            _ => self.name.to_string(),
        }
    }

    /// The same parameter, required.
    pub const fn required(self) -> Param {
        Param {
            required: true,
            ..self
        }
    }

    /// The same parameter with another description.
    pub const fn about(self, about: &'static str) -> Param {
        Param { about, ..self }
    }

    /// The same parameter with a default rule.
    pub const fn fill(self, fill: Fill) -> Param {
        Param { fill, ..self }
    }

    /// The same parameter under a POST's `filter`.
    pub const fn at_filter(self) -> Param {
        Param {
            at: At::Filter,
            ..self
        }
    }

    /// The same parameter, read by the connector instead of sent.
    pub const fn kept(self) -> Param {
        Param {
            sent: false,
            ..self
        }
    }
}

/// An optional parameter.
pub const fn param(name: &'static str, at: At, ty: ParamType, about: &'static str) -> Param {
    Param {
        name,
        at,
        ty,
        required: false,
        sent: true,
        about,
        fill: Fill::Nothing,
    }
}

/// An optional query parameter.
pub const fn query(name: &'static str, ty: ParamType, about: &'static str) -> Param {
    param(name, At::Query, ty, about)
}

/// An optional field under a POST's `filter`.
pub const fn filter(name: &'static str, ty: ParamType, about: &'static str) -> Param {
    param(name, At::Filter, ty, about)
}

/// An optional field at the top of a POST's body (or inside one, dotted).
pub const fn body(name: &'static str, ty: ParamType, about: &'static str) -> Param {
    param(name, At::Body, ty, about)
}

/// The page cursor every paginated endpoint takes.
pub const CURSOR: Param = param(
    "cursor",
    At::Cursor,
    ParamType::String,
    "Gong's pagination cursor from a previous page (execute's `meta.pagination.cursor`)",
);

/// A POST's `filter` object.
pub const FILTER: Param = body("filter", ParamType::Object, "Filters");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_field_is_named_under_filter() {
        let p = filter("callIds", ParamType::StringList, "x").required();
        assert_eq!((p.path().as_str(), p.required), ("filter.callIds", true));
        assert_eq!(CURSOR.path(), "cursor");
        assert!(!p.kept().sent && p.kept().path() == "filter.callIds");
    }
}
