#!/usr/bin/python3
"""A small Python client for a Redline server (redline.v1 over gRPC).

Redline tells which protected zones (ecological red lines, drinking-water
source protection zones, zero-direct-discharge zones) a place touches, and
what the law then allows there.

    from redline_client import RedlineClient, RedlineError

    with RedlineClient("127.0.0.1:50051") as client:
        r = client.check_point(121.069788, 29.970780, purpose="outfall")
        print(r.verdict, [h.zone_id for h in r.hits], r.dataset_version)

Requirements: Debian's ``/usr/bin/python3`` with ``python3-grpcio`` and
``python3-protobuf``, and the stubs generated from
``proto/redline/v1/redline.proto`` (``make build`` writes them to
``build/python``). The stubs are found through the environment variable
``REDLINE_PY_STUBS`` (a folder holding ``redline/v1/redline_pb2.py``), else in
``<repo>/build/python`` relative to this file.

Coordinates are longitude first (x = longitude or easting) in every CRS. The
methods return the protobuf response messages unchanged; every failure of a
call raises :class:`RedlineError` carrying the gRPC status code and message.
"""

import os
import sys

import grpc


def _stub_dir():
    env = os.environ.get("REDLINE_PY_STUBS")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
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

__all__ = ["RedlineClient", "RedlineError", "pb", "DEFAULT_CRS"]

DEFAULT_CRS = "EPSG:4490"


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


class RedlineClient:
    """A connection to one Redline server.

    Thread-safe: one client may be shared by many threads (gRPC channels
    are). Use it as a context manager, or call :meth:`close`.

    Args:
        target: ``HOST:PORT`` of the server.
        timeout: deadline of each call, in seconds.
        options: extra gRPC channel options, e.g.
            ``[("grpc.max_send_message_length", 64 << 20)]``.
    """

    def __init__(self, target="127.0.0.1:50051", timeout=10, options=None):
        self.target = target
        self.timeout = timeout
        self._channel = grpc.insecure_channel(target, options=options or [])
        self._stub = pb_grpc.RedlineStub(self._channel)

    def close(self):
        self._channel.close()

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

    def check_point(self, lon, lat, crs=DEFAULT_CRS, purpose=None, radius_m=None,
                    layers=None, outfall_type=None, action=None):
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

        Returns:
            ``redline.v1.CheckResponse``.

        Raises:
            RedlineError: INVALID_ARGUMENT for bad input (swapped axes,
                unknown CRS, unknown layer, NaN), UNAVAILABLE when the server
                cannot be reached, ...
            ValueError: an unknown purpose name.
        """
        request = pb.CheckPointRequest(
            x=lon, y=lat, crs=crs or "",
            siting=self._siting(purpose, outfall_type, action),
            search_radius_m=radius_m or 0, layers=list(layers or []))
        return self._call(self._stub.CheckPoint, request)

    def check_geometry(self, wkt=None, geojson=None, wkb=None, crs=DEFAULT_CRS,
                       purpose=None, radius_m=None, layers=None,
                       outfall_type=None, action=None, coordinate_table=None,
                       include_intersection=False):
        """Which zones does a site (polygon or line) touch, and how much of it?

        Give exactly one of ``wkt`` (str), ``geojson`` (a GeoJSON geometry
        object as str, or a dict), ``wkb`` (bytes) or ``coordinate_table``
        (a survey table as text: "number, X, Y" per line; ``crs`` may then be
        "GK" to have the Gauss-Kruger zone detected). The other arguments are
        as for :meth:`check_point`; ``include_intersection`` returns each
        hit's part of the site as WKB.

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
                import json
                geojson = json.dumps(geojson)
            geometry.geojson = geojson
        else:
            geometry.wkb = bytes(wkb)
        request = pb.CheckGeometryRequest(
            geometry=geometry, siting=self._siting(purpose, outfall_type, action),
            search_radius_m=radius_m or 0, layers=list(layers or []),
            include_intersection=include_intersection)
        return self._call(self._stub.CheckGeometry, request)

    def list_layers(self):
        """The loaded layers, their load reports and the dataset version.

        Returns:
            ``redline.v1.ListLayersResponse``.
        """
        return self._call(self._stub.ListLayers, pb.ListLayersRequest())

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
