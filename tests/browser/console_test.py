#!/usr/bin/env python3
"""The web console in headless Chromium against a real market4d (Debian's python3-selenium,
chromium and chromium-driver).

An operator logs in with the keyboard and onboards a merchant (whose printed login QR is decoded
back to the token with zbarimg); a buyer registers on the page and is credited by the operator;
the merchant lists "Rau muống" at 10.000 ₫; the buyer searches "rau muong", orders 3 and pays
from the wallet while the merchant's stall page, open in another window, shows the payment live
and announces it in Vietnamese; the merchant ships, the buyer confirms; the buyer pays a stall
payment request by its code; the operator checks the ledger sums to zero, closes the business
day and another operator approves it. With a fake camera (Chromium's fake capture device) and
a stand-in BarcodeDetector, the merchant logs in by scanning its token and the buyer pays a
stall by scanning its QR; the buyer pays an order through MoMo (signed callback), the merchant
withdraws (signed payout callback) and delists, and the admin token adds an operator. E-wallets
and VietQR banks are chosen from lists filled from GET /v1/payment-methods. Every step checks what the page shows, and money is
checked against the API. Then every page of every role is checked for labels, accessible
names and contrast, and photographed at phone (390 px) and desktop (1280 px) width into
$MARKET4_ARTIFACTS (default: browser-artifacts in a temporary directory; the path is printed).
The pure functions (Vietnamese words for amounts, money formatting, error sentences for every
error code of the C++ sources) are run in the page itself.

    console_test.py BUILD_BIN_DIR        (or MARKET4D=/path/to/market4d console_test.py)
    MARKET4_CONSOLE_DIR=console ...       serves console/ from disk (market4d --console-dir)
"""
import base64
import calendar
import glob
import hashlib
import hmac
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import uuid

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import market4d_process  # noqa: E402 (found through the path above)

ADMIN = "browser-console-test-admin-token-0001"
SECRET = "whsec_" + base64.b64encode(b"browser-console-test-secret-0001").decode()
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WAIT = 20


def binary():
    if os.environ.get("MARKET4D"):
        return os.environ["MARKET4D"]
    return os.path.join(BIN_DIR, "market4d")


