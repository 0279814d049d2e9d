//! The organisations, surveys and cycles the stories start from, and invitations handed back
//! as links.
use super::{Backend, TestApp, smtp};
use candor::config::Config;
use serde_json::{Value, json};

impl TestApp {
    /// Imports these people (`[{"id", "name", "email", …}]`) through the API.
    pub async fn add_people(&self, people: Value) {
        let (s, b) = self.post("/api/v1/people", json!({ "people": people })).await;
        assert_eq!(s, 200, "{b}");
    }

    /// Imports these customers (`[{"id", "name", "email", "owner", …}]`) through the API.
    pub async fn add_customers(&self, customers: Value) {
        let (s, b) = self.post("/api/v1/customers", json!({ "customers": customers })).await;
        assert_eq!(s, 200, "{b}");
    }

    /// The standard small organisation: a manager and two salespeople, one customer each.
    pub async fn seed_org(&self) {
        self.add_people(json!([
                    {"id":"E1000","name":"Wang Fang","email":"wang.fang@example.com","team":"East","locale":"zh-CN"},
                    {"id":"E1001","name":"Li Na","email":"li.na@example.com","manager":"E1000","team":"East","locale":"zh-CN"},
                    {"id":"E1002","name":"Sam Carter","email":"sam.carter@example.com","manager":"E1000","team":"East"}])).await;
        self.add_customers(json!([
                    {"id":"C1","name":"Acme","email":"buyer@acme.example","owner":"E1001"},
                    {"id":"C2","name":"Dragon Trading","email":"cai@dragon.example","owner":"E1001","locale":"zh-CN"}]))
            .await;
    }

