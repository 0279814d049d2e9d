//! The published document as a whole: any change to the contract shows up in review as a diff
//! of `snapshots/candor__api__openapi_tests__openapi.snap`.
use super::{openapi, routes};

#[test]
fn the_document_is_the_reviewed_contract() {
    let (_, generated) = routes();
    insta::assert_json_snapshot!("openapi", openapi::document(&generated));
}
