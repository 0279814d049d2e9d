//! The worker's emails to one person that carry no review: a sign-in link, "your results are
//! ready", "choose your reviewers", and the review loop's notices. (A child of `worker`: it uses the worker's state.)
use super::*;
use crate::app::delivery;

impl Worker {
    fn sender(&self) -> compose::Sender<'_> {
        compose::Sender { from: &self.from, org: self.app.config.org_name.as_deref() }
    }

    /// A sign-in link, minted now; it lives 15 minutes from this moment.
    pub(super) async fn send_login(&self, row: &Claimed) -> Result<Outcome, app::Error> {
        let Some(person) = &row.person_id else { return Ok(Outcome::Skipped("no person")) };
        let Some((name, email, locale)) = delivery::contact(&self.app, person).await? else {
            return Ok(Outcome::Skipped("person gone"));
        };
        if row.attempts > 3 {
            return Ok(Outcome::Permanent("a sign-in link is only useful for minutes".into()));
        }
        let token = delivery::login_link(&self.app, person).await?;
        let next = if row.payload.as_deref() == Some("me") { "?next=me" } else { "" };
        let url = format!("{}/login/{}{next}", self.app.config.public_base(), token.as_str());
        let locale = locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
        let t = crate::i18n::dash_text(locale);
        let message = compose::login(&name, &email, t, &url, &self.sender());
        self.send_signed_link(message, &token).await
    }

    /// Sends an email that carries the sign-in link `token`; a link whose email did not go out
    /// is deleted, so only delivered links can sign anyone in.
    async fn send_signed_link(
        &self,
        message: Result<lettre::Message, compose::ComposeError>,
        token: &crate::domain::Token,
    ) -> Result<Outcome, app::Error> {
        let outcome = match message {
            Err(e) => Outcome::Permanent(format!("cannot build the email: {e}")),
            Ok(m) => match self.mailer.send(m).await {
                Ok(()) => return Ok(Outcome::Sent),
                Err(e) => Outcome::from(e),
            },
        };
        delivery::drop_links(&self.app, &[token.hash()]).await?;
        Ok(outcome)
    }

    /// "Your results are ready", with the address of the report (sign-in first): no sign-in
    /// link, as the email may be read days later.
    pub(super) async fn send_results(&self, row: &Claimed) -> Result<Outcome, app::Error> {
        let (Some(person), Some(cycle)) = (&row.person_id, &row.payload) else {
            return Ok(Outcome::Skipped("no person or cycle"));
        };
        let Some(c) = delivery::cycle(&self.app, cycle).await? else {
            return Ok(Outcome::Skipped("cycle gone"));
        };
        let Some((name, email, locale)) = delivery::contact(&self.app, person).await? else {
            return Ok(Outcome::Skipped("person gone"));
        };
        let locale = locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let base = self.app.config.public_base();
        let report = format!("{base}/dashboard/people/{}?cycle={}", enc(person), enc(cycle));
        let login = format!("{base}/login");
        Ok(self
            .send_plain(compose::results(&name, &email, c.title_in(locale), locale, (&login, &report), &self.sender()))
            .await)
    }

    /// Sends an email that carries no sign-in link.
    async fn send_plain(&self, message: Result<lettre::Message, compose::ComposeError>) -> Outcome {
        match message {
            Err(e) => Outcome::Permanent(format!("cannot build the email: {e}")),
            Ok(m) => match self.mailer.send(m).await {
                Ok(()) => Outcome::Sent,
                Err(e) => Outcome::from(e),
            },
        }
    }

    /// "Choose your reviewers", with a sign-in link that leads to `/me`;
    /// skipped once the subject has chosen or the cycle has closed.
    pub(super) async fn send_nomination(&self, row: &Claimed) -> Result<Outcome, app::Error> {
        let (Some(person), Some(cycle)) = (&row.person_id, &row.payload) else {
            return Ok(Outcome::Skipped("no person or cycle"));
        };
        let Some(n) = delivery::nomination(&self.app, cycle, person).await? else {
            return Ok(Outcome::Skipped("no nomination"));
        };
        let open = delivery::cycle(&self.app, cycle).await?.is_some_and(|c| c.is_open(time::now()));
        if n.status != "open" || !open || n.deliver != "email" {
            return Ok(Outcome::Skipped("chosen already, or the cycle closed"));
        }
        let Some((name, email, locale)) = delivery::contact(&self.app, person).await? else {
            return Ok(Outcome::Skipped("person gone"));
        };
        let base = self.app.config.public_base();
        let later = format!("{base}/me/nominations/{}", n.cycle_id);
        let locale = locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
        if !self.app.config.login_links() {
            // No sign-in links by email here: the sign-in page, where the identity provider is.
            let url = format!("{base}/login?next=me");
            let message = compose::nomination(&name, &email, &n, locale, (&url, &later), &self.sender());
            return Ok(self.send_plain(message).await);
        }
        // A sign-in link like any other (15 minutes, once); the page's own address for later.
        let token = delivery::login_link(&self.app, person).await?;
        let url = format!("{base}/login/{}?next=me", token.as_str());
        let message = compose::nomination(&name, &email, &n, locale, (&url, &later), &self.sender());
        self.send_signed_link(message, &token).await
    }

    /// Tells the address a person's or customer's email was changed from.
    pub(super) async fn send_address_changed(&self, row: &Claimed) -> Outcome {
        let Some(notice) = row.payload.as_deref().and_then(|p| serde_json::from_str::<AddressChanged>(p).ok()) else {
            return Outcome::Permanent("a malformed notice".into());
        };
        let locale = notice.locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
        match compose::address_changed(&notice, locale, &self.sender()) {
            Err(e) => Outcome::Permanent(format!("cannot build the email: {e}")),
            Ok(m) => match self.mailer.send(m).await {
                Ok(()) => Outcome::Sent,
                Err(e) => Outcome::from(e),
            },
        }
    }

    /// A step of the review loop, told to the person whose turn it is, with the page where
    /// they take the next step (sign-in first): no sign-in link, as it may be read days later.
    pub(super) async fn send_notice(&self, row: &Claimed) -> Result<Outcome, app::Error> {
        use crate::app::notices::{Event, Notice};
        let parsed = row.payload.as_deref().and_then(|p| serde_json::from_str::<Notice>(p).ok());
        let (Some(person), Some(n)) = (&row.person_id, parsed) else {
            return Ok(Outcome::Permanent("a malformed notice".into()));
        };
        let Some(c) = delivery::cycle(&self.app, &n.cycle).await? else {
            return Ok(Outcome::Skipped("cycle gone"));
        };
        let Some((name, email, locale)) = delivery::contact(&self.app, person).await? else {
            return Ok(Outcome::Skipped("person gone"));
        };
        let name_of = |id: Option<String>| async move {
            match id {
                Some(id) => delivery::contact(&self.app, &id).await.map(|c| c.map(|c| c.0).unwrap_or(id)),
                None => Ok(String::new()),
            }
        };
        let subject = name_of(Some(n.subject.clone())).await?;
        let author = name_of(n.author.clone()).await?;
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let base = self.app.config.public_base();
        let page = match n.event {
            Event::NominationSubmitted => format!("{base}/nominations/{}/{}", enc(&n.cycle), enc(&n.subject)),
            Event::NominationApproved => format!("{base}/me"),
            _ => format!("{base}/dashboard/people/{}?cycle={}#feedback", enc(&n.subject), enc(&n.cycle)),
        };
        let locale = locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
        let words = crate::i18n::notice_text(locale, n.event);
        let vars = [
            ("name", name.as_str()),
            ("cycle", c.title_in(locale)),
            ("subject", &subject),
            ("author", &author),
            ("url", &page),
        ];
        Ok(self.send_plain(compose::notice(&name, &email, words, &vars, locale, &self.sender())).await)
    }
}
