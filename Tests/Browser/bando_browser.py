"""What every browser test script of Tests/MapPageTests shares: headless Chromium started the
same way, and the check made at each step of a walk (a screenshot, axe's serious and critical
findings, the console's errors). The scripts find this file through `BrowserScript.run`."""
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
    not excuse (a page answered with an error status on purpose is logged as one)."""
    d.save_screenshot(file)
    out["shots"].append(file)
    axe = Axe(d)
    axe.inject()
    for v in axe.run()["violations"]:
        if v["impact"] in ("serious", "critical"):
            out["violations"].append(f"{name}: {v['id']} ({v['impact']}): " + "; ".join(str(n["target"]) for n in v["nodes"][:3]))
    for entry in d.get_log("browser"):
        if entry["level"] == "SEVERE" and not excused(entry["message"]):
            out["errors"].append(name + ": " + entry["message"])
