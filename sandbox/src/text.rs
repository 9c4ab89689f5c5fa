//! Word lists and small text helpers for generated content (deliberately mixing ASCII, accented
//! Latin, Japanese and emoji).

use crate::rng::Rng;

pub const FIRST_NAMES: &[&str] = &[
    "Alice",
    "Bruno",
    "Chloé",
    "Dmitri",
    "Eitan",
    "Fatima",
    "Günther",
    "Hana",
    "Ignacio",
    "Jun",
    "Kalinda",
    "Léa",
    "Mateo",
    "Noor",
    "Olivia",
    "Priya",
    "Quentin",
    "Rosa",
    "Søren",
    "太郎",
    "Uma",
    "Valentina",
    "Wei",
    "Xavier",
    "Yūki",
    "Zoë",
];
pub const LAST_NAMES: &[&str] = &[
    "Anderson",
    "Bäcker",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fernández",
    "García",
    "Haddad",
    "Ivanova",
    "Johnson",
    "Kowalski",
    "López",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Patel",
    "Quinn",
    "Rossi",
    "Schmidt",
    "田中",
    "Ueda",
    "Van der Berg",
    "Wójcik",
    "Xu",
    "Yamamoto",
    "Zhang",
];
pub const TITLES: &[&str] = &[
    "Account Executive",
    "Senior Account Executive",
    "SDR",
    "Customer Success Manager",
    "Solutions Engineer",
    "Directeur commercial",
    "営業マネージャー",
    "VP Sales 🚀",
];
pub const COMPANIES: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella",
    "Société Générale d'Essai",
    "株式会社テスト",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Pied Piper",
    "Müller & Söhne GmbH",
    "Café Olé 🍵",
];
pub const CALL_KINDS: &[&str] = &[
    "Discovery call",
    "Demo",
    "Pricing discussion",
    "QBR",
    "Kick-off",
    "Renewal",
    "Négociation",
    "技術レビュー",
    "Intro 👋",
    "Follow-up",
];
pub const TOPICS: &[&str] = &[
    "Call Setup",
    "Small Talk",
    "Pricing",
    "Product Demo",
    "Next Steps",
    "Competition",
    "Security & Compliance",
    "Integrations",
    "Wrap-up",
];
pub const WORDS: &[&str] = &[
    "we",
    "can",
    "the",
    "pricing",
    "integration",
    "roll",
    "out",
    "next",
    "quarter",
    "team",
    "license",
    "seats",
    "security",
    "review",
    "legal",
    "timeline",
    "budget",
    "approval",
    "dashboard",
    "report",
    "forecast",
    "pipeline",
    "renewal",
    "discount",
    "contract",
    "pilot",
    "onboarding",
    "migration",
    "API",
    "Salesforce",
    "HubSpot",
    "very",
    "really",
    "so",
    "think",
    "great",
    "question",
    "about",
    "that",
    "this",
    "would",
    "need",
    "maybe",
    "exactly",
    "résumé",
    "naïve",
    "façade",
    "日本語",
    "こんにちは",
    "👍",
    "sure",
    "okay",
    "right",
    "data",
    "calls",
    "coaching",
    "deal",
    "close",
    "weeks",
    "month",
    "users",
    "admin",
    "support",
    "feature",
];
pub const SYSTEMS: &[&str] = &[
    "Zoom",
    "Google Meet",
    "Microsoft Teams",
    "WebEx",
    "RingCentral",
    "Outreach",
];
pub const LANGUAGES: &[&str] = &[
    "eng", "eng", "eng", "eng", "fre", "spa", "ger", "jpn", "und",
];

/// A sentence of `min..=max` words.
pub fn sentence(r: &mut Rng, min: u64, max: u64) -> String {
    let n = r.range(min, max) as usize;
    let mut s = String::with_capacity(n * 7);
    for i in 0..n {
        let w = *r.pick(WORDS);
        if i == 0 {
            let mut cs = w.chars();
            if let Some(f) = cs.next() {
                s.extend(f.to_uppercase());
                s.push_str(cs.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push(if r.chance(0.15) { '?' } else { '.' });
    s
}

/// ASCII-folded lowercase token for email addresses.
pub fn email_token(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let m = match c {
            'é' | 'è' | 'ë' => 'e',
            'ü' | 'ū' => 'u',
            'ö' | 'ø' => 'o',
            'ä' | 'á' => 'a',
            'í' => 'i',
            'ó' => 'o',
            'ñ' => 'n',
            c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
            _ => continue,
        };
        out.push(m);
    }
    if out.is_empty() {
        out.push('x');
    }
    out
}
