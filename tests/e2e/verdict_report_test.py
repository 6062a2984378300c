"""The printable HTML record: `redline check-site|check-point --report FILE.html`.

Starts the real `redlined` on the fixture in tests/data/verdicts/ and runs the
real CLI with --report, then reads the page: self-contained (no script, no
external src/href/url), the verdict first, the quoted article, the dataset
version (from ListLayers), the check time in Asia/Shanghai and UTC (from the
same response, printed with --json), an inline SVG with the site drawn to
scale (checked against PROJ's `geod` through the scale bar), and the fixture's
`<script>` zone name and `<img onerror>` attribute escaped.

Needs Debian's /usr/bin/python3 and PROJ's `geod`. Environment (set by
ctest): REDLINE_BUILD, REDLINE_SOURCE. No browser is needed.
"""

import datetime
import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verdict_scenarios_test as fx  # noqa: E402  (server + geodesy helpers)

import grpc  # noqa: E402

# 水污染防治法 第六十五条, first sentence, as enacted (2017 revision).
ARTICLE_65 = "禁止在饮用水水源一级保护区内新建、改建、扩建与供水设施和保护水源无关的建设项目"
# 第六十六条, first sentence.
ARTICLE_66 = "禁止在饮用水水源二级保护区内新建、改建、扩建排放污染物的建设项目"

RAW_SCRIPT = "<script>alert('name')</script>"
RAW_IMG = "<img src=x onerror=alert(1)>"


