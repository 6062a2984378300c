#!/usr/bin/python3
"""A small Python client for a Redline server (redline.v1 over gRPC).

Redline tells which protected zones (ecological red lines, drinking-water
source protection zones, zero-direct-discharge zones) a place touches, and
what the law then allows there.

    from redline_client import RedlineClient, RedlineError

    with RedlineClient("127.0.0.1:50051") as client:
        r = client.check_point(121.069788, 29.970780, purpose="outfall")
        print(r.verdict, [h.zone_id for h in r.hits], r.dataset_version)
        for p in client.overlay_points(lons, lats, purpose="outfall"):
            print(p.index, p.verdict, [h.zone_id for h in p.hits], p.error)

Requirements: Debian's ``/usr/bin/python3`` with ``python3-grpcio`` and
``python3-protobuf``, and the stubs generated from
``proto/redline/v1/redline.proto`` (``make build`` writes them to
``build/python``). The stubs are found through the environment variable
``REDLINE_PY_STUBS`` (a folder holding ``redline/v1/redline_pb2.py``), else
beside this file (as the Debian package python3-redline installs them), else
in ``<repo>/build/python`` relative to this file.

Coordinates are longitude first (x = longitude or easting) in every CRS. The
single-check methods return the protobuf response messages unchanged; the
batch overlay methods yield one plain result per input (:class:`PointResult`,
:class:`FeatureResult`). Every failure of a call raises :class:`RedlineError`
carrying the gRPC status code and message.
"""

import collections
import dataclasses
import itertools
import json
import os
import socket
import queue
import sys
import threading

import grpc


def _stub_dir():
    env = os.environ.get("REDLINE_PY_STUBS")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    # Installed (the python3-redline package): the stubs are beside this file.
    if os.path.isfile(os.path.join(here, "redline", "v1", "redline_pb2.py")):
        return here
    return os.path.normpath(os.path.join(here, "..", "..", "build", "python"))


_STUBS = _stub_dir()
if not os.path.isfile(os.path.join(_STUBS, "redline", "v1", "redline_pb2.py")):
    raise ImportError(
        "redline_client: the generated stubs are missing: no "
        f"{os.path.join(_STUBS, 'redline', 'v1', 'redline_pb2.py')}; "
        "run `make build` (or `ninja -C build`) or set REDLINE_PY_STUBS to the "
        "folder that holds redline/v1/redline_pb2.py")
if _STUBS not in sys.path:
    sys.path.insert(0, _STUBS)

from redline.v1 import redline_pb2 as pb  # noqa: E402
from redline.v1 import redline_pb2_grpc as pb_grpc  # noqa: E402

__all__ = ["RedlineClient", "RedlineError", "pb", "DEFAULT_CRS", "OVERLAY_COLUMNS", "PointResult",
           "FeatureResult", "Hit", "Near", "Rule", "same_dataset"]

DEFAULT_CRS = "EPSG:4490"

# Overlay batches, as the `redline overlay` CLI sends them: points go in
# columns (cheap per point), other geometries as features (GEOS work
# dominates, so fewer per message).
_POINT_BATCH = 8192
_FEATURE_BATCH = 64
# A feature message is sent early once its geometries reach this size (as
# the CLI does), well within the server's max_request_bytes (64 MiB by default).
_FEATURE_BATCH_BYTES = 1 << 20
# Batches sent ahead of their answers: bounds what the client holds while
# keeping the server (which works on up to 4 at once) busy.
_BATCHES_IN_FLIGHT = 8
# Answers to a batch of large features can be large too (the CLI's limit).
_MAX_ANSWER_BYTES = 256 << 20

_STATUS_CODES = {c.value[0]: c for c in grpc.StatusCode}


class RedlineError(Exception):
    """A failed Redline call.

    Attributes:
        code: the ``grpc.StatusCode`` (e.g. ``grpc.StatusCode.INVALID_ARGUMENT``
            for bad input, ``UNAVAILABLE`` when the server cannot be reached).
        message: the server's (or gRPC's) explanation.
    """

    def __init__(self, code, message):
        super().__init__(f"{code.name if code else 'UNKNOWN'}: {message}")
        self.code = code
        self.message = message


# --- Overlay results: plain values, one per input point or feature. ---

@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    """A rule that applied to a hit or a nearby zone (``RuleApplication``).

    One object per rule and stream, shared by every result it applies to.
    ``verdict`` is a ``pb.Verdict`` value; ``setback_m`` is set only on a
    nearby zone's setback rule, as in a ``CheckResponse``.
    """
    rule_id: str
    verdict: int
    message_zh: str
    message_en: str
    law: str
    article: str
    article_text: str
    setback_m: float
    rule_file: str


@dataclasses.dataclass(frozen=True, slots=True)
class _Zone:
    """The zone fields of a hit or a nearby zone (``kind``: ``pb.ZoneKind``)."""
    layer: str
    kind: int
    zone_id: str
    zone_name: str
    level: str
    normalized_level: str


@dataclasses.dataclass(frozen=True, slots=True)
class Hit(_Zone):
    """A zone a point lies in; fields as in ``ZoneHit`` (``relation``:
    ``pb.ZoneHit.INSIDE`` or ``BOUNDARY``). ``rules`` is empty with
    ``hits_only``. ``attributes`` (the zone's other source fields) is shared: do
    not change it."""
    relation: int
    rules: tuple
    attributes: dict


@dataclasses.dataclass(frozen=True, slots=True)
class Near(_Zone):
    """A zone within the search radius, or a setback's distance, that the point
    is not in (``NearZone``)."""
    distance_m: float
    rules: tuple


@dataclasses.dataclass(frozen=True, slots=True)
class PointResult:
    """The answer for one point of :meth:`RedlineClient.overlay_points`.

    Attributes:
        index: the point's position in the input, from 0.
        x, y: the point as given.
        verdict: a ``pb.Verdict`` value; ``VERDICT_UNSPECIFIED`` for an error
            and with ``hits_only``.
        verdict_reason: as ``CheckResponse.verdict_reason`` ("" then too).
        hits: :class:`Hit` tuple, strictest verdict first as in
            ``CheckResponse.hits``; with ``hits_only`` in layer order, then by
            zone id.
        nearest: :class:`Near` tuple, nearest first (empty with ``hits_only``).
        error: why the point could not be checked; "" when it was.
        error_code: the error's ``grpc.StatusCode``; None when there is none.
        intersection: with ``include_intersection`` and at least one hit, the
            point as the server placed it, (lon, lat) in EPSG:4490; else None.
        dataset_version: the version that answered (one per call).
    """
    index: int
    x: float
    y: float
    verdict: int
    verdict_reason: str
    hits: tuple
    nearest: tuple
    error: str
    error_code: object
    intersection: object
    dataset_version: str

    @property
    def ok(self):
        return not self.error


