//! One punctuation style per language: a 中文 page joins a label and its value with "：", never
//! with the English ": " (browser walkthrough, December, problem 10: "已保存. ", "销售: "), and
//! names cycles by their Chinese titles.
use crate::common::web::{get, session};
use crate::common::{Backend, spawn_app};

/// Each place where a Chinese character is followed by English punctuation and a space.
fn mixed(html: &str) -> Vec<String> {
    // The text people read: what lies between tags.
    let text: String =
        html.split('<').map(|part| part.split_once('>').map_or(part, |(_, t)| t)).collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = text.chars().collect();
    let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    chars
        .windows(3)
        .enumerate()
        .filter(|(_, w)| han(w[0]) && matches!(w[1], ':' | ',' | '.' | ';' | '!' | '?') && w[2] == ' ')
        .map(|(i, _)| chars[i.saturating_sub(12)..(i + 6).min(chars.len())].iter().collect())
        .collect()
}

async fn chinese_pages_use_chinese_punctuation(backend: Backend) {
    let app = spawn_app(backend).await;
    candor::demo::seed(&app.state, &app.addr).await.unwrap();
    let admin = session(&app, "admin@demo.example").await;
    let li_na = session(&app, "li.na@demo.example").await;
    let pages = [
        (&admin, "/me"),
        (&admin, "/dashboard?cycle=demo-2026-Q3"),
        (&admin, "/dashboard?period=2026-Q3"),
        (&admin, "/dashboard/people/E112?cycle=demo-2026-Q3"),
        (&admin, "/dashboard/people/E112?cycle=demo-2026-Q3&compare=2026-Q3"),
        (&admin, "/dashboard/heatmap?cycle=demo-2026-Q3"),
        (&admin, "/dashboard/participation?cycle=demo-2026-Q3"),
        (&admin, "/admin"),
        (&admin, "/admin/people"),
        (&admin, "/admin/audit"),
        (&admin, "/admin/cycles/demo-2026-Q4/raters"),
        (&li_na, "/followups"),
        (&li_na, "/followups/phone"),
        (&li_na, "/me"),
    ];
    for (cookie, path) in pages {
        let sep = if path.contains('?') { '&' } else { '?' };
        let (s, html) = get(&app, Some(cookie.as_str()), &format!("{path}{sep}lang=zh-CN")).await;
        assert_eq!(s, 200, "{path}: {html}");
        assert!(html.contains("lang=\"zh-CN\""), "{path} is in Chinese");
        let found = mixed(&html);
        assert!(found.is_empty(), "{path}: English punctuation after Chinese: {found:?}");
        // The demo's cycles have Chinese titles: no page in Chinese shows the English ones.
        let english = ["Q3 2026", "Q4 2026"].into_iter().filter(|t| html.contains(t)).collect::<Vec<_>>();
        assert!(english.is_empty(), "{path}: English cycle titles {english:?} on a Chinese page");
    }
}

#[test]
fn mixed_punctuation_is_found() {
    assert_eq!(mixed("<p>销售: 李娜</p>").len(), 1);
    assert!(mixed("<p>销售：李娜 · Sales: Li Na</p>").is_empty());
}

on_both_databases!(chinese_pages_use_chinese_punctuation);