class Page(html.parser.HTMLParser):
    """Collects tags, attributes, text by element id, and the SVG elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []            # (tag, attrs dict)
        self.text = []
        self.by_id = {}           # id -> text inside
        self._open_ids = []       # stack of (tag, id or None)
        self.svg_elements = []    # (tag, attrs, enclosing group classes)
        self._in_svg = 0
        self._groups = []
        self._last_svg_text = None
        self.svg_texts = []       # (text, enclosing group classes)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "svg":
            self._in_svg += 1
        if self._in_svg:
            self.svg_elements.append((tag, a, tuple(self._groups)))
            if tag == "g":
                self._groups.append(a.get("class", ""))
            if tag == "text":
                self._last_svg_text = ""
        void = tag in ("meta", "br", "img", "link", "input", "hr") or (
            self._in_svg and tag in ("rect", "path", "circle", "line", "polygon", "clippath"))
        if not void:
            self._open_ids.append((tag, a.get("id")))
            if a.get("id"):
                self.by_id[a["id"]] = ""

    def handle_startendtag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if self._in_svg:
            self.svg_elements.append((tag, a, tuple(self._groups)))

    def handle_endtag(self, tag):
        if tag == "svg":
            self._in_svg -= 1
        if self._in_svg and tag == "g" and self._groups:
            self._groups.pop()
        if self._in_svg and tag == "text" and self._last_svg_text is not None:
            self.svg_texts.append((self._last_svg_text, tuple(self._groups)))
            self._last_svg_text = None
        while self._open_ids:
            t, _ = self._open_ids.pop()
            if t == tag:
                break

    def handle_data(self, data):
        self.text.append(data)
        for _, i in self._open_ids:
            if i:
                self.by_id[i] += data
        if self._last_svg_text is not None:
            self._last_svg_text += data


def run_cli(server, args, report):
    cmd = [fx.REDLINE, "--server", server.target, "--json", *args, "--report", report]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"{cmd} exited {p.returncode}:\n{p.stderr}"
    assert os.path.exists(report), f"no report written by {cmd}"
    with open(report, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8")  # must be valid UTF-8
    return json.loads(p.stdout), text


def check_self_contained(text, page):
    errors = []
    for tag, attrs in page.tags:
        if tag in ("script", "link", "iframe", "object", "embed", "img"):
            errors.append(f"<{tag}> element in the page")
        for k, v in attrs.items():
            if k.lower().startswith("on"):
                errors.append(f"event handler attribute {k} on <{tag}>")
            if k.lower() in ("src", "href", "xlink:href", "srcset", "action") and v:
                if re.match(r"\s*(https?:|//|file:|data:|javascript:)", v, re.I):
                    errors.append(f"external {k}={v!r} on <{tag}>")
    if re.search(r"url\(\s*['\"]?\s*(https?:|//)", text, re.I):
        errors.append("external url() in CSS")
    if re.search(r"@import", text, re.I):
        errors.append("@import in CSS")
    if not re.search(r"<meta charset=\"utf-8\">", text, re.I):
        errors.append("no <meta charset=utf-8>")
    if "print-color-adjust: exact" not in text or "size: A4 portrait" not in text:
        errors.append("print CSS (A4 portrait, print-color-adjust: exact) missing")
    return errors


def parse_path_points(d):
    nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(nums[0::2], nums[1::2]))


def metres_per_svg_unit(page):
    """From the scale bar: its two half-bars and its end label."""
    rects = [a for t, a, g in page.svg_elements if t == "rect" and "scale-bar" in g]
    labels = [s for s, g in page.svg_texts if "scale-bar" in g]
    assert len(rects) == 3 and len(labels) == 3, (rects, labels)
    half = float(rects[1]["width"])
    assert abs(float(rects[2]["width"]) - half) < 0.011
    m = re.fullmatch(r"([\d.]+) (m|km)", labels[2].strip())
    assert m, labels
    bar_m = float(m.group(1)) * (1000 if m.group(2) == "km" else 1)
    return bar_m / (2 * half)


def test_polygon_report(server, dataset_version, tmp):
    """A site across the 一级/二级 edge: PROHIBITED, drawn to scale."""
    west, south, east, north = 120.035, 30.325, 120.045, 30.333
    wkt = (f"POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, "
           f"{west} {south}))")
    report = os.path.join(tmp, "site.html")
    # In Chinese (--lang zh): the record is in one language throughout.
    response, text = run_cli(server, ["--lang", "zh", "check-site", "--wkt", wkt, "--purpose",
                                      "discharging_project", "--action", "expanded"], report)
    page = Page()
    page.feed(text)
    errors = check_self_contained(text, page)

    # The verdict, first: by law (65: 一级, nothing unrelated to water supply).
    assert response["verdict"] == "PROHIBITED", response["verdict"]
    verdict = page.by_id.get("verdict", "")
    if "禁止" not in verdict or "PROHIBITED" in verdict:
        errors.append(f"verdict box says {verdict!r}")
    if text.find('id="verdict"') > text.find("<section"):
        errors.append("the verdict is not before the first section")
    if not re.search(r'class="verdict v-prohibited"', text):
        errors.append("verdict badge not coloured as PROHIBITED")
    # The article: named and quoted.
    body = "".join(page.text)
    for needle in ("第六十五条", ARTICLE_65, "第六十六条", ARTICLE_66, "中华人民共和国水污染防治法"):
        if needle not in body:
            errors.append(f"{needle!r} not in the page")
    # The dataset version (as ListLayers reports it) and the check time.
    if page.by_id.get("dataset-version", "").strip() != dataset_version:
        errors.append(f"dataset version {page.by_id.get('dataset-version')!r}, "
                      f"server says {dataset_version!r}")
    checked = datetime.datetime.fromisoformat(response["checkedAt"].replace("Z", "+00:00"))
    utc = checked.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    beijing = checked.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    for needle in (utc, beijing.strftime("%Y-%m-%d %H:%M:%S")):
        if needle not in body:
            errors.append(f"check time {needle!r} not in the page")
    # Zones table: every hit's id, with overlap area as the server gave it.
    for hit in response["hits"]:
        if hit["zoneId"] not in body:
            errors.append(f"hit {hit['zoneId']} not listed")
    vs1 = [h for h in response["hits"] if h["zoneId"] == "VS-1"][0]
    area = f"{vs1['overlapAreaM2']:,.1f}"
    if area not in body:
        errors.append(f"overlap area {area} of VS-1 not in the page")
    if "由 redline 生成" not in body or server.target not in body:
        errors.append("footer lacks '由 redline 生成' and the server address")

    # The drawing: an inline SVG with the site, to scale.
    sites = [a for t, a, g in page.svg_elements if t == "path" and a.get("class") == "site"]
    if len([t for t, _ in page.tags if t == "svg"]) != 1 or len(sites) != 1:
        errors.append("expected one <svg> with one site path")
    else:
        pts = parse_path_points(sites[0]["d"])
        assert len(pts) == 5, pts
        mpu = metres_per_svg_unit(page)
        width_m = (max(x for x, _ in pts) - min(x for x, _ in pts)) * mpu
        height_m = (max(y for _, y in pts) - min(y for _, y in pts)) * mpu
        mid = (south + north) / 2
        want_w = fx.geod_distance(west, mid, east, mid)
        want_h = fx.geod_distance(west, south, west, north)
        # 0.01 mm of SVG rounding on a ~100 mm drawing, plus the local plane.
        for got, want, what in ((width_m, want_w, "east-west"), (height_m, want_h, "north-south")):
            if abs(got - want) / want > 0.002:
                errors.append(f"site drawn {got:.1f} m {what}, geod says {want:.1f} m")
        # North up: the site's north edge has the smaller y.
        if not any(t == "g" and a.get("class") == "north-arrow"
                   for t, a, _ in page.svg_elements):
            errors.append("no north arrow")
    return errors


def test_escaping_and_point_report(server, tmp):
    """A point in the zone whose name and attribute carry markup."""
    report = os.path.join(tmp, "point.html")
    response, text = run_cli(server, ["check-point", "--lon", "120.09", "--lat", "30.39",
                                      "--purpose", "outfall", "--outfall-type", "river"], report)
    page = Page()
    page.feed(text)
    errors = check_self_contained(text, page)
    assert [h["zoneId"] for h in response["hits"]] == ["VOT-1"], response["hits"]
    assert RAW_SCRIPT in response["hits"][0]["zoneName"]
    if RAW_SCRIPT in text or "<script" in text.lower():
        errors.append("the zone name's <script> is not escaped")
    if "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" not in text:
        errors.append("escaped zone name not found")
    if RAW_IMG in text:
        errors.append("the attribute's <img onerror> is not escaped")
    if "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot;" not in text:
        errors.append("escaped attribute value not found")
    body = "".join(page.text)
    if RAW_SCRIPT not in body:  # and it reads back as the original text
        errors.append("zone name does not read back as text")
    if "CLEAR" not in page.by_id.get("verdict", ""):
        errors.append("an `other` zone has no rules: verdict should read CLEAR")
    points = [g for t, a, g in page.svg_elements if t == "circle" and "site" in g]
    if not points:
        errors.append("the point is not drawn")
    return errors


def test_line_from_geojson_file(server, tmp):
    """--file with a GeoJSON LineString: drawn as a line."""
    src = os.path.join(tmp, "road.geojson")
    with open(src, "w") as f:
        json.dump({"type": "LineString",
                   "coordinates": [[120.005, 30.331], [120.015, 30.332], [120.03, 30.3255]]}, f)
    report = os.path.join(tmp, "line.html")
    response, text = run_cli(server, ["check-site", "--file", src, "--purpose",
                                      "linear_infrastructure"], report)
    page = Page()
    page.feed(text)
    errors = check_self_contained(text, page)
    # Crosses into 一级: 65 prohibits a road there.
    if response["verdict"] != "PROHIBITED":
        errors.append(f"verdict {response['verdict']}")
    sites = [a for t, a, g in page.svg_elements if t == "path" and a.get("class") == "site"]
    if len(sites) != 1 or sites[0].get("fill") != "none" or len(
            parse_path_points(sites[0]["d"])) != 3:
        errors.append(f"line not drawn as a 3-vertex path: {sites}")
    if "第六十五条" not in "".join(page.text):
        errors.append("第六十五条 not in the page")
    return errors


def main():
    for binary in (fx.REDLINED, fx.REDLINE):
        if not os.access(binary, os.X_OK):
            print(f"{binary} is missing: build first", file=sys.stderr)
            return 1
    failed = 0
    with tempfile.TemporaryDirectory() as tmp, fx.Server() as server:
        with grpc.insecure_channel(server.target) as channel:
            stub = fx.pb_grpc.RedlineStub(channel)
            version = stub.ListLayers(fx.pb.ListLayersRequest(), timeout=30).dataset_version
        for name, fn in [("polygon report", lambda: test_polygon_report(server, version, tmp)),
                         ("escaping, point report", lambda: test_escaping_and_point_report(
                             server, tmp)),
                         ("line from a GeoJSON file", lambda: test_line_from_geojson_file(
                             server, tmp))]:
            try:
                errors = fn()
            except Exception as e:  # report every test, then fail
                errors = [f"{type(e).__name__}: {e}"]
            if errors:
                failed += 1
                print(f"FAIL {name}:\n  " + "\n  ".join(errors))
            else:
                print(f"PASS {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
