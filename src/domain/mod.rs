//! Pure domain types: parsing and validation, no I/O.
pub mod answers;
pub mod api_key;
pub mod calendar;
pub mod cycle;
pub mod draft;
pub mod email;
pub mod id;
pub mod locale;
pub mod loop_event;
pub mod net;
pub mod orgchart;
pub mod period;
pub mod relation;
pub mod reviews;
pub mod scim;
pub mod scim_patch;
pub mod sealed;
pub mod shapes;
pub mod survey;
pub mod time;
pub mod token;

pub use email::EmailAddress;
pub use id::ExternalId;
pub use locale::Locale;
pub use relation::Relation;
pub use token::Token;
