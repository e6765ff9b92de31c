"""Take the screenshots in docs/screenshots/ from a running demo server.

uv run manage.py demo            # in one terminal
uv run python docs/take_screenshots.py [http://127.0.0.1:8000]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sign_in(page, email="manager@example.com", door="/signin/"):
    """Sign in at a door (the staff sign-in, or the portal's) as a demo login."""
    page.goto(f"{BASE}{door}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("petcare-demo")
    page.get_by_role("button", name="Sign in").click()


def client_with_templates(page) -> str:
    page.goto(f"{BASE}/clients/?q=client@example.com")
    page.locator("#results tbody a").first.click()
    return page.url


def main():
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, viewport in [
            ("desktop", {"width": 1280, "height": 860}),
            ("phone", {"width": 390, "height": 844}),
        ]:
            context = browser.new_context(viewport=viewport, device_scale_factor=1)
            page = context.new_page()
            page.goto(f"{BASE}/signin/")
            page.screenshot(path=OUT / f"signin-{name}.png")
            sign_in(page)
            page.wait_for_url(f"{BASE}/clients/")
            page.screenshot(path=OUT / f"clients-{name}.png", full_page=True)
            profile = client_with_templates(page)
            page.screenshot(path=OUT / f"profile-{name}.png", full_page=True)
            page.get_by_role("button", name="Quick Actions").click()
            page.screenshot(path=OUT / f"quick-actions-{name}.png")
            page.get_by_role("menuitem", name="Make Inactive").click()
            page.get_by_role("dialog").wait_for()
            page.screenshot(path=OUT / f"make-inactive-dialog-{name}.png")
            page.keyboard.press("Escape")
            page.goto(f"{BASE}/clients/?status=inactive")
            page.screenshot(path=OUT / f"inactive-clients-{name}.png", full_page=True)
            page.goto(f"{BASE}/schedule/")
            page.screenshot(path=OUT / f"schedule-week-{name}.png", full_page=True)
            page.goto(f"{BASE}/schedule/day/")
            page.screenshot(path=OUT / f"schedule-day-{name}.png", full_page=True)
            page.goto(profile)
            page.get_by_role("link", name="Archive pet").first.click()
            page.get_by_role("dialog").wait_for()
            page.screenshot(path=OUT / f"archive-pet-dialog-{name}.png")
            page.keyboard.press("Escape")
            if name == "phone":
                page.get_by_role("button", name="Menu").click()
                page.screenshot(path=OUT / f"menu-{name}.png")
            # An error page in the staff layout (a 404 under DEBUG is Django's own).
            page.goto(f"{BASE}/admin/")
            page.screenshot(path=OUT / f"admin-refused-{name}.png", full_page=True)
            context.close()

            # The client portal, as client@example.com and as former@example.com.
            context = browser.new_context(viewport=viewport, device_scale_factor=1)
            page = context.new_page()
            sign_in(page, "client@example.com", door="/portal/signin/")
            page.wait_for_url(f"{BASE}/portal/")
            page.screenshot(path=OUT / f"portal-dashboard-{name}.png", full_page=True)
            page.goto(f"{BASE}/portal/request/")
            page.screenshot(path=OUT / f"portal-request-{name}.png", full_page=True)
            context.close()
            context = browser.new_context(viewport=viewport, device_scale_factor=1)
            page = context.new_page()
            sign_in(page, "former@example.com", door="/portal/signin/")
            page.screenshot(path=OUT / f"portal-inactive-signin-{name}.png")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
