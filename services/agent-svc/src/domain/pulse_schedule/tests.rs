use chrono::{Datelike, TimeZone, Weekday};

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    parse_instant(s).expect("instant")
}

fn blackout(start: &str, end: &str) -> Blackout {
    Blackout {
        kind: "recurring".into(),
        start_time: start.into(),
        end_time: end.into(),
        label: None,
    }
}

fn every(interval: u32, offset: u32) -> Recurrence {
    Recurrence::Every { interval, offset }
}

/// A small deterministic generator, so the property tests need no extra crate.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % u64::from(n.max(1))) as u32
    }
}

#[test]
fn intervals_line_up_with_midnight_plus_the_offset() {
    let plan = Plan::new(every(30, 5), &[], &[]);
    let from = at("2026-03-01T10:07:00Z");
    let times: Vec<_> = plan
        .upcoming(from, from + Duration::hours(2), 3)
        .into_iter()
        .map(|f| format_instant(f.at))
        .collect();
    assert_eq!(
        times,
        [
            "2026-03-01T10:35:00Z",
            "2026-03-01T11:05:00Z",
            "2026-03-01T11:35:00Z"
        ]
    );
}

#[test]
fn next_is_strictly_after_now_even_on_a_slot() {
    let r = every(30, 0);
    assert_eq!(
        r.next_after(at("2026-03-01T10:30:00Z")),
        Some(at("2026-03-01T11:00:00Z"))
    );
    assert_eq!(
        r.next_after(at("2026-03-01T10:29:59.5Z")),
        Some(at("2026-03-01T10:30:00Z"))
    );
}

#[test]
fn blackouts_wrap_past_midnight() {
    let night = Window::from_blackout(&blackout("23:00", "07:00")).expect("window");
    for (t, inside) in [
        ("2026-03-01T23:00:00Z", true),
        ("2026-03-01T02:00:00Z", true),
        ("2026-03-01T06:59:00Z", true),
        ("2026-03-01T07:00:00Z", false),
        ("2026-03-01T22:59:00Z", false),
    ] {
        assert_eq!(night.contains(at(t)), inside, "{t}");
    }
    let plan = Plan::new(every(60, 0), &[blackout("23:00", "07:00")], &[]);
    let from = at("2026-03-01T21:30:00Z");
    let times: Vec<_> = plan
        .upcoming(from, from + Duration::hours(12), 4)
        .into_iter()
        .map(|f| format_instant(f.at))
        .collect();
    assert_eq!(
        times,
        [
            "2026-03-01T22:00:00Z",
            "2026-03-02T07:00:00Z",
            "2026-03-02T08:00:00Z",
            "2026-03-02T09:00:00Z"
        ]
    );
}

#[test]
fn one_offs_are_merged_and_fire_even_in_a_blackout() {
    let plan = Plan::new(
        every(1440, 600),
        &[blackout("00:00", "06:00")],
        &["2026-03-02T03:00:00Z".into(), "not a time".into()],
    );
    let from = at("2026-03-01T12:00:00Z");
    let fires = plan.upcoming(from, from + Duration::days(1), 10);
    assert_eq!(
        fires,
        [
            Fire {
                at: at("2026-03-02T03:00:00Z"),
                source: PulseSource::OneOff
            },
            Fire {
                at: at("2026-03-02T10:00:00Z"),
                source: PulseSource::Recurring
            },
        ]
    );
}

#[test]
fn five_field_cron_counts_weekdays_like_crontab() {
    let now = at("2026-03-01T00:00:00Z"); // a Sunday
    let plan = Plan::new(
        Recurrence::Cron(Box::new(parse_cron("0 9 * * 1-5", now).expect("cron"))),
        &[],
        &[],
    );
    let fires = plan.upcoming(now, now + Duration::days(7), 10);
    let days: Vec<_> = fires.iter().map(|f| f.at.weekday()).collect();
    assert_eq!(
        days,
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri
        ]
    );
    assert!(fires.iter().all(|f| f.at.hour() == 9 && f.at.minute() == 0));
    assert!(fires.iter().all(|f| f.source == PulseSource::Cron));
    let sunday = parse_cron("30 8 * * 0", now).expect("sunday as 0");
    assert_eq!(
        sunday.after(&now).next().map(|t| t.weekday()),
        Some(Weekday::Sun)
    );
    let stepped = parse_cron("0 */6 * * */2", now).expect("steps stay numeric");
    assert!(stepped.after(&now).next().is_some());
    assert!(parse_cron("@daily", now).is_ok());
}

#[test]
fn bad_cron_expressions_are_refused_with_a_reason() {
    let now = Utc::now();
    for bad in [
        "",
        "every day",
        "* * * *",
        "0 * * * * *",
        "61 * * * *",
        "0 25 * * *",
        "@often",
    ] {
        assert!(parse_cron(bad, now).is_err(), "{bad}");
    }
    assert_eq!(
        parse_cron("0 0 30 2 *", now).err().as_deref(),
        Some("never fires")
    );
}

