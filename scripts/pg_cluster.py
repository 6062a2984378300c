#!/usr/bin/python3
"""A private, throw-away PostgreSQL 15 + PostGIS cluster for tests and benchmarks.

    from pg_cluster import PgCluster

    with PgCluster() as pg:                     # initdb, start, CREATE EXTENSION postgis
        pg.psql("SELECT postgis_full_version()")
        pg.load("data/sample/water_source.gpkg", "water_source")   # ogr2ogr
        print(pg.gdal)    # PG:host=127.0.0.1 port=N dbname=redline user=postgres
    # on exit: pg_ctl stop -m fast, data directory removed (also on errors)

The cluster listens on 127.0.0.1 on a free port, with its Unix socket in its own
temporary directory; nothing is shared with a system cluster. PostgreSQL
refuses to run as root: as root, initdb and pg_ctl run as the `postgres` OS
user (created by Debian's postgresql package) through `runuser`, and the
temporary directory is given to that user. As any other user they run as
that user. The database superuser is always `postgres`.

Authentication: `trust` for local and host connections; with `password=...`
host connections (the only kind a connection string with host=127.0.0.1
makes) use scram-sha-256 and the role `postgres` gets that password.

As a command:

    eval "$(scripts/pg_cluster.py start)"     # exports REDLINE_PG_DIR, REDLINE_PG
    psql "$REDLINE_PG_CONNINFO" -c 'SELECT 1'
    ogrinfo "$REDLINE_PG"
    scripts/pg_cluster.py stop "$REDLINE_PG_DIR"

Needs Debian's postgresql-15 and postgresql-15-postgis-3 (scripts/deps.sh
installs them), gdal-bin for `load`, and python3-yaml for `load_config`.
Override the binaries' folder with env PG_BINDIR.
"""

import argparse
import json
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

DEFAULT_BINDIR = "/usr/lib/postgresql/15/bin"
DB_USER = "postgres"
STATE_FILE = "cluster.json"


class PgClusterError(RuntimeError):
    pass


def _bindir():
    d = os.environ.get("PG_BINDIR") or DEFAULT_BINDIR
    if not os.access(os.path.join(d, "initdb"), os.X_OK):
        raise PgClusterError(
            f"no PostgreSQL server binaries in {d} (initdb missing): install Debian's "
            "postgresql-15 and postgresql-15-postgis-3 (scripts/deps.sh does), or set "
            "PG_BINDIR to the folder holding initdb and pg_ctl")
    return d


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _os_user():
    """(name, uid, gid) the server runs as: `postgres` when we are root."""
    if os.geteuid() != 0:
        pw = pwd.getpwuid(os.geteuid())
        return pw.pw_name, pw.pw_uid, pw.pw_gid
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        raise PgClusterError(
            "running as root and there is no `postgres` OS user to run PostgreSQL as "
            "(PostgreSQL refuses to run as root): install Debian's postgresql package, "
            "which creates it") from None
    return pw.pw_name, pw.pw_uid, pw.pw_gid


