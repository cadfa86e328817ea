//! Options are checked once, when the machine is made: a value out of its
//! documented range is replaced by the value the core runs with, and reported
//! as [`SyncError::InvalidOptions`]. Nothing an option holds can panic the core.

use std::fmt::Debug;

use crate::error::SyncError;

/// The errors found so far.
#[derive(Debug, Default)]
pub(crate) struct Check {
    pub errors: Vec<SyncError>,
}

impl Check {
    /// Puts `valid` in `value` when they differ, and reports why.
    pub fn fix<T: PartialEq + Debug>(&mut self, field: &str, value: &mut T, valid: T, why: &str) {
        // `!=`, not `==`: a NaN differs from everything, so it is always reported.
        if *value != valid {
            self.errors.push(SyncError::InvalidOptions {
                field: field.to_string(),
                message: format!("{value:?} {why}; {valid:?} is used"),
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
