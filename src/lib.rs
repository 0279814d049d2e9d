//! Candor: surveys and anonymous 360-degree feedback for sales teams.
//!
//! Layers, each importing only from those below it (checked by `tests/layers.rs`):
//! `domain`, `redact` ← `scoring`, `i18n` ← `db` ← `app` ← `api` | `web` | `outbox` ←
//! `startup`, `server`, `config_check`, `demo`, `main`. `domain`, `scoring` and `i18n` are pure (no sqlx, axum,
//! askama, tokio). Only `app` imports `db`, besides the outbox's own queue bookkeeping; the
//! transports (`api`, `web`, `outbox`) never import each other; no SQL string lives outside
//! `db/`. `config` is read by `app` and the composition root.
pub mod api;
pub mod app;
pub mod config;
pub mod config_check;
pub mod db;
pub mod demo;
pub mod domain;
pub mod i18n;
pub mod key_rotation;
pub mod observability;
pub mod outbox;
pub mod redact;
pub mod scoring;
pub mod server;
pub mod startup;
pub mod web;
