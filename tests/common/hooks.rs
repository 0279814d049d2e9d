//! A real HTTP receiver for webhooks on loopback, on a port it binds itself.
use std::sync::{Arc, Mutex};

/// Every delivery the receiver took: its headers and body, in order.
pub type Received = Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>;

/// Listens on port 0; answers 500 to the first `fail_first` deliveries, then 204. The URL to
/// register, and what was received.
pub async fn receiver(fail_first: usize) -> (String, Received) {
    let got: Received = Arc::default();
    let state = (got.clone(), Arc::new(Mutex::new(fail_first)));
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |axum::extract::State((got, fails)): axum::extract::State<(Received, Arc<Mutex<usize>>)>,
                 headers: axum::http::HeaderMap,
                 body: String| async move {
                    let mut left = fails.lock().unwrap();
                    if *left > 0 {
                        *left -= 1;
                        return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    got.lock().unwrap().push((headers, body));
                    axum::http::StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

/// How many deliveries were received so far.
pub fn received(got: &Received) -> usize {
    got.lock().unwrap().len()
}
