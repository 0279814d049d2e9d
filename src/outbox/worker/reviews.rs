//! The worker's emails that carry reviews to answer: invitations and reminders, one email per
//! respondent with a fresh link per review still open. (A child of `worker`: it uses the
//! worker's state.)
use super::*;

/// Emails rendered at once: one per core.
static RENDERING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// What a round's emails read, loaded at once (`load_round`).
type Loaded = delivery::Round;

/// A review email after building: what became of its row already, or ready to send.
enum Prepared {
    Done(Outcome),
    Ready(Ready),
}

struct Ready {
    message: lettre::Message,
    /// The email's links, stored before it is sent and deleted if it is not.
    links: Vec<NewLink>,
    /// The invitations it carries.
    reviews: Vec<i64>,
    to_domain: String,
}

/// What became of one row of a round: sent with these reviews, or not sent (and the hashes of
/// the links to delete).
enum Attempt {
    Sent(Vec<i64>),
    Unsent(Result<Outcome, app::Error>, Vec<String>),
}

impl Worker {
    /// What the round's emails read, in a few statements for all its rows rather than a few
    /// per email.
    async fn load_round(&self, rows: &[Claimed]) -> Result<Loaded, app::Error> {
        let keys: Vec<(i64, Option<i64>)> = rows.iter().map(|r| (r.id, r.invitation_id)).collect();
        delivery::round(&self.app, &keys).await
    }

    /// The invitations an email carries that can still be answered; and, in an invitation (a
    /// first email or a reissue), the anonymous ones answered or declined too: whether an
    /// anonymous review was answered must not show in whether its reissue was sent (the
    /// metrics, the mail server's log). Their links open "answers received".
    fn still_open(row: &Claimed, loaded: &Loaded) -> Vec<InvitationInfo> {
        let ids = loaded.items.get(&row.id).map(Vec::as_slice).unwrap_or_default();
        let invitation = row.kind == Some(Kind::Invitation);
        ids.iter()
            .filter_map(|id| loaded.infos.get(id))
            .filter(|info| info.cycle_open && !info.revoked)
            .filter(|info| (!info.completed && !info.declined) || (invitation && loaded.anonymous.contains(&info.id)))
            .cloned()
            .collect()
    }

