#!/usr/bin/python3
"""End-to-end: one language throughout (issue 23, items 3 and 4).

Starts the real redlined on the sample data with --http and checks:

- the answers carry each text for people as a Message (code, params, textZh,
  textEn) beside the older English fields, which keep their wording (one
  check's reason and notes over HTTP, a batch of points' reasons over gRPC);
- the CLI prints one language: `--lang zh` Chinese with no English sentence,
  `--lang en` English; without --lang the locale decides (LC_ALL over
  LC_MESSAGES over LANG, zh* is Chinese);
- in headless Chromium (tests/e2e/one_language.mjs), the Chinese staff page
  after a PROHIBITED check, with a coordinate note, an upload note and a
  server error, shows no English sentence;
- the printed record of the sample's busiest site (the known point whose
  check draws the most zones, found here by asking the server), and of a
  larger square around it, in Chinese and in English: no two zone labels
  of the map overlap (getBBox), the legend lists each kind and level drawn,
  the scale bar and north arrow are there, the record id and data version
  head every printed page, and the Chinese record has no English sentence.

Needs Debian's /usr/bin/python3 (python3-grpcio), node, chromium and
clients/web/node_modules (scripts/deps.sh).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import unittest
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redline_e2e as e2e  # noqa: E402
from redline_client import pb, pb_grpc  # noqa: E402
from web_page_test import ws1_site, CHROMIUM, NODE_MODULES, ARTIFACTS, UPLOAD_NO_PRJ  # noqa: E402

SCRIPT = os.path.join(e2e.HERE, "one_language.mjs")

# What an English sentence looks like: three ASCII words in a row. Ids
# (wppl-65-first-level-project), codes (PROHIBITED, EPSG:4549), units and
# numbers are single tokens and do not make one.
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}")


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"),
                                 headers={"Content-Type": "application/json"})
    with e2e._loopback_opener().open(req, timeout=60) as r:
        return r.read().decode("utf-8")


def point_request(lon, lat, d=None):
    wkt = e2e.box_wkt(lon, lat, d) if d else f"POINT({lon} {lat})"
    return {"geometry": {"wkt": wkt},
            "options": {"siting": {"purpose": "OUTFALL"}, "includeZoneGeometry": True}}


class OneLanguageTest(unittest.TestCase):
    def busiest_site(self, url):
        """The known point whose answer draws the most zones (hits, then nearby ones)."""
        best = None
        for (lon, lat) in sorted(e2e.known_points()):
            r = json.loads(post(url + "/v1/check-geometry", point_request(lon, lat)))
            score = (len(r.get("hits", [])), len(r.get("nearest", [])))
            if best is None or score > best[0]:
                best = (score, lon, lat, r)
        return best

    def test_messages_cli(self):
        with e2e.Server() as srv:
            srv.wait_http()
            (hits, _), lon, lat, r = self.busiest_site(srv.http_url)
            self.assertGreaterEqual(hits, 3, "the sample's busiest site touches three nested zones")
            self.assertEqual(r["verdict"], "PROHIBITED", r)
            m = r["verdictMessage"]
            self.assertEqual(m["code"], "verdict.rule", m)
            self.assertEqual(m["textEn"], r["verdictReason"])
            self.assertIn("禁止", m["textZh"])
            self.assertFalse(ENGLISH_RUN.search(m["textZh"]), m["textZh"])
            self.assertEqual(m["params"]["verdict"], "PROHIBITED")
            # A coordinate note, both ways.
            g = json.loads(post(srv.http_url + "/v1/check-geometry", {
                "geometry": {"wkt": "POINT(40500000 3318000)", "crs": "GK"}}))
            notes = g["site"]["coordinates"]
            self.assertEqual(len(notes["notes"]), len(notes["noteMessages"]), notes)
            self.assertEqual([n["textEn"] for n in notes["noteMessages"]], notes["notes"])
            self.assertIn("coords.gk_prefix", [n["code"] for n in notes["noteMessages"]])

            # Batches of points: each distinct reason once, as text and as a Message.
            with grpc.insecure_channel(srv.target) as channel:
                req = pb.OverlayRequest(
                    options=pb.CheckOptions(siting=pb.Siting(purpose=pb.Siting.OUTFALL)),
                    points=pb.PointColumns(x=[float(lon), 119.0], y=[float(lat), 28.0]))
                out = list(pb_grpc.RedlineStub(channel).Overlay(iter([req]), timeout=60))
            pts = out[0].batch.points
            self.assertEqual(len(pts.reasons), len(pts.reason_messages), pts)
            self.assertEqual(pts.reasons[0], "")
            self.assertEqual([m.text_en for m in pts.reason_messages[1:]], list(pts.reasons[1:]))
            self.assertTrue(all(m.code and m.text_zh for m in pts.reason_messages[1:]))

            def cli(*args, env=None):
                cmd = [e2e.REDLINE, "--server", srv.target, *args, "check-point", "--lon", lon,
                       "--lat", lat, "--purpose", "outfall"]
                base = {k: v for k, v in os.environ.items()
                        if k not in ("LANG", "LC_ALL", "LC_MESSAGES")}
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                                   env=dict(base, NO_COLOR="1", **(env or {})))
                self.assertEqual(p.returncode, 0, p.stderr)
                return p.stdout

            zh = cli("--lang", "zh")
            self.assertIn(" 禁止 ", zh)
            self.assertIn("涉及的区域", zh)
            self.assertIn("数据版本", zh)
            self.assertFalse(ENGLISH_RUN.search(zh), ENGLISH_RUN.search(zh))
            en = cli("--lang", "en")
            self.assertIn(" PROHIBITED ", en)
            self.assertIn("PROHIBITED by rule", en)
            self.assertIn("Zones touched", en)
            self.assertFalse(re.search(r"[\u4e00-\u9fff]", en.split("\n")[0].split("rule")[0]), en)
            self.assertIn("  Drinking-water source protection zone  ", en)  # the kind, in English
            self.assertIn("  INSIDE  ", en)
            # The locale decides without --lang: LC_ALL, then LC_MESSAGES, then LANG.
            self.assertIn(" 禁止 ", cli(env={"LANG": "zh_CN.UTF-8"}))
            self.assertIn(" PROHIBITED ", cli(env={"LANG": "zh_CN.UTF-8", "LC_ALL": "C.UTF-8"}))
            self.assertIn(" 禁止 ", cli(env={"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW"}))
            self.assertIn(" PROHIBITED ", cli(env={}))
            layers = subprocess.run([e2e.REDLINE, "--server", srv.target, "--lang", "zh", "layers"],
                                    capture_output=True, text=True, timeout=60,
                                    env=dict(os.environ, NO_COLOR="1"))
            self.assertEqual(layers.returncode, 0, layers.stderr)
            self.assertIn("数据版本", layers.stdout)
            self.assertIn("饮用水水源保护区", layers.stdout)
            self.assertNotIn("SOURCE CRS", layers.stdout)
            bad = subprocess.run([e2e.REDLINE, "--lang", "fr", "layers"], capture_output=True,
                                 text=True, timeout=60)
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn("--lang", bad.stderr)

    def test_page_and_record(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing")
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is missing")
        table, _ = ws1_site()
        with e2e.Server() as srv, e2e.tempdir() as tmp:
            srv.wait_http()
            (_, _), lon, lat, answer = self.busiest_site(srv.http_url)
            records = []
            for name, d in (("point", None), ("square", 0.01)):
                for lang in ("zh", "en"):
                    html = post(f"{srv.http_url}/v1/record?lang={lang}", point_request(lon, lat, d))
                    path = os.path.join(tmp, f"record_{name}_{lang}.html")
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(html)
                    records.append({"name": name, "lang": lang, "path": path})
            case = {
                "url": srv.http_url + "/",
                "nodeModules": NODE_MODULES,
                "chromium": CHROMIUM,
                "artifacts": ARTIFACTS,
                "ws1": {"table": table, "crs": "GK", "purpose": "DISCHARGING_PROJECT"},
                "upload": {"noPrjFile": UPLOAD_NO_PRJ},
                "records": records,
                "datasetVersion": answer["datasetVersion"],
                "minLabels": len(answer.get("hits", [])),
                "englishRun": ENGLISH_RUN.pattern,
            }
            case_path = os.path.join(tmp, "case.json")
            with open(case_path, "w", encoding="utf-8") as f:
                json.dump(case, f, ensure_ascii=False, indent=1)
            proc = subprocess.run([node, SCRIPT, case_path], capture_output=True, text=True,
                                  encoding="utf-8", errors="replace", timeout=300)
            sys.stdout.write(proc.stdout)
            sys.stderr.write(proc.stderr)
            self.assertEqual(proc.returncode, 0,
                             f"the browser script failed:\n{proc.stdout}\n{proc.stderr}\n"
                             f"server log:\n{srv.log()[-3000:]}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
