//! One person's report pooled over a period (a month, quarter or year), reached from the
//! period's team view: the pooled scores, and each pooled cycle's own report a link away.
use super::*;

pub(super) async fn page(app: &App, who: &SignedIn, person_id: &str, period: &str) -> Response {
    match build(app, who, person_id, period).await {
        Ok(Some(page)) => Html(page.render()).into_response(),
        // Out of reach, unknown, or not a period: the same answer.
        Ok(None) | Err(app::Error::Invalid { .. }) => not_found(who.locale),
        Err(e) => app_error(e, who.locale),
    }
}

async fn build<'a>(app: &App, who: &'a SignedIn, person_id: &str, period: &str) -> app::Result<Option<PersonPage<'a>>> {
    let locale = who.locale;
    // A period pools closed cycles only: what one may see of a closed cycle.
    if !access::can_see(&who.viewer, person_id, &access::org_chart(app).await?, true) {
        return Ok(None);
    }
    let pooled = app::periods::scores(app, period, Some(person_id)).await?;
    let Some(name) = crate::app::accounts::name_of(app, person_id).await? else { return Ok(None) };
    let sel = app::analytics::select(app, None, Some(&pooled.period)).await?;
    let labels = Labels::load(app, locale).await?;
    let a = crate::i18n::analytics_text(locale);
    let mut page = PersonPage::blank(who, person_id, name, pooled.period.clone());
    if let Some(me) = pooled.subjects.iter().find(|s| s.subject == person_id) {
        page.blocks =
            me.indicators.iter().map(|(i, score)| indicator_block(i, score, &[], &labels, locale, None)).collect();
    }
    page.empty = page.blocks.is_empty();
    page.status = if pooled.is_final { who.t.status_closed } else { who.t.status_open };
    page.min_raters = pooled.min_raters;
    page.back = back_to(who, &format!("period={}&", urlencode(&pooled.period))).0;
    page.nav =
        nav(&who.viewer, who.t, &format!("/dashboard/people/{}?period={}", urlencode(person_id), urlencode(period)));
    let link = |c: &Cycle| {
        let href = format!("/dashboard/people/{}?cycle={}&lang={}", urlencode(person_id), urlencode(&c.id), who.t.lang);
        (c.title_in(who.locale).to_string(), href)
    };
    page.pooled = Some(PooledView {
        note: crate::i18n::fill(a.person_pooled, &[("period", &pooled.period)]),
        cycles: sel.pooled.iter().map(link).collect(),
    });
    Ok(Some(page))
}
