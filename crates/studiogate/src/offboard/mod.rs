//! Offboarding: find the Studio identities whose owner is no longer entitled (not seen for N days,
//! by the profile's `studiogate:last-login` tag, or listed by name), show a plan, and carry it out:
//! the user's apps, then (when the home goes too) the spaces they own, then their profile, and
//! their Identity Center session mappings. It never touches what studiogate did not create: a
//! profile without a target's owner tag, a space without the owner's tag, a mapping whose session
//! policy no target configures. `functions/offboard` runs it as a command and on a schedule.
//!
//! AWS's order (SageMaker Developer Guide, "Remove user profiles"): a profile can be deleted only
//! once every app it launched and every space it owns is deleted, and a space only once its apps
//! are. So the plan deletes apps, waits for them, deletes spaces, waits, then deletes the profile.

mod execute;
mod plan;
pub mod port;
#[cfg(test)]
mod tests;

pub use execute::{carry_out, Outcome, Pace, Record};
pub use plan::{plan, Held, MappingPlan, Plan, ProfilePlan, Skip, Why};
pub use port::{AppSummary, SpaceSummary, StudioInventory, TaggedProfile};

use std::collections::BTreeSet;

/// What becomes of the user's home: their private spaces' volumes (Studio) and their directory on
/// the domain's EFS volume (Studio Classic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Home {
    /// Delete the apps only: the spaces (whose volumes hold the home) stay, and so does the profile,
    /// which AWS cannot delete while it owns spaces. Nothing is lost; nothing runs.
    #[default]
    Keep,
    /// Delete the apps, the spaces (and their volumes), then the profile. The EFS directory stays:
    /// no SageMaker API removes it; the record names its UID for an administrator.
    Remove,
}

impl std::str::FromStr for Home {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "keep" => Ok(Home::Keep),
            "remove" => Ok(Home::Remove),
            other => Err(format!("home must be keep or remove, not {other:?}")),
        }
    }
}

/// Who is no longer entitled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Criteria {
    /// Profiles whose last login is more than this many days before today.
    pub inactive_days: Option<u32>,
    /// Users by name: the owner tag's value (SageMaker) and the Identity Center `UserName` (EMR).
    pub users: BTreeSet<String>,
}

impl Criteria {
    /// Whether anything is selected at all (an empty criterion would select nobody).
    pub fn is_empty(&self) -> bool {
        self.inactive_days.is_none() && self.users.is_empty()
    }
}
