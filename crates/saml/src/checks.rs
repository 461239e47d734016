//! The conditions a verified assertion must meet, each recorded as a named check. All are
//! evaluated (so `studiogate inspect` shows every problem at once); the first failure decides the
//! rejection.

use super::read::{AssertionContent, Confirmation, EnvelopeContent};
use super::report::Report;
use super::validator::Settings;
use super::Rejection;
use studiogate_kernel::clock::{format_instant, parse_instant};
use time::{Duration, OffsetDateTime};

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// Instants the checks established, for the caller (replay cache, session length).
#[derive(Debug, Clone)]
pub(crate) struct Window {
    /// The earliest NotOnOrAfter that applies (bearer confirmation, Conditions).
    pub not_on_or_after: OffsetDateTime,
    /// AuthnStatement SessionNotOnOrAfter, if given.
    pub session_not_on_or_after: Option<OffsetDateTime>,
    /// The Recipient of the bearer confirmation that passed (STS answers it as `Audience`).
    pub recipient: String,
    /// That confirmation's InResponseTo, if not empty (inside the Assertion, so signed).
    pub confirmation_in_response_to: Option<String>,
}

struct Clock<'a> {
    now: OffsetDateTime,
    skew: Duration,
    settings: &'a Settings,
}

impl Clock<'_> {
    fn instant(&self, what: &'static str, text: &str) -> Result<OffsetDateTime, Rejection> {
        parse_instant(text).ok_or_else(|| Rejection::Malformed {
            what,
            detail: format!(
                "{:?} is not an xs:dateTime with a time zone",
                super::xml::clip(text)
            ),
        })
    }

    fn not_before(&self, what: &'static str, text: Option<&str>) -> Result<(), Rejection> {
        let Some(text) = text else { return Ok(()) };
        let at = self.instant(what, text)?;
        if self.now + self.skew < at {
            return Err(Rejection::NotYetValid {
                what,
                at: format_instant(at),
                now: format_instant(self.now),
                skew_seconds: self.skew.whole_seconds(),
            });
        }
        Ok(())
    }

    fn not_on_or_after(&self, what: &'static str, text: &str) -> Result<OffsetDateTime, Rejection> {
        let at = self.instant(what, text)?;
        if self.now >= at + self.skew {
            return Err(Rejection::Expired {
                what,
                at: format_instant(at),
                now: format_instant(self.now),
                skew_seconds: self.skew.whole_seconds(),
            });
        }
        Ok(at)
    }

    fn issued(&self, what: &'static str, text: &str) -> Result<(), Rejection> {
        self.not_before(what, Some(text))?;
        let at = self.instant(what, text)?;
        let max_age = Duration::seconds(self.settings.policy.max_assertion_age_seconds);
        if self.now - self.skew > at + max_age {
            return Err(Rejection::TooOld {
                at: format_instant(at),
                now: format_instant(self.now),
                max_age_seconds: max_age.whole_seconds(),
            });
        }
        Ok(())
    }
}

