//! Crontab expressions as people write them, translated for the `cron` crate.

use std::str::FromStr;

use chrono::{DateTime, Utc};

/// Parses a standard five-field crontab line (minute hour day-of-month month day-of-week, day
/// 0 or 7 = Sunday) or `@hourly`/`@daily`/`@weekly`/`@monthly`/`@yearly`. The `cron` crate
/// wants a seconds field and counts weekdays from 1 = Sunday, so both are translated here;
/// six-field (per-second) schedules are refused. The message is meant for the client.
pub fn parse_cron(expr: &str, now: DateTime<Utc>) -> Result<cron::Schedule, String> {
    let expr = expr.trim();
    let full = if expr.starts_with('@') {
        expr.to_owned()
    } else {
        let fields: Vec<&str> = expr.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = fields.as_slice() else {
            return Err(
                "must have 5 fields (minute hour day-of-month month day-of-week) \
                        or be @hourly, @daily, @weekly, @monthly or @yearly"
                    .to_owned(),
            );
        };
        format!("0 {minute} {hour} {dom} {month} {}", weekday_names(dow))
    };
    let schedule =
        cron::Schedule::from_str(&full).map_err(|e| format!("invalid cron expression: {e}"))?;
    if schedule.after(&now).next().is_none() {
        return Err("never fires".to_owned());
    }
    Ok(schedule)
}

/// Crontab weekday numbers (0..=7, Sunday = 0 or 7) as names; step sizes after `/` stay.
fn weekday_names(field: &str) -> String {
    const NAMES: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    let mut out = String::new();
    let mut digits = String::new();
    let mut after_slash = false;
    let flush = |digits: &mut String, out: &mut String, after_slash: bool| {
        let name = digits
            .parse::<usize>()
            .ok()
            .and_then(|n| NAMES.get(n))
            .filter(|_| !after_slash);
        out.push_str(name.copied().unwrap_or(digits.as_str()));
        digits.clear();
    };
    for c in field.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        flush(&mut digits, &mut out, after_slash);
        match c {
            '/' => after_slash = true,
            ',' | '-' => after_slash = false,
            _ => {}
        }
        out.push(c);
    }
    flush(&mut digits, &mut out, after_slash);
    out
}
