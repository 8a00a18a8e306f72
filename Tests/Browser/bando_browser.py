"""What every browser test script of Tests/MapPageTests shares: headless Chromium started the
same way, and the check made at each step of a walk (a screenshot, axe's serious and critical
findings, the console's errors, the site header's layout). The scripts find this file through `BrowserScript.run`."""
from selenium import webdriver
from axe_selenium_python import Axe


def chromium(size=(1280, 900), webgl=False, vietnamese=False):
    """Headless Chromium (Debian's, as root: no sandbox) logging the console. `webgl`: a software
    GPU for MapLibre; `vietnamese`: a Vietnamese citizen's browser (pages choose their language
    from Accept-Language)."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    args = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage"]
    if size:
        args.append(f"--window-size={size[0]},{size[1]}")
    if webgl:
        args += ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]
    for a in args:
        opts.add_argument(a)
    if vietnamese:
        opts.add_argument("--lang=vi-VN")
        opts.add_experimental_option("prefs", {"intl.accept_languages": "vi-VN,vi,en"})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))


def check_step(d, out, name, file, excused=lambda message: False):
    """Saves a screenshot of step `name` at `file` and adds to `out` ("shots", "violations",
    "errors") axe's serious and critical findings and the console's errors that `excused` does
    not excuse (a page answered with an error status on purpose is logged as one), and to
    "header" what is wrong with the site header's layout (`header_problems`); "headers" counts
    the steps whose page had a site header to measure."""
    d.save_screenshot(file)
    out["shots"].append(file)
    header = header_problems(d)
    if header is not None:
        out["headers"] = out.get("headers", 0) + 1
        out.setdefault("header", []).extend(f"{name}: {p}" for p in header)
    axe = Axe(d)
    axe.inject()
    for v in axe.run()["violations"]:
        if v["impact"] in ("serious", "critical"):
            out["violations"].append(f"{name}: {v['id']} ({v['impact']}): " + "; ".join(str(n["target"]) for n in v["nodes"][:3]))
    for entry in d.get_log("browser"):
        if entry["level"] == "SEVERE" and not excused(entry["message"]):
            out["errors"].append(name + ": " + entry["message"])


# The site header's layout, measured in the page: the site's name (.brand) and the language
# switch (.lang) each lie wholly inside their row (.bar) and the header, overlap neither each
# other nor the rows below (the navigation, the staff's "who" row), and the row's content is not
# taller than the row (a stylesheet once fixed its height and the name, wrapped on phones, spilled
# above the page and over the navigation). null when the page has no site header (the map).
HEADER_PROBLEMS = """
const header = document.querySelector('header.site');
if (!header) return null;
const bar = header.querySelector('.bar'), brand = header.querySelector('.brand'), lang = header.querySelector('.lang');
if (!bar || !brand || !lang) return ['the header has no .bar, .brand or .lang'];
const box = e => e.getBoundingClientRect(), slack = 0.5;
const inside = (a, b) => a.top >= b.top - slack && a.bottom <= b.bottom + slack && a.left >= b.left - slack && a.right <= b.right + slack;
const meet = (a, b) => a.left < b.right - slack && b.left < a.right - slack && a.top < b.bottom - slack && b.top < a.bottom - slack;
const show = r => `(${Math.round(r.left)},${Math.round(r.top)})–(${Math.round(r.right)},${Math.round(r.bottom)})`;
const problems = [];
for (const [what, e] of [['the name', brand], ['the language switch', lang]]) {
  const r = box(e);
  if (!inside(r, box(header))) problems.push(`${what} ${show(r)} is not inside the header ${show(box(header))}`);
  if (!inside(r, box(bar))) problems.push(`${what} ${show(r)} spills out of its row ${show(box(bar))}`);
  if (r.left < 0 || r.right > document.documentElement.clientWidth + slack) problems.push(`${what} ${show(r)} reaches past the window's edge`);
  for (const other of header.querySelectorAll(':scope > :not(.bar)'))
    if (meet(r, box(other))) problems.push(`${what} ${show(r)} overlaps the header's ${other.tagName.toLowerCase()}${other.className ? '.' + other.className : ''} ${show(box(other))}`);
  if (e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
    problems.push(`${what} is clipped: ${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight}`);
}
if (meet(box(brand), box(lang))) problems.push(`the name ${show(box(brand))} overlaps the language switch ${show(box(lang))}`);
if (bar.scrollHeight > bar.clientHeight + 1) problems.push(`the row's content is ${bar.scrollHeight}px tall in a row of ${bar.clientHeight}px`);
return problems;
"""


def header_problems(d):
    """What is wrong with the site header's layout in the window as it is now: a list of
    sentences (empty when all is well), or None when the page has no site header."""
    return d.execute_script(HEADER_PROBLEMS)
