//! Hand-written JSON pieces for the hot path (`getAvailability`), where
//! going through `serde_json::Value` would cost most of the request.

use chrono::{Datelike, NaiveDate};

/// `YYYY-MM-DD` (years 0..=9999, which the parameter parser enforces).
pub(crate) fn push_date(out: &mut String, date: NaiveDate) {
    push_padded(out, date.year().unsigned_abs(), 4);
    out.push('-');
    push_padded(out, date.month(), 2);
    out.push('-');
    push_padded(out, date.day(), 2);
}

pub(crate) fn push_u32(out: &mut String, value: u32) {
    push_padded(out, value, 1);
}

pub(crate) fn push_i64(out: &mut String, value: i64) {
    if value < 0 {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut rest = value.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for digit in &digits[at..] {
        out.push(char::from(*digit));
    }
}

/// `value` in decimal, left-padded with zeros to `width` digits.
fn push_padded(out: &mut String, value: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut rest = value;
    let mut at = digits.len();
    while rest > 0 || digits.len() - at < width {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    for digit in &digits[at..] {
        out.push(char::from(*digit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_dates_and_numbers() {
        let mut out = String::new();
        push_date(
            &mut out,
            NaiveDate::from_ymd_opt(2026, 3, 5).unwrap_or_default(),
        );
        out.push(' ');
        push_u32(&mut out, 0);
        out.push(' ');
        push_u32(&mut out, 4_294_967_295);
        out.push(' ');
        push_i64(&mut out, -120);
        out.push(' ');
        push_i64(&mut out, i64::MIN);
        assert_eq!(out, "2026-03-05 0 4294967295 -120 -9223372036854775808");
    }
}
