#!/usr/bin/python3
"""The review page in a real headless Chromium (Debian's chromium, chromium-driver, python3-selenium).

Builds a small manifest (one asset with n: 2, named with a slash) on the simulator, starts `assetpipe review`
on port 0, reads the URL line, then clicks approve, pick 2, pick none, roll back and regenerate (accepting the
confirm dialog) and checks the files and assetpipe.lock after each; also that the API refuses a request without
the token (401) and one from a foreign Origin (403).

Usage: review_test.py [ASSETPIPE_BINARY]   (default: .build/debug/assetpipe)
Exit 0: every check passed; 1: a check failed (each failure is printed).
"""

import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "assetpipe")
ASSET = "hero/castle"
ENCODED = "hero%2Fcastle"
MANIFEST = """output: generated
defaults:
  model: gpt-image-1-official
  quality: medium
assets:
  - name: hero/castle
    prompt: A castle at night, two candidates
    n: 2
    outputs:
      - format: png
"""

failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def run(args, cwd, env=None):
    p = subprocess.run([BINARY] + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    return p


def lock(project):
    with open(os.path.join(project, "assetpipe.lock")) as f:
        return json.load(f)["assets"][ASSET]


def files(project):
    out = {}
    tree = os.path.join(project, "generated", "hero")
    if os.path.isdir(tree):
        for name in sorted(os.listdir(tree)):
            with open(os.path.join(tree, name), "rb") as f:
                out[name] = hashlib.sha256(f.read()).hexdigest()
    return out


def history_entry(project):
    """The newest kept state of hero/castle (each state is a numbered folder of the asset's history folder)."""
    folder = os.path.join(project, ".assetpipe", "history", "hero%2Fcastle")
    states = sorted(n for n in os.listdir(folder) if n.isdigit()) if os.path.isdir(folder) else []
    if not states:
        return {}
    with open(os.path.join(folder, states[-1], "entry.json")) as f:
        return json.load(f)


def raw_request(port, method, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=b"{}" if method == "POST" else None, headers=headers)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


def main():
    if not os.access(BINARY, os.X_OK):
        print(f"no assetpipe binary at {BINARY}; build it first (swift build)", file=sys.stderr)
        return 1
    project = tempfile.mkdtemp(prefix="assetpipe-review-")
    server = None
    driver = None
    env = dict(os.environ, ASSETPIPE_REVIEWER="browser-test")
    try:
        with open(os.path.join(project, "assetpipe.yaml"), "w") as f:
            f.write(MANIFEST)
        b = run(["build", ".", "--simulator", "--simulator-task-seconds", "0.2"], project, env)
        if not check(b.returncode == 0, f"the simulator build succeeds (exit {b.returncode}: {b.stderr[-500:]})"):
            return 1
        built = files(project)
        check(sorted(built) == ["castle-1.png", "castle-2.png"], f"two candidates are written: {sorted(built)}")
        first_key = lock(project)["key"]
        first_tasks = lock(project)["taskIDs"]

        server = subprocess.Popen(
            [BINARY, "review", ".", "--port", "0", "--simulator", "--simulator-task-seconds", "0.2"],
            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        url = server.stdout.readline().strip()
        parsed = urllib.parse.urlparse(url)
        token = urllib.parse.parse_qs(parsed.query).get("token", [""])[0]
        check(
            parsed.scheme == "http" and parsed.hostname == "127.0.0.1" and parsed.port and len(token) == 64,
            f"the first stdout line is http://127.0.0.1:PORT/?token=T (got {url!r})",
        )
        port = parsed.port

        # The API's rules, from outside the browser.
        status, _ = raw_request(port, "GET", "/api/assets", {"Host": f"127.0.0.1:{port}"})
        check(status == 401, f"GET /api/assets without the token is 401 (got {status})")
        status, _ = raw_request(port, "GET", "/api/assets?token=" + "0" * 64, {"Host": f"127.0.0.1:{port}"})
        check(status == 401, f"GET /api/assets with a wrong token is 401 (got {status})")
        status, _ = raw_request(
            port, "POST", f"/api/assets/{ENCODED}/approve?token={token}",
            {"Host": f"127.0.0.1:{port}", "Origin": "http://evil.example", "Content-Type": "application/json"},
        )
        check(status == 403, f"a POST with a foreign Origin is 403 (got {status})")
        status, _ = raw_request(port, "GET", f"/api/assets?token={token}", {"Host": f"evil.example:{port}"})
        check(status == 403, f"a request with a foreign Host is 403 (got {status})")
        check("approval" not in lock(project), "the refused requests approved nothing")
        status, body = raw_request(port, "GET", f"/api/assets?token={token}", {"Host": f"localhost:{port}"})
        check(status == 200 and json.loads(body)["assets"][0]["name"] == ASSET, "GET /api/assets with the token is 200")

        # A concurrent build is refused while the server holds the build lock.
        b = run(["build", ".", "--simulator"], project, env)
        check(b.returncode == 2 and "another assetpipe build" in b.stderr, f"a build during review is refused (exit {b.returncode})")

        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  f"--user-data-dir={project}/profile"]:
            options.add_argument(a)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(60)
        driver.get(url)
        wait = WebDriverWait(driver, 60)
        wait.until(lambda d: d.execute_script("return document.documentElement.getAttribute('data-review-ready')") == "1")
        check(driver.execute_script("return document.documentElement.getAttribute('data-errors')") == "0",
              "the page loads with no script errors or broken images")
        check(ASSET in driver.find_element(By.CSS_SELECTOR, "section.asset h2").text, "the page shows the asset")

        def click(selector, accept=False):
            before = int(driver.execute_script("return document.documentElement.getAttribute('data-actions-done') || '0'"))
            driver.find_element(By.CSS_SELECTOR, f'.actions[data-name="{ENCODED}"] {selector}').click()
            if accept:
                alert = WebDriverWait(driver, 60).until(EC.alert_is_present())
                check("Regenerate hero/castle?" in alert.text and "2 images" in alert.text,
                      f"the confirm dialog shows the cost first: {alert.text!r}")
                alert.accept()
            WebDriverWait(driver, 120).until(lambda d: int(
                d.execute_script("return document.documentElement.getAttribute('data-actions-done') || '0'")) > before)
            return driver.execute_script("return document.documentElement.getAttribute('data-last-result')")

        result = click('button[data-action="approve"]')
        check(result == "ok approve", f"approve: {result}")
        a = lock(project)
        check(a.get("approval", {}).get("by") == "browser-test" and a["approval"]["key"] == a["key"],
              f"approve records who and the key in the lock: {a.get('approval')}")
        check("approved by browser-test" in driver.find_element(By.CSS_SELECTOR, "section.asset .approval").text,
              "the card shows the approval")

        result = click('button[data-action="pick"][data-candidate="2"]')
        check(result == "ok pick", f"pick 2: {result}")
        check(lock(project).get("pick") == 2, f"pick 2 is in the lock: {lock(project).get('pick')}")
        now = files(project)
        check(list(now) == ["castle.png"] and now["castle.png"] == built["castle-2.png"],
              f"candidate 2 is the output under the plain name, the others removed: {sorted(now)}")
        check(driver.find_element(By.CSS_SELECTOR, 'button[data-candidate="2"]').get_attribute("aria-pressed") == "true",
              "the card shows pick 2 pressed")

        result = click('button[data-action="pick"][data-candidate="none"]')
        check(result == "ok pick", f"pick none: {result}")
        check(lock(project).get("pick") is None, "pick none clears the lock's pick")
        check(files(project) == built, f"every candidate is written again: {sorted(files(project))}")

        result = click('button[data-action="regenerate"]', accept=True)
        check(result == "ok regenerate", f"regenerate: {result}")
        a = lock(project)
        check(a.get("take") == 2, f"the regeneration is take 2: {a.get('take')}")
        # The simulator renders a request deterministically (and a new simulator numbers its tasks from the
        # start again): the new take's files and task id may equal the old ones; its key is new.
        check(a["key"] != first_key and sorted(files(project)) == sorted(built),
              f"the regeneration made a new take's key and wrote every candidate: {sorted(files(project))}")
        check(any(s.get("reason") == "regenerated" for s in [history_entry(project)]),
              "the previous take is kept in history")
        check(a.get("approval") is None or a["approval"]["take"] != 2, "the new take is not approved")

        result = click('button[data-action="rollback"]')
        check(result == "ok rollback", f"roll back: {result}")
        a = lock(project)
        check(a.get("take", 1) == 1 and a["key"] == first_key, f"roll back restores take 1: take {a.get('take')}")
        check(a["taskIDs"] == first_tasks and a.get("approval", {}).get("by") == "browser-test",
              f"roll back restores the first take's record, its approval included: {a.get('approval')}")
        check(files(project) == built, "roll back restores the first candidates' files")
        check(driver.execute_script("return document.documentElement.getAttribute('data-errors')") == "0",
              "no script errors after the clicks")
    finally:
        if driver is not None:
            driver.quit()
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                code = server.wait(timeout=30)
                check(code == 0, f"review stops cleanly on SIGINT (exit {code})")
            except subprocess.TimeoutExpired:
                server.kill()
                check(False, "review stops on SIGINT within 30 s")
        if server is not None and not failures:
            a = lock(project)
            holds = a.get("approval") is not None and a["approval"]["key"] == a["key"] \
                and a["approval"]["take"] == a.get("take", 1)
            b = run(["build", ".", "--check", "--require-approved"], project, env)
            check(b.returncode == (0 if holds else 1) and (holds or "not approved: hero/castle" in b.stdout),
                  f"after review, build --check --require-approved agrees with the lock's approval "
                  f"(holds: {holds}, exit {b.returncode}: {b.stdout.strip()} {b.stderr.strip()})")
            b = run(["approve", ASSET], project, env)
            check(b.returncode == 0, f"assetpipe approve {ASSET} (exit {b.returncode}: {b.stderr.strip()})")
            b = run(["build", ".", "--check", "--require-approved"], project, env)
            check(b.returncode == 0, f"approved: build --check --require-approved passes (exit {b.returncode})")
        if not failures:
            shutil.rmtree(project, ignore_errors=True)
        else:
            print(f"project kept for inspection: {project}")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
