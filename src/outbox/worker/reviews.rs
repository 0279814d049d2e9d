//! The worker's emails that carry reviews to answer: invitations and reminders, one email per
//! respondent with a fresh link per review still open. (A child of `worker`: it uses the
//! worker's state.)
use super::*;

impl Worker {
    /// The invitations an email carries that can still be answered.
    async fn still_open(&self, row: &Claimed) -> Result<Vec<InvitationInfo>, app::Error> {
        let (db, now) = (&self.app.db, time::now());
        let mut ids = outbox::items(db, row.id).await?;
        if ids.is_empty() {
            ids.extend(row.invitation_id);
        }
        let mut open = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(info) = invitations::info(&db.pool, id, now).await?
                && !info.completed
                && !info.declined
                && info.cycle_open
                && !info.revoked
            {
                open.push(info);
            }
        }
        Ok(open)
    }

    /// One email to one respondent with a fresh link for each review still open.
    pub(super) async fn send_reviews(&self, row: &Claimed) -> Result<Outcome, app::Error> {
        let pool = &self.app.db.pool;
        let mut open = self.still_open(row).await?;
        let Some(to) = open.first().map(|i| i.respondent_email.clone()) else {
            return Ok(Outcome::Skipped("nothing left to answer"));
        };
        // One email, one address: an anonymous review goes only to the address it was created
        // for, an attributed one to the current address (CONTRACT §10). Reviews of this
        // respondent bound for another address leave this email for one of their own.
        let elsewhere: Vec<i64> =
            open.iter().filter(|i| !i.respondent_email.eq_ignore_ascii_case(&to)).map(|i| i.id).collect();
        if !elsewhere.is_empty() {
            let kind = row.kind.unwrap_or(Kind::Invitation);
            outbox::split_off(&self.app.db, row.id, kind, &elsewhere, time::now()).await?;
            open.retain(|i| i.respondent_email.eq_ignore_ascii_case(&to));
            self.app.wake_outbox();
        }
        let Some(first) = open.first() else {
            return Ok(Outcome::Skipped("nothing left to answer"));
        };
        // A customer reached by phone only has no address (stored as '').
        if first.respondent_email.is_empty() {
            return Ok(Outcome::Skipped("no email address"));
        }
        if first.respondent_customer_id.is_some() && links::is_suppressed(pool, &first.respondent_email).await? {
            return Ok(Outcome::Skipped("unsubscribed"));
        }
        let locale = first.respondent_locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
        let t = text(locale);
        let mut new_links = Vec::with_capacity(open.len() + 1);
        let (items, mut notes) = self.review_items(&open, t, &mut new_links).await?;
        if let Some(org) = &self.app.config.org_name {
            notes.insert(0, fill(t.asked_by, &[("org", org)]));
        }
        let base = self.app.config.public_base();
        let unsubscribe = first.respondent_customer_id.as_ref().map(|customer| {
            let tok = Token::mint();
            new_links.push(NewLink::unsubscribe(tok.hash(), customer.clone()));
            format!("{base}/unsubscribe/{}", tok.as_str())
        });
        links::insert(pool, &new_links, time::now()).await?;
        let mut email = invitation_email(row, first, t, items, notes, unsubscribe.as_deref());
        email.personal = fill(t.email_personal, &[("until", &self.until(&open, locale))]);
        if let Some(org) = &self.app.config.org_name {
            email.subject = compose::subject_for(Some(org), &email.subject, crate::i18n::colon(locale));
        }
        let outcome = match compose::invitation(&email, &self.from) {
            Err(e) => Outcome::Permanent(format!("cannot build the email: {e}")),
            Ok(message) => match self.mailer.send(message).await {
                Ok(()) => {
                    let sent: Vec<i64> = open.iter().map(|i| i.id).collect();
                    if row.kind == Some(Kind::Reminder) {
                        invitations::count_reminder(&self.app.db, &sent).await?;
                    }
                    tracing::info!(outbox = row.id, reviews = sent.len(), to_domain = %email_domain(&first.respondent_email), "email sent");
                    return Ok(Outcome::Sent);
                }
                Err(e) => Outcome::from(e),
            },
        };
        // Not sent: the links were never seen by anyone, so drop them.
        let hashes: Vec<String> = new_links.into_iter().map(|l| l.token_hash).collect();
        links::delete(pool, &hashes).await?;
        Ok(outcome)
    }

    /// Until when the email's links work: the local day and time its cycle closes (an email
    /// is about one cycle; were there several, the first to close), in the reader's language,
    /// naming the zone (CONTRACT §15).
    fn until(&self, open: &[InvitationInfo], locale: Locale) -> String {
        let calendar = &self.app.calendar;
        let closes = open.iter().map(|i| i.closes_at).min().unwrap_or_default();
        crate::i18n::calendar::date_time(locale, &calendar.local(closes), calendar.name())
    }

    /// A line and a freshly minted link per review, and the privacy notes that apply.
    async fn review_items(
        &self,
        open: &[InvitationInfo],
        t: &'static Text,
        new_links: &mut Vec<NewLink>,
    ) -> Result<(Vec<EmailItem>, Vec<String>), app::Error> {
        let base = self.app.config.public_base();
        let mut items = Vec::with_capacity(open.len());
        let mut notes: Vec<String> = Vec::new();
        for info in open {
            let anonymous = match self.app.surveys.get(&self.app.db.pool, &info.survey_id).await? {
                Some(survey) => info.relation.is_anonymous(survey.anonymous),
                None => continue,
            };
            let others = crate::domain::cycle::others_in_group(info.min_raters).to_string();
            let org = self.app.config.org_name.as_deref().unwrap_or(t.org_fallback);
            let locale = info.respondent_locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
            let vars = [
                ("subject", info.subject_name.as_str()),
                ("cycle", crate::domain::cycle::title_in(&info.cycle_title, &info.cycle_title_i18n, locale)),
                ("n", &others),
                ("org", org),
            ];
            let token = Token::mint();
            new_links.push(NewLink::respond(token.hash(), info.id).to(&info.respondent_email));
            items.push(EmailItem {
                intro: fill(t.intro(info.relation), &vars),
                url: format!("{base}/s/{}", token.as_str()),
            });
            let note = fill(t.note(info.relation, anonymous), &vars);
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        Ok((items, notes))
    }
}

/// The subject line and greeting of one respondent's email.
fn invitation_email<'a>(
    row: &Claimed,
    first: &'a InvitationInfo,
    t: &'a Text,
    items: Vec<EmailItem>,
    notes: Vec<String>,
    unsubscribe_url: Option<&'a str>,
) -> InvitationEmail<'a> {
    let count = items.len().to_string();
    let first_locale = first.respondent_locale.as_deref().and_then(|l| Locale::parse(l).ok()).unwrap_or_default();
    let vars = [
        ("subject", first.subject_name.as_str()),
        ("cycle", crate::domain::cycle::title_in(&first.cycle_title, &first.cycle_title_i18n, first_locale)),
        ("name", first.respondent_name.as_str()),
        ("count", &count),
    ];
    let mut subject =
        if items.len() == 1 { fill(t.email_subject(first.relation), &vars) } else { fill(t.email_subject_many, &vars) };
    if row.kind == Some(Kind::Reminder) {
        subject = format!("{}{subject}", t.email_reminder);
    }
    InvitationEmail {
        t,
        to_name: &first.respondent_name,
        to_email: &first.respondent_email,
        subject,
        greeting: fill(t.email_greeting, &vars),
        items,
        notes,
        personal: String::new(),
        unsubscribe_url,
    }
}
