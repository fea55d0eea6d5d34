"""Turns bench/out/bench.json and bench/out/load.json into bench/RESULTS.md."""

import json
from pathlib import Path

PAGE_KINDS = ("page", "api", "internal")
# Issue 10's targets: warm req/s × the floor per database, with and without gzip.
WARM_TARGETS = {"sqlite": 0.9, "postgres": 0.7}
COLD_TARGET_16 = 100
COLD_TARGET_LARGE = 500
# Signed-in pages with their own cold targets (issue 10): the one-screen editor at the
# small N, rendered through Django's form templates, and the dashboard at the large N.
EDITOR = ("jobcenters:edit_jobcenter", 600)
DASHBOARD = ("reports:dashboard", 500)
# Warm runs: as browsers send (gzip) and as curl and scripts do (no Accept-Encoding).
WARM_RUNS = (("wrk", ""), ("wrk_plain", " without gzip"))
RSS_TARGET = 2.0
# Plain bodies from this size on are also measured against a floor sending as many bytes
# (bench/harness.py): what of a no-gzip shortfall is the bytes themselves.
SAME_BYTES_FLOOR_FROM = 128 * 1024


def _f(value, digits=1):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}".replace(",", " ")


def _ratio_rps(row, floor, run="wrk"):
    rps = (row.get(run) or {}).get("rps")
    return rps / floor["rps"] if rps and floor["rps"] else None


def _same_bytes_ratio(row):
    """No-gzip req/s of a big page × the floor sending as many bytes, or None."""
    rps = (row.get("wrk_plain") or {}).get("rps")
    floor_rps = (row.get("wrk_plain_floor") or {}).get("rps")
    return rps / floor_rps if rps and floor_rps else None


def _ratio_inproc(row, floor, mode="cold"):
    if not row.get("inproc") or not row["inproc"].get(mode):
        return None
    return row["inproc"][mode]["median_ms"] / floor["inproc"][mode]["median_ms"]


def _bytes(row):
    """Response size at this N (in process), else as found by discovery."""
    cold = (row.get("inproc") or {}).get("cold") or {}
    return cold.get("bytes") or row.get("bytes") or 0


def _first(row):
    status = row.get("first_status")
    if status == 200:
        return _f(row.get("first_ms"), 1)
    if isinstance(status, int):
        return f"{_f(row.get('first_ms'), 1)} (HTTP {status})"
    return str(status)


