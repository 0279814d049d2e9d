//! Candor: surveys and anonymous 360-degree feedback for sales teams.
pub mod api;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod email;
pub mod error;
pub mod reports;
pub mod scoring;
pub mod startup;
pub mod state;
pub mod web;
pub mod webhook;
