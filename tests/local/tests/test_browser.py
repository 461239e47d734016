"""A real browser (Debian's headless Chromium, driven through chromium-driver) clicks tiles on the
local IdP and lands in the emulator's SageMaker Studio page; walks the role chooser; and opens each
error page. Screenshots go to test-output/screenshots/ for a person to look at."""

from __future__ import annotations

import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import OUTPUT

SHOTS = OUTPUT / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("chromium and chromium-driver (Debian packages) are missing: run ./scripts/setup.sh")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="studiogate-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1200,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, selector: str, seconds: float = 60):
    return WebDriverWait(driver, seconds).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector)))


def wait_heading(driver, expected: str, seconds: float = 60) -> None:
    """Waits until the page (after the navigations a click starts) has this h1."""
    def heading(d):
        found = d.find_elements(By.TAG_NAME, "h1")
        return found[0].text if found else ""
    wait = WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,))
    try:
        wait.until(lambda d: heading(d) == expected)
    except TimeoutException:
        raise AssertionError(f"expected the page {expected!r}, found {heading(driver)!r} at {driver.current_url}") from None


def click_tile(driver, stack, user: str, tile: str) -> None:
    driver.get(f"{stack.idp}/?user={user}")
    driver.find_element(By.ID, f"tile-{tile}").click()


def post_from_browser(driver, stack, posted: dict, **extra) -> None:
    """Has the browser itself POST a SAML form (from a page on the IdP), as an IdP's page would."""
    fields = {"SAMLResponse": posted["SAMLResponse"], **({"RelayState": posted["RelayState"]} if posted.get("RelayState") else {}), **extra}
    driver.get(f"{stack.idp}/")
    driver.execute_script(
        "const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];"
        "for (const [k, v] of Object.entries(arguments[1])) { const i = document.createElement('input');"
        "i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }"
        "document.body.appendChild(f); f.submit();",
        stack.acs, fields,
    )


def studio_profile(driver) -> tuple[str, str]:
    """The Studio page's domain and profile; a refusal page (`#error`) fails at once, saying why."""
    landed = wait_for(driver, "#domain, #error")
    assert landed.get_attribute("id") == "domain", f"Studio refused the browser: {landed.text!r} at {driver.current_url}"
    return landed.text, wait_for(driver, "#profile").text




def test_a_click_on_a_tile_lands_in_the_users_studio_profile(browser, stack, world):
    click_tile(browser, stack, "alice", "sagemaker-user")
    assert studio_profile(browser) == ("d-7ac2bcf8fc16", "alice")
    assert ".studio.us-east-1.sagemaker.localhost" in browser.current_url
    browser.save_screenshot(str(SHOTS / "studio.png"))


def test_a_bookmarked_sign_in_link_goes_through_the_idp_and_lands_in_studio(browser, stack, world):
    """SP-initiated: the broker's /login sends a signed AuthnRequest to the IdP, the user signs in
    there, and the IdP's answer opens their profile."""
    browser.get(f"{stack.broker}/login?target=sagemaker-ml")
    wait_heading(browser, "Sign in to studiogate")
    assert browser.find_element(By.ID, "target").text == "sagemaker-ml"
    browser.save_screenshot(str(SHOTS / "sp-initiated-idp.png"))
    browser.find_element(By.ID, "answer-bob").click()
    assert studio_profile(browser) == ("d-7ac2bcf8fc16", "bob")
    (presigned,) = stack.calls("sagemaker:CreatePresignedDomainUrl")
    assert presigned["signer"]["arn"] == "arn:aws:sts::123456789012:assumed-role/StudioUser/bob"
    browser.save_screenshot(str(SHOTS / "sp-initiated-studio.png"))


def test_the_private_space_tile_lands_in_the_users_own_space(browser, stack, world):
    click_tile(browser, stack, "bob", "sagemaker-private")
    assert studio_profile(browser) == ("d-7ac2bcf8fc16", "bob")
    assert browser.find_element(By.ID, "space").text == "bob-private"
    browser.save_screenshot(str(SHOTS / "studio-private-space.png"))


def test_the_team_b_tile_lands_in_the_spoke_accounts_studio(browser, stack, world):
    """Hub and spoke: the tile sends the spoke account's role; the hub's ACS gets the assertion,
    presign provisions through the spoke's provisioning role and presigns as the user's spoke
    session, and Studio opens in the spoke's domain (which admits the hub's endpoints only)."""
    stack.new_presign_environments()
    click_tile(browser, stack, "alice", "team-b")
    assert studio_profile(browser) == (world["spoke"]["sagemaker_domains"]["spoke-ml"]["id"], "alice")
    (presigned,) = stack.calls("sagemaker:CreatePresignedDomainUrl")
    assert presigned["signer"]["arn"] == "arn:aws:sts::222222222222:assumed-role/SpokeStudioUser/alice"
    browser.save_screenshot(str(SHOTS / "studio-spoke-account.png"))


