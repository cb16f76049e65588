"""Hostile input in a real browser: the customer page shows a name and a note written as HTML, Markdown and
javascript: links as text (no element, link or dialog comes of them), and the import page's uploader refuses a
file that is too large or of the wrong type with Streamlit's own message."""

from __future__ import annotations

import pytest
from apptest import demo_mode
from infra import StreamlitServer, artifacts_dir
from test_e2e import wait_rendered
from test_hostile_input import GROUP, HOSTILE, SEGMENT, build_hostile_ledger


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.db'}"
    build_hostile_ledger(url)
    demo_mode(url)  # no sign-in: the pages open by their URL (signing in is tested in test_e2e.py)
    # a 1 MB upload limit (the app's is 500 MB) so that "too large" needs no large file
    env = {"KREDITTVAKT_DATABASE_URL": url, "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "1"}
    with StreamlitServer(env, log_name="e2e_hostile.log") as server:
        yield server


def test_hostile_names_and_notes_are_text_in_the_browser(browser, hostile_server):
    page = browser.new_page(viewport={"width": 1440, "height": 2400})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{hostile_server.url}/customers?customer=H1", wait_until="domcontentloaded")
        wait_rendered(page, charts=False)
        main = page.locator('[data-testid="stMainBlockContainer"]')
        assert main.locator("h2").first.inner_text().strip() == HOSTILE  # the header reads as typed
        text = main.inner_text()
        assert GROUP in text and SEGMENT in text
        page.get_by_role("tab", name="Credit reports and events").click()
        page.wait_for_selector(f"text={HOSTILE}", timeout=30_000)
        # nothing the strings spell out became an element, a link or ran
        assert page.evaluate("[...document.scripts].some(s => s.textContent.includes('alert('))") is False
        assert page.locator('a[href^="javascript"]').count() == 0
        assert page.locator('img[src="x"]').count() == 0
        assert main.locator("strong", has_text="bold").count() == 0
        assert dialogs == []
        assert page.locator('[data-testid="stException"]').count() == 0, hostile_server.log_tail()
        page.screenshot(path=str(artifacts_dir() / "hostile_customer.png"), full_page=True)
    finally:
        page.close()


@pytest.mark.parametrize(
    ("name", "mime", "size", "says"),
    [
        ("ledger.csv", "text/csv", 1_200_000, "1.0MB or smaller"),
        ("ledger.pdf", "application/pdf", 1_000, "not allowed"),
    ],
    ids=["too_large", "wrong_type"],
)
def test_the_uploader_refuses_a_file_too_large_or_of_the_wrong_type(browser, hostile_server, name, mime, size, says):
    page = browser.new_page(viewport={"width": 1440, "height": 1400})
    try:
        page.goto(f"{hostile_server.url}/data_import", wait_until="domcontentloaded")
        wait_rendered(page, charts=False)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": name, "mimeType": mime, "buffer": b"a," * (size // 2)}]
        )
        uploader = page.locator('[data-testid="stFileUploader"]')
        uploader.get_by_text(says).wait_for(timeout=30_000)
        assert page.locator('[data-testid="stDataFrame"]').count() == 0  # nothing was read or previewed
        assert page.locator('[data-testid="stException"]').count() == 0, hostile_server.log_tail()
        page.screenshot(path=str(artifacts_dir() / f"upload_{name}.png"), full_page=True)
    finally:
        page.close()
