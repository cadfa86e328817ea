//! Options are checked once, when the machine is made: a value out of its
//! documented range is replaced by the value the core runs with, and reported
//! as [`SyncError::InvalidOptions`]. Nothing an option holds can panic the core.

use std::fmt::Write;

use crate::error::SyncError;

/// The errors found so far.
#[derive(Debug, Default)]
pub(crate) struct Check {
    pub errors: Vec<SyncError>,
}

impl Check {
    /// Puts `valid` in `value` when they differ, and reports why.
    pub fn fix<T: Shown>(&mut self, field: &str, value: &mut T, valid: T, why: &str) {
        // `!=`, not `==`: a NaN differs from everything, so it is always reported.
        if *value != valid {
            self.errors.push(SyncError::InvalidOptions {
                field: field.to_string(),
                message: format!("{} {why}; {} is used", value.shown(), valid.shown()),
            });
            *value = valid;
        }
    }

    /// Clamps `value` to at most `max`.
    pub fn at_most(&mut self, field: &str, value: &mut u64, max: u64) {
        let valid = (*value).min(max);
        self.fix(field, value, valid, &format!("exceeds {max}"));
    }

    /// Clamps `value` into `min..=max`.
    pub fn within(&mut self, field: &str, value: &mut u64, min: u64, max: u64) {
        let valid = (*value).clamp(min, max);
        self.fix(field, value, valid, &format!("is outside {min}..={max}"));
    }
}

/// How a replaced value reads in its error. Not `Debug`: printing an `f64`
/// with it pulls about 11 KiB of float formatting into every wasm app.
pub(crate) trait Shown: PartialEq {
    fn shown(&self) -> String;
}

impl Shown for u64 {
    fn shown(&self) -> String {
        self.to_string()
    }
}

impl Shown for f64 {
    /// Up to six decimals with integer formatting, as `Debug` would print
    /// them, and `…` where digits were cut: the digits shown always start the
    /// value's own, so a value just outside a bound never reads as inside it.
    /// From 10¹² on, in scientific notation (`1.5e20`).
    fn shown(&self) -> String {
        if self.is_nan() {
            return "NaN".into();
        }
        let mut out = String::from(if self.is_sign_negative() { "-" } else { "" });
        let mut abs = self.abs();
        if abs.is_infinite() {
            out.push_str("inf");
            return out;
        }
        let mut exp = 0;
        if abs >= 1e12 {
            while abs >= 10.0 {
                abs /= 10.0;
                exp += 1;
            }
        }
        let scaled = abs * 1e6;
        let micros = scaled as u64; // truncates
        let digits = format!("{:06}", micros % 1_000_000);
        let digits = digits.trim_end_matches('0');
        let digits = if digits.is_empty() { "0" } else { digits };
        let cut = if micros as f64 == scaled { "" } else { "…" };
        let _ = write!(out, "{}.{digits}{cut}", micros / 1_000_000);
        if exp > 0 {
            let _ = write!(out, "e{exp}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Shown;

    #[test]
    fn floats_read_as_debug_would_or_cut_with_an_ellipsis() {
        for (value, shown) in [
            (0.5, "0.5"),
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (-2.25, "-2.25"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (0.999_999_9, "0.999999…"),
            (1.000_000_1, "1.0…"),
            (-1e-9, "-0.0…"),
            (123_456.75, "123456.75"),
            (1.5e20, "1.5e20"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(value.shown(), shown, "{value:?}");
        }
        assert_eq!(7u64.shown(), "7");
    }
}
