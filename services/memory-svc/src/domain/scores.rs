//! The adaptive score of a memory (CONTRACTS §8), computed when read so a config change or the
//! passing of time shows at once:
//!
//! - usefulness `u` = useful / valuations, or 0.5 below `min_valuations_for_signal`, then pulled
//!   back toward 0.5 by `2^(-days since last valuation / rehabilitation_half_life_days)` (a
//!   memory judged useless long ago gets another chance);
//! - recency `r` = max(`recency_floor`, `2^(-days since last access / recency_half_life_days)`);
//! - frequency `f` = min(1, ln(accesses + 1) / ln(max(2, frequency_log_cap)));
//! - adaptive = max(`adaptive_score_floor`, u·w_u + r·w_r + f·w_f).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const DAY_MS: f64 = 86_400_000.0;

/// A tenant's scoring settings (the contract's `MemoryScoringConfig`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ScoringConfig {
    pub min_valuations_for_signal: i64,
    pub recency_half_life_days: i64,
    pub rehabilitation_half_life_days: i64,
    pub adaptive_score_floor: f64,
    pub frequency_log_cap: i64,
    pub blend_usefulness_weight: f64,
    pub blend_recency_weight: f64,
    pub blend_frequency_weight: f64,
    pub recency_floor: f64,
    pub blend_boost_factor: f64,
    pub blend_base_factor: f64,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        Self {
            min_valuations_for_signal: 3,
            recency_half_life_days: 30,
            rehabilitation_half_life_days: 90,
            adaptive_score_floor: 0.35,
            frequency_log_cap: 50,
            blend_usefulness_weight: 0.60,
            blend_recency_weight: 0.25,
            blend_frequency_weight: 0.15,
            recency_floor: 0.30,
            blend_boost_factor: 0.30,
            blend_base_factor: 0.70,
        }
    }
}

impl ScoringConfig {
    /// Field paths and messages of every value out of range.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if !(0..=1_000).contains(&self.min_valuations_for_signal) {
            out.push(("min_valuations_for_signal", "must be between 0 and 1000"));
        }
        for (name, v) in [
            ("recency_half_life_days", self.recency_half_life_days),
            (
                "rehabilitation_half_life_days",
                self.rehabilitation_half_life_days,
            ),
        ] {
            if !(1..=36_500).contains(&v) {
                out.push((name, "must be between 1 and 36500"));
            }
        }
        if !(2..=1_000_000).contains(&self.frequency_log_cap) {
            out.push(("frequency_log_cap", "must be between 2 and 1000000"));
        }
        for (name, v) in [
            ("adaptive_score_floor", self.adaptive_score_floor),
            ("blend_usefulness_weight", self.blend_usefulness_weight),
            ("blend_recency_weight", self.blend_recency_weight),
            ("blend_frequency_weight", self.blend_frequency_weight),
            ("recency_floor", self.recency_floor),
            ("blend_boost_factor", self.blend_boost_factor),
            ("blend_base_factor", self.blend_base_factor),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                out.push((name, "must be between 0 and 1"));
            }
        }
        out
    }
}

/// The counters kept for one memory.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counters {
    pub access_count: i64,
    pub valuation_count: i64,
    pub useful_count: i64,
    pub last_accessed: Option<i64>,
    pub last_valued: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub usefulness: f64,
    pub adaptive: f64,
}

fn days(now: i64, then: i64) -> f64 {
    (now.saturating_sub(then)).max(0) as f64 / DAY_MS
}

