//! Benchmarks of the working-day calendar: reports call it once per row, and every process builds one.
//!
//! The budget this checks: 1,000,000 calls of `add_working_days(d, 20)` over varied dates in well under
//! 0.2 s, and building a calendar in well under 5 ms.

use std::hint::black_box;
use std::time::Duration;

use chrono::{Days, NaiveDate};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use iro::calendar::{Calendar, FIRST_DAY};

const CALLS: usize = 1_000_000;

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a valid date literal")
}

/// A million start dates spread over 1978 to 2197, in an order that defeats the cache as a report's rows
/// (sorted by child, not by date) would.
fn varied_dates() -> Vec<NaiveDate> {
    // 80,000 days from 1978-01-01 keeps 20 working days later within the range; 7,919 is prime to it.
    (0..CALLS as u64)
        .map(|i| FIRST_DAY + Days::new(i * 7_919 % 80_000))
        .collect()
}

fn one_million_adds(c: &mut Criterion) {
    let calendar = Calendar::england_and_wales();
    let dates = varied_dates();
    let mut group = c.benchmark_group("add_working_days");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(CALLS as u64));
    group.bench_function("1M calls, n=20, varied dates", |b| {
        b.iter(|| {
            // Fold every answer into the result so that no call can be optimised away.
            dates.iter().fold(0i64, |acc, &date| {
                let due = calendar
                    .add_working_days(black_box(date), black_box(20))
                    .expect("in range");
                acc.wrapping_add(i64::from(chrono::Datelike::num_days_from_ce(&due)))
            })
        })
    });
    group.finish();
}

fn single_calls(c: &mut Criterion) {
    let calendar = Calendar::with_closures([d("2026-12-29"), d("2026-12-30")]);
    let (christmas_eve, start, end) = (d("2026-12-24"), d("2026-01-05"), d("2027-06-30"));
    let mut group = c.benchmark_group("single call");
    group.bench_function("add_working_days(2026-12-24, 20)", |b| {
        b.iter(|| calendar.add_working_days(black_box(christmas_eve), black_box(20)))
    });
    group.bench_function("working_days_between(2026-01-05, 2027-06-30)", |b| {
        b.iter(|| calendar.working_days_between(black_box(start), black_box(end)))
    });
    group.bench_function("is_working_day(2027-06-30)", |b| {
        b.iter(|| calendar.is_working_day(black_box(end)))
    });
    group.finish();
}

fn construction(c: &mut Criterion) {
    let mut group = c.benchmark_group("construction");
    // What every process start pays: the tables built from nothing, with a closure day or two.
    group.bench_function("with_closures (2 closure days, full build)", |b| {
        b.iter_batched(
            || [d("2026-12-29"), d("2026-12-30")],
            |closures| Calendar::with_closures(black_box(closures)),
            BatchSize::SmallInput,
        )
    });
    // Every later call in the same process shares the tables.
    group.bench_function("england_and_wales (shared)", |b| {
        b.iter(Calendar::england_and_wales)
    });
    group.finish();
}

criterion_group!(benches, one_million_adds, single_calls, construction);
criterion_main!(benches);
