//! The generated dataset. Small entities are stored as ready `serde_json::Value`s; calls are stored
//! compactly (`CallRec`) and their JSON (metadata, extensive content, transcripts) is generated
//! lazily from each call's seed, so 100 000 calls cost a few MB and generate in well under a second.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde_json::{json, Map, Value};

use crate::media::is_large_media_id;
use crate::rng::{gong_id, h2, h3, Rng};
use crate::text::*;
use crate::SandboxConfig;

mod clock;
pub use clock::{PROCESSING_MAX_SECS, PROCESSING_MIN_SECS};

/// Formats a unix time as RFC 3339 with the given offset in minutes (`Z` for UTC).
pub fn fmt_dt(unix: i64, offset_min: i32) -> String {
    let off = FixedOffset::east_opt(offset_min * 60).unwrap_or(FixedOffset::east_opt(0).unwrap());
    let dt = off
        .timestamp_opt(unix, 0)
        .single()
        .unwrap_or_else(|| off.timestamp_opt(0, 0).unwrap());
    if offset_min == 0 {
        dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        dt.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// How to build media URLs: (base URL, expiry unix time, signer(call id, kind, expiry)).
pub type MediaUrls<'a> = (&'a str, i64, &'a dyn Fn(&str, &str, i64) -> String);

/// One call, compactly.
#[derive(Clone, Debug)]
pub struct CallRec {
    /// Gong call id.
    pub id: u64,
    /// Start (unix seconds, UTC).
    pub started: i64,
    /// Duration in seconds.
    pub duration: u32,
    /// Index of the host in `Dataset::users`.
    pub host: usize,
    /// Index of the workspace.
    pub workspace: usize,
    /// Seed of all lazily generated content.
    pub seed: u64,
    /// `metaData.media == "Video"`.
    pub video: bool,
    /// `metaData.isPrivate`.
    pub private: bool,
    /// Offset (minutes) used when rendering this call's date-times.
    pub offset_min: i32,
    /// Title contains U+2028 and every other character Python's `str.splitlines()` splits on.
    pub weird_title: bool,
}

impl CallRec {
    /// The id as Gong renders it.
    pub fn id_str(&self) -> String {
        self.id.to_string()
    }
}

/// A participant of a call (derived from the call seed).
#[derive(Clone, Debug)]
pub struct PartyInfo {
    pub id: u64,
    pub speaker_id: Option<u64>,
    pub user: Option<usize>,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub internal: bool,
    pub methods: Vec<&'static str>,
}

/// Which parts of a call `POST /v2/calls/extensive` returns (contentSelector).
#[derive(Clone, Debug, Default)]
pub struct Selector {
    pub context: Option<String>,
    pub context_timing: Vec<String>,
    pub parties: bool,
    pub content: BTreeSet<String>,
    pub interaction: BTreeSet<String>,
    pub public_comments: bool,
    pub media: bool,
}

impl Selector {
    /// Parses `contentSelector` (missing = only metaData).
    pub fn from_json(v: Option<&Value>) -> Selector {
        let mut s = Selector::default();
        let Some(v) = v else { return s };
        if let Some(c) = v.get("context").and_then(Value::as_str) {
            if c != "None" {
                s.context = Some(c.to_string());
            }
        }
        if let Some(t) = v.get("contextTiming").and_then(Value::as_array) {
            s.context_timing = t
                .iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect();
        }
        if let Some(ef) = v.get("exposedFields") {
            let on = |x: Option<&Value>| x.and_then(Value::as_bool).unwrap_or(false);
            s.parties = on(ef.get("parties"));
            s.media = on(ef.get("media"));
            for (sect, set) in [
                ("content", &mut s.content),
                ("interaction", &mut s.interaction),
            ] {
                if let Some(Value::Object(m)) = ef.get(sect) {
                    for (k, val) in m {
                        if val.as_bool() == Some(true) {
                            set.insert(k.clone());
                        }
                    }
                }
            }
            s.public_comments = on(ef
                .get("collaboration")
                .and_then(|c| c.get("publicComments")));
        }
        s
    }
}

/// Settings-scorecard metadata used to derive answered scorecards.
#[derive(Clone, Debug)]
pub struct ScorecardMeta {
    pub id: u64,
    pub name: String,
    pub workspace: usize,
    /// (questionId, revisionId, type, option ids)
    pub questions: Vec<(u64, u64, &'static str, Vec<u32>)>,
}

/// Per-user activity arrays of one period (day-by-day / aggregate).
#[derive(Clone, Debug, Default)]
pub struct Activity {
    pub lists: BTreeMap<&'static str, Vec<String>>,
}

/// Activity array names, in spec order.
pub const ACTIVITY_FIELDS: [&str; 15] = [
    "callsAsHost",
    "callsGaveFeedback",
    "callsRequestedFeedback",
    "callsReceivedFeedback",
    "ownCallsListenedTo",
    "othersCallsListenedTo",
    "callsSharedInternally",
    "callsSharedExternally",
    "callsAttended",
    "callsCommentsGiven",
    "callsCommentsReceived",
    "callsMarkedAsFeedbackGiven",
    "callsMarkedAsFeedbackReceived",
    "callsScorecardsFilled",
    "callsScorecardsReceived",
];

/// Interaction stat names (per call and per user).
pub const INTERACTION_STATS: [&str; 6] = [
    "Talk Ratio",
    "Longest Monologue",
    "Longest Customer Story",
    "Interactivity",
    "Patience",
    "Question Rate",
];

/// The whole generated tenant.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Seed the dataset was generated from.
    pub seed: u64,
    /// All generated dates are relative to this instant.
    pub anchor: DateTime<Utc>,
    /// `UserMetadata` objects.
    pub users: Vec<Value>,
    /// User ids (same order as `users`).
    pub user_ids: Vec<u64>,
    /// Manager index of each user.
    pub manager_of: Vec<Option<usize>>,
    /// Avatar users (only returned with `includeAvatars=true`).
    pub avatars: Vec<Value>,
    /// `WorkspaceMetadata` objects.
    pub workspaces: Vec<Value>,
    /// Workspace ids.
    pub workspace_ids: Vec<u64>,
    /// Calls processed at the clock (every call without one), sorted by (started, id).
    pub calls: Vec<CallRec>,
    call_index: HashMap<u64, usize>,
    /// Calls generated but not yet processed at the clock (see `clock.rs`).
    pending: Vec<CallRec>,
    /// The clock in unix seconds; `None` = the real time, every call visible.
    clock: Option<i64>,
    /// `Scorecard` objects (settings).
    pub scorecards: Vec<Value>,
    /// Metadata of the settings scorecards.
    pub scorecard_meta: Vec<ScorecardMeta>,
    /// `KeywordTracker` objects.
    pub trackers: Vec<Value>,
    /// `LibraryFolder` objects, with the workspace index of each.
    pub folders: Vec<(usize, Value)>,
    /// Folder content (`LibraryFolderListOfCallsResponse` without requestId) per folder id.
    pub folder_contents: BTreeMap<String, Value>,
    /// The call whose media is ~40 MB.
    pub large_media_call_id: Option<String>,
    transcript_sentences: (usize, usize),
    next_call_serial: u64,
}

fn user_json(
    r: &mut Rng,
    i: usize,
    id: u64,
    manager: Option<u64>,
    anchor: i64,
    avatar: bool,
) -> Value {
    let first = FIRST_NAMES[(i * 7 + 3) % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i * 11 + 5) % LAST_NAMES.len()];
    let email = if avatar {
        format!("avatar.{}@gong.io", email_token(first))
    } else {
        format!(
            "{}.{}{}@example.com",
            email_token(first),
            email_token(last),
            i
        )
    };
    let created = anchor - 86_400 * r.range(90, 1500) as i64 - r.range(0, 86_399) as i64;
    json!({
        "id": id.to_string(),
        "emailAddress": email,
        "created": fmt_dt(created, if i.is_multiple_of(3) { -420 } else { 0 }),
        "active": i % 9 != 8,
        "emailAliases": if i.is_multiple_of(4) { json!([format!("{}@old.example.com", email_token(first))]) } else { json!([]) },
        "trustedEmailAddress": if i % 5 == 2 { Value::Null } else { json!(email) },
        "firstName": first,
        "lastName": last,
        "title": if i % 6 == 5 { Value::Null } else { json!(TITLES[i % TITLES.len()]) },
        "phoneNumber": if i % 3 == 1 { Value::Null } else { json!(format!("+1-555-01{:02}", i % 100)) },
        "extension": if i % 4 == 3 { json!(format!("{}", 100 + i)) } else { Value::Null },
        "personalMeetingUrls": if i.is_multiple_of(2) { json!([format!("https://zoom.us/j/{}", 9_000_000_000u64 + id % 1_000_000_000)]) } else { json!([]) },
        "settings": {
            "webConferencesRecorded": i % 7 != 6,
            "preventWebConferenceRecording": i % 11 == 10,
            "telephonyCallsImported": i.is_multiple_of(2),
            "emailsImported": i % 3 != 2,
            "preventEmailImport": i % 13 == 12,
            "nonRecordedMeetingsImported": i % 2 == 1,
            "gongConnectEnabled": i % 5 != 4,
        },
        "managerId": manager.map(|m| m.to_string()),
        "meetingConsentPageUrl": if i % 4 == 1 { Value::Null } else { json!(format!("https://join.gong.io/example/{}", email_token(first))) },
        "spokenLanguages": if i % 5 == 3 { json!([]) } else if i % 5 == 4 {
            json!([{"language": "en-US", "primary": true}, {"language": "fr-FR", "primary": false}])
        } else { json!([{"language": "en-US", "primary": true}]) },
    })
}

impl Dataset {
    /// Generates the dataset deterministically from `cfg.seed` and `cfg.anchor`.
    pub fn generate(cfg: &SandboxConfig) -> Dataset {
        let mut r = Rng::new(cfg.seed);
        let anchor = cfg.anchor;
        let a = anchor.timestamp();
        let mut used: BTreeSet<u64> = BTreeSet::new();
        let mut new_id = |r: &mut Rng| loop {
            let id = gong_id(r);
            if !is_large_media_id(&id.to_string()) && used.insert(id) {
                return id;
            }
        };

        // Workspaces
        let nws = cfg.workspaces.max(1);
        let mut workspaces = Vec::new();
        let mut workspace_ids = Vec::new();
        for w in 0..nws {
            let id = new_id(&mut r);
            workspace_ids.push(id);
            let (name, desc) = match w {
                0 => ("Sales".to_string(), json!("Main sales workspace")),
                1 => ("Équipe EMEA — 日本語".to_string(), Value::Null),
                n => (
                    format!("Workspace {n}"),
                    json!(format!("Generated workspace #{n}")),
                ),
            };
            workspaces.push(json!({"id": id.to_string(), "name": name, "description": desc}));
        }

        // Users and their managers (see `managers_of`).
        let nusers = cfg.users.max(1);
        let user_ids: Vec<u64> = (0..nusers).map(|_| new_id(&mut r)).collect();
        let manager_of = managers_of(nusers, cfg.managers);
        let users: Vec<Value> = (0..nusers)
            .map(|i| {
                user_json(
                    &mut r,
                    i,
                    user_ids[i],
                    manager_of[i].map(|m| user_ids[m]),
                    a,
                    false,
                )
            })
            .collect();
        let avatar_id = new_id(&mut r);
        let avatars = vec![user_json(&mut r, 1000, avatar_id, None, a, true)];

        // Settings scorecards
        let mut scorecards = Vec::new();
        let mut scorecard_meta = Vec::new();
        let qtypes: [&'static str; 4] = ["SCALE", "SINGLE_CHOICE", "MULTIPLE_CHOICE", "OPEN_TEXT"];
        for s in 0..cfg.scorecards {
            let id = new_id(&mut r);
            let ws = s % nws;
            let nq = 2 + (s % 4);
            let mut qs = Vec::new();
            let mut qjson = Vec::new();
            for q in 0..nq {
                let qid = new_id(&mut r);
                let rev = new_id(&mut r);
                let t = if q == 0 { "SCALE" } else { qtypes[(q + s) % 4] };
                let opts: Vec<u32> = if t.ends_with("CHOICE") {
                    (0..3)
                        .map(|k| (1000 + s * 100 + q * 10 + k) as u32)
                        .collect()
                } else {
                    vec![]
                };
                qjson.push(json!({
                    "questionId": qid,
                    "questionRevisionId": rev,
                    "questionText": if q == 0 { "Overall, how did the rep do?".to_string() } else { format!("Question {q}: {}", TOPICS[(q + s) % TOPICS.len()]) },
                    "isOverall": q == 0,
                    "questionType": t,
                    "answerGuide": if q % 2 == 1 { Value::Null } else { json!("1 = poor, 5 = excellent — réponse libre") },
                    "minRange": if t == "SCALE" { json!(1) } else { Value::Null },
                    "maxRange": if t == "SCALE" { json!(5) } else { Value::Null },
                    "answerOptions": if opts.is_empty() { Value::Null } else {
                        Value::Array(opts.iter().enumerate().map(|(k, o)| json!({"id": o, "text": (["Yes", "No", "N/A ✅"][k])})).collect())
                    },
                }));
                qs.push((qid, rev, t, opts));
            }
            let name = [
                "Discovery Scorecard",
                "Demo Scorecard",
                "Évaluation négociation",
                "コーチング",
            ][s % 4]
                .to_string();
            let created = a - 86_400 * r.range(200, 700) as i64;
            scorecards.push(json!({
                "scorecardId": id,
                "scorecardName": if s >= 4 { format!("{name} {s}") } else { name.clone() },
                "workspaceId": workspace_ids[ws],
                "enabled": s % 4 != 3,
                "updaterUserId": user_ids[(s * 3) % nusers],
                "created": fmt_dt(created, 0),
                "updated": fmt_dt(created + 86_400 * r.range(1, 150) as i64, -420),
                "questions": qjson,
            }));
            scorecard_meta.push(ScorecardMeta {
                id,
                name,
                workspace: ws,
                questions: qs,
            });
        }

        // Trackers
        let mut trackers = Vec::new();
        for t in 0..cfg.trackers {
            let id = new_id(&mut r);
            let builtin = t % 3 == 2;
            let created = a - 86_400 * r.range(100, 900) as i64;
            let words: Vec<&str> = (0..(1 + t % 4))
                .map(|k| COMPANIES[(t + k) % COMPANIES.len()])
                .collect();
            trackers.push(json!({
                "trackerId": id.to_string(),
                "trackerName": (["Competitors", "Pricing", "Next steps", "Sécurité", "導入", "Budget 💰"][t % 6]),
                "workspaceId": workspace_ids[t % nws].to_string(),
                "languageKeywords": [
                    {"language": "eng", "keywords": words, "includeRelatedForms": t % 2 == 0},
                    {"language": "mul", "keywords": [], "includeRelatedForms": false}
                ],
                "affiliation": (["Anyone", "Company", "NonCompany"][t % 3]),
                "partOfQuestion": t % 4 == 1,
                "saidAt": (["Anytime", "Start", "End"][t % 3]),
                "saidAtInterval": if t % 3 == 0 { Value::Null } else { json!(5 + t) },
                "saidAtUnit": if t % 3 == 0 { Value::Null } else { json!((["Minutes", "Percentage"][t % 2])) },
                "saidInTopics": if t % 2 == 0 { json!([]) } else { json!([TOPICS[t % TOPICS.len()]]) },
                "saidInCallParts": if t % 2 == 1 { json!([]) } else { json!(["Beginning", "End"]) },
                "filterQuery": if t % 2 == 0 { json!("") } else { json!("{\"search\":{\"type\":\"And\",\"filters\":[]}}") },
                "created": fmt_dt(created, 0),
                "creatorUserId": if builtin { Value::Null } else { json!(user_ids[t % nusers].to_string()) },
                "updated": fmt_dt(created + 86_400 * r.range(0, 90) as i64, 0),
                "updaterUserId": if builtin { Value::Null } else { json!(user_ids[(t + 1) % nusers].to_string()) },
            }));
        }

        // Calls
        let span = (cfg.days.max(1) as i64) * 86_400;
        let large_at = if cfg.calls > 0 {
            Some(cfg.calls / 2)
        } else {
            None
        };
        let mut calls = Vec::with_capacity(cfg.calls);
        let mut large_media_call_id = None;
        for i in 0..cfg.calls {
            let id = if Some(i) == large_at {
                loop {
                    let id = gong_id(&mut r);
                    if is_large_media_id(&id.to_string()) && used.insert(id) {
                        break id;
                    }
                }
            } else {
                new_id_calls(&mut r, &mut used)
            };
            if Some(i) == large_at {
                large_media_call_id = Some(id.to_string());
            }
            let started = a - span + r.below(span as u64) as i64;
            calls.push(make_call(&mut r, id, started, nusers, nws, i == 1));
        }
        calls.sort_by_key(|c| (c.started, c.id));
        let call_index = calls.iter().enumerate().map(|(i, c)| (c.id, i)).collect();

        let mut ds = Dataset {
            seed: cfg.seed,
            anchor,
            users,
            user_ids,
            manager_of,
            avatars,
            workspaces,
            workspace_ids,
            calls,
            call_index,
            pending: Vec::new(),
            clock: None,
            scorecards,
            scorecard_meta,
            trackers,
            folders: Vec::new(),
            folder_contents: BTreeMap::new(),
            large_media_call_id,
            transcript_sentences: cfg.transcript_sentences,
            next_call_serial: cfg.calls as u64,
        };

        // Library folders (after calls: their content references calls)
        for w in 0..nws {
            let mut root = None;
            for f in 0..cfg.library_folders {
                let id = new_id_calls(&mut r, &mut used);
                let parent = if f == 0 {
                    None
                } else if f % 3 == 0 {
                    Some(id - 1)
                } else {
                    root
                };
                let parent = if f % 3 == 0 && f > 0 {
                    ds.folders
                        .last()
                        .map(|(_, v)| v["id"].as_str().unwrap().parse::<u64>().unwrap())
                } else {
                    parent
                };
                if f == 0 {
                    root = Some(id);
                }
                let name = match f {
                    0 => "Best calls".to_string(),
                    1 => "Discovery — exemples".to_string(),
                    2 => "オンボーディング".to_string(),
                    3 => "Objection handling 🛡️".to_string(),
                    n => format!("Folder {n}"),
                };
                let creator = ds.user_ids[(w + f) % nusers].to_string();
                let updated = fmt_dt(
                    a - 86_400 * r.range(1, 300) as i64,
                    if f % 2 == 0 { 0 } else { 120 },
                );
                let folder = json!({
                    "id": id.to_string(),
                    "name": name,
                    "parentFolderId": parent.map(|p| p.to_string()),
                    "createdBy": creator,
                    "updated": updated,
                });
                // content: calls of this workspace, 0 for the last folder, else up to 40
                let ws_calls: Vec<usize> = (0..ds.calls.len())
                    .filter(|&i| ds.calls[i].workspace == w)
                    .collect();
                let n = if f + 1 == cfg.library_folders || ws_calls.is_empty() {
                    0
                } else {
                    r.range(1, 40.min(ws_calls.len() as u64)) as usize
                };
                let mut chosen = BTreeSet::new();
                while chosen.len() < n {
                    chosen.insert(ws_calls[r.below(ws_calls.len() as u64) as usize]);
                }
                let items: Vec<Value> = chosen
                    .iter()
                    .map(|&ci| {
                        let c = &ds.calls[ci];
                        let snippet = if r.chance(0.4) {
                            Value::Null
                        } else {
                            let from = r.below(c.duration as u64 / 2) as u32;
                            json!({"fromSec": from, "toSec": from + 30 + r.below(c.duration as u64 / 2) as u32})
                        };
                        json!({
                            "id": c.id_str(),
                            "title": ds.call_title(c),
                            "note": if r.chance(0.5) { Value::Null } else { json!("Great example — très bien 👏") },
                            "addedBy": ds.user_ids[r.below(nusers as u64) as usize].to_string(),
                            "created": fmt_dt(c.started + c.duration as i64 + 3600 + r.below(86_400 * 5) as i64, 0),
                            "url": format!("https://app.gong.io/call?id={}", c.id),
                            "snippet": snippet,
                        })
                    })
                    .collect();
                ds.folder_contents.insert(
                    id.to_string(),
                    json!({"id": id.to_string(), "name": folder["name"], "createdBy": folder["createdBy"], "updated": folder["updated"], "calls": items}),
                );
                ds.folders.push((w, folder));
            }
        }
        if cfg.now.is_some() {
            ds.set_clock(cfg.now);
        }
        ds
    }

    /// Adds a call that started at `started` (late-processed data); returns its id.
    pub fn add_call(&mut self, started: DateTime<Utc>) -> String {
        self.next_call_serial += 1;
        let mut r = Rng::new(h3(self.seed, self.next_call_serial, 0xADD));
        let id = loop {
            let id = gong_id(&mut r);
            if !is_large_media_id(&id.to_string())
                && !self.call_index.contains_key(&id)
                && self.pending.iter().all(|c| c.id != id)
            {
                break id;
            }
        };
        let c = make_call(
            &mut r,
            id,
            started.timestamp(),
            self.users.len(),
            self.workspaces.len(),
            false,
        );
        let pos = self
            .calls
            .partition_point(|x| (x.started, x.id) < (c.started, c.id));
        self.calls.insert(pos, c);
        self.reindex_calls();
        id.to_string()
    }

    /// Rebuilds the id index of `calls` after they changed.
    fn reindex_calls(&mut self) {
        self.call_index = self
            .calls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
    }

    /// Removes every call `erase` picks, with all that derives from it (extensive data, transcript, media,
    /// access list, CRM associations, logs: the sandbox generates them from the call), as Gong's
    /// data-privacy erasure and retention purge do. Returns the ids removed (see `server/erase.rs`).
    pub fn remove_calls(&mut self, erase: impl Fn(&Dataset, &CallRec) -> bool) -> Vec<String> {
        let (mut gone, kept): (Vec<CallRec>, Vec<CallRec>) = std::mem::take(&mut self.calls)
            .into_iter()
            .partition(|c| erase(self, c));
        self.calls = kept;
        // Calls the clock has not processed yet go too, or moving the clock would bring them back.
        let (gone_later, waiting): (Vec<CallRec>, Vec<CallRec>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|c| erase(self, c));
        self.pending = waiting;
        gone.extend(gone_later);
        self.reindex_calls();
        gone.iter().map(CallRec::id_str).collect()
    }

    /// Index of a call by id.
    pub fn call_by_id(&self, id: &str) -> Option<&CallRec> {
        id.trim()
            .parse::<u64>()
            .ok()
            .and_then(|i| self.call_index.get(&i))
            .map(|&i| &self.calls[i])
    }

    /// Range of call indices with `from <= started < to`.
    pub fn call_range(&self, from: Option<i64>, to: Option<i64>) -> std::ops::Range<usize> {
        let lo = from.map_or(0, |f| self.calls.partition_point(|c| c.started < f));
        let hi = to.map_or(self.calls.len(), |t| {
            self.calls.partition_point(|c| c.started < t)
        });
        lo..hi.max(lo)
    }

    /// Index of a workspace by id.
    pub fn workspace_index(&self, id: &str) -> Option<usize> {
        let id: u64 = id.trim().parse().ok()?;
        self.workspace_ids.iter().position(|&w| w == id)
    }

    /// Index of a user by id.
    pub fn user_index(&self, id: &str) -> Option<usize> {
        let id: u64 = id.trim().parse().ok()?;
        self.user_ids.iter().position(|&u| u == id)
    }

    /// Expected number of records per entity (for `/sandbox/dataset/counts`).
    pub fn counts(&self) -> Value {
        let answered = self
            .calls
            .iter()
            .filter(|c| self.answered_scorecard(c).is_some())
            .count();
        let transcripts = self.calls.len();
        let folder_calls: usize = self
            .folder_contents
            .values()
            .map(|v| v["calls"].as_array().map_or(0, Vec::len))
            .sum();
        let video = self.calls.iter().filter(|c| c.video).count();
        let managers: BTreeSet<usize> = self.manager_of.iter().flatten().copied().collect();
        json!({
            "users": self.users.len(),
            "avatars": self.avatars.len(),
            "workspaces": self.workspaces.len(),
            "calls": self.calls.len(),
            "calls_extensive": self.calls.len(),
            "call_transcripts": transcripts,
            "call_audio": self.calls.len(),
            "call_video": video,
            "settings_scorecards": self.scorecards.len(),
            "settings_trackers": self.trackers.len(),
            "library_folders": self.folders.len(),
            "library_folder_content": folder_calls,
            "stats_activity_scorecards": answered,
            "managers": managers.len(),
            "first_call_started": self.calls.first().map(|c| fmt_dt(c.started, 0)),
            "last_call_started": self.calls.last().map(|c| fmt_dt(c.started, 0)),
            "large_media_call_id": self.large_media_call_id,
        })
    }

    // ---------------------------------------------------------------- calls

    /// The call's title.
    pub fn call_title(&self, c: &CallRec) -> String {
        let mut r = Rng::new(h2(c.seed, 1));
        let company = *r.pick(COMPANIES);
        let kind = *r.pick(CALL_KINDS);
        if c.weird_title {
            format!("{company} / {kind}\u{2028}(line separator)\u{85}\u{2029}\u{b}\u{c}\u{1c}\u{1d}\u{1e}")
        } else {
            format!("{company} | {kind}")
        }
    }

    /// `CallBasicData` of a call.
    pub fn call_basic(&self, c: &CallRec) -> Value {
        let mut r = Rng::new(h2(c.seed, 2));
        let system = *r.pick(SYSTEMS);
        let conference = system != "RingCentral" && system != "Outreach";
        let direction = if conference {
            "Conference"
        } else {
            *r.pick(&["Inbound", "Outbound", "Unknown"])
        };
        let parties = self.parties(c);
        let scope = if parties.iter().all(|p| p.internal) {
            "Internal"
        } else if r.chance(0.03) {
            "Unknown"
        } else {
            "External"
        };
        let scheduled = c.started - r.range(0, 300) as i64;
        let id = c.id_str();
        json!({
            "id": id,
            "url": format!("https://app.gong.io/call?id={id}"),
            "title": self.call_title(c),
            "scheduled": if conference { json!(fmt_dt(scheduled, c.offset_min)) } else { Value::Null },
            "started": fmt_dt(c.started, c.offset_min),
            "duration": c.duration,
            "primaryUserId": self.user_ids[c.host].to_string(),
            "direction": direction,
            "system": system,
            "scope": scope,
            "media": if c.video { "Video" } else { "Audio" },
            "language": *r.pick(LANGUAGES),
            "workspaceId": self.workspace_ids[c.workspace].to_string(),
            "sdrDisposition": if conference { Value::Null } else { json!(*r.pick(&["Connected", "Left Voicemail", "No Answer", "Réunion planifiée"])) },
            "clientUniqueId": if conference { Value::Null } else { json!(format!("rc-{}", r.next_u64() % 10_000_000_000)) },
            "customData": if r.chance(0.1) { json!("{\"source\":\"api\",\"note\":\"données personnalisées\"}") } else { Value::Null },
            "purpose": if r.chance(0.2) { json!(*r.pick(&["Discovery", "Demo", "Negotiation"])) } else { Value::Null },
            "meetingUrl": if conference { json!(format!("https://zoom.us/j/{}", 8_000_000_000u64 + c.id % 1_000_000_000)) } else { Value::Null },
            "isPrivate": c.private,
            "calendarEventId": if conference { json!(format!("evt_{:x}", h2(c.seed, 3))) } else { Value::Null },
        })
    }

    /// Participants of a call.
    pub fn parties(&self, c: &CallRec) -> Vec<PartyInfo> {
        let mut r = Rng::new(h2(c.seed, 4));
        let nusers = self.users.len();
        let mut internal = vec![c.host];
        let extra = r.below(3) as usize;
        for _ in 0..extra {
            let u = r.below(nusers as u64) as usize;
            if !internal.contains(&u) {
                internal.push(u);
            }
        }
        let nexternal = if r.chance(0.08) {
            0
        } else {
            r.range(1, 3) as usize
        };
        let mut out = Vec::new();
        for (k, &u) in internal.iter().enumerate() {
            let user = &self.users[u];
            out.push(PartyInfo {
                id: 1_000_000_000_000_000 + h2(c.seed, 100 + k as u64) % 8_000_000_000_000_000_000,
                speaker_id: if k > 0 && r.chance(0.2) {
                    None
                } else {
                    Some(
                        1_000_000_000_000_000
                            + h2(c.seed, 200 + k as u64) % 8_000_000_000_000_000_000,
                    )
                },
                user: Some(u),
                name: format!(
                    "{} {}",
                    user["firstName"].as_str().unwrap_or(""),
                    user["lastName"].as_str().unwrap_or("")
                ),
                email: user["emailAddress"].as_str().map(String::from),
                title: user["title"].as_str().map(String::from),
                phone: user["phoneNumber"].as_str().map(String::from),
                internal: true,
                methods: if k == 0 {
                    vec!["Invitee", "Attendee"]
                } else {
                    vec!["Attendee"]
                },
            });
        }
        for k in 0..nexternal {
            let first = *r.pick(FIRST_NAMES);
            let last = *r.pick(LAST_NAMES);
            let company = *r.pick(COMPANIES);
            let kk = 50 + k as u64;
            out.push(PartyInfo {
                id: 1_000_000_000_000_000 + h2(c.seed, 100 + kk) % 8_000_000_000_000_000_000,
                speaker_id: if r.chance(0.15) {
                    None
                } else {
                    Some(1_000_000_000_000_000 + h2(c.seed, 200 + kk) % 8_000_000_000_000_000_000)
                },
                user: None,
                name: format!("{first} {last}"),
                email: if r.chance(0.2) {
                    None
                } else {
                    Some(format!(
                        "{}.{}@{}.example",
                        email_token(first),
                        email_token(last),
                        email_token(company)
                    ))
                },
                title: if r.chance(0.3) {
                    None
                } else {
                    Some(
                        r.pick(&[
                            "CTO",
                            "Head of Procurement",
                            "Directrice financière",
                            "エンジニア",
                        ])
                        .to_string(),
                    )
                },
                phone: if r.chance(0.5) {
                    None
                } else {
                    Some(format!("+44 20 7946 {:04}", r.below(10_000)))
                },
                internal: false,
                methods: if r.chance(0.1) {
                    vec![]
                } else {
                    vec!["Invitee"]
                },
            });
        }
        out
    }

    fn speakers<'a>(&self, parties: &'a [PartyInfo]) -> Vec<&'a PartyInfo> {
        parties.iter().filter(|p| p.speaker_id.is_some()).collect()
    }

    /// Per-call interaction stat values (same names as `INTERACTION_STATS`).
    pub fn call_interaction_stats(&self, c: &CallRec) -> [f64; 6] {
        let mut r = Rng::new(h2(c.seed, 5));
        [
            round2(0.2 + r.unit() * 0.6),
            (30 + r.below(400)) as f64,
            (10 + r.below(300)) as f64,
            round2(r.unit() * 10.0),
            round2(0.3 + r.unit() * 2.0),
            round2(r.unit() * 3.0),
        ]
    }

    /// The answered scorecard of a call, if it has one: (scorecard index, reviewer index, review time).
    pub fn answered_scorecard(&self, c: &CallRec) -> Option<(usize, usize, i64)> {
        if self.scorecard_meta.is_empty() || !h2(c.seed, 77).is_multiple_of(3) {
            return None;
        }
        let cands: Vec<usize> = (0..self.scorecard_meta.len())
            .filter(|&s| self.scorecard_meta[s].workspace == c.workspace)
            .collect();
        let pool: Vec<usize> = if cands.is_empty() {
            (0..self.scorecard_meta.len()).collect()
        } else {
            cands
        };
        let s = pool[(h2(c.seed, 78) % pool.len() as u64) as usize];
        let reviewer = self.manager_of[c.host].unwrap_or(0);
        let review = c.started + c.duration as i64 + 3600 + (h2(c.seed, 79) % (72 * 3600)) as i64;
        // A review happens hours to days after the call; one that lies in the future does not exist
        // yet. It appears once its time has come, as late data does in Gong.
        if review > self.now() {
            return None;
        }
        Some((s, reviewer, review))
    }

    /// `AnsweredScorecard` of a call.
    pub fn answered_scorecard_json(&self, c: &CallRec) -> Option<Value> {
        let (s, reviewer, review) = self.answered_scorecard(c)?;
        let meta = &self.scorecard_meta[s];
        let mut r = Rng::new(h2(c.seed, 80));
        let answers: Vec<Value> = meta
            .questions
            .iter()
            .enumerate()
            .map(|(k, (qid, rev, t, opts))| {
                let na = k > 0 && r.chance(0.1);
                let (score, text, sel) = if na {
                    (Value::Null, Value::Null, Value::Null)
                } else {
                    match *t {
                        "SCALE" => (json!(r.range(1, 5)), Value::Null, Value::Null),
                        "OPEN_TEXT" => (Value::Null, json!(sentence(&mut r, 3, 12)), Value::Null),
                        _ => (
                            Value::Null,
                            Value::Null,
                            json!([opts[r.below(opts.len() as u64) as usize].to_string()]),
                        ),
                    }
                };
                json!({
                    "questionId": qid,
                    "questionRevisionId": rev,
                    "isOverall": k == 0,
                    "score": score,
                    "answerText": text,
                    "notApplicable": na,
                    "selectedOptions": sel,
                })
            })
            .collect();
        Some(json!({
            "answeredScorecardId": 1_000_000_000_000_000u64 + h2(c.seed, 81) % 8_000_000_000_000_000_000,
            "scorecardId": meta.id,
            "scorecardName": meta.name,
            "callId": c.id,
            "callStartTime": fmt_dt(c.started, c.offset_min),
            "reviewedUserId": self.user_ids[c.host],
            "reviewerUserId": self.user_ids[reviewer],
            "reviewTime": fmt_dt(review, 0),
            "visibilityType": (["PUBLIC", "PUBLIC", "PRIVATE", "OPT_IN_USERS"][(h2(c.seed, 82) % 4) as usize]),
            "answers": answers,
        }))
    }

    fn tracker_indices(&self, c: &CallRec) -> Vec<usize> {
        (0..self.trackers.len())
            .filter(|&t| !h3(c.seed, 90, t as u64).is_multiple_of(3))
            .collect()
    }

    /// `CallData` of a call, with only the parts `sel` asks for. `media` is `(base_url, expires, signer)`.
    pub fn call_extensive(
        &self,
        c: &CallRec,
        sel: &Selector,
        media: Option<MediaUrls<'_>>,
    ) -> Value {
        let mut out = Map::new();
        out.insert("metaData".into(), self.call_basic(c));
        let parties = self.parties(c);
        let mut r = Rng::new(h2(c.seed, 6));
        let dur = c.duration as f64;
        if let Some(level) = &sel.context {
            let timings: Vec<&str> = if sel.context_timing.is_empty() {
                vec!["Now"]
            } else {
                sel.context_timing
                    .iter()
                    .map(String::as_str)
                    .filter(|t| *t == "Now" || *t == "TimeOfCall")
                    .collect()
            };
            let mut ctx = Vec::new();
            if parties.iter().any(|p| !p.internal) {
                let mut objects = Vec::new();
                for &timing in &timings {
                    let company = COMPANIES[(h2(c.seed, 7) % COMPANIES.len() as u64) as usize];
                    let mut opp_fields =
                        vec![json!({"name": "Name", "value": format!("{company} — renewal")})];
                    let mut acc_fields = vec![json!({"name": "Name", "value": company})];
                    if level == "Extended" {
                        opp_fields.push(
                            json!({"name": "Amount", "value": 1000 * (1 + h2(c.seed, 8) % 500)}),
                        );
                        opp_fields
                            .push(json!({"name": "StageName", "value": "Negotiation/Review"}));
                        opp_fields.push(json!({"name": "CloseDate", "value": fmt_dt(c.started + 86_400 * 30, 0)[..10].to_string()}));
                        acc_fields.push(json!({"name": "Website", "value": format!("https://{}.example", email_token(company))}));
                        acc_fields.push(json!({"name": "Industry", "value": Value::Null}));
                    }
                    objects.push(json!({"objectType": "Opportunity", "objectId": format!("006{:015X}", h2(c.seed, 9) % (1 << 60)), "fields": opp_fields, "timing": timing}));
                    objects.push(json!({"objectType": "Account", "objectId": format!("001{:015X}", h2(c.seed, 10) % (1 << 60)), "fields": acc_fields, "timing": timing}));
                }
                ctx.push(json!({"system": if h2(c.seed, 11).is_multiple_of(4) { "HubSpot" } else { "Salesforce" }, "objects": objects}));
            }
            out.insert("context".into(), Value::Array(ctx));
        }
        if sel.parties {
            let v: Vec<Value> = parties
                .iter()
                .map(|p| {
                    let mut m = json!({
                        "id": p.id.to_string(),
                        "emailAddress": p.email,
                        "name": p.name,
                        "title": p.title,
                        "userId": p.user.map(|u| self.user_ids[u].to_string()),
                        "speakerId": p.speaker_id.map(|s| s.to_string()),
                        "affiliation": if p.internal { "Internal" } else if p.email.is_none() && h2(p.id, 1).is_multiple_of(2) { "Unknown" } else { "External" },
                        "phoneNumber": p.phone,
                        "methods": p.methods,
                    });
                    if sel.context.is_some() {
                        let ctx = if p.internal || p.email.is_none() {
                            json!([])
                        } else {
                            let timing = sel.context_timing.first().map(String::as_str).unwrap_or("Now");
                            json!([{"system": "Salesforce", "objects": [{
                                "objectType": if h2(p.id, 2).is_multiple_of(3) { "Lead" } else { "Contact" },
                                "objectId": format!("003{:015X}", h2(p.id, 3) % (1 << 60)),
                                "fields": [{"name": "Email", "value": p.email}, {"name": "Title", "value": p.title}],
                                "timing": timing,
                            }]}])
                        };
                        m["context"] = ctx;
                    }
                    m
                })
                .collect();
            out.insert("parties".into(), Value::Array(v));
        }
        let speakers = self.speakers(&parties);
        let spk = |r: &mut Rng| -> Value {
            if speakers.is_empty() {
                Value::Null
            } else {
                json!(speakers[r.below(speakers.len() as u64) as usize]
                    .speaker_id
                    .unwrap()
                    .to_string())
            }
        };
        if !sel.content.is_empty() {
            let mut m = Map::new();
            let has = |k: &str| sel.content.contains(k);
            if has("structure") {
                let n = 2 + r.below(4);
                let parts: Vec<Value> = (0..n).map(|k| json!({"name": TOPICS[(k as usize + c.seed as usize % 3) % TOPICS.len()], "duration": c.duration as u64 / n})).collect();
                m.insert("structure".into(), Value::Array(parts));
            }
            if has("trackers") {
                let occ = has("trackerOccurrences");
                let v: Vec<Value> = self
                    .tracker_indices(c)
                    .into_iter()
                    .map(|t| {
                        let tr = &self.trackers[t];
                        let smart = t % 4 == 3;
                        let count = r.below(6);
                        let occs: Vec<Value> = (0..count).map(|_| json!({"startTime": round2(r.unit() * dur), "speakerId": spk(&mut r)})).collect();
                        let mut o = json!({
                            "id": tr["trackerId"],
                            "name": tr["trackerName"],
                            "count": count,
                            "type": if smart { "SMART" } else { "KEYWORD" },
                        });
                        let phrases: Vec<Value> = if smart || count == 0 {
                            vec![]
                        } else {
                            let kw = tr["languageKeywords"][0]["keywords"][0].clone();
                            let mut p = json!({"count": count, "phrase": kw});
                            if occ {
                                p["occurrences"] = Value::Array(occs.clone());
                            }
                            vec![p]
                        };
                        if occ {
                            o["occurrences"] = Value::Array(occs);
                        }
                        o["phrases"] = Value::Array(phrases);
                        o
                    })
                    .collect();
                m.insert("trackers".into(), Value::Array(v));
            }
            if has("topics") {
                let n = r.below(5);
                let v: Vec<Value> = (0..n).map(|k| json!({"name": TOPICS[k as usize % TOPICS.len()], "duration": r.below(c.duration as u64 / 3 + 1)})).collect();
                m.insert("topics".into(), Value::Array(v));
            }
            if has("pointsOfInterest") {
                let n = r.below(4);
                let v: Vec<Value> = (0..n)
                    .map(|_| {
                        let s = round2(r.unit() * dur * 0.9);
                        json!({"snippetStartTime": s, "snippetEndTime": round2(s + 5.0 + r.unit() * 20.0), "speakerID": spk(&mut r), "snippet": sentence(&mut r, 5, 15)})
                    })
                    .collect();
                m.insert("pointsOfInterest".into(), json!({"actionItems": v}));
            }
            if has("brief") {
                m.insert(
                    "brief".into(),
                    if h2(c.seed, 12).is_multiple_of(10) {
                        Value::Null
                    } else {
                        json!(format!(
                            "{} {}",
                            sentence(&mut r, 8, 20),
                            sentence(&mut r, 8, 20)
                        ))
                    },
                );
            }
            if has("outline") {
                let n = 1 + r.below(4);
                let v: Vec<Value> = (0..n)
                    .map(|k| {
                        let st = round2(dur * k as f64 / n as f64);
                        let items: Vec<Value> = (0..1 + r.below(3)).map(|j| json!({"text": sentence(&mut r, 4, 12), "startTime": round2(st + j as f64 * 10.0)})).collect();
                        json!({"section": TOPICS[k as usize % TOPICS.len()], "startTime": st, "duration": round2(dur / n as f64), "items": items})
                    })
                    .collect();
                m.insert("outline".into(), Value::Array(v));
            }
            if has("highlights") {
                let v: Vec<Value> = ["Next steps", "Pain points"]
                    .iter()
                    .take(r.below(3) as usize)
                    .map(|t| {
                        let items: Vec<Value> = (0..1 + r.below(3)).map(|_| json!({"text": sentence(&mut r, 4, 12), "startTimes": [round2(r.unit() * dur), round2(r.unit() * dur)]})).collect();
                        json!({"title": t, "items": items})
                    })
                    .collect();
                m.insert("highlights".into(), Value::Array(v));
            }
            if has("callOutcome") {
                let k = h2(c.seed, 13) % 5;
                m.insert(
                    "callOutcome".into(),
                    if k == 0 {
                        Value::Null
                    } else {
                        let (cat, name) = [
                            ("", ""),
                            ("Positive", "Demo scheduled"),
                            ("Positive", "Deal progressed"),
                            ("Neutral", "Follow-up needed"),
                            ("Négatif", "Pas intéressé"),
                        ][k as usize];
                        json!({"id": format!("{}", 100 + k), "category": cat, "name": name})
                    },
                );
            }
            if has("keyPoints") {
                let v: Vec<Value> = (0..r.below(4))
                    .map(|_| json!({"text": sentence(&mut r, 5, 14)}))
                    .collect();
                m.insert("keyPoints".into(), Value::Array(v));
            }
            out.insert("content".into(), Value::Object(m));
        }
        if !sel.interaction.is_empty() {
            let mut m = Map::new();
            let has = |k: &str| sel.interaction.contains(k);
            if has("speakers") {
                let mut left = dur;
                let v: Vec<Value> = speakers
                    .iter()
                    .map(|p| {
                        let t = round2(left * (0.2 + r.unit() * 0.5));
                        left -= t;
                        json!({"id": p.id.to_string(), "userId": p.user.map(|u| self.user_ids[u].to_string()), "talkTime": t})
                    })
                    .collect();
                m.insert("speakers".into(), Value::Array(v));
            }
            if has("personInteractionStats") {
                let st = self.call_interaction_stats(c);
                let v: Vec<Value> = INTERACTION_STATS
                    .iter()
                    .zip(st)
                    .map(|(n, v)| json!({"name": n, "value": v}))
                    .collect();
                m.insert("interactionStats".into(), Value::Array(v));
            }
            if has("video") {
                let v: Vec<Value> = if c.video {
                    [
                        "Browser",
                        "Presentation",
                        "WebcamPrimaryUser",
                        "WebcamNonCompany",
                        "Webcam",
                    ]
                    .iter()
                    .map(|n| json!({"name": n, "duration": round2(r.unit() * dur / 3.0)}))
                    .collect()
                } else {
                    vec![]
                };
                m.insert("video".into(), Value::Array(v));
            }
            if has("questions") {
                m.insert(
                    "questions".into(),
                    json!({"companyCount": r.below(30), "nonCompanyCount": r.below(20)}),
                );
            }
            out.insert("interaction".into(), Value::Object(m));
        }
        if sel.public_comments {
            let n = if h2(c.seed, 14).is_multiple_of(3) {
                0
            } else {
                r.below(4)
            };
            let mut prev: Option<String> = None;
            let v: Vec<Value> = (0..n)
                .map(|k| {
                    let id = (1_000_000_000_000_000u64 + h2(c.seed, 300 + k) % 8_000_000_000_000_000_000).to_string();
                    let s = round2(r.unit() * dur);
                    let during = r.chance(0.3);
                    let reply = if k > 0 && r.chance(0.4) { prev.clone() } else { None };
                    prev = Some(id.clone());
                    let commenter = self.manager_of[c.host].unwrap_or(c.host);
                    json!({
                        "id": id,
                        "audioStartTime": s,
                        "audioEndTime": round2(s + 10.0),
                        "commenterUserId": self.user_ids[commenter].to_string(),
                        "comment": format!("@[{}]({}) {}", self.users[c.host]["firstName"].as_str().unwrap_or(""), self.user_ids[c.host], sentence(&mut r, 3, 12)),
                        "posted": fmt_dt(c.started + if during { (s as i64).max(1) } else { c.duration as i64 + 7200 + k as i64 * 60 }, 0),
                        "inReplyTo": reply,
                        "duringCall": during,
                    })
                })
                .collect();
            out.insert("collaboration".into(), json!({"publicComments": v}));
        }
        if sel.media {
            if let Some((base, expires, sign)) = media {
                let id = c.id_str();
                let url = |kind: &str| {
                    format!(
                        "{base}/media/{id}/{kind}?expires={expires}&signature={}",
                        sign(&id, kind, expires)
                    )
                };
                out.insert("media".into(), json!({"audioUrl": url("audio"), "videoUrl": if c.video { json!(url("video")) } else { Value::Null }}));
            }
        }
        Value::Object(out)
    }

    /// Number of sentences in a call's transcript.
    pub fn transcript_len(&self, c: &CallRec) -> usize {
        let h = h2(c.seed, 20);
        if h % 50 == 7 {
            return 0;
        }
        if h % 40 == 3 {
            return 2000 + (h2(c.seed, 21) % 3000) as usize;
        }
        let (lo, hi) = self.transcript_sentences;
        lo + (h2(c.seed, 22) % (hi.saturating_sub(lo) as u64 + 1)) as usize
    }

    /// `CallTranscript` of a call.
    pub fn transcript(&self, c: &CallRec) -> Value {
        let parties = self.parties(c);
        let speakers = self.speakers(&parties);
        let n = if speakers.is_empty() {
            0
        } else {
            self.transcript_len(c)
        };
        let mut r = Rng::new(h2(c.seed, 23));
        let total_ms = c.duration as u64 * 1000;
        let step = if n == 0 {
            0
        } else {
            (total_ms / n as u64).max(1)
        };
        let mut monologues = Vec::new();
        let mut i = 0;
        let mut sp = 0usize;
        while i < n {
            let len = (1 + r.below(8) as usize).min(n - i);
            let sentences: Vec<Value> = (i..i + len)
                .map(|k| {
                    let start = k as u64 * step;
                    json!({"start": start, "end": start + step - step / 10, "text": sentence(&mut r, 3, 18)})
                })
                .collect();
            let topic = if r.chance(0.3) {
                Value::Null
            } else {
                json!(TOPICS[(i * TOPICS.len() / n.max(1)) % TOPICS.len()])
            };
            monologues.push(json!({"speakerId": speakers[sp % speakers.len()].speaker_id.unwrap().to_string(), "topic": topic, "sentences": sentences}));
            sp += 1 + r.below(2) as usize;
            i += len;
        }
        json!({"callId": c.id_str(), "transcript": monologues})
    }

    // ---------------------------------------------------------------- stats

    /// Activity of every user over the calls in `range` (by day when `by_day`), keyed by user index.
    /// Returns, per user, one `Activity` per day (or one in total).
    pub fn activity(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        users: &BTreeSet<usize>,
    ) -> BTreeMap<usize, Vec<Activity>> {
        let days = (to - from).num_days().max(0) as usize;
        let f = from.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        let t = to.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        let mut out: BTreeMap<usize, Vec<Activity>> = BTreeMap::new();
        for c in &self.calls[self.call_range(Some(f), Some(t))] {
            let day = ((c.started - f) / 86_400) as usize;
            let id = c.id_str();
            let parties = self.parties(c);
            let scored = self.answered_scorecard(c);
            let mut add = |u: usize, field: &'static str| {
                if users.contains(&u) {
                    let v = out
                        .entry(u)
                        .or_insert_with(|| vec![Activity::default(); days]);
                    v[day].lists.entry(field).or_default().push(id.clone());
                }
            };
            add(c.host, "callsAsHost");
            for p in parties.iter().skip(1) {
                if let Some(u) = p.user {
                    add(u, "callsAttended");
                }
            }
            let hh = h2(c.seed, 30);
            if hh.is_multiple_of(4) {
                add(c.host, "ownCallsListenedTo");
            }
            if hh % 5 == 1 {
                add(c.host, "callsRequestedFeedback");
            }
            if let Some(m) = self.manager_of[c.host] {
                if hh.is_multiple_of(3) {
                    add(m, "othersCallsListenedTo");
                }
                if hh % 5 == 1 {
                    add(m, "callsGaveFeedback");
                    add(c.host, "callsReceivedFeedback");
                }
                if hh % 7 == 2 {
                    add(m, "callsCommentsGiven");
                    add(c.host, "callsCommentsReceived");
                }
                if hh % 9 == 4 {
                    add(m, "callsMarkedAsFeedbackGiven");
                    add(c.host, "callsMarkedAsFeedbackReceived");
                }
            }
            if hh % 6 == 5 {
                add(c.host, "callsSharedInternally");
            }
            if hh % 17 == 11 {
                add(c.host, "callsSharedExternally");
            }
            if let Some((_, reviewer, _)) = scored {
                add(reviewer, "callsScorecardsFilled");
                add(c.host, "callsScorecardsReceived");
            }
        }
        out
    }

    /// Average interaction stats of the calls each user hosted in `[from, to)`.
    pub fn interaction(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        users: &BTreeSet<usize>,
    ) -> BTreeMap<usize, [f64; 6]> {
        let f = from.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        let t = to.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        let mut acc: BTreeMap<usize, ([f64; 6], u32)> = BTreeMap::new();
        for c in &self.calls[self.call_range(Some(f), Some(t))] {
            if !users.contains(&c.host) {
                continue;
            }
            let s = self.call_interaction_stats(c);
            let e = acc.entry(c.host).or_insert(([0.0; 6], 0));
            for (a, b) in e.0.iter_mut().zip(s) {
                *a += b;
            }
            e.1 += 1;
        }
        acc.into_iter()
            .map(|(u, (sum, n))| {
                let mut avg = sum.map(|x| round2(x / n as f64));
                // "Longest Monologue" and "Longest Customer Story" are whole seconds
                avg[1] = avg[1].round();
                avg[2] = avg[2].round();
                (u, avg)
            })
            .collect()
    }

    /// Coaching data of a manager in a workspace for `[from, to)`.
    pub fn coaching(&self, ws: usize, manager: usize, from: i64, to: i64) -> Vec<Value> {
        let reports: Vec<usize> = (0..self.users.len())
            .filter(|&u| self.manager_of[u] == Some(manager))
            .collect();
        if reports.is_empty() {
            return vec![];
        }
        let cu = |u: usize| {
            let x = &self.users[u];
            json!({"id": x["id"], "emailAddress": x["emailAddress"], "firstName": x["firstName"], "lastName": x["lastName"], "title": x["title"]})
        };
        let range = self.call_range(Some(from), Some(to));
        let reps: Vec<Value> = reports
            .iter()
            .map(|&rep| {
                let mut metrics: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
                for k in [
                    "callsListenedTo",
                    "callsAttended",
                    "callsWithFeedback",
                    "callsWithComments",
                    "callsWithScorecards",
                ] {
                    metrics.insert(k, BTreeSet::new());
                }
                for c in &self.calls[range.clone()] {
                    if c.workspace != ws || c.host != rep {
                        continue;
                    }
                    let hh = h2(c.seed, 30);
                    let id = c.id_str();
                    if hh.is_multiple_of(3) {
                        metrics
                            .get_mut("callsListenedTo")
                            .unwrap()
                            .insert(id.clone());
                    }
                    if self.parties(c).iter().any(|p| p.user == Some(manager)) {
                        metrics.get_mut("callsAttended").unwrap().insert(id.clone());
                    }
                    if hh % 5 == 1 {
                        metrics
                            .get_mut("callsWithFeedback")
                            .unwrap()
                            .insert(id.clone());
                    }
                    if hh % 7 == 2 {
                        metrics
                            .get_mut("callsWithComments")
                            .unwrap()
                            .insert(id.clone());
                    }
                    if self
                        .answered_scorecard(c)
                        .is_some_and(|(_, rv, _)| rv == manager)
                    {
                        metrics.get_mut("callsWithScorecards").unwrap().insert(id);
                    }
                }
                json!({"report": cu(rep), "metrics": metrics})
            })
            .collect();
        vec![json!({"manager": cu(manager), "directReportsMetrics": reps})]
    }
}

