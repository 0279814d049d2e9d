//! The one integration-test binary: each module is a story, run on SQLite and PostgreSQL
//! (`on_both_databases!`) against the real application over HTTP.
#[macro_use]
mod common;
mod admin;
mod analytics;
mod anonymity;
mod api;
mod audit;
mod browser;
mod browser_analytics;
mod browser_respondents;
mod browser_review;
mod cli;
mod dashboard;
mod directory;
mod errors;
mod faults;
mod hardening;
mod insiders;
mod instances;
mod keys;
mod layers;
mod operating;
mod operating_binary;
mod oidc;
mod periods;
mod privacy;
mod questions;
mod respondent;
mod respondents;
mod results;
mod review_loop;
mod reviews;
mod scim;
mod scores;
mod submissions;
mod trust;
