//! In-process benchmarks of the store and the write path, on a database of 10,000 matters built by
//! `examples/synth.rs` (a large authority's ten years: 3,000 children).
//!
//! What they check: one workflow step through `step_in` (rules, state, event chain, outbox) costs a
//! fraction of a millisecond and does not grow with the record; the nightly overdue read, a year's
//! statistics facts, a child's chronology and a matter's load are index reads. Whole processes, and a
//! database of 1,000,000 matters, are timed by `benches/commands.sh`.

use std::borrow::Cow;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use iro::engine::{Concern, NewAction, Opening, Request, Timescale};
use iro::model::Stage;
use iro::store::reports::{DueFilter, Scope};
use iro::store::Store;
use iro::workflow::{step_in, Asked, Clock, Setting};

#[path = "../examples/synth.rs"]
#[allow(dead_code)]
mod synth;

const CHILD: &str = "LCS-204233";
const MATTER: &str = "E-2020-0001";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date")
}

fn build(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("iro-10k.db");
    let args = synth::Args {
        db: db.clone(),
        children: 3_000,
        matters: 10_000,
        seed: 7,
        today: today(),
        batch: 10_000,
        cache_mib: 64,
        quiet: true,
    };
    synth::generate(&args).expect("a generated database");
    db
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = build(dir.path());
    let clock = Clock {
        today: today(),
        now: Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap(),
        real_today: today(),
    };
    let mut store = Store::open(&db, clock.now).expect("open");
    let setting = Setting::new(
        &iro::policy::Loaded::defaults(iro::policy::Source::Defaults(None)),
        clock,
        "bench",
    );

    let mut group = c.benchmark_group("write");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(5));
    // Raise a QAP on an existing child and escalate it: two steps, then roll back, so every iteration
    // works on the same 10,000 matters.
    group.bench_function("raise-qap + escalate via step_in (rolled back)", |b| {
        b.iter(|| {
            let tx = store.write().expect("tx");
            let owner = tx.staff("sw00000").expect("read").expect("an owner");
            let qap = step_in(&tx, &setting, "itm00000", None, |_| {
                Ok(Asked::Open {
                    child: CHILD.into(),
                    opening: Opening::RaiseQap {
                        concern: Concern {
                            category: "permanence".into(),
                            summary: "Permanence plan not progressed".into(),
                        },
                        actions: vec![NewAction {
                            text: "Complete the viability assessment".into(),
                            owner: Cow::Owned(owner),
                            due: Timescale::Within(10),
                        }],
                    },
                })
            })
            .expect("raised");
            let escalated = step_in(&tx, &setting, "itm00000", None, |_| {
                Ok(Asked::On {
                    matter: qap.matter.id.clone(),
                    request: Request::Escalate {
                        stage: Stage::One,
                        reason: None,
                    },
                })
            })
            .expect("escalated");
            black_box(escalated);
        })
    });
    group.finish();

    let mut group = c.benchmark_group("read");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("overdue rows, streamed (due_through)", |b| {
        let tx = store.read().expect("tx");
        b.iter(|| {
            let mut rows = 0usize;
            tx.due_through(
                today().pred_opt().expect("a day"),
                &DueFilter::default(),
                |row| -> Result<(), iro::store::StoreError> {
                    rows += 1;
                    black_box(row);
                    Ok(())
                },
            )
            .expect("rows");
            rows
        })
    });
    group.bench_function("a year's step facts (each_step_fact)", |b| {
        let tx = store.read().expect("tx");
        let (from, to) = (
            NaiveDate::from_ymd_opt(2025, 4, 1).expect("a date"),
            NaiveDate::from_ymd_opt(2026, 3, 31).expect("a date"),
        );
        let history = tx.children_over_time().expect("each child's history");
        b.iter(|| {
            let mut facts = 0usize;
            tx.each_step_fact(
                from,
                to,
                &history,
                |fact| -> Result<(), iro::store::StoreError> {
                    facts += 1;
                    black_box(fact);
                    Ok(())
                },
            )
            .expect("facts");
            facts
        })
    });
    group.bench_function("a child's chronology (chronology)", |b| {
        let tx = store.read().expect("tx");
        b.iter(|| {
            let mut rows = 0usize;
            tx.chronology(
                Scope::Child(CHILD),
                |row| -> Result<(), iro::store::StoreError> {
                    rows += 1;
                    black_box(row);
                    Ok(())
                },
            )
            .expect("rows");
            rows
        })
    });
    group.bench_function(
        "a matter with its actions, stages and referrals (matter)",
        |b| {
            let tx = store.read().expect("tx");
            b.iter(|| tx.matter(MATTER).expect("read").expect("the matter"))
        },
    );
    group.bench_function("the service calendar, as every step asks for it", |b| {
        let tx = store.read().expect("tx");
        b.iter(|| setting.calendar(&tx).expect("a calendar"))
    });
    group.finish();
}

criterion_group!(store, benches);
criterion_main!(store);