    /// One email to one respondent with a fresh link for each review still open, built but not
    /// sent: its links are stored with the rest of the round's before any email goes.
    async fn prepare(&self, row: &Claimed, loaded: &Loaded) -> Result<Prepared, app::Error> {
        let mut open = Self::still_open(row, loaded);
        let Some(to) = open.first().map(|i| i.respondent_email.clone()) else {
            return Ok(Prepared::Done(Outcome::Skipped("nothing left to answer")));
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
            return Ok(Prepared::Done(Outcome::Skipped("nothing left to answer")));
        };
        // A customer reached by phone only has no address (stored as '').
        if first.respondent_email.is_empty() {
            return Ok(Prepared::Done(Outcome::Skipped("no email address")));
        }
        if first.respondent_customer_id.is_some() && loaded.suppressed.contains(&first.respondent_email) {
            return Ok(Prepared::Done(Outcome::Skipped("unsubscribed")));
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
        let mut email = invitation_email(row, first, t, items, notes, unsubscribe);
        email.personal = fill(t.email_personal, &[("until", &self.until(&open, locale))]);
        if let Some(org) = &self.app.config.org_name {
            email.subject = compose::subject_for(Some(org), &email.subject, crate::i18n::colon(locale));
        }
        let from = self.from.clone();
        // Rendering is CPU work: off the async threads, which keep serving requests, and one per
        // core at a time (a round's 128 at once would each hold a blocking thread, with its
        // stack and allocator arena, and render no faster).
        let _rendering = RENDERING.acquire().await.map_err(app::Error::internal)?;
        let built = tokio::task::spawn_blocking(move || compose::invitation(&email, &from))
            .await
            .map_err(app::Error::internal)?;
        Ok(match built {
            Err(e) => Prepared::Done(Outcome::Permanent(format!("cannot build the email: {e}"))),
            Ok(message) => Prepared::Ready(Ready {
                message,
                links: new_links,
                reviews: open.iter().map(|i| i.id).collect(),
                to_domain: email_domain(&first.respondent_email).to_string(),
            }),
        })
    }

    /// A round of review emails: each built concurrently, the links of all stored in one
    /// transaction, the emails sent over as many SMTP connections as configured, and every
    /// row's outcome recorded in one more transaction.
    pub(super) async fn send_round(self: Arc<Self>, rows: Vec<Claimed>) {
        let loaded = match self.load_round(&rows).await {
            Ok(loaded) => Arc::new(loaded),
            Err(e) => {
                let outcome = Outcome::from(e);
                let done: Vec<(&Claimed, Outcome)> =
                    rows.iter().map(|row| (row, self.judge(row, Ok(outcome.clone())))).collect();
                return self.store(&done).await;
            }
        };
        let mut building = JoinSet::new();
        for (i, row) in rows.iter().enumerate() {
            let (worker, row, loaded) = (self.clone(), row.clone(), loaded.clone());
            building.spawn(async move { (i, worker.prepare(&row, &loaded).await) });
        }
        let mut prepared: Vec<Option<Result<Prepared, app::Error>>> = rows.iter().map(|_| None).collect();
        while let Some(joined) = building.join_next().await {
            match joined {
                Ok((i, p)) => prepared[i] = Some(p),
                Err(e) => tracing::error!(error = %e, "building an email panicked"),
            }
        }
        let links: Vec<NewLink> = prepared
            .iter()
            .flat_map(|p| match p {
                Some(Ok(Prepared::Ready(r))) => r.links.clone(),
                _ => Vec::new(),
            })
            .collect();
        let stored = delivery::store_links(&self.app, &links).await;
        let links_failed = stored.err().map(Outcome::from);
        let attempts = self.deliver(&rows, prepared, links_failed).await;
        let mut done = Vec::with_capacity(rows.len());
        let (mut unsent_links, mut reminded) = (Vec::new(), Vec::new());
        for (row, attempt) in rows.iter().zip(attempts) {
            let attempted = match attempt {
                Attempt::Sent(reviews) => {
                    if row.kind == Some(Kind::Reminder) {
                        reminded.extend(reviews);
                    }
                    Ok(Outcome::Sent)
                }
                Attempt::Unsent(outcome, hashes) => {
                    unsent_links.extend(hashes);
                    outcome
                }
            };
            done.push((row, self.judge(row, attempted)));
        }
        self.after_round(&reminded, &unsent_links).await;
        self.store(&done).await;
    }

    /// Sends the round's built emails (at most one per SMTP connection at a time), and says what
    /// became of each row, in the rows' order. Nothing is sent if the links could not be stored.
    async fn deliver(
        self: &Arc<Self>,
        rows: &[Claimed],
        prepared: Vec<Option<Result<Prepared, app::Error>>>,
        links_failed: Option<Outcome>,
    ) -> Vec<Attempt> {
        let mut sending = JoinSet::new();
        let mut out: Vec<Option<Attempt>> = Vec::with_capacity(prepared.len());
        for (i, p) in prepared.into_iter().enumerate() {
            let ready = match p {
                None => Err(Attempt::Unsent(Ok(Outcome::Bug("building the email panicked".into())), Vec::new())),
                Some(Err(e)) => Err(Attempt::Unsent(Err(e), Vec::new())),
                Some(Ok(Prepared::Done(o))) => Err(Attempt::Unsent(Ok(o), Vec::new())),
                Some(Ok(Prepared::Ready(r))) => Ok(r),
            };
            match (ready, &links_failed) {
                (Err(a), _) => out.push(Some(a)),
                (Ok(_), Some(o)) => out.push(Some(Attempt::Unsent(Ok(o.clone()), Vec::new()))),
                (Ok(r), None) => {
                    out.push(None);
                    let (worker, outbox) = (self.clone(), rows[i].id);
                    // The mailer holds each send until one of its connections is free.
                    sending.spawn(async move { (i, worker.send_ready(outbox, r).await) });
                }
            }
        }
        while let Some(joined) = sending.join_next().await {
            if let Ok((i, a)) = joined {
                out[i] = Some(a);
            }
        }
        out.into_iter()
            .map(|a| a.unwrap_or_else(|| Attempt::Unsent(Ok(Outcome::Bug("sending panicked".into())), Vec::new())))
            .collect()
    }

    /// One email of the round, in a span naming its outbox row, so a slow one can be followed.
    #[tracing::instrument(name = "process", skip_all, fields(outbox = outbox))]
    async fn send_ready(&self, outbox: i64, r: Ready) -> Attempt {
        match self.mailer.send(r.message).await {
            Ok(()) => {
                tracing::info!(reviews = r.reviews.len(), to_domain = %r.to_domain, "email sent");
                Attempt::Sent(r.reviews)
            }
            // Not sent: the links were never seen by anyone, so they go.
            Err(e) => Attempt::Unsent(Ok(Outcome::from(e)), r.links.into_iter().map(|l| l.token_hash).collect()),
        }
    }

    /// Reminders counted for the reviews they carried; the links of emails not sent deleted.
    async fn after_round(&self, reminded: &[i64], unsent_links: &[String]) {
        if let Err(e) = delivery::count_reminders(&self.app, reminded).await {
            tracing::warn!(error = %e, "could not count reminders sent");
        }
        if let Err(e) = delivery::drop_links(&self.app, unsent_links).await {
            tracing::warn!(error = %e, "could not delete the links of emails not sent");
        }
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
fn invitation_email(
    row: &Claimed,
    first: &InvitationInfo,
    t: &'static Text,
    items: Vec<EmailItem>,
    notes: Vec<String>,
    unsubscribe_url: Option<String>,
) -> InvitationEmail {
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
        to_name: first.respondent_name.clone(),
        to_email: first.respondent_email.clone(),
        subject,
        greeting: fill(t.email_greeting, &vars),
        items,
        notes,
        personal: String::new(),
        unsubscribe_url,
    }
}