/// Runs every condition check, recording each in `report`.
pub(crate) fn check_conditions(
    envelope: &EnvelopeContent,
    assertion: &AssertionContent,
    settings: &Settings,
    now: OffsetDateTime,
    report: &mut Report,
) -> Result<Window, Rejection> {
    let clock = Clock {
        now,
        skew: Duration::seconds(settings.policy.clock_skew_seconds),
        settings,
    };
    let results = [
        report.record(
            "issuer",
            check_issuer(envelope, assertion, settings),
            |_| format!("issuer is {:?}", assertion.issuer),
        ),
        report.record("status", check_status(envelope), |_| "Success".into()),
        report.record("destination", check_destination(envelope, settings), |_| {
            format!(
                "Destination {:?} is a configured ACS URL",
                envelope.destination.as_deref().unwrap_or("")
            )
        }),
        report.record("audience", check_audience(assertion, settings), |_| {
            format!(
                "audiences {:?} include a configured SP audience",
                assertion.audience_restrictions
            )
        }),
        report.record(
            "in-response-to",
            check_in_response_to(envelope, assertion, settings),
            |_| match envelope.in_response_to.as_deref() {
                Some(id) if !id.is_empty() => format!("answers the request {id:?}"),
                _ => "no InResponseTo (IdP-initiated)".into(),
            },
        ),
    ];
    let confirmation = report.record(
        "subject-confirmation",
        check_bearer(assertion, settings, &clock),
        |c| {
            format!(
                "bearer confirmation for Recipient {:?}",
                c.recipient.as_deref().unwrap_or("")
            )
        },
    );
    let window = report.record(
        "time-window",
        check_time(envelope, assertion, &clock),
        |_| {
            format!(
                "valid at {} (skew {}s)",
                format_instant(now),
                settings.policy.clock_skew_seconds
            )
        },
    );
    for result in results {
        result?;
    }
    let confirmation = confirmation?;
    let (conditions_end, session_end) = window?;
    let confirmation_end = clock.instant(
        "SubjectConfirmationData NotOnOrAfter",
        confirmation.not_on_or_after.as_deref().unwrap_or_default(),
    )?;
    Ok(Window {
        not_on_or_after: conditions_end.map_or(confirmation_end, |c| c.min(confirmation_end)),
        session_not_on_or_after: session_end,
        recipient: confirmation.recipient.clone().unwrap_or_default(),
        confirmation_in_response_to: confirmation
            .in_response_to
            .clone()
            .filter(|id| !id.is_empty()),
    })
}

fn check_issuer(
    envelope: &EnvelopeContent,
    assertion: &AssertionContent,
    settings: &Settings,
) -> Result<(), Rejection> {
    for found in std::iter::once(&assertion.issuer).chain(envelope.issuer.as_ref()) {
        if *found != settings.idp_entity_id {
            return Err(Rejection::IssuerMismatch {
                found: super::xml::clip(found),
                expected: settings.idp_entity_id.clone(),
            });
        }
    }
    Ok(())
}

fn check_status(envelope: &EnvelopeContent) -> Result<(), Rejection> {
    match envelope.status.as_deref() {
        Some(SUCCESS) => Ok(()),
        Some(other) => Err(Rejection::StatusNotSuccess(super::xml::clip(other))),
        None => Err(Rejection::Missing("Response Status")),
    }
}

fn check_destination(envelope: &EnvelopeContent, settings: &Settings) -> Result<(), Rejection> {
    match &envelope.destination {
        Some(found) if settings.acs_urls.iter().any(|a| a == found) => Ok(()),
        found => Err(Rejection::DestinationMismatch {
            found: found.as_deref().map(super::xml::clip),
            allowed: settings.acs_urls.clone(),
        }),
    }
}

fn check_audience(assertion: &AssertionContent, settings: &Settings) -> Result<(), Rejection> {
    let restrictions = &assertion.audience_restrictions;
    // Every AudienceRestriction must be met (SAML core §2.5.1.4); there must be at least one.
    let met = !restrictions.is_empty()
        && restrictions
            .iter()
            .all(|r| r.iter().any(|a| settings.audiences.contains(a)));
    if met {
        return Ok(());
    }
    Err(Rejection::AudienceMismatch {
        found: restrictions
            .iter()
            .flatten()
            .map(|a| super::xml::clip(a))
            .collect(),
        allowed: settings.audiences.clone(),
    })
}

fn check_in_response_to(
    envelope: &EnvelopeContent,
    assertion: &AssertionContent,
    settings: &Settings,
) -> Result<(), Rejection> {
    // An empty InResponseTo answers no request (samlify's IdP-initiated responses carry one), so
    // it counts as absent; it is not an NCName either, so nothing could ever match it.
    let mut found = envelope
        .in_response_to
        .iter()
        .chain(
            assertion
                .confirmations
                .iter()
                .filter_map(|c| c.in_response_to.as_ref()),
        )
        .filter(|id| !id.is_empty());
    let Some(first) = found.next() else {
        return Ok(());
    };
    if !settings.policy.allow_in_response_to {
        return Err(Rejection::InResponseToPresent(super::xml::clip(first)));
    }
    // SAML profiles §4.1.4.2: a Response to an AuthnRequest names it in InResponseTo, and so does
    // each bearer SubjectConfirmationData; they must name the same one.
    match found.find(|id| *id != first) {
        Some(other) => Err(Rejection::InResponseToMismatch {
            first: super::xml::clip(first),
            other: super::xml::clip(other),
        }),
        None => Ok(()),
    }
}

