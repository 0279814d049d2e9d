//! Sample statistics: mean, sample standard deviation and the Student-t 95 % interval.

/// Two-sided 95 % quantiles of Student's t for 1 to 30 degrees of freedom.
const T975: [f64; 30] = [
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139, 2.200985,
    2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873,
    2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
];

/// t(0.975, df). Beyond 30 degrees of freedom, the Cornish-Fisher expansion around the
/// normal quantile (error below 1e-5 there).
pub fn t975(df: u64) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T975[df as usize - 1],
        _ => {
            let z: f64 = 1.959_963_984_540_054;
            let n = df as f64;
            let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
            z + (z3 + z) / (4.0 * n)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n * n * n)
        }
    }
}

/// Running sums that summarise a sample and merge by addition.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sums {
    pub n: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Sums {
    pub fn of(values: &[f64]) -> Sums {
        values.iter().fold(Sums::default(), |s, v| s.push(*v))
    }

    pub fn push(self, v: f64) -> Sums {
        Sums { n: self.n + 1, sum: self.sum + v, sum_sq: self.sum_sq + v * v }
    }

    pub fn merge(self, o: Sums) -> Sums {
        Sums { n: self.n + o.n, sum: self.sum + o.sum, sum_sq: self.sum_sq + o.sum_sq }
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }

    /// Sample standard deviation (n − 1); none below two values.
    pub fn sd(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = self.n as f64;
        let var = (self.sum_sq - self.sum * self.sum / n) / (n - 1.0);
        Some(var.max(0.0).sqrt())
    }

    /// Student-t 95 % interval of the mean, clipped to 0–100; none below two values.
    pub fn ci95(&self) -> Option<[f64; 2]> {
        let (mean, sd) = (self.mean()?, self.sd()?);
        let half = t975(self.n - 1) * sd / (self.n as f64).sqrt();
        Some([(mean - half).clamp(0.0, 100.0), (mean + half).clamp(0.0, 100.0)])
    }
}

/// The 95 % interval of a weighted mean of group means (CONTRACT §4.5):
/// `SE² = Σ (wᵢ/Σw)² · sdᵢ²/nᵢ`, Welch–Satterthwaite degrees of freedom (rounded down, so the
/// interval errs wide), clipped to 0–100; none when a group has fewer than two values.
pub fn weighted_ci95(groups: &[(f64, Sums)]) -> Option<[f64; 2]> {
    let total: f64 = groups.iter().map(|(w, _)| w).sum();
    if groups.is_empty() || total <= 0.0 {
        return None;
    }
    let mut mean = 0.0;
    let (mut se2, mut df_den) = (0.0, 0.0);
    for (w, s) in groups {
        let (m, sd) = (s.mean()?, s.sd()?);
        let share = w / total;
        mean += share * m;
        let term = share * share * sd * sd / s.n as f64;
        se2 += term;
        df_den += term * term / (s.n - 1) as f64;
    }
    if se2 == 0.0 {
        return Some([mean.clamp(0.0, 100.0); 2]);
    }
    let df = (se2 * se2 / df_den).floor().max(1.0) as u64;
    let half = t975(df) * se2.sqrt();
    Some([(mean - half).clamp(0.0, 100.0), (mean + half).clamp(0.0, 100.0)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_interval_by_hand() {
        // Manager-free mix: peers 50/75/100 (w 1), direct reports 60/80 (w 1).
        // Means 75 and 70 → 72.5. SE² = ¼·625/3 + ¼·200/2 = 52.083 + 25 = 77.083; SE = 8.7797.
        // df = 77.083² / ((52.083²)/2 + 25²/1) = 5941.8 / (1356.3 + 625) = 2.999 → 2; t = 4.302653.
        let ci = weighted_ci95(&[(1.0, Sums::of(&[50.0, 75.0, 100.0])), (1.0, Sums::of(&[60.0, 80.0]))]).unwrap();
        let half = 4.302653 * 77.083_333_f64.sqrt();
        assert!((ci[0] - (72.5 - half)).abs() < 1e-3, "{ci:?}");
        assert_eq!(ci[1], 100.0, "clipped");
        assert_eq!(weighted_ci95(&[(1.0, Sums::of(&[50.0])), (1.0, Sums::of(&[60.0, 80.0]))]), None, "n < 2");
    }

    #[test]
    fn hand_computed_sample() {
        // 50, 75, 100: mean 75, sd 25, half-width 4.302653 × 25 / √3 = 62.1035…
        let s = Sums::of(&[50.0, 75.0, 100.0]);
        assert_eq!(s.mean(), Some(75.0));
        assert!((s.sd().unwrap() - 25.0).abs() < 1e-9);
        let [lo, hi] = s.ci95().unwrap();
        assert!((lo - 12.8965).abs() < 1e-3, "{lo}");
        assert_eq!(hi, 100.0, "75 + 62.1 is clipped to 100");
    }

    #[test]
    fn fewer_than_two_values_have_no_spread() {
        assert_eq!(Sums::of(&[40.0]).sd(), None);
        assert_eq!(Sums::of(&[40.0]).ci95(), None);
        assert_eq!(Sums::default().mean(), None);
    }

    #[test]
    fn t_quantiles_join_smoothly() {
        assert!((t975(30) - 2.042272).abs() < 1e-6);
        assert!((t975(31) - 2.039513).abs() < 1e-4);
        assert!((t975(60) - 2.000298).abs() < 1e-4);
        assert!((t975(1000) - 1.962339).abs() < 1e-4);
    }

    #[test]
    fn merging_equals_summing_everything() {
        let a = Sums::of(&[10.0, 20.0]);
        let b = Sums::of(&[30.0]);
        assert_eq!(a.merge(b), Sums::of(&[10.0, 20.0, 30.0]));
    }
}
