//! How times, durations and sizes are written on the pages. Pure functions,
//! the same on the server and in the browser, so hydration matches.

use everai_api::Timestamp;

/// "42 s", "5 min", "3 h 4 min", "2 d 3 h": a span at a glance.
pub fn span(ms: i64) -> String {
    let mut out = String::with_capacity(16);
    push_span(&mut out, ms);
    out
}

fn push_span(out: &mut String, ms: i64) {
    use std::fmt::Write;
    let s = ms.max(0) / 1000;
    let (d, h, m) = (s / 86_400, s / 3_600 % 24, s / 60 % 60);
    // Writing to a String cannot fail.
    let _ = match (d, h, m) {
        (0, 0, 0) => write!(out, "{s} s"),
        (0, 0, _) => write!(out, "{m} min"),
        (0, _, 0) => write!(out, "{h} h"),
        (0, _, _) => write!(out, "{h} h {m} min"),
        (_, 0, _) => write!(out, "{d} d"),
        _ => write!(out, "{d} d {h} h"),
    };
}

/// How long ago `t` was, seen from `now_ms`: "12 s ago", "just now".
pub fn ago(t: Timestamp, now_ms: i64) -> String {
    let delta = now_ms - t.unix_millis();
    if delta < 1_000 {
        "just now".to_string()
    } else {
        let mut out = String::with_capacity(20);
        push_span(&mut out, delta);
        out.push_str(" ago");
        out
    }
}

/// A short duration with sub-second precision where it matters: "850 ms",
/// "5.1 s", "2 min 3 s".
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{} min {} s", ms / 60_000, ms / 1000 % 60)
    } else {
        span(ms)
    }
}

/// The exact time in UTC, to the millisecond: "2024-09-29 09:35:18.362 UTC".
pub fn exact(t: Timestamp) -> String {
    utc_millis(t, ' ', " UTC")
}

/// The same instant as [`exact`], as HTML's `datetime` attribute reads
/// it: "2024-09-29T09:35:18.362Z".
pub fn machine(t: Timestamp) -> String {
    utc_millis(t, 'T', "Z")
}

/// Date, `between`, time to the millisecond, `zone`. Written digit by
/// digit: a worker page writes two of these for every time it shows, and
/// the formatting machinery cost several times as much.
fn utc_millis(t: Timestamp, between: char, zone: &str) -> String {
    let d = t.datetime();
    let mut out = String::with_capacity(24 + zone.len());
    let year = d.year();
    if (0..=9999).contains(&year) {
        push_digits(&mut out, year as u32, 4);
    } else {
        // Outside four digits (never from the platform): as `{:04}` wrote it.
        out.push_str(&format!("{year:04}"));
    }
    out.push('-');
    push_digits(&mut out, u32::from(u8::from(d.month())), 2);
    out.push('-');
    push_digits(&mut out, u32::from(d.day()), 2);
    out.push(between);
    push_digits(&mut out, u32::from(d.hour()), 2);
    out.push(':');
    push_digits(&mut out, u32::from(d.minute()), 2);
    out.push(':');
    push_digits(&mut out, u32::from(d.second()), 2);
    out.push('.');
    push_digits(&mut out, u32::from(d.millisecond()), 3);
    out.push_str(zone);
    out
}

/// The last `width` decimal digits of `n`, zero-padded.
fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = n / 10u32.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// MiB as people say it: "512 MiB", "32 GiB", "1.5 GiB".
pub fn memory(mib: u64) -> String {
    if mib == 0 {
        String::new()
    } else if mib < 1024 {
        format!("{mib} MiB")
    } else if mib.is_multiple_of(1024) {
        format!("{} GiB", mib / 1024)
    } else {
        format!("{:.1} GiB", mib as f64 / 1024.0)
    }
}

/// CPUs without a needless ".0".
pub fn cpus(n: f64) -> String {
    if n == 0.0 {
        String::new()
    } else if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(raw: &str) -> Timestamp {
        Timestamp::parse(raw).unwrap()
    }

    #[test]
    fn spans_read_at_a_glance() {
        assert_eq!(span(0), "0 s");
        assert_eq!(span(59_999), "59 s");
        assert_eq!(span(60_000), "1 min");
        assert_eq!(span(3_600_000), "1 h");
        assert_eq!(span(3_660_000), "1 h 1 min");
        assert_eq!(span(86_400_000), "1 d");
        assert_eq!(span(90_000_000), "1 d 1 h");
        assert_eq!(span(-5), "0 s");
    }

    #[test]
    fn ago_counts_from_the_given_now() {
        let t = ts("2024-09-29T09:35:18.362Z");
        let now = t.unix_millis();
        assert_eq!(ago(t, now), "just now");
        assert_eq!(ago(t, now + 12_000), "12 s ago");
        assert_eq!(ago(t, now + 7_200_000), "2 h ago");
        // A clock a little behind the platform's must not say "-3 s ago".
        assert_eq!(ago(t, now - 3_000), "just now");
    }

    #[test]
    fn durations_keep_useful_precision() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(5_081), "5.1 s");
        assert_eq!(duration(123_000), "2 min 3 s");
        assert_eq!(duration(7_260_000), "2 h 1 min");
    }

    #[test]
    fn exact_times_are_utc_to_the_millisecond() {
        assert_eq!(
            exact(ts("2024-09-29T09:35:18.362Z")),
            "2024-09-29 09:35:18.362 UTC"
        );
        assert_eq!(
            exact(ts("2024-09-29T11:35:18Z")),
            "2024-09-29 11:35:18.000 UTC"
        );
        assert_eq!(
            exact(ts("2024-09-29T11:35:18.5+02:00")),
            "2024-09-29 09:35:18.500 UTC"
        );
    }

    #[test]
    fn machine_times_are_valid_html_datetimes_in_utc() {
        assert_eq!(
            machine(ts("2024-09-29T09:35:18.362Z")),
            "2024-09-29T09:35:18.362Z"
        );
        assert_eq!(
            machine(ts("2024-09-29T11:35:18.5+02:00")),
            "2024-09-29T09:35:18.500Z"
        );
        // What the browser reads back is the instant, to the millisecond.
        let t = ts("2024-09-29T09:35:18.362987Z");
        assert_eq!(ts(&machine(t)).unix_millis(), t.unix_millis());
    }

    #[test]
    fn sizes_and_cpus() {
        assert_eq!(memory(0), "");
        assert_eq!(memory(512), "512 MiB");
        assert_eq!(memory(32_768), "32 GiB");
        assert_eq!(memory(1536), "1.5 GiB");
        assert_eq!(cpus(2.0), "2");
        assert_eq!(cpus(0.5), "0.5");
        assert_eq!(cpus(0.0), "");
    }
}
