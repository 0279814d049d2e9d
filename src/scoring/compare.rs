//! A score beside the same score over another period: the difference, and a direction only
//! where the two 95 % intervals do not overlap, so that nobody reads noise as change.
use super::round1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// A score (as shown, rounded) with its interval.
pub type Shown = (Option<f64>, Option<[f64; 2]>);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// The compared period's score.
    pub then: Option<f64>,
    /// Now minus then, when both are scored.
    pub diff: Option<f64>,
    /// Set only when both intervals are known and do not overlap (touching ones overlap).
    pub direction: Option<Direction>,
}

pub fn change(now: Shown, then: Shown) -> Change {
    let diff = match (now.0, then.0) {
        (Some(a), Some(b)) => Some(round1(a - b)),
        _ => None,
    };
    let direction = match (now.1, then.1, diff) {
        (Some([lo, _]), Some([_, then_hi]), Some(_)) if lo > then_hi => Some(Direction::Up),
        (Some([_, hi]), Some([then_lo, _]), Some(_)) if hi < then_lo => Some(Direction::Down),
        _ => None,
    };
    Change { then: then.0, diff, direction }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arrow_only_where_the_intervals_part() {
        let up = change((Some(80.0), Some([75.0, 85.0])), (Some(60.0), Some([55.0, 65.0])));
        assert_eq!((up.diff, up.direction, up.then), (Some(20.0), Some(Direction::Up), Some(60.0)));
        let down = change((Some(60.0), Some([55.0, 65.0])), (Some(80.0), Some([75.0, 85.0])));
        assert_eq!((down.diff, down.direction), (Some(-20.0), Some(Direction::Down)));
        let overlap = change((Some(70.0), Some([60.0, 80.0])), (Some(65.0), Some([55.0, 75.0])));
        assert_eq!((overlap.diff, overlap.direction), (Some(5.0), None), "a difference, no arrow");
        let touching = change((Some(70.0), Some([65.0, 75.0])), (Some(60.0), Some([55.0, 65.0])));
        assert_eq!(touching.direction, None, "touching intervals overlap");
        let no_interval = change((Some(90.0), None), (Some(10.0), Some([5.0, 15.0])));
        assert_eq!((no_interval.diff, no_interval.direction), (Some(80.0), None), "n < 2: no interval, no arrow");
        let unscored = change((None, None), (Some(10.0), Some([5.0, 15.0])));
        assert_eq!((unscored.diff, unscored.then), (None, Some(10.0)));
        assert_eq!(change((Some(0.3), None), (Some(0.1), None)).diff, Some(0.2), "rounded, not 0.19999");
    }
}