/// The manager of each user. User 0 is the head; users `1..=m` are line managers reporting to the head;
/// every other user reports to line manager `1 + i % m`; the last user of every 10 has no manager.
/// `managers` is the number of users with direct reports (the head included), so `m = managers - 1`;
/// `None` keeps the historical default, `m = clamp(users / 6, 1, 5)`.
fn managers_of(nusers: usize, managers: Option<usize>) -> Vec<Option<usize>> {
    let line = match managers {
        Some(n) => n.saturating_sub(1).min(nusers.saturating_sub(1) / 2),
        None => (nusers / 6).clamp(usize::from(nusers > 1), 5),
    };
    (0..nusers)
        .map(|i| {
            let m = if i == 0 || i % 10 == 9 {
                None
            } else if i <= line || line == 0 {
                Some(0)
            } else {
                Some(1 + (i % line.max(1)))
            };
            m.filter(|&m| m < nusers && m != i)
        })
        .collect()
}

fn new_id_calls(r: &mut Rng, used: &mut BTreeSet<u64>) -> u64 {
    loop {
        let id = gong_id(r);
        if !is_large_media_id(&id.to_string()) && used.insert(id) {
            return id;
        }
    }
}

fn make_call(
    r: &mut Rng,
    id: u64,
    started: i64,
    nusers: usize,
    nws: usize,
    weird_title: bool,
) -> CallRec {
    let seed = r.next_u64();
    let long = r.chance(0.05);
    CallRec {
        id,
        started,
        duration: if long {
            r.range(3600, 10_800)
        } else {
            r.range(60, 3600)
        } as u32,
        host: r.below(nusers as u64) as usize,
        workspace: if r.chance(0.7) {
            0
        } else {
            r.below(nws as u64) as usize
        },
        seed,
        video: r.chance(0.6),
        private: r.chance(0.07),
        offset_min: *r.pick(&[0, 0, -420, -480, 120, 330]),
        weird_title,
    }
}

/// Midnight UTC of today (the default anchor).
pub fn today_midnight() -> DateTime<Utc> {
    let d = Utc::now().date_naive();
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
}