# Each StudioNetworkMode of template.yaml, and the networks a browser may open Studio from: AWS
# evaluates the user role's policy on every Studio request, so a browser elsewhere is refused by IAM
# (the role's network guard), not by the broker.
NETWORK_MODES = [
    # mode, its parameters, the browser's network, lands
    ("vpc", {}, "vpc", True),
    ("vpc", {}, "corporate", False),
    ("vpc", {}, "internet", False),
    ("corporate-ip", {"CorporateCidrs": ["198.51.100.0/24"]}, "corporate", True),
    ("corporate-ip", {"CorporateCidrs": ["198.51.100.0/24"]}, "internet", False),
    ("open", {}, "internet", True),
]


@pytest.mark.parametrize("mode, parameters, network, lands", NETWORK_MODES,
                         ids=[f"{m} from {n}" for m, _, n, _ in NETWORK_MODES])
def test_studio_opens_only_from_the_networks_of_the_stacks_network_mode(browser, stack, mode, parameters, network, lands):
    stack.fresh_world({"StudioNetworkMode": mode, **parameters}, studio_network=network)
    click_tile(browser, stack, "alice", "sagemaker-user")
    landed = wait_for(browser, "#domain, #error")
    if lands:
        assert landed.get_attribute("id") == "domain", f"Studio refused the browser: {landed.text!r}"
        expected = {"vpc": "studio"}.get(network, network)
        assert browser.find_element(By.ID, "network").text == expected
    else:
        assert (landed.get_attribute("id"), landed.text) == ("error", "Auth token containing insufficient permissions")
        opened = [c for c in stack.control("GET", "/calls") if c["operation"] == "OpenPresignedDomainUrl"][-1]
        deciding = {d["sid"] for d in opened["authorization"]["deciding"]}
        assert (opened["authorization"]["decision"], deciding) == ("ExplicitlyDenied", {"OnlyFromTheAllowedNetworks"})
    browser.save_screenshot(str(SHOTS / f"studio-{mode}-from-{network}.png"))
    stack.fresh_world()


def test_the_role_chooser_walks_to_the_chosen_role(browser, stack, world):
    click_tile(browser, stack, "alice", "sagemaker-choose")
    wait_heading(browser, "Choose a role")
    buttons = browser.find_elements(By.CSS_SELECTOR, "button[name=choice]")
    assert [b.find_element(By.CSS_SELECTOR, ".role").text for b in buttons] == [
        "as StudioUser · account 123456789012", "as StudioAdmin · account 123456789012"]
    assert "Request ID" in browser.find_element(By.TAG_NAME, "footer").text
    browser.save_screenshot(str(SHOTS / "chooser.png"))
    buttons[1].click()
    assert studio_profile(browser) == ("d-7ac2bcf8fc16", "alice")
    # Studio's landing redirect drops the token from the address: who presigned is in the call log.
    (presigned,) = stack.calls("sagemaker:CreatePresignedDomainUrl")
    assert presigned["signer"]["arn"] == "arn:aws:sts::123456789012:assumed-role/StudioAdmin/alice"


def test_the_workspace_chooser_lists_every_target(browser, stack, world):
    click_tile(browser, stack, "alice", "everything")
    wait_heading(browser, "Choose a workspace")
    targets = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "button .target")]
    assert targets == ["EMR Studio (IAM)", "EMR Studio (Identity Center)",
                       "SageMaker Studio (ML platform)", "SageMaker Studio (ML platform)",
                       "SageMaker Studio (my private space)"]
    browser.save_screenshot(str(SHOTS / "chooser-workspaces.png"))


def throttled_sts(stack) -> dict:
    stack.control("POST", "/faults", {"operation": "sts:AssumeRoleWithSAML", "kind": "throttle"})
    return stack.sign_in()


def slow_profile_creation(stack) -> dict:
    stack.control("POST", "/config", {"transition_seconds": 60})
    return stack.sign_in(user="bob")


ERROR_PAGES = {
    "expired": ("This sign-in has expired", lambda s: s.sign_in(lifetime_minutes=-10)),
    "rejected": ("We couldn't sign you in", lambda s: s.sign_in(sign="none")),
    "bad-request": ("This sign-in link isn't set up", lambda s: {**s.sign_in(), "RelayState": "nope"}),
    "not-entitled": ("You don't have access to this workspace",
                     lambda s: {**s.sign_in(tile="sagemaker-admin"), "RelayState": "emr-iam"}),
    "try-again": ("Please try again in a minute", throttled_sts),
    "preparing": ("Your workspace is being prepared", slow_profile_creation),
}


@pytest.mark.parametrize("name", list(ERROR_PAGES))
def test_each_error_page_says_what_happened_and_gives_the_request_id(browser, stack, world, name):
    expected, make = ERROR_PAGES[name]
    post_from_browser(browser, stack, make(stack))
    wait_heading(browser, expected)
    assert len(browser.find_element(By.ID, "request-id").text) >= 8, "the page gives the request ID"
    page = browser.page_source
    for internal in ("arn:aws", "InvalidIdentityToken", "Throttling", "sts:", "dynamodb"):
        assert internal not in page, f"{name}: no internal detail ({internal})"
    browser.save_screenshot(str(SHOTS / f"error-{name}.png"))