pub fn score(c: &Counters, cfg: &ScoringConfig, now: i64) -> Score {
    let raw = if c.valuation_count < cfg.min_valuations_for_signal || c.valuation_count == 0 {
        0.5
    } else {
        c.useful_count as f64 / c.valuation_count as f64
    };
    let rehab = c.last_valued.map_or(1.0, |t| {
        (-days(now, t) / cfg.rehabilitation_half_life_days as f64).exp2()
    });
    let usefulness = 0.5 + (raw - 0.5) * rehab;
    let since = c.last_accessed.unwrap_or(c.created_at);
    let recency = cfg
        .recency_floor
        .max((-days(now, since) / cfg.recency_half_life_days as f64).exp2());
    let frequency =
        ((c.access_count as f64 + 1.0).ln() / (cfg.frequency_log_cap.max(2) as f64).ln()).min(1.0);
    let blended = usefulness * cfg.blend_usefulness_weight
        + recency * cfg.blend_recency_weight
        + frequency * cfg.blend_frequency_weight;
    Score {
        usefulness,
        adaptive: blended.max(cfg.adaptive_score_floor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000 * 86_400_000;

    /// The formula written out once more, plainly, as the reference.
    fn reference(
        access: f64,
        vals: f64,
        useful: f64,
        days_valued: f64,
        days_accessed: f64,
    ) -> (f64, f64) {
        let c = ScoringConfig::default();
        let u0 = if vals < 3.0 { 0.5 } else { useful / vals };
        let u = 0.5 + (u0 - 0.5) * 0.5f64.powf(days_valued / 90.0);
        let r = f64::max(0.30, 0.5f64.powf(days_accessed / 30.0));
        let f = f64::min(1.0, (access + 1.0).ln() / 50f64.ln());
        let a = f64::max(c.adaptive_score_floor, 0.6 * u + 0.25 * r + 0.15 * f);
        (u, a)
    }

    #[test]
    fn scores_match_the_reference_formula() {
        let cfg = ScoringConfig::default();
        let cases = [
            (0, 0, 0, 0.0, 0.0),
            (10, 5, 5, 0.0, 1.0),
            (10, 5, 0, 0.0, 1.0),
            (10, 5, 0, 90.0, 60.0),
            (100, 2, 0, 10.0, 400.0),
            (1_000, 10, 7, 180.0, 0.5),
        ];
        for (access, vals, useful, dv, da) in cases {
            let c = Counters {
                access_count: access,
                valuation_count: vals,
                useful_count: useful,
                last_valued: Some(NOW - (dv * DAY_MS) as i64),
                last_accessed: Some(NOW - (da * DAY_MS) as i64),
                created_at: 0,
            };
            let got = score(&c, &cfg, NOW);
            let (u, a) = reference(access as f64, vals as f64, useful as f64, dv, da);
            assert!(
                (got.usefulness - u).abs() < 1e-9,
                "{access} {vals} {useful}: {got:?} vs {u}"
            );
            assert!(
                (got.adaptive - a).abs() < 1e-9,
                "{access} {vals} {useful}: {got:?} vs {a}"
            );
        }
    }

    #[test]
    fn a_useless_memory_is_rehabilitated_over_time() {
        let cfg = ScoringConfig::default();
        let mut c = Counters {
            valuation_count: 4,
            useful_count: 0,
            last_valued: Some(NOW),
            last_accessed: Some(NOW),
            ..Counters::default()
        };
        assert_eq!(score(&c, &cfg, NOW).usefulness, 0.0);
        c.last_valued = Some(NOW - 90 * 86_400_000);
        assert!((score(&c, &cfg, NOW).usefulness - 0.25).abs() < 1e-9);
        assert!(score(&c, &cfg, NOW).adaptive >= cfg.adaptive_score_floor);
    }

    #[test]
    fn out_of_range_settings_are_named() {
        let cfg = ScoringConfig {
            recency_half_life_days: 0,
            blend_base_factor: 1.5,
            frequency_log_cap: 1,
            ..ScoringConfig::default()
        };
        let names: Vec<_> = cfg.problems().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            vec![
                "recency_half_life_days",
                "frequency_log_cap",
                "blend_base_factor"
            ]
        );
        assert!(ScoringConfig::default().problems().is_empty());
    }
}