def day_ending_soon(seconds):
    """A UTC offset whose local day ends at a minute boundary `seconds` to `seconds`+60 from
    now, the UTC moment it ends, and that local date."""
    end = math.ceil((time.time() + seconds) / 60) * 60
    offset = (-(end // 60)) % 1440
    sign_offset = f"+{offset // 60:02d}:{offset % 60:02d}"
    day = time.strftime("%Y-%m-%d", time.gmtime(end - 60 + offset * 60))
    return sign_offset, end, day


class Server:
    def __init__(self, data, offset):
        self.log = open(os.path.join(os.path.dirname(data), "market4d.log"), "ab")
        # MARKET4_CONSOLE_DIR=console tests the files on disk instead of the built-in copy.
        console = ["--console-dir", os.environ["MARKET4_CONSOLE_DIR"]] if os.environ.get("MARKET4_CONSOLE_DIR") else []
        try:
            self.proc, port = market4d_process.start(
                binary(), data, ADMIN, ["--utc-offset", offset] + console, output=self.log)
        except RuntimeError as error:
            sys.exit(str(error))
        self.url = f"http://127.0.0.1:{port}"

    def call(self, method, path, body=None, token=None, key=None, accept="application/json"):
        headers = {"Accept": accept}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        if token:
            headers["Authorization"] = "Bearer " + token
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                status = response.status
                headers = response.headers
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            status = error.code
            headers = error.headers
        if "json" in (headers.get("Content-Type") or "") and text:
            return status, json.loads(text)
        return status, text

    def ok(self, method, path, body=None, token=None, key=None):
        status, answer = self.call(method, path, body, token or ADMIN, key)
        assert 200 <= status < 300, (method, path, status, answer)
        return answer

    def signed(self, provider, body):
        """A provider's callback, signed as Standard Webhooks with SECRET."""
        text = json.dumps(body)
        delivery, stamp = uuid.uuid4().hex, str(int(time.time()))
        key = base64.b64decode(SECRET[len("whsec_"):])
        mac = hmac.new(key, f"{delivery}.{stamp}.{text}".encode(), hashlib.sha256).digest()
        request = urllib.request.Request(
            f"{self.url}/v1/providers/{provider}/events", data=text.encode(), method="POST",
            headers={"Content-Type": "application/json", "webhook-id": delivery, "webhook-timestamp": stamp,
                     "webhook-signature": "v1," + base64.b64encode(mac).decode()})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status in (200, 204), response.status

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()


def plain(text):
    """Page text with non-breaking spaces as plain ones ("30.000\u00a0₫" -> "30.000 ₫")."""
    return re.sub(r"[\u00a0\u202f]", " ", text or "")


# JavaScript run in the page: accessibility checks of the page as it is.
A11Y = r"""
const problems = [];
const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
const name = (e) => (e.getAttribute('aria-label') || e.textContent || '').trim();
for (const e of document.querySelectorAll('input, select, textarea')) {
  if (e.type === 'hidden') continue;
  const byFor = e.id && document.querySelector(`label[for="${CSS.escape(e.id)}"]`);
  const labelled = (byFor && byFor.textContent.trim()) || (e.getAttribute('aria-label') || '').trim()
      || e.closest('label') || e.getAttribute('aria-labelledby');
  if (!labelled) problems.push('no label: ' + e.outerHTML.slice(0, 120));
}
for (const e of document.querySelectorAll('button, a[href], [role=button]')) {
  if (!name(e)) problems.push('no name: ' + e.outerHTML.slice(0, 120));
}
for (const e of document.querySelectorAll('img')) {
  if (!(e.getAttribute('alt') || '').trim()) problems.push('no alt: ' + e.outerHTML.slice(0, 120));
}
for (const e of document.querySelectorAll('svg[role=img]')) {
  if (!(e.getAttribute('aria-label') || '').trim()) problems.push('no svg label');
}
if (document.querySelectorAll('h1').length !== 1) problems.push('h1 count ' + document.querySelectorAll('h1').length);
if (document.querySelector('[style]')) problems.push('inline style: ' + document.querySelector('[style]').outerHTML.slice(0, 120));
const rgba = (text) => {
  const m = text.match(/rgba?\(([^)]+)\)/);
  if (!m) return [0, 0, 0, 0];
  const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
};
const background = (e) => {
  for (let at = e; at; at = at.parentElement) {
    const c = rgba(getComputedStyle(at).backgroundColor);
    if (c[3] > 0) return c;
  }
  return [255, 255, 255, 1];
};
const lum = (c) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
};
let checked = 0;
for (const e of document.querySelectorAll('body *')) {
  const text = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!text || !visible(e) || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'OPTION'].includes(e.tagName)) continue;
  const bg = background(e);
  let fg = rgba(getComputedStyle(e).color);
  fg = [0, 1, 2].map((i) => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  checked += 1;
  if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)}: ${e.tagName} "${e.textContent.trim().slice(0, 40)}"`);
}
return {problems, checked};
"""

# Records what the stall page says aloud and its Screen Wake Lock requests.
SPY = r"""
window.__spoken = [];
const speak = speechSynthesis.speak.bind(speechSynthesis);
speechSynthesis.speak = (u) => {
  window.__spoken.push({text: u.text, lang: u.lang});
  try { speak(u); } catch (e) {}
};
window.__wake = [];
const fakeLock = () => {
  const lock = new EventTarget();
  lock.released = false;
  lock.release = async () => { lock.released = true; lock.dispatchEvent(new Event('release')); };
  return lock;
};
if (!navigator.wakeLock) Object.defineProperty(navigator, 'wakeLock', {value: {}});
navigator.wakeLock.request = async (type) => {
  window.__wake.push(type);
  window.__lock = fakeLock();
  return window.__lock;
};
"""

# A stand-in for the browser's BarcodeDetector (headless Chromium on Linux has none): it reads
# nothing until a test sets window.__scanValue, then "reads" that value once. Like the real one
# it needs a playing video (frames from the fake camera); it records the stream it looked at.
DETECTOR = r"""
window.__scans = 0;
window.BarcodeDetector = class BarcodeDetector {
  constructor(options) { window.__detectorFormats = (options && options.formats) || []; }
  static async getSupportedFormats() { return ['qr_code']; }
  async detect(source) {
    if (!(source instanceof HTMLVideoElement) || source.readyState < 2 || !source.videoWidth) {
      throw new DOMException('the video has no frame yet', 'InvalidStateError');
    }
    window.__scanStream = source.srcObject;
    const value = window.__scanValue;
    if (value === undefined || value === null) return [];
    window.__scanValue = null;
    window.__scans += 1;
    return [{rawValue: value, format: 'qr_code', boundingBox: new DOMRectReadOnly(0, 0, 100, 100), cornerPoints: []}];
  }
};
"""

# The page's own modules, imported under the page's bundle prefix.
IMPORT = """
const base = document.querySelector('script[type=module]').src;
const load = (name) => import(new URL(name, base).href);
"""


def error_codes():
    """Every error code market4d can answer, from the C++ sources."""
    codes = set()
    with open(os.path.join(SOURCE, "common/status.cc"), encoding="utf-8") as f:
        codes |= set(re.findall(r'return "([A-Z_]+)";', f.read()))
    for path in glob.glob(os.path.join(SOURCE, "gateway/*.cc")):
        with open(path, encoding="utf-8") as f:
            for status, code in re.findall(r'\(\s*(\d{3}),\s*"([A-Z][A-Z_]+)"', f.read()):
                if int(status) >= 400:
                    codes.add(code)
    codes.discard("OK")
    return sorted(codes)


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="market4-console-")
        cls.artifacts = os.environ.get("MARKET4_ARTIFACTS") or os.path.join(cls.tmp, "browser-artifacts")
        os.makedirs(cls.artifacts, exist_ok=True)
        cls.downloads = os.path.join(cls.tmp, "downloads")
        os.makedirs(cls.downloads)
        print(f"browser artifacts: {cls.artifacts}", flush=True)
        cls.offset, cls.day_end, cls.day = day_ending_soon(75)
        cls.server = Server(os.path.join(cls.tmp, "data"), cls.offset)
        cls.url = cls.server.url + "/"
        cls.lan = cls.server.ok("POST", "/v1/operators", {"name": "Chị Lan"})
        cls.minh = cls.server.ok("POST", "/v1/operators", {"name": "Anh Minh"})
        cls.server.ok("POST", "/v1/providers", {"id": "momo", "name": "MoMo", "scheme": "STANDARD_WEBHOOKS",
                                                "secrets": [SECRET]})
        cls.server.ok("POST", "/v1/providers", {
            "id": "vcb", "name": "Vietcombank", "scheme": "BANK_TRANSFER", "secrets": [SECRET],
            "bank_bin": "970436", "account_number": "0011001234567", "account_name": "HTX CHO VI THANH"})
        cls.driver = cls.browser()
        cls.windows = {"operator": cls.driver.current_window_handle}
        cls.state = {}

    @classmethod
    def tearDownClass(cls):
        try:
            cls.save_logs()
            cls.driver.quit()
        finally:
            cls.server.stop()
            shutil.rmtree(os.path.join(cls.tmp, "data"), ignore_errors=True)
        print(f"browser artifacts: {cls.artifacts}", flush=True)

    @classmethod
    def browser(cls):
        options = Options()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--window-size=1280,900", "--lang=vi-VN", "--no-first-run",
                    # A fake camera (a moving test pattern) whose permission is granted.
                    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        options.add_experimental_option("prefs", {
            "download.default_directory": cls.downloads, "download.prompt_for_download": False})
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": cls.downloads})
        driver.set_script_timeout(30)
        cls.logs = []
        return driver

    @classmethod
    def save_logs(cls):
        cls.collect_logs()
        with open(os.path.join(cls.artifacts, "browser-console.log"), "w", encoding="utf-8") as f:
            for entry in cls.logs:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    @classmethod
    def collect_logs(cls):
        for handle in cls.driver.window_handles:
            cls.driver.switch_to.window(handle)
            cls.logs.extend(cls.driver.get_log("browser"))

    # ---- helpers

    def as_role(self, role):
        """Switches to the window of `role`, opening it (a new window: its own session) once."""
        d = self.driver
        if role not in self.windows:
            d.switch_to.new_window("window")
            self.windows[role] = d.current_window_handle
            d.get(self.url)
        d.switch_to.window(self.windows[role])
        return d

    def wait(self, condition, timeout=WAIT, message=""):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: condition(d), message)

    def find(self, css):
        """The first element matching `css`, once the page shows one."""
        return self.wait(lambda d: (d.find_elements(By.CSS_SELECTOR, css) or [None])[0],
                         message=f"nothing matches {css!r}")

    def wait_text(self, css, text, timeout=WAIT):
        """Waits until the element `css` shows `text` (non-breaking spaces as spaces)."""
        try:
            return self.wait(lambda d: any(text in plain(e.text) for e in d.find_elements(By.CSS_SELECTOR, css)),
                             timeout)
        except TimeoutException:
            shown = [plain(e.text) for e in self.driver.find_elements(By.CSS_SELECTOR, css)]
            alert = plain(self.driver.find_element(By.ID, "alert").text)
            self.fail(f"{css!r} never showed {text!r}; it shows {shown!r}; alert {alert!r}")

    def heading(self, text):
        self.wait_text("h1", text)

    def go(self, hash_route, heading):
        d = self.driver
        d.execute_script("location.hash = arguments[0]", hash_route)
        self.heading(heading)

    def field(self, label, scope=None):
        """The input whose <label> reads `label`."""
        root = scope or self.driver
        found = root.find_elements(By.XPATH, f'.//label[normalize-space()="{label}"]')
        self.assertTrue(found, f"no label {label!r}")
        return self.driver.find_element(By.ID, found[0].get_attribute("for"))

    def fill(self, label, value, scope=None):
        e = self.field(label, scope)
        e.clear()
        e.send_keys(value)
        return e

    def choose(self, label, value, scope=None):
        """Selects the option whose value is `value` in the <select> whose <label> reads `label`."""
        e = self.field(label, scope)
        self.assertEqual(e.tag_name, "select", label)
        Select(e).select_by_value(value)
        return e

    def choices(self, label, scope=None):
        """The (value, shown text) of every option of the <select> whose <label> reads `label`."""
        e = self.field(label, scope)
        self.assertEqual(e.tag_name, "select", label)
        return [(o.get_attribute("value"), o.text.strip()) for o in Select(e).options]

    def methods(self, token, bank):
        """(id, name) of the payment methods the API lists to `token`: the banks for VietQR
        (BANK_TRANSFER) when `bank`, else the e-wallets (every other scheme)."""
        listed = self.server.ok("GET", "/v1/payment-methods", token=token)["methods"]
        return [(m["id"], m["name"]) for m in listed if (m["scheme"] == "BANK_TRANSFER") == bank]

    def click(self, text, scope=None):
        root = scope or self.driver
        xpath = f'.//button[normalize-space()="{text}"] | .//a[normalize-space()="{text}"]'
        self.wait(lambda d: any(e.is_displayed() for e in root.find_elements(By.XPATH, xpath)),
                  message=f"no button {text!r}")
        button = [e for e in root.find_elements(By.XPATH, xpath) if e.is_displayed()][0]
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()

    def notice(self, text):
        self.wait_text("#status", text)

    def alert(self, text):
        self.wait_text("#alert", text)

    def login(self, token, heading):
        self.fill("Mã đăng nhập", token)
        self.click("Đăng nhập")
        self.heading(heading)

    def logout(self):
        self.click("Đăng xuất")
        self.heading("Đăng nhập")
        self.assertIsNone(self.driver.execute_script("return sessionStorage.getItem('market4.token')"))

    def shot(self, name):
        """Screenshots of the whole page at phone and desktop width."""
        d = self.driver
        for width, height, mobile in ((390, 844, True), (1280, 900, False)):
            d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
            time.sleep(0.2)
            # A viewport as tall as the page, so scrolling boxes (wide tables) are painted whole.
            full = max(height, d.execute_script("return document.documentElement.scrollHeight"))
            d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": full, "deviceScaleFactor": 1, "mobile": mobile})
            time.sleep(0.3)
            picture = d.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
            with open(os.path.join(self.artifacts, f"{name}-{width}.png"), "wb") as f:
                f.write(base64.b64decode(picture["data"]))
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def check_page(self, name):
        """Accessibility checks of the page as shown, then its screenshots."""
        d = self.driver
        for width, mobile in ((390, True), (1280, False)):
            d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": 844, "deviceScaleFactor": 1, "mobile": mobile})
            result = d.execute_script(A11Y)
            self.assertEqual(result["problems"], [], f"{name} at {width}px")
            self.assertGreater(result["checked"], 3, name)
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        self.shot(name)

    def js(self, body, *args):
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];" + IMPORT +
            f"(async () => {{ {body} }})().then(done, (e) => done({{error: String(e)}}));", *args)

    def wallet(self, buyer_token):
        return self.server.ok("GET", "/v1/wallet", token=buyer_token)

    # ---- the market day, step by step (tests run in name order)

    def test_01_operator_logs_in_with_the_keyboard(self):
        d = self.as_role("operator")
        d.get(self.url)
        self.heading("Đăng nhập")
        csp = self.server.call("GET", "/")
        self.assertEqual(csp[0], 200)
        # From the focused heading, Tab reaches the login field; Enter submits.
        self.wait(lambda d: d.switch_to.active_element.tag_name == "h1")
        ActionChains(d).send_keys(Keys.TAB).perform()
        active = d.switch_to.active_element
        self.assertEqual(active.get_attribute("id"), self.field("Mã đăng nhập").get_attribute("id"))
        active.send_keys("not-a-token-at-all-000000000000000")
        active.send_keys(Keys.ENTER)
        self.alert("Mã đăng nhập không đúng hoặc không còn dùng được")
        self.assertIsNone(d.execute_script("return sessionStorage.getItem('market4.token')"))
        active = self.field("Mã đăng nhập")
        active.clear()
        active.send_keys(self.lan["token"], Keys.ENTER)
        self.heading("Người bán")
        self.wait_text(".who", "Ban quản lý chợ")
        self.assertEqual(d.execute_script("return sessionStorage.getItem('market4.token')"), self.lan["token"])
        self.assertNotIn(self.lan["token"], d.current_url)
        self.assertEqual(d.get_cookies(), [])

    def test_02_operator_onboards_a_merchant_and_prints_its_login_qr(self):
        d = self.as_role("operator")
        self.fill("Tên người bán", "Cô Ba")
        self.fill("Số điện thoại", "0901234567")
        self.fill("Vị trí sạp", "Chợ Vị Thanh, sạp 12")
        self.click("Thêm người bán")
        self.notice("Đã thêm người bán Cô Ba")
        card = d.find_element(By.CSS_SELECTOR, ".print-card")
        token = card.find_element(By.CSS_SELECTOR, ".token code").text.strip()
        self.assertRegex(token, r"^\S{20,}$")
        qr = card.find_element(By.CSS_SELECTOR, 'svg[role=img]')
        self.assertEqual(qr.get_attribute("aria-label"), "Mã QR đăng nhập của Cô Ba")
        picture = os.path.join(self.artifacts, "merchant-login-qr.png")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", qr)
        qr.screenshot(picture)
        decoded = subprocess.run(["zbarimg", "--raw", "-q", picture], capture_output=True, text=True)
        self.assertEqual(decoded.stdout.strip(), token, decoded.stderr)
        merchants = self.server.ok("GET", "/v1/merchants")["merchants"]
        self.assertEqual([m["name"] for m in merchants], ["Cô Ba"])
        self.assertEqual(merchants[0]["onboarded_by"], self.lan["operator"]["id"])
        self.wait_text("table", "Chợ Vị Thanh, sạp 12")
        me = self.server.ok("GET", "/v1/me", token=token)
        self.assertEqual(me["role"], "merchant")
        type(self).state["merchant"] = token
        type(self).state["merchant_id"] = me["merchant"]["id"]

    def test_03_buyer_registers_on_the_page(self):
        d = self.as_role("buyer")
        self.heading("Đăng nhập")
        self.click("Đăng ký người mua")
        self.heading("Đăng ký người mua")
        self.fill("Họ tên", "Anh Tư")
        self.fill("Số điện thoại", "0912345678")
        self.click("Đăng ký")
        self.notice("Chào Anh Tư!")
        token = d.find_element(By.CSS_SELECTOR, ".token code").text.strip()
        self.assertEqual(d.execute_script("return sessionStorage.getItem('market4.token')"), token)
        self.click("Vào chợ")
        self.heading("Mua hàng")
        self.wait_text(".who", "Người mua: Anh Tư")
        me = self.server.ok("GET", "/v1/me", token=token)
        self.assertEqual(me["buyer"]["name"], "Anh Tư")
        type(self).state["buyer"] = token
        type(self).state["buyer_id"] = me["buyer"]["id"]

    def test_04_operator_credits_the_buyer(self):
        self.as_role("operator")
        self.click("Người mua")
        self.heading("Người mua")
        item = self.find(f'li.buyer[data-id="{self.state["buyer_id"]}"]')
        self.fill("Số tiền mặt nạp cho Anh Tư (đồng)", "100.000", item)
        self.click("Nạp tiền", item)
        self.notice("Đã nạp 100.000 ₫ cho Anh Tư")
        self.wait_text("li.buyer", "Số dư: 100.000 ₫")
        self.assertEqual(self.wallet(self.state["buyer"])["balance"], "100000")

    def test_05_merchant_lists_rau_muong(self):
        d = self.as_role("merchant")
        self.login(self.state["merchant"], "Quầy")
        self.wait_text(".who", "Người bán: Cô Ba")
        self.click("Hàng bán")
        self.heading("Hàng bán")
        self.fill("Tên hàng", "Rau muống")
        self.fill("Mô tả", "tươi, hái sáng nay")
        self.fill("Loại hàng", "rau")
        self.fill("Đơn vị", "bó")
        self.fill("Giá (đồng)", "10.000")
        self.fill("Số lượng còn", "50")
        self.click("Đăng bán")
        self.notice("Đã đăng bán Rau muống")
        self.wait_text("li.listing", "10.000 ₫ / bó · còn 50")
        listings = self.server.ok("GET", f"/v1/listings?merchant_id={self.state['merchant_id']}")["listings"]
        self.assertEqual([(l["title"], l["price"], l["stock"]) for l in listings], [("Rau muống", "10000", "50")])
        type(self).state["listing"] = listings[0]["id"]
        # Price and stock are edited in place.
        item = self.find("li.listing")
        self.fill("Số lượng còn của Rau muống", "40", item)
        self.click("Lưu", item)
        self.notice("Đã lưu Rau muống")
        self.wait_text("li.listing", "còn 40")
        self.assertEqual(self.server.ok("GET", f"/v1/listings/{self.state['listing']}")["stock"], "40")

    def test_06_merchant_opens_the_stall_page(self):
        d = self.as_role("merchant")
        d.execute_script(SPY)
        self.click("Quầy")
        self.heading("Quầy")
        self.wait_text(".stream-state", "Đang nhận tin thanh toán trực tiếp.")
        self.wait(lambda d: d.execute_script("return window.__wake.length") == 1)
        self.assertEqual(d.execute_script("return window.__wake"), ["screen"])
        self.wait_text(".awake", "Màn hình luôn sáng")
        # The lock is lost (the phone was put away); coming back asks for it again.
        d.execute_script("window.__lock.release()")
        self.wait_text(".awake", "Màn hình có thể tắt")
        d.execute_script("document.dispatchEvent(new Event('visibilitychange'))")
        self.wait(lambda d: d.execute_script("return window.__wake.length") == 2)
        self.wait_text(".awake", "Màn hình luôn sáng")

    def test_07_buyer_searches_orders_three_and_pays_from_the_wallet(self):
        d = self.as_role("buyer")
        self.heading("Mua hàng")
        search = self.field("Tìm hàng")
        search.clear()
        search.send_keys("ca chua", Keys.ENTER)
        self.wait_text(".items", "Không tìm thấy hàng nào.")
        search.clear()
        search.send_keys("rau muong", Keys.ENTER)
        self.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "li.listing")) == 1)
        item = d.find_element(By.CSS_SELECTOR, "li.listing")
        self.assertIn("Rau muống", item.text)
        self.assertIn("10.000 ₫ / bó", plain(item.text))
        quantity = self.field("Số lượng Rau muống", item)
        quantity.clear()
        quantity.send_keys("3", Keys.ENTER)
        self.notice("Đã thêm 3 bó Rau muống vào giỏ")
        self.wait_text(".cart-line", "Giỏ hàng: 1 món, 30.000 ₫")
        d.find_element(By.CSS_SELECTOR, ".cart-line a").click()
        self.heading("Giỏ hàng")
        self.wait_text(".total", "Tổng cộng 30.000 ₫")
        order_button = d.find_element(By.XPATH, '//button[normalize-space()="Đặt hàng"]')
        order_button.send_keys(Keys.ENTER)
        self.heading("Đơn hàng")
        self.wait_text(".order-status", "Chờ thanh toán")
        order_id = d.execute_script("return decodeURIComponent(location.hash.split('/').pop())")
        order = self.server.ok("GET", f"/v1/orders/{order_id}", token=self.state["buyer"])
        self.assertEqual((order["status"], order["total"]), ("PENDING_PAYMENT", "30000"))
        type(self).state["order"] = order_id
        self.click("Trả bằng ví")
        self.notice("Đã trả 30.000 ₫ từ ví")
        self.wait_text(".order-status", "Đã thanh toán")
        wallet = self.wallet(self.state["buyer"])
        self.assertEqual((wallet["balance"], wallet["held"]), ("70000", "30000"))

    def test_08_stall_page_shows_and_announces_the_payment(self):
        d = self.as_role("merchant")
        self.wait_text(".feed li", "30.000 ₫", timeout=15)
        self.wait_text(".feed li", "Đơn hàng – Anh Tư")
        spoken = d.execute_script("return window.__spoken")
        self.assertEqual(spoken, [{"text": "Đã nhận ba mươi nghìn đồng", "lang": "vi-VN"}])
        self.shot("merchant-stall-paid")

    def test_09_merchant_ships_and_buyer_confirms(self):
        d = self.as_role("merchant")
        self.click("Đơn hàng")
        self.heading("Đơn hàng")
        code = self.server.ok("GET", f"/v1/orders/{self.state['order']}", token=self.state["merchant"])["payment_code"]
        item = self.find(f'li.order[data-id="{self.state["order"]}"]')
        self.assertIn(f"#{code}", item.text)
        self.assertIn("3 bó Rau muống", item.text)
        self.click("Giao hàng", item)
        self.notice(f"Đơn #{code} đã giao.")
        self.assertEqual(self.server.ok("GET", f"/v1/orders/{self.state['order']}", token=self.state["merchant"])["status"], "SHIPPED")
        self.as_role("buyer")
        self.driver.refresh()
        self.wait_text(".order-status", "Đã giao")
        self.click("Đã nhận hàng")
        self.notice(f"Đơn #{code} đã hoàn tất.")
        self.wait_text(".order-status", "Hoàn tất")
        balance = self.server.ok("GET", "/v1/merchant/balance", token=self.state["merchant"])
        self.assertEqual((balance["available"], balance["escrow"]), ("29700", "0"))
        wallet = self.wallet(self.state["buyer"])
        self.assertEqual((wallet["balance"], wallet["held"]), ("70000", "0"))

    def test_10_merchant_balance_and_statement(self):
        d = self.as_role("merchant")
        self.click("Số dư")
        self.heading("Số dư")
        self.wait_text(".facts", "Có thể rút")
        self.wait_text(".facts", "29.700 ₫")
        self.click("Sao kê")
        self.heading("Sao kê")
        # The server's business days follow its --utc-offset: ask for its day and the next.
        next_day = time.strftime("%Y-%m-%d", time.gmtime(time.mktime(time.strptime(self.day, "%Y-%m-%d")) + 86400))
        d.execute_script("arguments[0].value = arguments[1]", self.field("Từ ngày"), self.day)
        d.execute_script("arguments[0].value = arguments[1]", self.field("Đến ngày"), next_day)
        self.click("Xem sao kê")
        self.wait_text("table", "29.700 ₫")
        self.wait_text("table", "Đơn hàng #")
        self.click("Tải CSV")
        csv = self.downloaded("sao-ke-")
        self.assertTrue(csv.startswith("time,description,amount,balance"), csv)
        self.assertIn(",29700,29700", csv)

    def downloaded(self, prefix):
        found = []
        self.wait(lambda d: [f for f in os.listdir(self.downloads) if f.startswith(prefix) and f.endswith(".csv")],
                  message=f"no download {prefix}")
        for name in os.listdir(self.downloads):
            if name.startswith(prefix) and name.endswith(".csv"):
                found.append(name)
        with open(os.path.join(self.downloads, found[0]), encoding="utf-8-sig") as f:
            return f.read()

    def test_11_buyer_pays_a_stall_request_by_its_code(self):
        d = self.as_role("merchant")
        self.click("Quầy")
        self.heading("Quầy")
        self.wait_text(".stream-state", "Đang nhận tin thanh toán trực tiếp.")
        d.execute_script("window.__spoken = []")
        self.fill("Số tiền cần thu (đồng)", "25000")
        self.fill("Ghi chú", "2 bó rau muống")
        self.click("Hiện mã QR")
        self.wait_text(".amount-now", "25.000 ₫")
        request = d.find_element(By.CSS_SELECTOR, ".stall-request")
        code = request.get_attribute("data-code")
        image = request.find_element(By.CSS_SELECTOR, "img.big-qr")
        self.assertEqual(image.get_attribute("alt"), "Mã QR để trả 25.000 ₫".replace(" ₫", "\u00a0₫"))
        self.wait(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))
        picture = os.path.join(self.artifacts, "stall-request-qr.png")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", image)
        image.screenshot(picture)
        payload = subprocess.run(["zbarimg", "--raw", "-q", picture], capture_output=True, text=True).stdout.strip()
        served = self.server.ok("GET", f"/v1/payment-requests/{code}", token=self.state["merchant"])
        self.assertEqual(payload, served["qr_payload"])
        self.shot("merchant-stall-request")

        self.as_role("buyer")
        self.click("Trả tại quầy")
        self.heading("Trả tại quầy")
        self.fill("Mã thanh toán của quầy", payload)  # what a camera would read
        self.click("Xem")
        self.wait_text(".facts", "Cô Ba")
        self.wait_text(".facts", "25.000 ₫")
        self.assertEqual(self.field("Mã thanh toán của quầy").get_attribute("value"), code)
        self.click("Trả tiền")
        self.notice("Đã trả 25.000 ₫ cho Cô Ba.")
        self.assertEqual(self.wallet(self.state["buyer"])["balance"], "45000")

        d = self.as_role("merchant")
        self.wait_text(".feed li", "25.000 ₫")
        self.wait_text(".request-status", "Đã thanh toán")
        self.wait(lambda d: d.execute_script("return window.__spoken.length") == 1)
        self.assertEqual(d.execute_script("return window.__spoken"),
                         [{"text": "Đã nhận hai mươi lăm nghìn đồng", "lang": "vi-VN"}])
        balance = self.server.ok("GET", "/v1/merchant/balance", token=self.state["merchant"])
        self.assertEqual(balance["available"], str(29700 + 25000 - 250))

    def local_date(self, rfc3339):
        """The server's business day (its --utc-offset) of a UTC timestamp."""
        moment = calendar.timegm(time.strptime(rfc3339[:19], "%Y-%m-%dT%H:%M:%S"))
        hours, minutes = self.offset[1:].split(":")
        return time.strftime("%Y-%m-%d", time.gmtime(moment + int(hours) * 3600 + int(minutes) * 60))

    def test_12_buyer_tops_up_through_an_e_wallet(self):
        # Every signed-in role reads the payment methods, in id order.
        for token in (self.state["buyer"], self.state["merchant"], self.lan["token"]):
            listed = self.server.ok("GET", "/v1/payment-methods", token=token)["methods"]
            self.assertEqual([(m["id"], m["name"], m["scheme"]) for m in listed],
                             [("momo", "MoMo", "STANDARD_WEBHOOKS"), ("vcb", "Vietcombank", "BANK_TRANSFER")])
        self.as_role("buyer")
        self.click("Ví")
        self.heading("Ví")
        self.wait_text(".facts", "45.000 ₫")
        self.assertEqual(self.choices("Ví điện tử"), self.methods(self.state["buyer"], bank=False))
        self.assertEqual(self.choices("Ví điện tử"), [("momo", "MoMo")])
        self.choose("Ví điện tử", "momo")
        self.fill("Số tiền nạp (đồng)", "50000")
        self.click("Nạp tiền")
        self.notice("Đã gửi yêu cầu nạp 50.000 ₫ qua momo")
        self.wait_text("table", "Đang chờ")
        top_up = self.server.ok("GET", "/v1/wallet/topups", token=self.state["buyer"])["top_ups"][0]
        self.assertEqual((top_up["provider"], top_up["amount"], top_up["status"]), ("momo", "50000", "PENDING"))
        self.server.signed("momo", {"type": "topup.succeeded", "data": {
            "reference": top_up["id"], "amount": "50000", "provider_txn_id": "T1"}})
        self.click("Tải lại")
        self.wait_text(".facts", "95.000 ₫")
        self.wait_text("table", "Thành công")
        self.wait_text("table", "Nạp tiền qua ví điện tử")
        self.assertEqual(self.wallet(self.state["buyer"])["balance"], "95000")
        top_up = self.server.ok("GET", f"/v1/wallet/topups/{top_up['id']}", token=self.state["buyer"])
        type(self).state["top_up_day"] = self.local_date(top_up["updated_at"])

    def order_one_bunch(self, d):
        """Puts one bó of Rau muống in the cart and orders it; returns the order's id."""
        self.click("Mua hàng")
        self.heading("Mua hàng")
        quantity = self.field("Số lượng Rau muống", self.find("li.listing"))
        quantity.clear()
        quantity.send_keys("1", Keys.ENTER)
        self.notice("Đã thêm 1 bó Rau muống vào giỏ")
        d.find_element(By.CSS_SELECTOR, ".cart-line a").click()
        self.heading("Giỏ hàng")
        self.click("Đặt hàng")
        self.wait_text(".order-status", "Chờ thanh toán")
        return d.execute_script("return decodeURIComponent(location.hash.split('/').pop())")

    def test_13_buyer_pays_by_vietqr_and_the_merchant_cancels(self):
        self.as_role("merchant")
        self.driver.execute_script("window.__spoken = []")
        d = self.as_role("buyer")
        order_id = self.order_one_bunch(d)
        # The order page offers the e-wallets and the banks the API lists, by name.
        self.assertEqual(self.choices("Ví điện tử"), self.methods(self.state["buyer"], bank=False))
        self.assertEqual(self.choices("Ngân hàng nhận"), self.methods(self.state["buyer"], bank=True))
        self.assertEqual([v for v, _ in self.choices("Ví điện tử")], ["momo"])
        self.assertEqual(self.choices("Ngân hàng nhận"), [("vcb", "Vietcombank")])
        self.choose("Ngân hàng nhận", "vcb")
        self.click("Hiện mã VietQR")
        image = self.find(".qr-place img")
        self.wait(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))
        vietqr = self.server.ok("GET", f"/v1/orders/{order_id}/vietqr?provider=vcb", token=self.state["buyer"])
        self.wait_text(".qr-place", f"Nội dung chuyển khoản: {vietqr['payment_code']}. Số tiền: 10.000 ₫.")
        picture = os.path.join(self.artifacts, "order-vietqr.png")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", image)
        image.screenshot(picture)
        decoded = subprocess.run(["zbarimg", "--raw", "-q", picture], capture_output=True, text=True).stdout.strip()
        self.assertEqual(decoded, vietqr["payload"])
        self.shot("buyer-order-vietqr")
        # The bank tells us; the page, which polls, shows the order paid.
        self.server.signed("vcb", {"type": "bank.credit", "data": {
            "bank_txn_id": "FT1", "amount": "10000", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "memo": f"NGUYEN VAN A CHUYEN KHOAN {vietqr['payment_code']}"}})
        self.notice("Đã nhận 10.000 ₫ cho đơn này.")
        self.wait_text(".order-status", "Đã thanh toán")
        self.assertEqual(self.wallet(self.state["buyer"])["held"], "10000")
        d = self.as_role("merchant")
        self.wait_text(".feed li", "10.000 ₫")
        self.wait(lambda d: d.execute_script("return window.__spoken.length") == 1)
        self.assertEqual(d.execute_script("return window.__spoken"), [{"text": "Đã nhận mười nghìn đồng", "lang": "vi-VN"}])
        self.click("Đơn hàng")
        self.heading("Đơn hàng")
        self.click("Hủy đơn", self.find(f'li.order[data-id="{order_id}"]'))
        self.notice(f"Đơn #{vietqr['payment_code']} đã hủy.")
        order = self.server.ok("GET", f"/v1/orders/{order_id}", token=self.state["buyer"])
        self.assertEqual(order["status"], "CANCELLED")
        wallet = self.wallet(self.state["buyer"])
        self.assertEqual((wallet["balance"], wallet["held"]), ("105000", "0"))

    def test_14_operator_resolves_an_exception_and_reconciles_momo(self):
        self.server.signed("momo", {"type": "topup.succeeded", "data": {
            "reference": "tu_unknown", "amount": "7000", "provider_txn_id": "T-LOST"}})
        d = self.as_role("operator")
        self.click("Ngoại lệ")
        self.heading("Ngoại lệ")
        self.wait_text("li.exception", "UNKNOWN_REFERENCE · momo")
        item = self.find("li.exception")
        self.assertIn("7.000 ₫", plain(item.text))
        self.fill("Mã người mua (khi ghi có)", self.state["buyer_id"], item)
        self.fill("Ghi chú", "khách gọi điện, đã đối chiếu", item)
        self.click("Xử lý", item)
        self.notice("Đã xử lý ngoại lệ")
        self.wait_text(".items", "Không có ngoại lệ nào.")
        self.assertEqual(self.wallet(self.state["buyer"])["balance"], "112000")
        resolved = self.server.ok("GET", "/v1/exceptions?status=RESOLVED")["exceptions"]
        self.assertEqual([(e["resolution"]["action"], e["resolution"]["resolved_by"]) for e in resolved],
                         [("CREDIT_BUYER", self.lan["operator"]["id"])])

        date = self.state["top_up_day"]
        upload = os.path.join(self.tmp, "momo.csv")
        with open(upload, "w", encoding="utf-8") as f:
            f.write("provider_txn_id,type,amount,fee,time\n"
                    f"T1,topup.succeeded,50000,500,{date}T09:05:00+07:00\n"
                    f"T9,topup.succeeded,1234,12,{date}T10:00:00+07:00\n"
                    f"T1,topup.succeeded,50000,500,{date}T09:05:00+07:00\n")
        self.click("Đối soát")
        self.heading("Đối soát")
        self.fill("Mã ví hoặc ngân hàng", "momo")
        d.execute_script("arguments[0].value = arguments[1]", self.field("Ngày giao dịch"), date)
        self.field("File CSV").send_keys(upload)
        self.click("Tải lên và đối soát")
        self.wait_text("section", f"Kết quả đối soát momo ngày {date}")
        report_id = self.find("section.reconciliation").get_attribute("data-id")
        report = self.server.ok("GET", f"/v1/reconciliations/{report_id}")
        self.assertEqual([x["provider_txn_id"] for x in report["missing_in_ledger"]], ["T9"])
        self.assertEqual([(x["provider_txn_id"], x["line"]) for x in report["duplicates"]], [("T1", 4)])
        differences = sum(len(report.get(k, [])) for k in ("missing_in_file", "missing_in_ledger", "amount_mismatches", "duplicates", "malformed"))
        self.wait_text(".diff-count", str(differences))
        self.wait_text("caption", "Có trong file, thiếu trong sổ (1)")
        self.wait_text("caption", "Dòng lặp (1)")
        self.wait_text(".facts", f"{report['matched']['count']} · {self.money(report['matched']['amount'])}".replace(" ₫", ""))
        self.click("Tải chênh lệch (CSV)")
        csv = self.downloaded(f"doi-soat-momo-{date}")
        self.assertIn("missing_in_ledger,T9,3", csv)
        self.shot("operator-reconciliation")

    def test_15_operator_sees_the_ledger_sum_to_zero(self):
        self.as_role("operator")
        self.click("Sổ cái")
        self.heading("Sổ cái")
        self.wait_text(".ledger-total", "0 ₫")
        self.assertEqual(plain(self.driver.find_element(By.CSS_SELECTOR, ".ledger-total").text), "0 ₫")
        self.wait_text("p.ok", "Sổ cái cân bằng: tổng bằng 0.")
        accounts = self.server.ok("GET", "/v1/accounts?limit=200")["accounts"]
        self.assertEqual(sum(int(a["credits_posted"]) - int(a["debits_posted"]) for a in accounts), 0)
        wallet = [a for a in accounts if a["id"] == self.state["buyer_id"] + ".wallet"][0]
        row = self.driver.find_element(By.XPATH, f'//tr[td/code[text()="{wallet["id"]}"]]')
        self.assertIn(self.money(wallet["available"]), plain(row.text))
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "tbody tr")), len(accounts))

    def test_16_day_is_closed_by_one_operator_and_approved_by_another(self):
        d = self.as_role("operator")
        wait = self.day_end + 1 - time.time()
        if wait > 0:
            print(f"waiting {wait:.0f} s for the local day {self.day} to end", flush=True)
            time.sleep(wait)
        self.click("Chốt ngày")
        self.heading("Chốt ngày")
        date = self.field("Ngày")
        d.execute_script("arguments[0].value = arguments[1]", date, self.day)
        self.click("Chốt sổ")
        self.notice(f"Đã chốt sổ ngày {self.day}")
        self.wait_text(".day-status", "Chờ duyệt")
        self.wait_text(".closing-sum", "0 ₫")
        self.click("Duyệt")
        self.alert("Phải là một nhân viên khác duyệt việc này.")
        self.logout()
        self.login(self.minh["token"], "Người bán")
        self.click("Chốt ngày")
        self.heading("Chốt ngày")
        d.execute_script("arguments[0].value = arguments[1]", self.field("Ngày"), self.day)
        self.click("Duyệt")
        self.notice(f"Đã duyệt ngày {self.day}")
        self.wait_text(".day-status", "Đã chốt")
        self.wait_text("table", self.lan["operator"]["id"])
        self.wait_text("table", self.minh["operator"]["id"])
        days = self.server.ok("GET", "/v1/days")["days"]
        self.assertEqual([(x["date"], x["status"], x["closed_by"], x["approved_by"]) for x in days],
                         [(self.day, "CLOSED", self.lan["operator"]["id"], self.minh["operator"]["id"])])
        report = self.server.ok("GET", f"/v1/days/{self.day}/report")
        wallet = [a for a in report["accounts"] if a["account_id"] == self.state["buyer_id"] + ".wallet"][0]
        row = d.find_element(By.XPATH, f'//tr[td/code[text()="{wallet["account_id"]}"]]')
        self.assertIn(plain(self.money(wallet["closing"])), plain(row.text))
        self.click("Tải báo cáo CSV")
        csv = self.downloaded(f"ngay-{self.day}")
        self.assertTrue(csv.startswith("account_id,opening,debits,credits,closing"), csv)
        self.assertEqual(sum(int(line.split(",")[4]) for line in csv.strip().splitlines()[1:]), 0)
        self.shot("operator-day-closed")

    def money(self, value):
        return f"{int(value):,} ₫".replace(",", ".")

    def test_17_english_and_error_sentences(self):
        d = self.as_role("buyer")
        self.click("English")
        self.wait_text("nav", "Wallet")
        self.go(f"#/buyer/order/{self.state['order']}", "Order")
        self.wait_text(".order-status", "Completed")
        # Confirming again is refused: the server's code, as an English sentence.
        result = self.js("const {post} = await load('api.js'); const {errorSentence} = await load('i18n.js');"
                         f"try {{ await post('/v1/orders/{self.state['order']}/confirm', {{}}); return 'accepted'; }}"
                         " catch (e) { return [e.code, errorSentence(e), errorSentence(e, 'vi')]; }")
        self.assertEqual(result, ["FAILED_PRECONDITION", "This cannot be done right now. Current status: Completed.",
                                  "Chưa làm được việc này lúc này. Trạng thái hiện tại: Hoàn tất."])
        self.click("Pay at a stall")
        self.heading("Pay at a stall")
        self.fill("The stall’s payment code", "M4NOSUCHCODE")
        self.click("Look up")
        self.alert("Not found. Please check the code or id.")
        self.click("Tiếng Việt")
        self.wait_text("nav", "Ví")

    def test_18_pure_functions_in_the_page(self):
        self.as_role("buyer")
        cases = {
            "0": "không", "5": "năm", "10": "mười", "11": "mười một", "14": "mười bốn",
            "15": "mười lăm", "20": "hai mươi", "21": "hai mươi mốt", "24": "hai mươi tư",
            "25": "hai mươi lăm", "101": "một trăm linh một", "105": "một trăm linh năm",
            "110": "một trăm mười", "1005": "một nghìn không trăm linh năm",
            "25000": "hai mươi lăm nghìn", "30000": "ba mươi nghìn",
            "1000000": "một triệu", "1005000": "một triệu không trăm linh năm nghìn",
            "2000300": "hai triệu ba trăm", "1500000": "một triệu năm trăm nghìn",
            "1000000000": "một tỷ", "2000000000000": "hai nghìn tỷ",
            "123456789012": "một trăm hai mươi ba tỷ bốn trăm năm mươi sáu triệu bảy trăm "
                            "tám mươi chín nghìn không trăm mười hai",
        }
        got = self.js("const w = await load('words.js'); const out = {};"
                      "for (const n of arguments[0]) out[n] = w.vietnameseNumber(n); "
                      "out.odd = w.vietnameseNumber(105, {odd: 'lẻ'}); out.said = w.receivedSentence('25000');"
                      "return out;", list(cases))
        for number, words in cases.items():
            self.assertEqual(got[number], words, number)
        self.assertEqual(got["odd"], "một trăm lẻ năm")
        self.assertEqual(got["said"], "Đã nhận hai mươi lăm nghìn đồng")
        formats = self.js("const f = await load('format.js');"
                          "return [f.dong('25000'), f.dong(30000), f.dong('0'), f.parseDong('25.000'),"
                          " f.parseDong('25000 đ'), f.parseDong('2,5'), f.parseDong('0'), f.parseDong('-5'),"
                          " f.localTime('2026-11-28T10:05:00Z', 'vi'), f.localTime('2026-11-28T17:05:00Z', 'en')];")
        self.assertEqual([plain(x) if isinstance(x, str) else x for x in formats],
                         ["25.000 ₫", "30.000 ₫", "0 ₫", "25000", "25000", None, None, None, "17:05 28/11/2026", "29/11/2026, 00:05"])
        codes = error_codes()
        for code in ("UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND", "INVALID_ARGUMENT", "OUT_OF_STOCK",
                     "INSUFFICIENT_FUNDS", "RATE_LIMITED", "IDEMPOTENCY_CONFLICT", "FAILED_PRECONDITION",
                     "ALREADY_PAID", "EXPIRED", "UNAVAILABLE", "METHOD_NOT_ALLOWED", "PAYLOAD_TOO_LARGE"):
            self.assertIn(code, codes)
        sentences = self.js("const {errorSentence, knowsError} = await load('i18n.js'); const out = {};"
                            "for (const code of arguments[0]) out[code] = [knowsError(code),"
                            " errorSentence({code}, 'vi'), errorSentence({code}, 'en')];"
                            "out.unknown = errorSentence({code: 'SOMETHING_NEW'}, 'vi');"
                            "out.limited = errorSentence({code: 'RATE_LIMITED', retryAfter: '7'}, 'vi');"
                            "return out;", codes)
        for code in codes:
            known, vi, en = sentences[code]
            self.assertTrue(known, code)
            self.assertNotEqual(vi, en, code)
            self.assertNotEqual(vi, sentences["unknown"], code)
            self.assertRegex(vi, r"[.!]\)?$", code)
        self.assertEqual(sentences["limited"],
                         "Bạn thao tác quá nhanh; hãy đợi một chút rồi thử lại. (Thử lại sau 7 giây.)")
        stall = self.js("const s = await load('scan.js');"
                        "return [s.stallCode('000201010211' + '2729' + '0012M4TESTGUID00' + '0109M4ABCDEFG' + '5303704'),"
                        " s.stallCode(' M4ABC DEF ')];")
        self.assertEqual(stall, ["M4ABCDEFG", "M4ABCDEF"])
        # Payment choices: e-wallets are every scheme but BANK_TRANSFER; with none, a sentence
        # stands in for the <select> and the form's button is disabled.
        listed = self.server.ok("GET", "/v1/payment-methods", token=self.state["buyer"])["methods"]
        choices = self.js("const m = await load('methods.js'); const {t} = await load('i18n.js');"
                          "const shown = (f) => f.none ? [f.row.tagName, f.row.textContent, f.input]"
                          " : [f.input.tagName, [...f.input.options].map((o) => [o.value, o.textContent])];"
                          "const methods = arguments[0];"
                          "return [shown(m.methodField('w', m.wallets(methods), t('methods.noWallet'))),"
                          " shown(m.methodField('b', m.banks(methods), t('methods.noBank'))),"
                          " shown(m.methodField('w', [], t('methods.noWallet'))),"
                          " shown(m.methodField('b', m.banks([{id: 'momo', name: 'MoMo', scheme: 'MOMO'}]), t('methods.noBank')))];",
                          listed)
        self.assertEqual(choices, [["SELECT", [["momo", "MoMo"]]], ["SELECT", [["vcb", "Vietcombank"]]],
                                   ["P", "Chợ chưa cài đặt ví điện tử nào.", None],
                                   ["P", "Chợ chưa cài đặt ngân hàng nhận chuyển khoản nào.", None]])

    def test_19_every_page_is_labelled_readable_and_photographed(self):
        pages = {
            "operator": ["merchants", "buyers", "accounts", "exceptions", "days", "reconcile", "verify", "operators"],
            "merchant": ["stall", "orders", "listings", "balance", "statement"],
            "buyer": ["shop", "cart", "orders", "wallet", "pay", f"order/{self.state['order']}"],
        }
        for role, names in pages.items():
            d = self.as_role(role)
            for name in names:
                d.execute_script("document.activeElement.blur();"
                                 "if (location.hash === arguments[0]) dispatchEvent(new HashChangeEvent('hashchange'));"
                                 "else location.hash = arguments[0];", f"#/{role}/{name}")
                self.wait(lambda d: d.execute_script(
                    "return !!document.querySelector('main h1') && document.activeElement.tagName === 'H1'"))
                time.sleep(0.5)
                self.assertFalse(d.find_element(By.ID, "alert").is_displayed(),
                                 f"{role}/{name}: {d.find_element(By.ID, 'alert').text}")
                self.check_page(f"{role}-{name.split('/')[0]}")
        # The public pages.
        d = self.as_role("operator")
        self.logout()
        self.check_page("login")
        self.click("Đăng ký người mua")
        self.heading("Đăng ký người mua")
        self.check_page("register")

    def test_20_operator_pages_work(self):
        d = self.as_role("operator")
        d.execute_script("location.hash = '#/login'")
        self.heading("Đăng nhập")
        self.login(self.minh["token"], "Người bán")
        self.click("Kiểm tra sổ")
        self.heading("Kiểm tra sổ")
        self.click("Kiểm tra ngay")
        self.wait_text(".verdict", "Sổ cái nguyên vẹn.")
        verification = self.server.ok("GET", "/v1/ledger/verify")
        self.wait_text(".facts", verification["entries"])
        self.click("Ngoại lệ")
        self.heading("Ngoại lệ")
        self.wait_text(".items", "Không có ngoại lệ nào.")

    # ---- the paths a camera, a provider and the admin token take

    def scanner(self):
        """A window whose page has the stand-in BarcodeDetector from its first script on."""
        d = self.driver
        if "scanner" not in self.windows:
            d.switch_to.new_window("window")
            self.windows["scanner"] = d.current_window_handle
            d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": DETECTOR})
            d.get(self.url)
        d.switch_to.window(self.windows["scanner"])
        return d

    def scan(self, value, shot=None, twice=False):
        """Presses the scan button, waits for the fake camera's live video, shows it `value`,
        and checks that the camera is stopped once the code is read. `twice`: the button is
        pressed again while the camera is on, which must not leave the first camera running."""
        d = self.driver
        scans = d.execute_script("return window.__scans")
        self.click("Quét mã QR bằng máy ảnh")
        if twice:
            first = self.find("video.scanner")
            self.wait(lambda d: d.execute_script("return arguments[0].srcObject instanceof MediaStream", first))
            d.execute_script("window.__firstCamera = arguments[0].srcObject", first)
            self.click("Quét mã QR bằng máy ảnh")
            self.wait(lambda d: d.execute_script(
                "return window.__firstCamera.getTracks().every((t) => t.readyState === 'ended')"),
                message="the first camera is still on")
            self.wait(lambda d: d.execute_script(
                "const v = document.querySelectorAll('video.scanner');"
                "return v.length === 1 && v[0].srcObject !== window.__firstCamera"))
        video = self.find("video.scanner")
        self.assertEqual(video.get_attribute("aria-label"), "Máy ảnh đang quét mã QR")
        self.wait(lambda d: d.execute_script(
            "const v = arguments[0], s = v.srcObject;"
            "return s instanceof MediaStream && s.getVideoTracks().length === 1"
            " && s.getVideoTracks()[0].readyState === 'live' && v.readyState >= 2 && v.videoWidth > 0", video),
            message="no live video from the camera")
        # The detector looked at the camera's own stream, asking for QR codes.
        self.wait(lambda d: d.execute_script("return window.__scanStream === arguments[0].srcObject", video))
        self.assertEqual(d.execute_script("return window.__detectorFormats"), ["qr_code"])
        if shot:
            self.check_page(shot)
        d.execute_script("window.__camera = arguments[0].srcObject; window.__scanValue = arguments[1]", video, value)
        self.wait(lambda d: d.execute_script("return window.__scans") == scans + 1)
        self.wait(lambda d: d.execute_script(
            "return window.__camera.getTracks().length > 0"
            " && window.__camera.getTracks().every((t) => t.readyState === 'ended')"),
            message="the camera was not stopped")
        self.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, "video.scanner"))

    def test_20a_merchant_logs_in_by_scanning_its_printed_qr(self):
        d = self.scanner()
        self.heading("Đăng nhập")
        self.assertIsNone(d.execute_script("return sessionStorage.getItem('market4.token')"))
        self.scan(self.state["merchant"], shot="login-scanning")
        self.heading("Quầy")
        self.wait_text(".who", "Người bán: Cô Ba")
        token = d.execute_script("return sessionStorage.getItem('market4.token')")
        self.assertEqual(token, self.state["merchant"])
        me = self.server.ok("GET", "/v1/me", token=token)
        self.assertEqual((me["role"], me["merchant"]["id"]), ("merchant", self.state["merchant_id"]))
        self.logout()

    def test_20b_buyer_pays_at_a_stall_by_scanning_its_qr(self):
        request = self.server.ok("POST", "/v1/payment-requests", {"amount": "15000", "note": "1 bó hành"},
                                 token=self.state["merchant"], key=uuid.uuid4().hex)
        before = int(self.wallet(self.state["buyer"])["balance"])
        d = self.scanner()
        self.heading("Đăng nhập")
        self.login(self.state["buyer"], "Mua hàng")
        self.click("Trả tại quầy")
        self.heading("Trả tại quầy")
        self.scan(request["qr_payload"], shot="buyer-pay-scanning", twice=True)
        self.wait_text(".facts", "Cô Ba")
        self.wait_text(".facts", "15.000 ₫")
        self.wait_text(".facts", "1 bó hành")
        self.assertEqual(self.field("Mã thanh toán của quầy").get_attribute("value"), request["code"])
        self.click("Trả tiền")
        self.notice("Đã trả 15.000 ₫ cho Cô Ba.")
        self.assertEqual(int(self.wallet(self.state["buyer"])["balance"]), before - 15000)
        served = self.server.ok("GET", f"/v1/payment-requests/{request['code']}", token=self.state["buyer"])
        self.assertEqual(served["status"], "PAID")
        self.logout()

    def test_20c_buyer_pays_an_order_through_the_e_wallet(self):
        d = self.as_role("buyer")
        before = self.wallet(self.state["buyer"])
        order_id = self.order_one_bunch(d)
        self.assertEqual(self.choices("Ví điện tử"), [("momo", "MoMo")])
        self.assertEqual([v for v, _ in self.choices("Ngân hàng nhận")], ["vcb"])
        self.choose("Ví điện tử", "momo")
        self.click("Trả qua ví điện tử")
        self.notice("Đang chờ momo xác nhận…")
        self.wait_text(".facts", "momo: Đang chờ")
        self.wait_text(".order-status", "Chờ thanh toán")
        order = self.server.ok("GET", f"/v1/orders/{order_id}", token=self.state["buyer"])
        self.assertEqual((order["status"], order["payment"]["status"], order["payment"]["amount"]),
                         ("PENDING_PAYMENT", "PENDING", "10000"))
        self.assertTrue(order["payment"]["id"].startswith("pi_"), order["payment"])
        self.shot("buyer-order-provider-pending")
        # MoMo tells us; the page, which polls, shows the order paid.
        self.server.signed("momo", {"type": "payment.succeeded", "data": {
            "reference": order["payment"]["id"], "amount": "10000", "provider_txn_id": "P1"}})
        self.notice("Đã nhận 10.000 ₫ cho đơn này.")
        self.wait_text(".order-status", "Đã thanh toán")
        self.wait_text(".facts", "momo: Thành công")
        order = self.server.ok("GET", f"/v1/orders/{order_id}", token=self.state["buyer"])
        self.assertEqual((order["status"], order["payment"]["status"]), ("PAID", "SUCCEEDED"))
        wallet = self.wallet(self.state["buyer"])
        self.assertEqual((wallet["balance"], int(wallet["held"])), (before["balance"], int(before["held"]) + 10000))
        self.shot("buyer-order-provider-paid")
        type(self).state["provider_order"] = order_id

    def test_20d_merchant_requests_a_payout(self):
        d = self.as_role("merchant")
        self.click("Số dư")
        self.heading("Số dư")
        available = int(self.server.ok("GET", "/v1/merchant/balance", token=self.state["merchant"])["available"])
        self.wait_text(".facts", self.money(available))
        self.wait_text("section", "Chưa rút lần nào.")
        self.assertEqual(self.choices("Rút qua (mã ví hoặc ngân hàng)"), self.methods(self.state["merchant"], bank=False))
        self.assertEqual(self.choices("Rút qua (mã ví hoặc ngân hàng)"), [("momo", "MoMo")])
        self.choose("Rút qua (mã ví hoặc ngân hàng)", "momo")
        self.fill("Số tiền rút (đồng)", "20.000")
        self.fill("Tài khoản nhận", "0901234567")
        self.click("Rút tiền")
        self.notice("Đã gửi lệnh rút 20.000 ₫.")
        self.wait_text("table", "0901234567")
        self.wait_text("table", "Đang chờ")
        self.wait_text(".facts", self.money(available - 20000))
        payouts = self.server.ok("GET", "/v1/merchant/payouts", token=self.state["merchant"])["payouts"]
        self.assertEqual([(p["provider"], p["amount"], p["destination"], p["status"]) for p in payouts],
                         [("momo", "20000", "0901234567", "PENDING")])
        payout = payouts[0]
        self.assertTrue(payout["id"].startswith("po_"), payout)
        self.assertEqual(self.server.ok("GET", "/v1/merchant/balance", token=self.state["merchant"])["available"],
                         str(available - 20000))
        self.assertEqual(self.server.ok("GET", f"/v1/payouts/{payout['id']}")["status"], "PENDING")
        # MoMo pays the merchant and tells us.
        self.server.signed("momo", {"type": "payout.succeeded", "data": {
            "reference": payout["id"], "amount": "20000", "provider_txn_id": "PO1"}})
        self.click("Tải lại")
        self.wait_text("table", "Thành công")
        self.assertEqual(self.server.ok("GET", f"/v1/merchant/payouts/{payout['id']}", token=self.state["merchant"])["status"],
                         "SUCCEEDED")
        self.wait_text(".facts", self.money(available - 20000))
        self.shot("merchant-payout")

    def test_20e_merchant_delists_rau_muong(self):
        d = self.as_role("merchant")
        self.click("Hàng bán")
        self.heading("Hàng bán")
        item = self.find(f'li.listing[data-id="{self.state["listing"]}"]')
        self.click("Ngừng bán", item)
        self.notice("Đã ngừng bán Rau muống.")
        self.wait_text(".items", "Chưa có hàng nào.")
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, f'li.listing[data-id="{self.state["listing"]}"]'))
        self.assertIs(self.server.ok("GET", f"/v1/listings/{self.state['listing']}")["active"], False)
        self.shot("merchant-listings-delisted")
        d = self.as_role("buyer")
        self.click("Mua hàng")
        self.heading("Mua hàng")
        search = self.field("Tìm hàng")
        search.clear()
        search.send_keys("rau muong", Keys.ENTER)
        self.wait_text(".items", "Không tìm thấy hàng nào.")
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, "li.listing"))
        found = self.server.ok("GET", "/v1/listings?in_stock=true&q=rau%20muong", token=self.state["buyer"])["listings"]
        self.assertEqual(found, [])

    def test_20f_admin_adds_a_named_operator(self):
        d = self.as_role("operator")
        self.logout()
        self.login(ADMIN, "Người bán")
        self.click("Nhân viên")
        self.heading("Nhân viên")
        self.fill("Tên nhân viên", "Chị Hoa")
        self.click("Thêm")
        self.notice("Đã thêm nhân viên Chị Hoa.")
        card = self.find(".print-card")
        token = card.find_element(By.CSS_SELECTOR, ".token code").text.strip()
        self.assertRegex(token, r"^\S{20,}$")
        self.wait_text("table", "Chị Hoa")
        operators = self.server.ok("GET", "/v1/operators")["operators"]
        hoa = [o for o in operators if o["name"] == "Chị Hoa"]
        self.assertEqual(len(hoa), 1, operators)
        self.wait_text("table", hoa[0]["id"])
        me = self.server.ok("GET", "/v1/me", token=token)
        self.assertEqual(me["role"], "operator")
        # The printed token works as Chị Hoa's own (an operator may list operators, not add them).
        self.assertIn("Chị Hoa", [o["name"] for o in self.server.ok("GET", "/v1/operators", token=token)["operators"]])
        self.assertEqual(self.server.call("POST", "/v1/operators", {"name": "X"}, token=token)[0], 403)
        self.check_page("operator-operator-added")

    def test_21_no_script_errors_or_policy_violations(self):
        self.collect_logs()
        bad = [e for e in self.logs if re.search(
            r"Content Security Policy|Uncaught|TypeError|ReferenceError|SyntaxError|is not defined",
            e.get("message", ""))]
        self.assertEqual(bad, [])


if __name__ == "__main__":
    BIN_DIR = sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "build/bin"
    unittest.main(verbosity=2)