/// At least one bearer confirmation must pass every test; its failure otherwise is reported.
fn check_bearer<'a>(
    assertion: &'a AssertionContent,
    settings: &Settings,
    clock: &Clock<'_>,
) -> Result<&'a Confirmation, Rejection> {
    let mut first_failure = Rejection::NoBearerConfirmation;
    for (index, confirmation) in assertion
        .confirmations
        .iter()
        .filter(|c| c.method == BEARER)
        .enumerate()
    {
        let outcome = (|| {
            let recipient_ok = confirmation
                .recipient
                .as_deref()
                .is_some_and(|r| recipient_allowed(r, &settings.recipients));
            if !recipient_ok {
                return Err(Rejection::RecipientMismatch {
                    found: confirmation.recipient.as_deref().map(super::xml::clip),
                    allowed: settings.recipients.clone(),
                });
            }
            // SAML profiles §4.1.4.2: a bearer confirmation must carry NotOnOrAfter.
            let end = confirmation
                .not_on_or_after
                .as_deref()
                .ok_or(Rejection::Missing("SubjectConfirmationData NotOnOrAfter"))?;
            clock.not_on_or_after("SubjectConfirmationData NotOnOrAfter", end)?;
            clock.not_before(
                "SubjectConfirmationData NotBefore",
                confirmation.not_before.as_deref(),
            )
        })();
        match outcome {
            Ok(()) => return Ok(confirmation),
            Err(e) if index == 0 => first_failure = e,
            Err(_) => {}
        }
    }
    Err(first_failure)
}

type TimeWindow = (Option<OffsetDateTime>, Option<OffsetDateTime>);

fn check_time(
    envelope: &EnvelopeContent,
    assertion: &AssertionContent,
    clock: &Clock<'_>,
) -> Result<TimeWindow, Rejection> {
    clock.issued("Assertion IssueInstant", &assertion.issue_instant)?;
    if let Some(issued) = &envelope.issue_instant {
        clock.issued("Response IssueInstant", issued)?;
    }
    clock.not_before("Conditions NotBefore", assertion.not_before.as_deref())?;
    let conditions_end = match &assertion.not_on_or_after {
        Some(text) => Some(clock.not_on_or_after("Conditions NotOnOrAfter", text)?),
        None => None,
    };
    let session_end = match &assertion.session_not_on_or_after {
        Some(text) => Some(clock.not_on_or_after("AuthnStatement SessionNotOnOrAfter", text)?),
        None => None,
    };
    Ok((conditions_end, session_end))
}

/// Exact match, or a `https://*.host/path` pattern whose `*` stands for one DNS label.
pub(crate) fn recipient_allowed(found: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|pattern| match pattern.split_once('*') {
        None => pattern == found,
        Some((head, tail)) => found
            .strip_prefix(head)
            .and_then(|rest| rest.strip_suffix(tail))
            .is_some_and(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            }),
    })
}

#[cfg(test)]
mod tests {
    use super::recipient_allowed;

    #[test]
    fn recipient_wildcard_matches_exactly_one_region_label() {
        let allowed = vec!["https://*.signin.aws.amazon.com/saml".to_owned()];
        assert!(recipient_allowed(
            "https://eu-west-1.signin.aws.amazon.com/saml",
            &allowed
        ));
        assert!(!recipient_allowed(
            "https://signin.aws.amazon.com/saml",
            &allowed
        ));
        assert!(!recipient_allowed(
            "https://evil.com/.signin.aws.amazon.com/saml",
            &allowed
        ));
        assert!(!recipient_allowed(
            "https://a.b.signin.aws.amazon.com/saml",
            &allowed
        ));
        assert!(!recipient_allowed(
            "https://eu-west-1.signin.aws.amazon.com/saml/x",
            &allowed
        ));
    }
}
