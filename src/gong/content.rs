//! The parameters of `POST /v2/calls/extensive`: its filter and its `contentSelector` (which parts of a
//! call come back), and the subset a recording download takes (the media URL of one call comes from
//! this endpoint). Part of the endpoint table (`gong/endpoints.rs`), in a file of its own for its size.

use super::params::{body, filter, At, Param, ParamType as T, CURSOR, FILTER};

const fn exposed(name: &'static str, about: &'static str) -> Param {
    body(name, T::Boolean, about)
}

/// calls/extensive's parameters, in Gong's order.
pub const EXTENSIVE: &[Param] = &[
    FILTER,
    super::endpoints::FROM_DATE_TIME.at_filter(),
    super::endpoints::TO_DATE_TIME.at_filter(),
    super::endpoints::CALL_IDS,
    filter(
        super::endpoints::WORKSPACE_FILTER,
        T::String,
        "Filter by workspace ID",
    ),
    filter(
        "primaryUserIds",
        T::StringList,
        "Only calls hosted by these user IDs",
    ),
    SELECTOR,
    body(
        "contentSelector.context",
        T::OneOf(&["None", "Basic", "Extended"]),
        "Context level for the data (CRM context)",
    ),
    body(
        "contentSelector.contextTiming",
        T::ListOf(&["Now", "TimeOfCall"]),
        "When the context is taken: now, or as it was at the time of the call",
    ),
    EXPOSED,
    body("contentSelector.exposedFields.collaboration", T::Object, ""),
    exposed(
        "contentSelector.exposedFields.collaboration.publicComments",
        "Include public comments",
    ),
    body("contentSelector.exposedFields.content", T::Object, ""),
    exposed(
        "contentSelector.exposedFields.content.pointsOfInterest",
        "Include points of interest (deprecated, use highlights)",
    ),
    exposed(
        "contentSelector.exposedFields.content.structure",
        "Include call structure",
    ),
    exposed(
        "contentSelector.exposedFields.content.topics",
        "Include topics discussed",
    ),
    exposed(
        "contentSelector.exposedFields.content.trackers",
        "Include trackers",
    ),
    exposed(
        "contentSelector.exposedFields.content.trackerOccurrences",
        "Include tracker occurrences",
    ),
    exposed(
        "contentSelector.exposedFields.content.brief",
        "Include call brief",
    ),
    exposed(
        "contentSelector.exposedFields.content.outline",
        "Include call outline",
    ),
    exposed(
        "contentSelector.exposedFields.content.highlights",
        "Include call highlights",
    ),
    exposed(
        "contentSelector.exposedFields.content.callOutcome",
        "Include call outcome",
    ),
    exposed(
        "contentSelector.exposedFields.content.keyPoints",
        "Include key points",
    ),
    body("contentSelector.exposedFields.interaction", T::Object, ""),
    exposed(
        "contentSelector.exposedFields.interaction.personInteractionStats",
        "Include person interaction statistics",
    ),
    exposed(
        "contentSelector.exposedFields.interaction.questions",
        "Include questions asked",
    ),
    exposed(
        "contentSelector.exposedFields.interaction.speakers",
        "Include speaker information",
    ),
    exposed(
        "contentSelector.exposedFields.interaction.video",
        "Include video interaction data",
    ),
    MEDIA,
    exposed(
        "contentSelector.exposedFields.parties",
        "Include participant information",
    ),
    CURSOR,
];

const SELECTOR: Param = body(
    "contentSelector",
    T::Object,
    "Select which content to include in the response",
);
const EXPOSED: Param = body(
    "contentSelector.exposedFields",
    T::Object,
    "Specify which fields to include in the response",
);
/// The exposed field asking for media URLs.
pub const MEDIA: Param = exposed(
    "contentSelector.exposedFields.media",
    "Include media URLs (audio/video)",
);

/// A recording download's parameters: one call id, the media selector (true or left out), a range.
pub const DOWNLOAD: &[Param] = &[
    FILTER,
    super::endpoints::CALL_IDS
        .about("List containing the single call ID")
        .required(),
    SELECTOR,
    EXPOSED,
    MEDIA.about("Must be true (or left out) to get media URLs"),
    RANGE,
];

/// The part of a recording to fetch: an HTTP Range header's value.
pub const RANGE: Param = super::params::param(
    "range_header",
    At::Local,
    T::String,
    "Optional Range header for partial downloads (e.g. 'bytes=0-99')",
);