    /// The review stories' organisation: Wang Fang (E1000) manages Li Na, Sam, Chen and Eve;
    /// Dan reports to Li Na; Xu is alone in West. With `peer360`: teamwork (required),
    /// communication and a note.
    pub async fn seed_review_org(&self) {
        self.add_people(json!([
                    {"id":"E1000","name":"Wang Fang","email":"wang@corp.example","team":"East","locale":"zh-CN"},
                    {"id":"E1001","name":"Li Na","email":"li@corp.example","manager":"E1000","team":"East"},
                    {"id":"E1002","name":"Sam","email":"sam@corp.example","manager":"E1000","team":"East"},
                    {"id":"E1003","name":"Chen","email":"chen@corp.example","manager":"E1000","team":"East"},
                    {"id":"E1005","name":"Eve","email":"eve@corp.example","manager":"E1000","team":"East"},
                    {"id":"E1004","name":"Dan","email":"dan@corp.example","manager":"E1001","team":"East"},
                    {"id":"E2000","name":"Xu","email":"xu@corp.example","team":"West"}]))
            .await;
        let (s, b) = self
            .post(
                "/api/v1/surveys",
                json!({"id":"peer360","kind":"peer","title":"360 review","questions":[
                    {"id":"t1","text":"Works well with the team","type":"scale","min":1,"max":5,"indicator":"teamwork","required":true},
                    {"id":"c1","text":"Explains clearly","type":"scale","min":1,"max":5,"indicator":"communication"},
                    {"id":"note","text":"What should they keep doing?","type":"text"}]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    pub async fn seed_survey(&self) {
        let (s, b) = self.post("/api/v1/surveys", csat_survey()).await;
        assert_eq!(s, 200, "{b}");
    }

    /// `peer360`: one teamwork question, for peers.
    pub async fn seed_peer_survey(&self) {
        let (s, b) = self
            .post(
                "/api/v1/surveys",
                json!({"id":"peer360","kind":"peer","title":"360","questions":[
                    {"id":"t1","text":"Works well with the team","type":"scale","min":1,"max":5,"indicator":"teamwork"}]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    /// A peer survey `id` with one teamwork question, `t1` ("T", 1 to 5).
    pub async fn seed_teamwork_survey(&self, id: &str, required: bool) {
        let question =
            json!({"id":"t1","text":"T","type":"scale","min":1,"max":5,"indicator":"teamwork","required":required});
        let (s, b) =
            self.post("/api/v1/surveys", json!({"id":id,"kind":"peer","title":"360","questions":[question]})).await;
        assert_eq!(s, 200, "{b}");
    }

    pub async fn seed_cycle(&self, id: &str) {
        let (s, b) = self
            .post(
                "/api/v1/cycles",
                json!({"id":id,"title":"Q4 2026","opens_at":"2026-10-01T00:00:00Z","closes_at":"2099-12-31T23:59:59Z","min_raters":3}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    /// A cycle that belongs to `period`, open until 2099.
    pub async fn seed_cycle_in(&self, id: &str, period: &str) {
        let body = json!({"id":id,"title":format!("Cycle {id}"),"period":period,"opens_at":"2026-10-01T00:00:00Z",
            "closes_at":"2099-01-01T00:00:00Z","min_raters":3});
        let (s, b) = self.post("/api/v1/cycles", body).await;
        assert_eq!(s, 200, "{b}");
    }

    pub async fn close_cycle(&self, id: &str) {
        let (s, b) = self.post(&format!("/api/v1/cycles/{id}/close"), json!({})).await;
        assert_eq!(s, 200, "{b}");
    }

    /// Invites these customers about Li Na (E1001) in `2026-Q4`, links handed back
    /// (`deliver: none`); their links, in the order asked.
    pub async fn customer_links(&self, customers: &[&str]) -> Vec<String> {
        let rows: Vec<Value> = customers.iter().map(|c| customer_invite(c)).collect();
        let (s, b) =
            self.post("/api/v1/cycles/2026-Q4/invitations", json!({"invitations": rows, "deliver":"none"})).await;
        assert_eq!(s, 201, "{b}");
        let links = b["links"].as_array().expect("links handed back");
        customers
            .iter()
            .map(|c| {
                let link = links.iter().find(|l| l["respondent"]["customer"] == *c).expect("a link per customer");
                link["url"].as_str().unwrap().to_string()
            })
            .collect()
    }

    /// One customer's link about Li Na in `2026-Q4`.
    pub async fn customer_link(&self, customer: &str) -> String {
        self.customer_links(&[customer]).await.remove(0)
    }
}

/// The standard organisation, the `csat` survey and the open cycle `2026-Q4`; emails go to
/// `smtp` when given (else to .eml files).
pub async fn seeded(backend: Backend, smtp: Option<&smtp::SmtpSink>) -> TestApp {
    let url = smtp.map(smtp::SmtpSink::url);
    seeded_with(backend, |c| c.smtp_url = url).await
}

/// [`seeded`], with the configuration changed by `tweak` first.
pub async fn seeded_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let app = super::spawn_app_with(backend, tweak).await;
    app.seed_org().await;
    app.seed_survey().await;
    app.seed_cycle("2026-Q4").await;
    app
}

/// A customer asked about Li Na (E1001) on the `csat` survey.
pub fn customer_invite(customer: &str) -> Value {
    json!({"survey":"csat","subject":"E1001","respondent":{"customer":customer},"relation":"customer"})
}

pub fn csat_survey() -> Value {
    json!({"id":"csat","kind":"customer","title":"How did we do?","title_i18n":{"zh-CN":"我们做得怎么样？"},"anonymous":false,
       "questions":[
         {"id":"q1","text":"Overall satisfaction","type":"scale","min":1,"max":5,"indicator":"customer_satisfaction","required":true,
          "text_i18n":{"zh-CN":"总体满意度"}},
         {"id":"q2","text":"How likely are you to recommend us?","type":"nps","indicator":"customer_satisfaction",
          "text_i18n":{"zh-CN":"您向他人推荐我们的可能性有多大？"}},
         {"id":"q3","text":"Anything else?","type":"text"}]})
}