def config_table(config):
    floor = config["floor"]
    fl_in = floor["inproc"]
    runs = ", ".join(_f(r["rps"], 0) for r in floor["wrk_runs"])
    rss_floor = max(config["rss_floor_mb"] or [0])
    rss_all = max(config["rss_all_mb"] or [0])
    rss_ratio = rss_all / rss_floor if rss_floor else None
    lines = [
        f"### {config['db']}, N = {config['n']}",
        "",
        f"Floor `/bench/floor`: **{_f(floor['rps'], 0)} req/s** (runs at start and end: {runs}), "
        f"in process {_f(fl_in['cold']['median_ms'], 3)} ms, "
        f"{fl_in['cold']['queries']} queries. Worker RSS: {_f(rss_floor)} MB after the floor "
        f"alone, {_f(rss_all)} MB after every page (× {_f(rss_ratio, 2)}). "
        + (f"Seeding took {_f(config['seed_seconds'])} s. " if config.get("seed_seconds") else "")
        + f"Server: {config['server']}; wrk {config.get('duration', '?')} s per URL. "
        + "Load average (1 min, 2 cores) at start / end: "
        + " / ".join(_f(x, 1) for x in config.get("loadavg", [])),
        "",
        "| URL | kind | queries cold / warm | in-proc cold ms (× floor) "
        "| in-proc warm ms (× floor) | first HTTP request ms | req/s warm (× floor) "
        "| req/s warm, no gzip (× floor) | p50 / p99 ms | errors | size KB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in config["rows"]:
        inp = row.get("inproc") or {}
        cold, warm = inp.get("cold") or {}, inp.get("warm") or {}
        w = row.get("wrk") or {}
        lines.append(
            "| `{path}` | {kind} | {qc} / {qw} | {ic} (× {icr}) | {iw} (× {iwr}) | {first} "
            "| {rps} (× {rr}) | {plain} (× {pr}) | {p50} / {p99} | {err} | {kb} |".format(
                path=row["path"],
                kind=row["kind"]
                + (" 🔒" if row["login"] else "")
                + (" (c2)" if w.get("connections") == 2 else ""),
                qc=cold.get("queries", "–"),
                qw=warm.get("queries", "–"),
                ic="error" if inp.get("error") else _f(cold.get("median_ms"), 2),
                icr=_f(_ratio_inproc(row, floor, "cold"), 0),
                iw=_f(warm.get("median_ms"), 2),
                iwr=_f(_ratio_inproc(row, floor, "warm"), 0),
                first=_first(row),
                rps=_f(w.get("rps"), 0),
                rr=_f(_ratio_rps(row, floor), 2),
                plain=_f((row.get("wrk_plain") or {}).get("rps"), 0),
                pr=_f(_ratio_rps(row, floor, "wrk_plain"), 2)
                + (
                    f"; × {_f(_same_bytes_ratio(row), 2)} the same bytes"
                    if row.get("wrk_plain_floor")
                    else ""
                ),
                p50=_f(w.get("p50_ms"), 1),
                p99=_f(w.get("p99_ms"), 1),
                err=w.get("errors", "–") if "wrk_failed" not in w else "wrk failed",
                kb=_f(_bytes(row) / 1024, 0),
            )
        )
    return lines


def _page_target(configs, name, n, limit, what):
    """(text, met, detail): the cold render of the URL named `name` at N = n, every
    database, ≤ `limit` × the floor; None when it was not measured."""
    parts, met = [], True
    for c in configs:
        if c["n"] != n:
            continue
        for row in c["rows"]:
            if row["name"] == name and (row.get("inproc") or {}).get("cold"):
                ratio = _ratio_inproc(row, c["floor"])
                met = met and ratio <= limit
                parts.append(
                    f"{c['db']} `{row['path']}` {_f(row['inproc']['cold']['median_ms'], 1)} ms"
                    f" = × {_f(ratio, 0)}"
                )
    return (
        f"{what} at N = {n} ≤ {limit} × the floor",
        met if parts else None,
        "; ".join(parts) or "not measured",
    )


def targets(configs):
    """[(target, met: bool|None, detail)]"""
    out = []
    by_key = {(c["db"], c["n"]): c for c in configs}
    ns = sorted({c["n"] for c in configs})
    small, large = (ns[0], ns[-1]) if ns else (None, None)

    # Warm req/s of every public page and the API, with and without gzip.
    for run, how in WARM_RUNS:
        slow, worst = [], None
        for c in configs:
            target = WARM_TARGETS.get(c["db"], max(WARM_TARGETS.values()))
            for row in c["rows"]:
                if row["kind"] not in ("page", "api") or row["login"]:
                    continue
                ratio = _ratio_rps(row, c["floor"], run)
                if ratio is None or ratio < target:
                    slow.append(f"{c['db']}/{c['n']} `{row['path']}` × {_f(ratio, 2)}")
                if ratio is not None and (worst is None or ratio < worst[0]):
                    worst = (ratio, f"{c['db']}/{c['n']} `{row['path']}`")
        detail = f"lowest: {worst[1]} × {_f(worst[0], 2)}" if worst else "no pages measured"
        if slow:
            detail += f"; below target: {len(slow)} — " + "; ".join(slow)
        targets_text = ", ".join(f"{db} ≥ {t}" for db, t in WARM_TARGETS.items())
        out.append(
            (
                f"Warm{how}: every public page and the API at {targets_text} × the floor's req/s",
                not slow,
                detail,
            )
        )

    # Big plain bodies against a floor that sends as many bytes: what is left when the
    # bytes themselves are taken out.
    slow, compared = [], []
    for c in configs:
        target = WARM_TARGETS.get(c["db"], max(WARM_TARGETS.values()))
        for row in c["rows"]:
            if row["kind"] not in ("page", "api") or row["login"] or not row.get("wrk_plain_floor"):
                continue
            ratio = _same_bytes_ratio(row)
            text = f"{c['db']}/{c['n']} `{row['path']}` × {_f(ratio, 2)}"
            compared.append(text)
            if ratio is None or ratio < target:
                slow.append(text)
    out.append(
        (
            f"Warm without gzip, pages of {SAME_BYTES_FLOOR_FROM // 1024} KB or more, against a "
            "floor that sends as many bytes (`/bench/floor?bytes=N`; shows what of the no-gzip "
            "shortfall is the bytes)",
            not slow if compared else None,
            "; ".join(compared) or "no page that big",
        )
    )

    # Cold render at the small N, of the public pages (signed-in ones: below).
    over, worst = [], None
    for c in configs:
        if c["n"] != small:
            continue
        for row in c["rows"]:
            if row["kind"] not in PAGE_KINDS or row["login"]:
                continue
            ratio = _ratio_inproc(row, c["floor"])
            if ratio is None or ratio > COLD_TARGET_16:
                over.append(f"{c['db']} `{row['path']}` × {_f(ratio, 0)}")
            if ratio is not None and (worst is None or ratio > worst[0]):
                worst = (ratio, f"{c['db']} `{row['path']}`")
    detail = f"highest: {worst[1]} × {_f(worst[0], 0)}" if worst else "not measured"
    if over:
        detail += f"; over × {COLD_TARGET_16}: " + "; ".join(over)
    out.append(
        (
            f"Cold render (in process) of every public page at N = {small} ≤ {COLD_TARGET_16} × "
            "the floor",
            not over,
            detail,
        )
    )

    # Largest page (most bytes: the most cells) at the large N; the slowest named too.
    parts, met = [], True
    for c in configs:
        if c["n"] != large:
            continue
        pages = [
            r
            for r in c["rows"]
            if r["kind"] in ("page", "internal") and (r.get("inproc") or {}).get("cold")
        ]
        if not pages:
            continue
        biggest = max(pages, key=_bytes)
        slowest = max(pages, key=lambda r: r["inproc"]["cold"]["median_ms"])
        ratio = _ratio_inproc(biggest, c["floor"])
        met = met and ratio <= COLD_TARGET_LARGE
        text = (
            f"{c['db']}: largest `{biggest['path']}` ({_f(_bytes(biggest) / 1024, 0)}"
            f" KB) {_f(biggest['inproc']['cold']['median_ms'], 1)} ms = × {_f(ratio, 0)}"
        )
        if slowest is not biggest:
            text += (
                f" (slowest: `{slowest['path']}` {_f(slowest['inproc']['cold']['median_ms'], 1)}"
                f" ms = × {_f(_ratio_inproc(slowest, c['floor']), 0)})"
            )
        parts.append(text)
    out.append(
        (
            f"Cold render of the largest page (HTML, most bytes) at N = {large} ≤ "
            f"{COLD_TARGET_LARGE} × the floor",
            met if parts else None,
            "; ".join(parts) or "not measured",
        )
    )

    for (name, limit), n, what in [
        (EDITOR, small, "One-screen editor (GET)"),
        (DASHBOARD, large, "Dashboard (signed in, uncached)"),
    ]:
        out.append(_page_target(configs, name, n, limit, what))

    # Queries identical at both N.
    differ, compared = [], 0
    for db in sorted({c["db"] for c in configs}):
        a, b = by_key.get((db, small)), by_key.get((db, large))
        if not a or not b or small == large:
            continue
        qa = {r["path"]: r["inproc"]["cold"]["queries"] for r in a["rows"] if r.get("inproc")}
        for row in b["rows"]:
            if row["path"] in qa and row.get("inproc"):
                compared += 1
                q = row["inproc"]["cold"]["queries"]
                if q != qa[row["path"]]:
                    differ.append(f"{db} `{row['path']}` {qa[row['path']]} → {q}")
    out.append(
        (
            f"Queries per request identical at N = {small} and N = {large} (every URL, cold)",
            not differ if compared else None,
            f"{compared} URL×DB pairs compared"
            + (f"; differ: {'; '.join(differ)}" if differ else ", all equal"),
        )
    )

    # Worker RSS.
    parts, met = [], True
    for c in configs:
        if c["n"] != large:
            continue
        base, peak = max(c["rss_floor_mb"] or [0]), max(c["rss_all_mb"] or [0])
        ratio = peak / base if base else None
        met = met and ratio is not None and ratio <= RSS_TARGET
        parts.append(f"{c['db']}: {_f(peak)} MB vs {_f(base)} MB floor-only = × {_f(ratio, 2)}")
    out.append(
        (
            f"Worker RSS at N = {large} ≤ {RSS_TARGET} × a worker that served only the floor",
            met if parts else None,
            "; ".join(parts) or "not measured",
        )
    )

    # Trend / Stichtag views: bounded queries, shown by identical counts.
    history_rows = [
        (c["db"], c["n"], r["path"], r["inproc"]["cold"]["queries"])
        for c in configs
        for r in c["rows"]
        if r.get("inproc") and any(k in r["name"] for k in ("dashboard", "trend", "stichtag"))
    ]
    pages = sorted({p for _db, _n, p, _q in history_rows})
    counts = {}
    for db, n, p, q in history_rows:
        counts.setdefault((db, p), {})[n] = q
    bounded = all(len(set(v.values())) == 1 for v in counts.values()) if counts else None
    out.append(
        (
            "Trend and Stichtag views: bounded queries from history (same count at every N)",
            bounded,
            ", ".join(
                f"{db} `{p}`: " + " / ".join(f"N={n}: {q}" for n, q in sorted(v.items()))
                for (db, p), v in sorted(counts.items())
            )
            or f"no trend/Stichtag URL found ({', '.join(pages) or 'none'})",
        )
    )
    return out


def load_section(load):
    p = load["public"]
    ok = (
        load["lost_updates"] == 0
        and not load["staff_errors"]
        and p["errors"] == 0
        and load["saves"] > 0
    )
    lines = [
        "## Load with concurrent edits (`bench/load`)",
        "",
        f"Measured {load.get('date', '?')}: "
        f"{load['seconds']} s of public load with wrk ({load['connections']} connections, "
        f"rotating over {len(load['public_paths'])} public pages and API URLs) on {load['db']}, "
        f"N = {load['n']}, while two staff clients signed in through the admin login (real CSRF) "
        "saved one edit per second each in the one-screen editor "
        "(`/bearbeiten/<ags>/`, hidden `version` field sent back as read)"
        + (
            ", both in the same jobcenter and in the same row each second, so that their "
            "edits collide"
            if load.get("same_jobcenter")
            else ", each in its own jobcenter"
        )
        + ". Lost updates = saved edits missing from the history or not the row's final "
        "state + any difference between history growth and saves.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| public requests | {p['requests']} ({_f(p['rps'], 0)} req/s) |",
        f"| public p50 / p99 ms | {_f(p['p50_ms'], 1)} / {_f(p['p99_ms'], 1)} |",
        f"| public errors (non-2xx/3xx, socket) | {p['errors']} |",
        f"| staff saves (302) | {load['saves']} |",
        f"| refused as edit conflicts (form shown again) | {load['conflicts']} |",
        f"| refused edits found in the history anyway | {load.get('phantom_writes', '–')} |",
        f"| staff errors | {len(load['staff_errors'])} |",
        f"| history rows added / saves | {load['history_delta']} / {load['saves']} |",
        f"| lost updates | {load['lost_updates']} |",
        f"| change visible on the next public request | {load['visible']} of {load['checked']} |",
        f"| staff request p99 ms (editor GET, save POST, public check) | "
        f"{_f(load['staff_p99_ms'], 1)} |",
        f"| worker RSS MB at the end | {', '.join(_f(x) for x in load['rss_mb'])} |",
        "",
        f"**{'Met' if ok else 'Not met'}**: 0 errors and 0 lost updates"
        + ("" if load["visible"] == load["checked"] else " — but not every change was visible")
        + ".",
    ]
    if load["staff_errors"]:
        lines += ["", "Staff errors (first 5): " + "; ".join(load["staff_errors"][:5])]
    return lines


def _read(path):
    return json.loads(path.read_text()) if path.exists() else None


def write_results(out_dir, target):
    out_dir = Path(out_dir)
    bench = _read(out_dir / "bench.json")
    load = _read(out_dir / "load.json")
    lines = ["# Benchmark results", ""]
    if bench:
        m = bench["meta"]
        lines += [
            f"Measured {m['date']} at commit `{m['commit']}`"
            + (
                f" plus {m['uncommitted']} uncommitted changed files (the work tree was copied "
                "at the start and measured as it was)"
                if m.get("uncommitted")
                else ""
            )
            + " by `bench/run`"
            + (f" in {bench.get('seconds', 0):.0f} s" if bench.get("seconds") else "")
            + ".",
            "",
            f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory']} memory; "
            f"Python {m['python']}, Django {m['django']}, SQLite {m['sqlite']}, "
            f"PostgreSQL {m['postgresql']} on 127.0.0.1; {m['wrk']}. "
            "The box is shared: wrk, gunicorn and any other work compete for the same 2 cores.",
            "",
            "Method: gunicorn with the project's `gunicorn.conf.py` (2 sync workers, `DEBUG=0`), "
            f"wrk `-t2 -c8 -d{m['duration']}s -H 'Accept-Encoding: gzip'` (as browsers send "
            "it) per URL, and once more without the header for anonymous URLs (as curl and "
            "scripts send: the *no gzip* column) (`-c2` for exports and for pages whose "
            "first request took over 0.3 s, so that no queue is left behind; the floor one "
            "second longer, at the start and again at the end), after one *first* "
            "request per URL (cold: nothing cached for that URL yet). In process: Django's test "
            "client against the same database, the median of up to 5 renders with every cache "
            "cleared before each (cold) and without clearing (warm), queries counted with "
            "`CaptureQueriesContext`. N = 16 is the real Hessian seed with demo statuses; "
            "N = 405 adds 389 synthetic jobcenters (`seed_synthetic`, ~20 changes per row over "
            "3 years). 🔒 = signed in as the coordination office.",
            "",
            "## Targets (issue 5)",
            "",
        ]
        for text, met, detail in targets(bench["configs"]):
            mark = {True: "**met**", False: "**NOT met**", None: "not measured"}[met]
            lines.append(f"- {text}: {mark} — {detail}")
        if load:
            p = load["public"]
            ok = load["lost_updates"] == 0 and not load["staff_errors"] and p["errors"] == 0
            lines.append(
                f"- Load with concurrent edits: 0 errors, 0 lost updates: "
                f"{'**met**' if ok else '**NOT met**'} — {load['saves']} saves, "
                f"{load['lost_updates']} lost, {p['errors']} public errors, public p99 "
                f"{_f(p['p99_ms'], 1)} ms, {load['visible']}/{load['checked']} changes visible "
                "on the next public request"
            )
        lines.append("")
        lines.append(
            "Exports (CSV/JSON/XLSX downloads) are measured and listed but are not pages; no "
            "target applies to them."
        )
        lines.append("")
        lines.append("## Results per database and N")
        lines.append("")
        for config in bench["configs"]:
            lines += config_table(config)
            lines.append("")
        skipped = bench["configs"][0].get("skipped") if bench["configs"] else None
        if skipped:
            lines.append(
                "URL names tried but not measured: "
                + "; ".join(f"`{p}` ({why})" for p, why in skipped)
            )
            lines.append("")
        lines.append("## Profiles: the slowest page and the slowest public page (cold, cProfile)")
        lines.append("")
        lines.append(
            "Per database and N: at N = 16 they show what keeps cold renders above "
            f"{COLD_TARGET_16} × the floor, at the largest N what grows with the data."
        )
        lines.append("")
        for config in bench["configs"]:
            for prof in config.get("profiles") or []:
                lines += [
                    f"### {config['db']}, N = {config['n']}: `{prof['path']}`",
                    "",
                    "By own time:",
                    "",
                    "```",
                    *prof["tottime"][:14],
                    "```",
                    "",
                    "Project code by cumulative time:",
                    "",
                    "```",
                    *prof["cumulative_project"][:14],
                    "```",
                    "",
                ]
    if load:
        lines += load_section(load)
        lines.append("")
    Path(target).write_text("\n".join(lines))