@dataclasses.dataclass(frozen=True, slots=True)
class FeatureResult:
    """The answer for one feature of :meth:`RedlineClient.overlay_features`.

    Attributes:
        index: the feature's position in the input, from 0.
        id: the feature's id as sent ("" when it had none).
        response: the ``redline.v1.CheckResponse`` that ``check_geometry``
            would give; None when ``error`` is set. With ``hits_only`` it
            keeps the site and the hits (with overlaps) only.
        error, error_code: as in :class:`PointResult`.
        dataset_version: the version that answered (one per call).
    """
    index: int
    id: str
    response: object
    error: str
    error_code: object
    dataset_version: str

    @property
    def ok(self):
        return not self.error


# --- grpc.health.v1, built at run time: Debian ships no grpc_health package. ---
_HEALTH = None


def _health_messages():
    """Returns (HealthCheckRequest, HealthCheckResponse) classes."""
    global _HEALTH
    if _HEALTH is None:
        from google.protobuf import descriptor_pb2, descriptor_pool
        from google.protobuf import message_factory

        f = descriptor_pb2.FileDescriptorProto(
            name="redline_client/grpc/health/v1/health.proto",
            package="grpc.health.v1", syntax="proto3")
        req = f.message_type.add(name="HealthCheckRequest")
        req.field.add(name="service", number=1, type=9, label=1)  # string
        resp = f.message_type.add(name="HealthCheckResponse")
        enum = resp.enum_type.add(name="ServingStatus")
        for i, n in enumerate(["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]):
            enum.value.add(name=n, number=i)
        resp.field.add(name="status", number=1, type=14, label=1,  # enum
                       type_name=".grpc.health.v1.HealthCheckResponse.ServingStatus")
        pool = descriptor_pool.DescriptorPool()
        pool.Add(f)
        factory = message_factory.MessageFactory(pool)
        _HEALTH = (
            factory.GetPrototype(pool.FindMessageTypeByName("grpc.health.v1.HealthCheckRequest")),
            factory.GetPrototype(pool.FindMessageTypeByName("grpc.health.v1.HealthCheckResponse")),
        )
    return _HEALTH


def _purpose(value):
    """A Siting.Purpose from a name ("outfall", "Water-Supply-Facility"), or a number."""
    if value is None:
        return pb.Siting.PURPOSE_UNSPECIFIED
    if isinstance(value, int):
        return value
    name = str(value).strip().upper().replace("-", "_").replace(" ", "_")
    try:
        v = pb.Siting.Purpose.Value(name)
    except ValueError:
        v = pb.Siting.PURPOSE_UNSPECIFIED
    if v == pb.Siting.PURPOSE_UNSPECIFIED:
        names = ", ".join(n.lower() for n in pb.Siting.Purpose.keys()[1:])
        raise ValueError(f"unknown purpose {value!r}; use one of: {names}")
    return v


def _status_code(value):
    return _STATUS_CODES.get(value, grpc.StatusCode.UNKNOWN)


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")


def _geometry(value, crs):
    """A pb.Geometry from WKT or GeoJSON text, a GeoJSON dict, WKB bytes or a pb.Geometry."""
    geometry = pb.Geometry(crs=crs or "")
    if value is None:
        pass  # the server answers this feature with "no geometry"
    elif isinstance(value, pb.Geometry):
        geometry.MergeFrom(value)  # keeps its own crs, if it has one
    elif isinstance(value, str):
        if value.lstrip().startswith("{"):
            geometry.geojson = value
        else:
            geometry.wkt = value
    elif isinstance(value, dict):
        geometry.geojson = json.dumps(value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        geometry.wkb = bytes(value)
    else:
        raise TypeError(f"a geometry is WKT or GeoJSON text, a GeoJSON dict, WKB bytes or a "
                        f"pb.Geometry, not {type(value).__name__}")
    return geometry


def _overlay_feature(item, crs, index):
    """A pb.OverlayFeature from an (id, geometry) pair, a GeoJSON Feature dict or itself."""
    if isinstance(item, pb.OverlayFeature):
        return pb.OverlayFeature(id=item.id, geometry=_geometry(item.geometry, crs))
    if isinstance(item, dict):
        if item.get("type") != "Feature":
            raise ValueError(f"feature {index} is a dict but not a GeoJSON Feature; give "
                             "(id, geometry) pairs for bare geometries")
        fid, value = item.get("id"), item.get("geometry")
    else:
        try:
            fid, value = item
        except (TypeError, ValueError):
            raise ValueError(f"feature {index} is {item!r:.80}: give (id, geometry) pairs, "
                             "GeoJSON Features or pb.OverlayFeature messages") from None
    return pb.OverlayFeature(id="" if fid is None else str(fid),
                             geometry=_geometry(value, crs))


def _point_batches(xs, ys, crs, options, batch_size):
    """(OverlayRequest, (first index, xs, ys)) per batch of points, read lazily."""
    if ys is None:
        pairs = iter(xs)
    else:
        x_iter, y_iter = iter(xs), iter(ys)
    start = 0
    while True:
        if ys is None:
            chunk = list(itertools.islice(pairs, batch_size))
            bx, by = [], []
            for i, pair in enumerate(chunk, start):
                try:
                    x, y = pair
                except (TypeError, ValueError):
                    raise ValueError(f"point {i} is {pair!r:.80}: give (x, y) pairs, "
                                     "or xs and ys") from None
                bx.append(x)
                by.append(y)
        else:
            bx = list(itertools.islice(x_iter, batch_size))
            by = list(itertools.islice(y_iter, batch_size))
            if len(bx) != len(by):
                longer, shorter = ("xs", "ys") if len(bx) > len(by) else ("ys", "xs")
                n = start + min(len(bx), len(by))
                raise ValueError(f"xs and ys differ in length: {longer} has more than the "
                                 f"{n} values of {shorter}")
        if not bx:
            return
        try:
            points = pb.PointColumns(crs=crs or "", x=bx, y=by)
        except TypeError as e:
            raise TypeError(f"points {start} to {start + len(bx) - 1}: {e}") from None
        # The options go with every message: each applies to its own message only.
        yield pb.OverlayRequest(options=options, points=points), (start, bx, by)
        start += len(bx)


def _feature_batches(features, crs, options, batch_size):
    """(OverlayRequest, (first index, count)) per batch of features, read lazily.

    Each message carries the options, as in _point_batches."""
    request = pb.OverlayRequest(options=options)
    start = size = 0
    for index, item in enumerate(features):
        feature = _overlay_feature(item, crs, index)
        request.features.append(feature)
        size += feature.ByteSize()
        if len(request.features) >= batch_size or size >= _FEATURE_BATCH_BYTES:
            yield request, (start, len(request.features))
            start = index + 1
            request = pb.OverlayRequest(options=options)
            size = 0
    if request.features:
        yield request, (start, len(request.features))


def _answer_count_error(kind, answered, sent):
    return RedlineError(grpc.StatusCode.INTERNAL,
                        f"the server answered {answered} of a batch of {sent} {kind}")


class _PointDecoder:
    """Turns columnar point answers back into one PointResult per point, as
    the CLI's PointAnswers does, with the stream's zone and rule tables."""

    def __init__(self):
        self._zones = {}      # ZoneEntry.index -> (layer, kind, id, name, level, normalized)
        self._attributes = {}  # ZoneEntry.index -> attributes
        self._rules = {}      # RuleEntry.index -> Rule
        self._hit_rules = {}  # the same without setback_m, which only nearby zones carry

    def decode(self, result, carried):
        start, xs, ys = carried
        batch = result.batch
        for z in batch.zones:
            self._zones[z.index] = (z.layer, z.kind, z.zone_id, z.zone_name, z.level,
                                    z.normalized_level)
            self._attributes[z.index] = dict(z.attributes)
        for entry in batch.rules:
            r = entry.rule
            rule = Rule(r.rule_id, r.verdict, r.message_zh, r.message_en, r.basis.law,
                        r.basis.article, r.basis.text, r.setback_m, r.rule_file)
            self._rules[entry.index] = rule
            self._hit_rules[entry.index] = dataclasses.replace(rule, setback_m=0.0)
        p = batch.points
        hit_count = list(p.hit_count)
        if len(hit_count) != len(xs):
            raise _answer_count_error("points", len(hit_count), len(xs))
        # A hits-only batch has the hit columns alone.
        whole = len(p.verdict) > 0
        verdicts, reasons = list(p.verdict), list(p.reasons)
        reason = list(p.reason)
        hit_zone, hit_relation = list(p.hit_zone), list(p.hit_relation)
        hit_rule_count, hit_rule = list(p.hit_rule_count), list(p.hit_rule)
        near_count, near_zone = list(p.near_count), list(p.near_zone)
        near_distance = list(p.near_distance_m)
        near_rule_count, near_rule = list(p.near_rule_count), list(p.near_rule)
        inter_lon, inter_lat = list(p.intersection_lon), list(p.intersection_lat)
        errors = {i: (e, c) for i, e, c in zip(p.error_index, p.error, p.error_code)}
        version = result.dataset_version
        hit = hit_rule_at = near = near_rule_at = inter = 0
        for i, count in enumerate(hit_count):
            if i in errors:  # such a point has no hits and no nearby zones
                message, code = errors[i]
                yield PointResult(start + i, xs[i], ys[i], pb.VERDICT_UNSPECIFIED, "", (), (),
                                  message, _status_code(code), None, version)
                continue
            intersection = None
            if count and inter < len(inter_lon):
                intersection = (inter_lon[inter], inter_lat[inter])
                inter += 1
            hits = []
            for _ in range(count):
                rules = ()
                if whole:
                    n = hit_rule_count[hit]
                    rules = tuple(self._hit_rules[k] for k in hit_rule[hit_rule_at:hit_rule_at + n])
                    hit_rule_at += n
                z = hit_zone[hit]
                hits.append(Hit(*self._zones[z], hit_relation[hit], rules, self._attributes[z]))
                hit += 1
            nearest = []
            for _ in range(near_count[i] if whole else 0):
                n = near_rule_count[near]
                rules = tuple(self._rules[k] for k in near_rule[near_rule_at:near_rule_at + n])
                near_rule_at += n
                nearest.append(Near(*self._zones[near_zone[near]], near_distance[near], rules))
                near += 1
            yield PointResult(start + i, xs[i], ys[i],
                              verdicts[i] if whole else pb.VERDICT_UNSPECIFIED,
                              reasons[reason[i]] if whole else "", tuple(hits),
                              tuple(nearest), "", None, intersection, version)


def _decode_features(result, carried):
    start, sent = carried
    answers = result.batch.results
    if len(answers) != sent:
        raise _answer_count_error("features", len(answers), sent)
    for k, r in enumerate(answers):
        yield FeatureResult(start + k, r.id, None if r.error else r.response, r.error,
                            _status_code(r.error_code) if r.error else None,
                            result.dataset_version)


# --- GeoDataFrame rows, as `redline overlay` writes them. ---

# The columns overlay_geodataframe adds, in order, with whether each holds a
# number: exactly those of `redline overlay` (clients/cli/overlay_row.cc,
# kOverlayColumns), so that a GeoDataFrame and the CLI's file agree.
OVERLAY_COLUMNS = (
    ("input_id", False), ("zone_layer", False), ("zone_kind", False), ("zone_id", False),
    ("zone_name", False), ("zone_level", False), ("zone_level_normalized", False),
    ("relation", False), ("overlap_area_m2", True), ("overlap_ratio", True),
    ("overlap_length_m", True), ("zone_verdict", False), ("rules", False),
    ("verdict", False), ("verdict_reason", False),
    ("near_red_line_id", False), ("near_red_line_m", True), ("near_red_line_rules", False),
    ("near_red_line_setback_m", True),
    ("near_water_source_id", False), ("near_water_source_level", False),
    ("near_water_source_m", True), ("near_water_source_rules", False),
    ("near_water_source_setback_m", True),
    ("near_zero_discharge_id", False), ("near_zero_discharge_m", True),
    ("near_zero_discharge_rules", False), ("near_zero_discharge_setback_m", True),
    ("geometry_repaired", False), ("dataset_version", False), ("error", False),
)
_COLUMN = {name: i for i, (name, _) in enumerate(OVERLAY_COLUMNS)}
# The nearest zone of each kind (CheckResponse.nearest): its columns' prefix,
# and whether it has a level column.
_NEAR_COLUMNS = {
    pb.ECOLOGICAL_RED_LINE: ("near_red_line", False),
    pb.WATER_SOURCE_PROTECTION: ("near_water_source", True),
    pb.ZERO_DISCHARGE_ZONE: ("near_zero_discharge", False),
}


def _set(cells, name, value):
    """Empty text stays null, as the CLI writes it."""
    if value is not None and value != "":
        cells[_COLUMN[name]] = value


def _feature_cells(input_id, version, error, verdict, reason, nearest, repaired):
    """The columns of one input feature (on each of its rows), as FillFeatureColumns."""
    cells = [None] * len(OVERLAY_COLUMNS)
    _set(cells, "input_id", input_id)
    _set(cells, "dataset_version", version)
    if error:
        _set(cells, "error", error)
        return cells
    if verdict != pb.VERDICT_UNSPECIFIED:  # unset with hits_only
        _set(cells, "verdict", pb.Verdict.Name(verdict))
        _set(cells, "verdict_reason", reason)
    seen = set()
    for n in nearest:  # PointResult's Near or a CheckResponse's NearZone: same fields
        spec = _NEAR_COLUMNS.get(n.kind)
        if spec is None or n.kind in seen:  # at most one per kind, nearest first
            continue
        seen.add(n.kind)
        prefix, has_level = spec
        _set(cells, prefix + "_id", n.zone_id)
        _set(cells, prefix + "_m", n.distance_m)
        if has_level:
            _set(cells, prefix + "_level", n.normalized_level)
        _set(cells, prefix + "_rules", ",".join(r.rule_id for r in n.rules))
        setback = max((r.setback_m for r in n.rules), default=0.0)
        if setback > 0:
            _set(cells, prefix + "_setback_m", setback)
    if repaired:
        _set(cells, "geometry_repaired", "yes")
    return cells


def _hit_cells(feature, hit, geometry_type):
    """A hit's row: the feature's cells and the hit's, as FillHitColumns.

    The overlap columns follow the site's type: area and ratio for polygons,
    length and ratio for lines, none for points (null, not 0)."""
    cells = list(feature)
    _set(cells, "zone_layer", hit.layer)
    _set(cells, "zone_kind", pb.ZoneKind.Name(hit.kind))
    _set(cells, "zone_id", hit.zone_id)
    _set(cells, "zone_name", hit.zone_name)
    _set(cells, "zone_level", hit.level)
    _set(cells, "zone_level_normalized", hit.normalized_level)
    _set(cells, "relation", pb.ZoneHit.Relation.Name(hit.relation))
    if "Polygon" in geometry_type:
        _set(cells, "overlap_area_m2", hit.overlap_area_m2)
        _set(cells, "overlap_ratio", hit.overlap_ratio)
    elif "LineString" in geometry_type:
        _set(cells, "overlap_length_m", hit.overlap_length_m)
        _set(cells, "overlap_ratio", hit.overlap_ratio)
    strictest = max((r.verdict for r in hit.rules), default=pb.VERDICT_UNSPECIFIED)
    if strictest != pb.VERDICT_UNSPECIFIED:
        _set(cells, "zone_verdict", pb.Verdict.Name(strictest))
    _set(cells, "rules", ",".join(r.rule_id for r in hit.rules))
    return cells


def _result_rows(result, input_id):
    """The rows of one PointResult or FeatureResult: one per hit, else one."""
    if isinstance(result, PointResult):
        feature = _feature_cells(input_id, result.dataset_version, result.error, result.verdict,
                                 result.verdict_reason, result.nearest, False)
        hits, geometry_type = result.hits, "Point"
    else:
        r = result.response
        feature = _feature_cells(input_id, result.dataset_version, result.error,
                                 r.verdict if r else 0, r.verdict_reason if r else "",
                                 r.nearest if r else (), bool(r and r.site.geometry_repaired))
        hits, geometry_type = (r.hits if r else ()), (r.site.geometry_type if r else "")
    if result.error or not hits:
        return [feature]
    return [_hit_cells(feature, h, geometry_type) for h in hits]


def _crs_text(gdf):
    """The CRS to send for a GeoDataFrame: "EPSG:n" if it has a code, else its WKT."""
    if gdf.crs is None:
        raise ValueError(
            "the GeoDataFrame has no CRS, and guessing one could misplace every feature: "
            "set it first, e.g. gdf.set_crs('EPSG:4490') for CGCS2000 longitude/latitude "
            "or gdf.set_crs('EPSG:4549') for CGCS2000 / 3-degree Gauss-Kruger CM 120E")
    code = gdf.crs.to_epsg()
    return f"EPSG:{code}" if code else gdf.crs.to_wkt()


def _input_ids(gdf, id_column):
    """Each row's input_id: the id column's text, else the index label's."""
    if id_column is None:
        return [str(label) for label in gdf.index]
    if id_column not in gdf.columns:
        raise ValueError(f"no column {id_column!r} in the GeoDataFrame for id_column; it has "
                         f"{', '.join(map(str, gdf.columns))}")
    import pandas as pd
    return ["" if pd.isna(v) else str(v) for v in gdf[id_column]]


def _as_points(geometries):
    """Whether every geometry is a non-empty Point (the columnar form)."""
    if len(geometries) == 0:
        return False
    return bool((geometries.geom_type == "Point").all() and not geometries.is_empty.any())


class _CallDetails(collections.namedtuple(
        "_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready",
                         "compression")), grpc.ClientCallDetails):
    pass


class _BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                   grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds ``authorization: Bearer TOKEN`` to every call.

    Metadata rather than gRPC's call credentials: those are refused on
    plain-text channels, and a server on loopback speaks plain text.
    """

    def __init__(self, token):
        self._header = ("authorization", f"Bearer {token}")

    def _with_token(self, d):
        return _CallDetails(d.method, d.timeout, [*(d.metadata or ()), self._header],
                            d.credentials, d.wait_for_ready, d.compression)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_stream_unary(self, continuation, details, requests):
        return continuation(self._with_token(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):
        return continuation(self._with_token(details), requests)


def _read_file(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ValueError(f"redline_client: cannot read the {what} {path}: {e.strerror}") from None


def _token(token, token_file):
    """The token given, else the first line of `token_file`, else $REDLINE_TOKEN, else None."""
    if token is not None and token_file is not None:
        raise ValueError("redline_client: give token or token_file, not both")
    if token_file is not None:
        token = _read_file(token_file, "token file").decode("utf-8").strip()
        if not token:
            raise ValueError(f"redline_client: the token file {token_file} is empty")
    if token is None:
        token = os.environ.get("REDLINE_TOKEN") or None
    return token.strip() if token else None


# The calls sent again on another replica when one fails UNAVAILABLE: they
# change nothing on the server. Overlay streams and Reload are never retried.
_RETRIED = [("redline.v1.Redline", m) for m in
            ("CheckPoint", "CheckGeometry", "ListLayers", "GetZones", "CompareVersions")] + [
    ("redline.v1.RedlineAdmin", m) for m in ("GetRecord", "ListRecords")]

_REPLICA_SERVICE_CONFIG = json.dumps({
    "loadBalancingConfig": [{"round_robin": {}}],
    # round_robin then skips a replica whose health service says NOT_SERVING
    # (a draining redlined).
    "healthCheckConfig": {"serviceName": "redline.v1.Redline"},
    "methodConfig": [{
        "name": [{"service": s, "method": m} for s, m in _RETRIED],
        "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.05s", "maxBackoff": "1s",
                        "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]},
    }],
})


def _replica_target(targets):
    """The channel target and options of "a:1,b:2,c:3", as the CLI's
    --server list (clients/cli/channel.h): every host resolved here, one
    ipv4: (or ipv6:) target, round-robin with health checks and retries.
    Returns (target, options, first host name)."""
    v4, v6, first = [], [], None
    for entry in (e.strip() for e in targets.split(",")):
        if not entry:
            continue
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port:
            raise ValueError(f"redline_client: '{entry}' is not HOST:PORT (several: a:1,b:2)")
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        first = first or host
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise ValueError(f"redline_client: cannot resolve '{entry}': {e}") from None
        # A name with both families counts as IPv4: one target holds one family.
        mine4 = [f"{a[0]}:{port}" for f, _, _, _, a in infos if f == socket.AF_INET]
        mine6 = [f"[{a[0]}]:{port}" for f, _, _, _, a in infos if f == socket.AF_INET6]
        if mine4:
            v4.extend(mine4)
        else:
            v6.extend(mine6)
    if not v4 and not v6:
        raise ValueError(f"redline_client: no address in '{targets}'")
    if v4 and v6:
        raise ValueError(f"redline_client: '{targets}' mixes IPv4 and IPv6-only replicas; "
                         "give addresses of one family")
    v4, v6 = list(dict.fromkeys(v4)), list(dict.fromkeys(v6))
    target = "ipv4:" + ",".join(v4) if v4 else "ipv6:" + ",".join(v6)
    return target, {"grpc.service_config": _REPLICA_SERVICE_CONFIG, "grpc.enable_retries": 1}, first


def _split_targets(target):
    """``"a, b,c"`` -> ``["a", "b", "c"]``: the servers an overlay spreads over."""
    targets = [t.strip() for t in str(target).split(",") if t.strip()]
    if not targets:
        raise ValueError(f"target {target!r} names no server: give HOST:PORT[,HOST:PORT...]")
    return targets


def _dataset_content(version):
    """The content part of a dataset version (the hex after its last '-'), or a hash."""
    return version.rsplit("-", 1)[-1].lower()


def same_dataset(a, b):
    """Whether two dataset versions (or content hashes) name the same data.

    As the server matches ``require_version`` (spatial/snapshot.h,
    SameDatasetContent): the content parts, at least 12 hex digits each, one
    a prefix of the other. Two replicas that loaded the same data at other
    times have other versions and the same content."""
    ca, cb = _dataset_content(a or ""), _dataset_content(b or "")
    if len(ca) < 12 or len(cb) < 12:
        return False
    n = min(len(ca), len(cb))
    return ca[:n] == cb[:n]


class _VersionPin:
    """The dataset version an overlay's answers are held to: ``required``,
    else the first answer's. The sending thread waits on it before a
    message to any server but the first."""

    def __init__(self, required):
        self._cond = threading.Condition()
        self.version = required or ""
        self._source = "require_version" if required else ""
        self._abandoned = False

    def hold(self, version, server):
        with self._cond:
            if not self.version:
                self.version, self._source = version, f"the first answer, from {server}"
                self._cond.notify_all()
                return
            if version == self.version or same_dataset(version, self.version):
                return
            raise RedlineError(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"dataset version {self.version} required ({self._source}); the server at "
                f"{server} answered from {version}: stopped, so that no results from two "
                "datasets are mixed")

    def wait(self):
        """The pinned version once known; None if the overlay ended first."""
        with self._cond:
            self._cond.wait_for(lambda: self.version or self._abandoned)
            return self.version or None

    def abandon(self):
        with self._cond:
            self._abandoned = True
            self._cond.notify_all()


class RedlineClient:
    """A connection to one Redline server, or to replicas of one.

    Thread-safe: one client may be shared by many threads (gRPC channels
    are). Use it as a context manager, or call :meth:`close`.

    Args:
        target: ``HOST:PORT`` of the server; or replicas as
            ``"a:1,b:2,c:3"``: calls are then spread round-robin over those
            whose health says SERVING, and the checks (not overlays, not
            Reload) are retried on another replica when one is unavailable;
            the overlays (:meth:`overlay_points`, :meth:`overlay_features`,
            :meth:`overlay_geodataframe`) spread their batches over all of
            them, one stream per server, results in input order, all from one
            dataset version (the first answer's).
        timeout: deadline of each call, in seconds (not of the overlay
            streams: see :meth:`overlay_points`).
        options: extra gRPC channel options, e.g.
            ``[("grpc.max_send_message_length", 64 << 20)]``. The receive
            limit defaults to 256 MiB, for overlay answers.
        tls_ca: PEM file of the CA that signed the server's certificate: the
            connection is then TLS (without it, plain text).
        tls_cert, tls_key: PEM files of this client's certificate and key,
            for a server that asks for one (mutual TLS); with ``tls_ca``.
        token: the bearer token sent with every call (a server started with
            ``--tokens``); or ``token_file``, a file holding it; without
            either, the environment variable ``REDLINE_TOKEN`` if set.
    """

    def __init__(self, target="127.0.0.1:50051", timeout=10, options=None, tls_ca=None,
                 token=None, token_file=None, tls_cert=None, tls_key=None):
        self.target = target
        self.timeout = timeout
        self._targets = _split_targets(target)
        base_options = {"grpc.max_receive_message_length": _MAX_ANSWER_BYTES}
        base_options.update(options or [])
        channel_options = dict(base_options)
        if target.startswith("dns:"):  # every address of a name: balanced as a list
            channel_options.update({"grpc.service_config": _REPLICA_SERVICE_CONFIG,
                                    "grpc.enable_retries": 1})
        elif "," in target:
            target, replica_options, first_host = _replica_target(target)
            channel_options.update(replica_options)
            if tls_ca is not None:  # certificates name hosts, not addresses
                channel_options["grpc.ssl_target_name_override"] = first_host
            channel_options.update(options or [])
        token = _token(token, token_file)
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("redline_client: tls_cert and tls_key go together")
        if tls_cert is not None and tls_ca is None:
            raise ValueError("redline_client: a client certificate needs tls_ca too")
        credentials = None
        if tls_ca is not None:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read_file(tls_ca, "CA file"),
                private_key=_read_file(tls_key, "key") if tls_key else None,
                certificate_chain=_read_file(tls_cert, "certificate") if tls_cert else None)

        def open_channel(address, opts):
            if credentials is not None:
                raw = grpc.secure_channel(address, credentials, options=list(opts.items()))
            else:
                raw = grpc.insecure_channel(address, options=list(opts.items()))
            return raw, (grpc.intercept_channel(raw, _BearerToken(token)) if token else raw)

        # Unary calls: one channel, round-robin over the replicas of a list.
        self._raw_channel, self._channel = open_channel(target, channel_options)
        self._stub = pb_grpc.RedlineStub(self._channel)
        # The overlays' fan-out: a stream per server, so a channel per server
        # (the version pin names the server each answer came from).
        self._fanout = [(self._targets[0], self._stub)]
        self._fanout_raw = []
        if len(self._targets) > 1:
            self._fanout = []
            for address in self._targets:
                raw, channel = open_channel(address, base_options)
                self._fanout_raw.append(raw)
                self._fanout.append((address, pb_grpc.RedlineStub(channel)))

    def close(self):
        self._raw_channel.close()
        for raw in self._fanout_raw:
            raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, method, request):
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as e:
            raise RedlineError(e.code(), e.details()) from None

    @staticmethod
    def _siting(purpose, outfall_type=None, action=None):
        s = pb.Siting(purpose=_purpose(purpose))
        if outfall_type is not None:
            s.outfall_type = (outfall_type if isinstance(outfall_type, int) else
                              pb.Siting.OutfallType.Value(str(outfall_type).upper()))
        if action is not None:
            s.action = (action if isinstance(action, int) else
                        pb.Siting.Action.Value(str(action).upper()))
        return s

    @classmethod
    def _options(cls, purpose, radius_m, layers, outfall_type, action, as_of=None,
                 include_intersection=False, include_zone_geometry=False, hits_only=False,
                 strict_geometry=False, require_version=None):
        """The ``CheckOptions`` every request kind carries."""
        return pb.CheckOptions(
            siting=cls._siting(purpose, outfall_type, action), search_radius_m=radius_m or 0,
            layers=list(layers or []), as_of=as_of or "",
            include_intersection=include_intersection,
            include_zone_geometry=include_zone_geometry, hits_only=hits_only,
            strict_geometry=strict_geometry, require_version=require_version or "")

    def check_point(self, lon, lat, crs=DEFAULT_CRS, purpose=None, radius_m=None,
                    layers=None, outfall_type=None, action=None, as_of=None,
                    include_intersection=False, hits_only=False, require_version=None):
        """Which zones does a point fall in?

        Args:
            lon, lat: longitude and latitude, or easting and northing in a
                projected ``crs`` (always x first).
            crs: e.g. ``"EPSG:4490"`` (default) or ``"EPSG:4549"``.
            purpose: what is sited, by name, case-insensitive: ``"outfall"``,
                ``"discharging_project"``, ... (see ``Siting.Purpose``); None
                gives a ``NEEDS_PURPOSE`` verdict when zones are hit.
            radius_m: search radius for nearby zones; None: the server's default.
            layers: only these layer names; None: all layers.
            outfall_type, action: ``"river"``/``"sea"``/``"rainwater"`` and
                ``"new"``/``"expanded"``/``"rebuilt"``.
            as_of: ``"YYYY-MM-DD"``: the zones in force on that day; None: today.
            include_intersection: set each hit's ``intersection_wkb`` (for a
                point, the point itself).
            hits_only: only where the point lies (a spatial join): hits and
                relations, no verdict, rules or nearby zones; not a siting
                decision, since setbacks need the whole check.
            require_version: answer only from this dataset version or content
                hash (``list_layers().dataset_version`` / ``.content_hash``;
                a replica holding the same data loaded at another time
                matches); a server holding other data refuses with
                FAILED_PRECONDITION naming what it holds.

        Returns:
            ``redline.v1.CheckResponse``.

        Raises:
            RedlineError: INVALID_ARGUMENT for bad input (swapped axes,
                unknown CRS, unknown layer, NaN), UNAVAILABLE when the server
                cannot be reached, FAILED_PRECONDITION for another dataset
                than ``require_version``, ...
            ValueError: an unknown purpose name.
        """
        request = pb.CheckPointRequest(
            x=lon, y=lat, crs=crs or "",
            options=self._options(purpose, radius_m, layers, outfall_type, action, as_of,
                                  include_intersection=include_intersection,
                                  hits_only=hits_only, require_version=require_version))
        return self._call(self._stub.CheckPoint, request)

    def check_geometry(self, wkt=None, geojson=None, wkb=None, crs=DEFAULT_CRS,
                       purpose=None, radius_m=None, layers=None,
                       outfall_type=None, action=None, coordinate_table=None,
                       include_intersection=False, as_of=None, hits_only=False,
                       strict_geometry=False, require_version=None):
        """Which zones does a site (polygon or line) touch, and how much of it?

        Give exactly one of ``wkt`` (str), ``geojson`` (a GeoJSON geometry
        object as str, or a dict), ``wkb`` (bytes) or ``coordinate_table``
        (a survey table as text: "number, X, Y" per line; ``crs`` may then be
        "GK" to have the Gauss-Kruger zone detected). The other arguments are
        as for :meth:`check_point`; ``include_intersection`` returns each
        hit's part of the site as WKB; ``hits_only`` keeps the site and the
        hits (with overlaps) and drops rules, nearby zones and the verdict.
        An invalid polygon (a self-intersecting ring, say) is made valid as
        the server makes invalid zones valid, and the response says so
        (``site.geometry_repaired`` and a note in ``site.coordinates.notes``);
        ``strict_geometry`` refuses it instead (INVALID_ARGUMENT).
        ``require_version`` as for :meth:`check_point`.

        Returns:
            ``redline.v1.CheckResponse`` (hits carry relation, overlap area
            in m² and overlap ratio).
        """
        given = [v is not None for v in (wkt, geojson, wkb, coordinate_table)]
        if sum(given) != 1:
            raise ValueError("give exactly one of wkt, geojson, wkb or coordinate_table")
        geometry = pb.Geometry(crs=crs or "")
        if wkt is not None:
            geometry.wkt = wkt
        elif coordinate_table is not None:
            geometry.coordinate_table = coordinate_table
        elif geojson is not None:
            if not isinstance(geojson, str):
                geojson = json.dumps(geojson)
            geometry.geojson = geojson
        else:
            geometry.wkb = bytes(wkb)
        request = pb.CheckGeometryRequest(
            geometry=geometry,
            options=self._options(purpose, radius_m, layers, outfall_type, action, as_of,
                                  include_intersection=include_intersection,
                                  hits_only=hits_only, strict_geometry=strict_geometry,
                                  require_version=require_version))
        return self._call(self._stub.CheckGeometry, request)

    def overlay_points(self, xs, ys=None, crs=DEFAULT_CRS, purpose=None, radius_m=None,
                       layers=None, outfall_type=None, action=None, batch_size=_POINT_BATCH,
                       hits_only=False, include_intersection=False, timeout=None,
                       require_version=None):
        """Checks many points in one ``Overlay`` stream; one result per point, in order.

        The points go in columnar batches of ``batch_size`` (``PointColumns``),
        all answered from one dataset version. Nothing is read before the
        first result is asked for; the input is read in gRPC's sending thread
        as the server takes batches in, and at most a few batches are held
        at a time, so an input of millions of points may be a generator.

            for r in client.overlay_points(zip(lons, lats), purpose="outfall"):
                print(r.index, r.error or pb.Verdict.Name(r.verdict),
                      [h.zone_id for h in r.hits])

        Args:
            xs, ys: the x (longitude or easting) and y values, two iterables
                of the same length; or, with ``ys`` left out, ``xs`` an
                iterable of (x, y) pairs.
            crs, purpose, radius_m, layers, outfall_type, action: as for
                :meth:`check_point`, for every point.
            batch_size: points per request message. A message must stay
                within the server's ``max_request_bytes`` (16 bytes a point).
            hits_only: only where each point lies (a spatial join): hits and
                relations, no verdict, rules or nearby zones. Much less work for
                the server; not a siting decision, since setbacks need the
                whole check.
            include_intersection: set ``PointResult.intersection`` on points
                with hits.
            timeout: deadline of the whole stream, in seconds; None (the
                default) sets none, as a large overlay outlasts the client's
                per-call ``timeout``.
            require_version: as for :meth:`check_point`. Without it the
                version of the first answer is pinned: with several servers
                (``target="a,b,c"``: a stream each, batches round-robin,
                results in input order) every message to the others carries
                it, and an answer from other data stops the overlay with
                FAILED_PRECONDITION naming both versions, before any of its
                results is yielded.

        Returns:
            A generator of :class:`PointResult`. A point that cannot be checked
            (NaN, out of range, unknown CRS or layer) gets its ``error``; the
            others go on. Closing the generator early cancels the stream.

        Raises:
            ValueError: at once for a bad ``batch_size``, an unknown purpose,
                or xs and ys of different ``len()``; when reached (after the
                results of the batches before it), for an item that is not an
                (x, y) pair or iterables that run out apart.
            TypeError: when reached, for a coordinate that is not a number.
            RedlineError: the stream failed as a whole (UNAVAILABLE,
                DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED for a batch over the
                server's limit, ...).
        """
        _check_batch_size(batch_size)
        if ys is not None and hasattr(xs, "__len__") and hasattr(ys, "__len__"):
            if len(xs) != len(ys):
                raise ValueError(f"xs has {len(xs)} values and ys {len(ys)}: give one y per x")
        options = self._options(purpose, radius_m, layers, outfall_type, action,
                                include_intersection=include_intersection,
                                hits_only=hits_only, require_version=require_version)
        return self._overlay(_point_batches(xs, ys, crs, options, batch_size),
                             lambda: _PointDecoder().decode, timeout)

    def overlay_features(self, features, crs=DEFAULT_CRS, purpose=None, radius_m=None,
                         layers=None, outfall_type=None, action=None,
                         batch_size=_FEATURE_BATCH, hits_only=False,
                         include_intersection=False, timeout=None, strict_geometry=False,
                         require_version=None):
        """Checks many sites (polygons, lines, any geometry) in one ``Overlay`` stream.

        Each feature gets the answer :meth:`check_geometry` would give it,
        from one dataset version for the whole stream, in input order. Read
        lazily, as in :meth:`overlay_points`. A message holds ``batch_size``
        features, or fewer once their geometries reach 1 MiB.

        Args:
            features: an iterable of ``(id, geometry)`` pairs, GeoJSON
                Feature dicts (``id`` and ``geometry`` are used) or
                ``pb.OverlayFeature`` messages. A geometry is WKT or GeoJSON
                text, a GeoJSON dict, WKB bytes, or a ``pb.Geometry`` (for a
                coordinate table); ``crs`` applies where it names none. The id
                comes back in ``FeatureResult.id``.
            The others as for :meth:`overlay_points`; ``hits_only`` keeps the
            site and the hits (with overlaps) of each response and drops
            rules, nearby zones and the verdict; ``include_intersection``
            fills ``ZoneHit.intersection_wkb``; ``strict_geometry`` as for
            :meth:`check_geometry` (an invalid polygon then gets its ``error``);
            ``require_version`` and several servers as for :meth:`overlay_points`.

        Returns:
            A generator of :class:`FeatureResult`. A bad feature (malformed,
            no geometry, swapped axes) gets its ``error``; the others go on.

        Raises:
            ValueError: at once as in :meth:`overlay_points`; when reached
                (after the results of the batches before it), for an item of
                no known form. TypeError: likewise for a geometry of no known
                type.
            RedlineError: the stream failed as a whole.
        """
        _check_batch_size(batch_size)
        options = self._options(purpose, radius_m, layers, outfall_type, action,
                                include_intersection=include_intersection,
                                hits_only=hits_only, strict_geometry=strict_geometry,
                                require_version=require_version)
        return self._overlay(_feature_batches(features, crs, options, batch_size),
                             lambda: _decode_features, timeout)

    def overlay_geodataframe(self, gdf, purpose=None, radius_m=None, layers=None,
                             outfall_type=None, action=None, hits_only=False, id_column=None,
                             strict=False, timeout=None, require_version=None):
        """Overlays every feature of a GeoDataFrame; returns the rows `redline overlay` writes.

        The result is a GeoDataFrame with the input's columns (an input
        column named as one of ours becomes ``in_<name>``, as in the CLI),
        then :data:`OVERLAY_COLUMNS` in that order (``input_id``,
        ``zone_layer``, ``zone_kind``, ``zone_id``, ..., ``near_*``,
        ``geometry_repaired``, ``dataset_version``, ``error``): one row per
        feature x zone hit, and one row for a feature without hits or with an
        error. Text columns hold None where the CLI writes null, number
        columns NaN. Each row keeps its input row's index label and
        geometry, in the input's CRS (``gdf.crs``).

            import geopandas
            sites = geopandas.read_file("outfalls.gpkg")        # any CRS
            rows = client.overlay_geodataframe(sites, purpose="outfall",
                                               id_column="code")
            rows[rows.verdict == "PROHIBITED"][["code", "zone_id", "rules"]]

        When every geometry is a non-empty Point, they go in columns
        (:meth:`overlay_points`, cheap per point); otherwise each feature goes
        as WKB (:meth:`overlay_features`), and a missing geometry gets an
        error row. The CRS sent is ``gdf.crs``: ``EPSG:n`` when it has an
        EPSG code, else its WKT. A GeoDataFrame without a CRS is refused:
        no default is assumed, since a wrong one misplaces every feature.

        Needs ``geopandas`` (Debian's ``python3-geopandas``), imported only
        here: the rest of the client works without it.

        Args:
            gdf: a ``geopandas.GeoDataFrame`` with a CRS.
            purpose, radius_m, layers, outfall_type, action, hits_only,
                timeout, require_version: as for :meth:`overlay_points` (and
                several servers too).
            id_column: the column whose text becomes ``input_id`` (and the
                feature id sent); None: the index label.
            strict: refuse an invalid polygon (an error row naming the
                fault) instead of having it made valid
                (``CheckOptions.strict_geometry``).

        Returns:
            ``geopandas.GeoDataFrame``; the whole input is answered before it
            returns (for inputs larger than memory, use :meth:`overlay_points`
            or :meth:`overlay_features`, which stream).

        Raises:
            ValueError: no CRS, an unknown ``id_column`` or purpose.
            TypeError: ``gdf`` is not a GeoDataFrame.
            RedlineError: the stream failed as a whole.
        """
        import geopandas  # lazily: the client works without it

        if not isinstance(gdf, geopandas.GeoDataFrame):
            raise TypeError(f"overlay_geodataframe takes a geopandas.GeoDataFrame, not "
                            f"{type(gdf).__name__}")
        crs = _crs_text(gdf)
        ids = _input_ids(gdf, id_column)
        options = self._options(purpose, radius_m, layers, outfall_type, action,
                                hits_only=hits_only, strict_geometry=strict,
                                require_version=require_version)
        geometries = gdf.geometry
        if _as_points(geometries):
            batches = _point_batches(geometries.x.tolist(), geometries.y.tolist(), crs, options,
                                     _POINT_BATCH)
            results = self._overlay(batches, lambda: _PointDecoder().decode, timeout)
        else:
            import shapely.wkb
            features = ((fid, None if g is None else shapely.wkb.dumps(g, output_dimension=2))
                        for fid, g in zip(ids, geometries))
            results = self._overlay(_feature_batches(features, crs, options, _FEATURE_BATCH),
                                    lambda: _decode_features, timeout)
        positions, rows = [], []
        for result in results:
            for cells in _result_rows(result, ids[result.index]):
                positions.append(result.index)
                rows.append(cells)
        return _overlay_frame(gdf, positions, rows)

    def _overlay(self, batches, new_decoder, timeout):
        """Streams the requests of `batches` ((request, carried) pairs) and yields
        what `decode(result, carried)` makes of each answer, in order
        (`new_decoder()` makes a decode: one per stream, which keeps the
        stream's zone and rule tables).

        The server answers each request message with one result, in order, so
        a queue of what each sent batch carried pairs them up. With several
        servers, _overlay_spread.
        """
        if len(self._fanout) > 1:
            yield from self._overlay_spread(batches, new_decoder, timeout)
            return
        decode = new_decoder()
        sent = collections.deque()
        room = threading.Semaphore(_BATCHES_IN_FLIGHT)
        closing = threading.Event()
        failed = []  # what went wrong making the requests, to raise here

        def requests():
            # Runs in gRPC's sending thread, which asks for the next message
            # only once the last one is sent: flow control reaches the input.
            try:
                for request, carried in batches:
                    room.acquire()
                    if closing.is_set():
                        return
                    sent.append(carried)
                    yield request
            except Exception as e:  # noqa: BLE001 -- gRPC would log it and say only UNKNOWN
                failed.append(e)  # ends the stream; the batches sent are still answered

        call = self._stub.Overlay(requests(), timeout=timeout)
        try:
            for result in call:
                carried = sent.popleft()
                room.release()
                yield from decode(result, carried)
        except grpc.RpcError as e:
            raise RedlineError(e.code(), e.details()) from None
        finally:
            closing.set()
            room.release()  # a sender waiting for room sees `closing`
            call.cancel()
        if failed:
            raise failed[0]

    def _overlay_spread(self, batches, new_decoder, timeout):
        """_overlay over every server: batch b goes to stream b % n, and the
        answers are read in the same order, so they come back in input
        order. A batch for any stream but the first waits until the first
        answer pinned the dataset version (or require_version did), and
        every batch sent after that carries it; every answer is held to it.
        """
        n = len(self._fanout)
        pin = _VersionPin("")
        lanes = [queue.Queue(maxsize=_BATCHES_IN_FLIGHT) for _ in range(n)]
        sent = [collections.deque() for _ in range(n)]
        closing = threading.Event()
        failed = []  # what went wrong making the requests, to raise here

        def put(k, item):
            # Gives up once the overlay is closing (its reader is gone).
            while not closing.is_set():
                try:
                    lanes[k].put(item, timeout=0.1)
                    return True
                except queue.Full:
                    pass
            return False

        def dispatch():
            try:
                for b, (request, carried) in enumerate(batches):
                    k = b % n
                    if pin.version or k != 0:
                        version = pin.version or pin.wait()
                        if version is None:
                            return
                        request.options.require_version = version
                    sent[k].append(carried)
                    if not put(k, request):
                        return
            except Exception as e:  # noqa: BLE001 -- raised in the reading thread
                failed.append(e)
            finally:
                for k in range(n):
                    put(k, None)

        def requests(k):
            # In gRPC's sending thread of call k; ends with the overlay.
            while not closing.is_set():
                try:
                    request = lanes[k].get(timeout=0.1)
                except queue.Empty:
                    continue
                if request is None:
                    return
                yield request

        calls = [stub.Overlay(requests(k), timeout=timeout)
                 for k, (_, stub) in enumerate(self._fanout)]
        feeder = threading.Thread(target=dispatch, daemon=True)
        feeder.start()
        decoders = [new_decoder() for _ in range(n)]
        try:
            for b in itertools.count():
                k = b % n
                address = self._fanout[k][0]
                try:
                    result = next(calls[k])
                except StopIteration:
                    break
                except grpc.RpcError as e:
                    raise RedlineError(e.code(), f"the server at {address}: {e.details()}") \
                        from None
                pin.hold(result.dataset_version, address)
                # One version in the results, the pinned one: the same
                # content (held above), loaded there at another moment.
                result.dataset_version = pin.version
                yield from decoders[k](result, sent[k].popleft())
        finally:
            closing.set()
            pin.abandon()
            for call in calls:
                call.cancel()
        if failed:
            raise failed[0]

    def list_layers(self):
        """The loaded layers, their load reports and the dataset version.

        Returns:
            ``redline.v1.ListLayersResponse``.
        """
        return self._call(self._stub.ListLayers, pb.ListLayersRequest())

    def compare_versions(self, from_version, to_version="", include_geometry=False):
        """What changed between two versions of the zones the server holds.

        Args:
            from_version: a ``dataset_version`` the server still holds (the current one
                or one of the last ``keep_versions``).
            to_version: another one; ``""`` (the default) for the current version.
            include_geometry: fill the changes' WKB (EPSG:4490): the zone before and
                after and the parts gained and lost.

        Returns:
            ``redline.v1.CompareVersionsResponse``: ``changes`` (added, removed,
            reshaped with ``gained_m2`` / ``lost_m2``, attributes, renamed),
            ``unchanged`` and ``totals`` per layer, kind and level.

        Raises:
            RedlineError: ``OUT_OF_RANGE`` for a version the server no longer holds
                (the message names those it holds).
        """
        return self._call(self._stub.CompareVersions, pb.CompareVersionsRequest(
            from_version=from_version, to_version=to_version,
            include_geometry=include_geometry))

    def health(self, service=""):
        """The server's health (grpc.health.v1): ``"SERVING"``, ``"NOT_SERVING"``, ...

        Args:
            service: ``""`` for the whole server, or ``"redline.v1.Redline"``.
        """
        request_cls, response_cls = _health_messages()
        check = self._channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=request_cls.SerializeToString,
            response_deserializer=response_cls.FromString)
        response = self._call(check, request_cls(service=service))
        return response_cls.ServingStatus.Name(response.status)


def _overlay_frame(gdf, positions, rows):
    """The input rows at `positions`, renamed where they clash, with the overlay columns."""
    out = gdf.take(positions)
    ours = {name.lower() for name, _ in OVERLAY_COLUMNS}
    geometry_name = gdf.geometry.name
    clashes = {c: f"in_{c}" for c in out.columns
               if c != geometry_name and isinstance(c, str) and c.lower() in ours}
    if clashes:
        out = out.rename(columns=clashes)
    import numpy as np
    columns = list(zip(*rows)) if rows else [()] * len(OVERLAY_COLUMNS)
    for (name, real), values in zip(OVERLAY_COLUMNS, columns):
        if real:
            out[name] = np.array([np.nan if v is None else v for v in values], dtype="float64")
        else:
            out[name] = np.array(values, dtype=object)
    return out
