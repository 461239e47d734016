//! Everything a person reads, in one place: the error pages' headings and explanations, the
//! chooser's words, and the messages presign sends back for the page (`PresignError::message`).
//! Each says what happened and what to do, and none carries internal detail (that goes to the log
//! with a reason code). Change wording here and nowhere else.

/// The error pages a browser can be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPage {
    /// The assertion (or STS) was refused.
    Rejected,
    /// The sign-in expired or was already used.
    Expired,
    /// The user's roles do not allow this.
    NotEntitled,
    /// AWS or the broker is busy: try again shortly.
    TryAgain,
    /// The workspace is still being prepared.
    Preparing,
    /// The request is not one the broker understands (unknown RelayState, bad choice).
    BadRequest,
    /// No such page.
    NotFound,
    /// The ACS endpoint only takes POST.
    MethodNotAllowed,
}

impl ErrorPage {
    /// The heading and the default explanation.
    pub fn text(self) -> (&'static str, &'static str) {
        match self {
            ErrorPage::Rejected => ("We couldn't sign you in", "Your identity provider's sign-in could not be accepted. Go back to your identity provider and click the tile again. If this keeps happening, send the request ID below to your administrator."),
            ErrorPage::Expired => ("This sign-in has expired", "Sign-ins are valid for a few minutes and can be used once. Go back to your identity provider and click the tile again."),
            ErrorPage::NotEntitled => ("You don't have access to this workspace", "Your account is not allowed to open this workspace with the roles your identity provider sent. Ask your administrator for access, and send them the request ID below."),
            ErrorPage::TryAgain => ("Please try again in a minute", "AWS is busy right now, so your workspace could not be opened. Wait a minute, then go back to your identity provider and click the tile again."),
            ErrorPage::Preparing => ("Your workspace is being prepared", "Your workspace is still being set up. This usually takes under a minute. Go back to your identity provider and click the tile again shortly."),
            ErrorPage::BadRequest => ("This sign-in link isn't set up", "The tile you used does not lead to a workspace the broker knows. Use the tile from your identity provider, or ask your administrator to check its RelayState."),
            ErrorPage::NotFound => ("Page not found", "There is nothing here. Start from your identity provider's tile."),
            ErrorPage::MethodNotAllowed => ("Start from your identity provider", "This address receives sign-ins from your identity provider. Open your identity provider and click the tile for your workspace."),
        }
    }
}

/// The "Rejected" page's explanation when STS refused the assertion.
pub const STS_REFUSED: &str = "AWS did not accept this sign-in, so no session was started. Go back to your identity provider and try again; if it keeps happening, send the request ID below to your administrator.";
/// The "Expired" page's explanation when the assertion was used before.
pub const REPLAYED: &str = "This sign-in was already used. Each sign-in works once: go back to your identity provider and click the tile again.";

/// The "Expired" page's explanation when the AuthnRequest a Response answers is unknown, lapsed or
/// already answered.
pub const REQUEST_LAPSED: &str = "This sign-in took too long or was already used. Open your workspace's sign-in link (or bookmark) again.";
/// The "Rejected" page's explanation when the answer to a sign-in came from another browser.
pub const OTHER_BROWSER: &str = "This sign-in was started in another browser, or your browser did not keep its cookie. Open your workspace's sign-in link again in this browser.";
/// The "Rejected" page's explanation when IdP-initiated sign-in is off.
pub const UNSOLICITED: &str = "This workspace is opened from its sign-in link, not from the identity provider's tile. Use the link (or bookmark) your administrator gave you.";

/// The chooser's heading when the options lead to several workspaces.
pub const CHOOSE_WORKSPACE: &str = "Choose a workspace";
/// The chooser's heading when they are roles for one workspace.
pub const CHOOSE_ROLE: &str = "Choose a role";
/// The chooser's explanation, after "Signed in as USER.".
pub const CHOOSER_EXPLANATION: &str =
    "Your identity provider allows more than one way in; pick the one you want for this session.";
/// The chooser's footnote.
pub const CHOOSER_HINT: &str = "This choice is good for a few minutes. If it expires, click the tile in your identity provider again.";

// ---- presign's messages (they travel in PresignError::message and replace a page's explanation)

/// AWS throttled or failed past the budget.
pub const AWS_BUSY: &str = "AWS is busy right now. Try again in a minute.";
/// AWS refused a call with the user's role.
pub const AWS_REFUSED_ROLE: &str = "AWS refused to open your workspace with your role. Ask your administrator to check its permissions.";
/// Any other AWS failure.
pub const WORKSPACE_NOT_OPENED: &str = "Your workspace could not be opened. Ask your administrator; the request ID identifies this attempt.";
/// presign could not read the request.
pub const REQUEST_NOT_UNDERSTOOD: &str = "The request was not understood.";
/// The target key is not configured in presign.
pub const UNKNOWN_TARGET: &str =
    "This sign-in link points to a workspace that is not configured. Use the tile from your IdP.";
/// The target does not allow the user's role.
pub const ROLE_NOT_ALLOWED: &str = "Your role is not allowed to open this workspace. Choose another role or ask your administrator.";
/// The credentials do not belong to the identity.
pub const SIGN_IN_UNVERIFIED: &str =
    "Your sign-in could not be verified. Sign in again from your IdP.";
/// The credentials' expiry cannot be read.
pub const BAD_CREDENTIAL_EXPIRY: &str = "The request's credential expiry is not a valid time.";
/// The credentials have expired.
pub const SIGN_IN_EXPIRED: &str = "Your sign-in has expired. Sign in again from your IdP.";
/// A profile of the user's name belongs to someone else.
pub const PROFILE_OWNED_BY_ANOTHER: &str = "A workspace with your name already belongs to someone else. Ask your administrator to resolve the name clash.";
/// A space with the name of the user's private space belongs to another profile, or is shared.
pub const SPACE_OWNED_BY_ANOTHER: &str = "A Studio space with your workspace's name belongs to someone else. Ask your administrator to resolve the name clash.";
/// The group's shared space is missing, or is not a shared space.
pub const SHARED_SPACE_UNAVAILABLE: &str = "Your team's Studio space is not available. Ask your administrator to check that it exists and is shared.";
/// The profile is not InService yet.
pub const STILL_PREPARING: &str = "Your workspace is still being prepared. Try again in a minute.";
/// No session policy rule matches (Identity Center EMR Studio).
pub const NOT_ENTITLED_TO_EMR_STUDIO: &str =
    "You are not entitled to this EMR Studio. Ask your administrator for access.";

/// An Identity Center EMR Studio whose target names no Identity Store.
pub const EMR_STUDIO_NOT_SET_UP: &str = "This EMR Studio is not set up for sign-in yet. Ask your administrator; the request ID identifies this attempt.";
/// The user (or their group) is not in IAM Identity Center.
pub const NOT_IN_IDENTITY_CENTER: &str = "Your account is not in IAM Identity Center, which this EMR Studio signs you in with. Ask your administrator to add you.";

/// The profile name cannot be derived from the assertion (why, with the attribute's value, goes to
/// the log only).
pub const UNNAMEABLE_PROFILE: &str = "We could not name your workspace from what your identity provider sent. Ask your administrator to check the IdP's attributes; the request ID identifies this attempt.";

/// The profile is in a state that cannot be opened.
pub fn profile_unusable(status: &str) -> String {
    format!("Your workspace is in state {status} and cannot be opened. Ask your administrator to repair or recreate it.")
}