def _quote_conninfo(value):
    value = str(value)
    if value and all(c.isalnum() or c in "._-/:" for c in value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class PgCluster:
    """One private PostgreSQL cluster with a PostGIS database; a context manager.

    Attributes after start():
        port: the TCP port on 127.0.0.1.
        conninfo: libpq connection string ("host=127.0.0.1 port=N dbname=... user=postgres
            [password=...]"), for psql and ogr2ogr.
        gdal: the same prefixed with "PG:", for GDAL and Redline configs.
        dir: the temporary folder (data directory, socket, log) removed by stop().
    """

    def __init__(self, dbname="redline", password=None, start_timeout_s=60):
        self.dbname = dbname
        self.password = password
        self.start_timeout_s = start_timeout_s
        self.port = None
        self.dir = None
        self._started = False

    # --- paths and connection strings ---
    @property
    def data_dir(self):
        return os.path.join(self.dir, "data")

    @property
    def log_file(self):
        return os.path.join(self.dir, "postgresql.log")

    @property
    def conninfo(self):
        return self._conninfo(self.dbname)

    def _conninfo(self, dbname):
        parts = [f"host=127.0.0.1 port={self.port} dbname={_quote_conninfo(dbname)} "
                 f"user={DB_USER}"]
        if self.password is not None:
            parts.append(f"password={_quote_conninfo(self.password)}")
        return " ".join(parts)

    @property
    def gdal(self):
        return "PG:" + self.conninfo

    def env(self):
        """Environment for libpq clients: no stray PG* settings, no password prompt."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        env["PGCONNECT_TIMEOUT"] = "10"
        env["PGCLIENTENCODING"] = "UTF8"
        return env

    # --- running things ---
    def _as_server_user(self, cmd, **kw):
        name, uid, _ = _os_user()
        if os.geteuid() == 0 and uid != 0:
            cmd = ["runuser", "-u", name, "--", *cmd]
        # A cwd the server user can enter (root's cwd may be closed to it).
        return subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True, **kw)

    def _check(self, proc, what):
        if proc.returncode != 0:
            log = ""
            if self.dir and os.path.exists(self.log_file):
                with open(self.log_file, errors="replace") as f:
                    log = f.read()[-4000:]
            raise PgClusterError(f"{what} failed with status {proc.returncode}:\n"
                                 f"{proc.stdout}{proc.stderr}{log}")
        return proc

    # --- life cycle ---
    def start(self):
        bindir = _bindir()
        _, uid, gid = _os_user()
        self.dir = tempfile.mkdtemp(prefix="redline-pg-")
        try:
            os.chown(self.dir, uid, gid)
            initdb = [os.path.join(bindir, "initdb"), "-D", self.data_dir, "-U", DB_USER,
                      "-E", "UTF8", "--locale=C.UTF-8", "--auth-local=trust", "--no-sync"]
            if self.password is not None:
                pwfile = os.path.join(self.dir, "pwfile")
                with open(pwfile, "w") as f:
                    f.write(self.password + "\n")
                os.chown(pwfile, uid, gid)
                os.chmod(pwfile, 0o600)
                initdb += ["--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
            else:
                initdb += ["--auth-host=trust"]
            self._check(self._as_server_user(initdb, timeout=120), "initdb")
            if self.password is not None:
                os.unlink(os.path.join(self.dir, "pwfile"))
            # A free port can be taken between the probe and the bind: retry.
            for attempt in range(5):
                self.port = _free_port()
                opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                        f"-c unix_socket_directories={self.dir} "
                        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
                p = self._as_server_user(
                    [os.path.join(bindir, "pg_ctl"), "-D", self.data_dir, "-l", self.log_file,
                     "-o", opts, "-w", "-t", str(self.start_timeout_s), "start"],
                    timeout=self.start_timeout_s + 30)
                if p.returncode == 0:
                    break
                with open(self.log_file, errors="replace") as f:
                    in_use = "Address already in use" in f.read()
                if not in_use or attempt == 4:
                    self._check(p, "pg_ctl start")
            self._started = True
            self._write_state()
            self._create_database()
        except BaseException:
            self.stop()
            raise
        return self

    def _create_database(self):
        self.psql(f'CREATE DATABASE "{self.dbname}"', dbname="postgres")
        self.psql("CREATE EXTENSION postgis")

    def _write_state(self):
        path = os.path.join(self.dir, STATE_FILE)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump({"port": self.port, "dbname": self.dbname,
                       "password": self.password}, f)

    @classmethod
    def attach(cls, folder):
        """The cluster a `start` command left running in `folder`."""
        with open(os.path.join(folder, STATE_FILE)) as f:
            state = json.load(f)
        c = cls(dbname=state["dbname"], password=state.get("password"))
        c.port, c.dir, c._started = state["port"], os.path.abspath(folder), True
        return c

    def stop(self):
        """Stops the server (fast shutdown) and removes the temporary folder."""
        if self.dir is None:
            return
        try:
            if os.path.exists(os.path.join(self.data_dir, "postmaster.pid")):
                p = self._as_server_user(
                    [os.path.join(_bindir(), "pg_ctl"), "-D", self.data_dir, "-m", "fast",
                     "-w", "-t", "60", "stop"], timeout=90)
                if p.returncode != 0:
                    # Last resort: the postmaster's pid is the first line of its pid file.
                    try:
                        with open(os.path.join(self.data_dir, "postmaster.pid")) as f:
                            os.kill(int(f.readline()), 9)
                        time.sleep(1)
                    except (OSError, ValueError):
                        pass
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
            self._started = False

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # --- using it ---
    def psql(self, sql, timeout=600, check=True, dbname=None):
        """Runs `sql` (one or more statements, one session) with psql; returns its stdout.

        Output is unaligned, tuples only, fields separated by '|'.
        """
        bindir = _bindir()
        psql = os.path.join(bindir, "psql")
        if not os.access(psql, os.X_OK):
            psql = shutil.which("psql") or "psql"
        p = subprocess.run(
            [psql, "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1",
             "-d", self._conninfo(dbname or self.dbname), "-f", "-"],
            input=sql, capture_output=True, text=True, encoding="utf-8", errors="strict",
            env=self.env(), timeout=timeout)
        if check and p.returncode != 0:
            raise PgClusterError(f"psql failed ({p.returncode}) on:\n{sql}\n{p.stderr}")
        return p.stdout

    def scalar(self, sql, **kw):
        """The last non-empty output line of `sql`."""
        lines = [l for l in self.psql(sql, **kw).splitlines() if l.strip()]
        return lines[-1] if lines else None

    def load(self, source, table, src_layer=None, t_srs=None, open_options=(),
             extra=(), timeout=600):
        """Copies a vector layer into table `table` with ogr2ogr (replacing it).

        The geometry column is `geom`, of the generic type `geometry` (a
        Shapefile mixes Polygon and MultiPolygon under one declared type), with a
        GiST index; the CRS is kept unless `t_srs` is given; `open_options` are source open options, e.g.
        ["ENCODING=GBK"] for a Shapefile.
        """
        cmd = ["ogr2ogr", "-f", "PostgreSQL", self.gdal, source]
        if src_layer:
            cmd.append(src_layer)
        cmd += ["-nln", table, "-overwrite", "-lco", "GEOMETRY_NAME=geom",
                "-lco", "FID=fid", "-lco", "SPATIAL_INDEX=GIST", "-nlt", "GEOMETRY"]
        for o in open_options:
            cmd += ["-oo", o]
        if t_srs:
            cmd += ["-t_srs", t_srs]
        cmd += list(extra)
        p = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8",
                           errors="replace", env=self.env(), timeout=timeout)
        if p.returncode != 0:
            raise PgClusterError(f"ogr2ogr failed ({p.returncode}) loading {source} into "
                                 f"{table}:\n{p.stdout}{p.stderr}")
        return table

    def load_config(self, config_path, t_srs=None):
        """Loads every layer of a Redline YAML config into a table named as the layer.

        A layer's `encoding` becomes the ENCODING open option. Returns
        {layer name: table name}.
        """
        import yaml
        with open(config_path, encoding="utf-8") as f:
            cfg = yaml.safe_load(f)
        base = os.path.dirname(os.path.abspath(config_path))
        tables = {}
        for layer in cfg["layers"]:
            source = layer["source"]
            if not source.startswith("PG:"):
                source = os.path.normpath(os.path.join(base, source))
            oo = [f"ENCODING={layer['encoding']}"] if layer.get("encoding") else []
            extra = []
            if layer.get("srs"):  # the config overrides the source's CRS
                extra = ["-s_srs" if t_srs else "-a_srs", layer["srs"]]
            tables[layer["name"]] = self.load(source, layer["name"], layer.get("layer"),
                                              t_srs=t_srs, open_options=oo, extra=extra)
        return tables


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start", help="start a cluster; prints shell `export` lines")
    s.add_argument("--dbname", default="redline")
    s.add_argument("--password", default=None,
                   help="require this password on TCP connections (scram-sha-256)")
    s.add_argument("--load-config", metavar="YAML",
                   help="also load every layer of this Redline config (ogr2ogr)")
    s.add_argument("--t-srs", default=None, help="with --load-config: reproject, e.g. EPSG:4549")
    t = sub.add_parser("stop", help="stop the cluster in DIR and remove DIR")
    t.add_argument("dir")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "start":
            c = PgCluster(dbname=args.dbname, password=args.password).start()
            try:
                if args.load_config:
                    c.load_config(args.load_config, t_srs=args.t_srs)
            except BaseException:
                c.stop()
                raise
            print(f"export REDLINE_PG_DIR={shlex.quote(c.dir)}")
            print(f"export REDLINE_PG_CONNINFO={shlex.quote(c.conninfo)}")
            print(f"export REDLINE_PG={shlex.quote(c.gdal)}")
            print(f"# stop with: {shlex.quote(os.path.abspath(__file__))} stop {shlex.quote(c.dir)}")
        else:
            if not os.path.isfile(os.path.join(args.dir, STATE_FILE)):
                print(f"pg_cluster: {args.dir} holds no cluster started by pg_cluster.py "
                      f"(no {STATE_FILE})", file=sys.stderr)
                return 1
            PgCluster.attach(args.dir).stop()
    except PgClusterError as e:
        print(f"pg_cluster: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
