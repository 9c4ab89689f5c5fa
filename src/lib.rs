//! source-gong: an Airbyte source for Gong's API v2.
//!
//! `main.rs` is a thin CLI over [`commands`]; see `docs/ARCHITECTURE.md` for the module map.

pub mod api;
pub mod atomic;
pub mod client;
pub mod clock;
pub mod commands;
pub mod config;
pub mod deletions;
pub mod download_file;
pub mod engine;
pub mod error;
pub mod execute;
pub mod gong;
pub mod ledger;
pub mod mcp;
pub mod media;
pub mod models;
pub mod protocol;
pub mod readable;
pub mod state;
pub mod streams;