#[test]
fn property_no_scheduled_pulse_falls_in_a_blackout() {
    let mut rng = Lcg(7);
    let from = at("2026-03-01T00:17:00Z");
    for _ in 0..300 {
        let interval = 1 + rng.below(240);
        let offset = rng.below(interval);
        let windows: Vec<Blackout> = (0..rng.below(3))
            .map(|_| {
                let (s, e) = (rng.below(1440), rng.below(1440));
                blackout(
                    &format!("{:02}:{:02}", s / 60, s % 60),
                    &format!("{:02}:{:02}", e / 60, e % 60),
                )
            })
            .collect();
        let plan = Plan::new(every(interval, offset), &windows, &[]);
        let fires = plan.upcoming(from, from + Duration::days(2), 5_000);
        for f in &fires {
            assert!(plan.blackout_at(f.at).is_none(), "{f:?} in {windows:?}");
            let minute = f.at.timestamp() / 60;
            assert_eq!(
                (minute - i64::from(offset)).rem_euclid(i64::from(interval)),
                0
            );
        }
        assert!(fires.windows(2).all(|w| w[0].at < w[1].at), "sorted");
        // Nothing skipped except blackout minutes: every slot outside a window is present.
        let expected = (0..2 * 1440)
            .map(|m| from + Duration::minutes(m + 1))
            .filter(|t| {
                (t.timestamp() / 60 - i64::from(offset)).rem_euclid(i64::from(interval)) == 0
                    && plan.blackout_at(*t).is_none()
            })
            .count();
        assert_eq!(fires.len(), expected);
    }
}

#[test]
fn property_auto_spread_gives_distinct_offsets_below_the_interval() {
    for interval in [1, 2, 7, 30, 60, 1440] {
        for n in 1..=interval.min(90) {
            let offsets = auto_spread(&vec![interval; n as usize]);
            let mut sorted = offsets.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), n as usize, "distinct for I={interval} N={n}");
            assert!(offsets.iter().all(|o| *o < interval));
            assert_eq!(offsets[0], 0);
        }
    }
    assert_eq!(auto_spread(&[30, 30, 30]), [0, 10, 20]);
    assert_eq!(auto_spread(&[]), Vec::<u32>::new());
    // More agents than minutes: offsets repeat but stay valid.
    assert!(auto_spread(&[2; 5]).iter().all(|o| *o < 2));
}

#[test]
fn spread_agents_have_no_conflicts_and_stacked_ones_do() {
    let from = at("2026-03-01T00:00:30Z");
    let schedules = |offsets: &[u32]| -> Vec<Scheduled> {
        offsets
            .iter()
            .enumerate()
            .map(|(i, &offset)| Scheduled {
                agent_id: format!("agt_{i}"),
                agent_name: format!("Agent {i}"),
                routine_id: None,
                routine_name: None,
                plan: Plan::new(every(30, offset), &[], &[]),
            })
            .collect()
    };
    let stacked = timeline(&schedules(&[0, 0, 1, 0]), from, from + Duration::hours(1));
    assert_eq!(stacked.pulses.len(), 8);
    assert_eq!(stacked.conflicts.len(), 2, "{:?}", stacked.conflicts);
    assert_eq!(stacked.conflicts[0].pulses.len(), 4);
    assert_eq!(stacked.conflicts[0].severity(), "critical");
    assert_eq!(stacked.by_agent.get("agt_3"), Some(&2));

    let offsets = auto_spread(&[30; 4]);
    let spread = timeline(&schedules(&offsets), from, from + Duration::hours(6));
    assert!(spread.conflicts.is_empty(), "{:?}", spread.conflicts);
    assert!(!spread.truncated);
}

#[test]
fn an_agents_own_routines_do_not_conflict_with_each_other() {
    let from = at("2026-03-01T00:00:30Z");
    let mk = |agent: &str, routine: Option<&str>| Scheduled {
        agent_id: agent.into(),
        agent_name: agent.into(),
        routine_id: routine.map(Into::into),
        routine_name: None,
        plan: Plan::new(every(60, 0), &[], &[]),
    };
    let same = timeline(
        &[mk("agt_a", None), mk("agt_a", Some("pr_1"))],
        from,
        from + Duration::hours(1),
    );
    assert!(same.conflicts.is_empty());
    let two = timeline(
        &[mk("agt_a", None), mk("agt_b", Some("pr_1"))],
        from,
        from + Duration::hours(1),
    );
    assert_eq!(two.conflicts.len(), 1);
    assert_eq!(two.conflicts[0].severity(), "warning");
}

#[test]
fn timelines_cap_each_schedule() {
    let from = Utc
        .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .single()
        .expect("time");
    let s = Scheduled {
        agent_id: "agt_a".into(),
        agent_name: "A".into(),
        routine_id: None,
        routine_name: None,
        plan: Plan::new(every(1, 0), &[], &[]),
    };
    let t = timeline(&[s], from, from + Duration::hours(168));
    assert!(t.truncated);
    assert_eq!(t.pulses.len(), MAX_PER_SCHEDULE);
}

#[test]
fn agent_plans_follow_the_config() {
    let mut config = AgentRuntimeConfig::default();
    assert!(agent_plan(&config).is_none(), "off by default");
    config.pulse_enabled = Some(true);
    config.pulse_offset_minutes = Some(12);
    let plan = agent_plan(&config).expect("on");
    let next = plan.next(at("2026-03-01T10:00:00Z"));
    assert_eq!(next, Some(at("2026-03-01T10:12:00Z")));
}
