"""The command line: one sub-command per verb, each a thin layer over the real work.

Exit status: 0 success, 1 errors in the input, 2 bad usage. Only this module prints or exits.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, Sequence

from . import __version__, importers
from .config import CONFIG_FILE, load_config, with_base_url, with_theme
from .model import PaperDate, Problem, ProblemsError
from .troubleshooting import line_with_link, with_link

if TYPE_CHECKING:
    from .check import CheckReport
    from .importing import ImportReport

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


def _date_argument(text: str) -> PaperDate:
    try:
        return PaperDate.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _positive_int_argument(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, found '{text}'")
    return int(text)


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", "-c", type=Path, default=Path(CONFIG_FILE), metavar="FILE",
                        help=f"the site's settings file (default: ./{CONFIG_FILE})")


def _add_loudness(parser: argparse.ArgumentParser, work: str) -> None:
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    loudness.add_argument("--verbose", "-v", action="store_true", help=f"also print the seconds each {work} stage took")


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    config = load_config(args.config)
    if args.base_url is not None:
        config = with_base_url(config, args.base_url)
    if args.theme is not None:
        config = with_theme(config, args.theme)
    with _build_progress(enabled=not args.quiet and sys.stderr.isatty()) as progress:
        result = build(config, args.out, progress=progress)
    done = "nothing changed" if result.rendered == 0 else f"{result.rendered} rendered"
    if args.verbose:
        _print_stages(result.stages)
    if not args.quiet:
        print(f"Built {result.papers} papers, {result.pages} pages ({done}) in {result.out_dir} ({result.seconds:.2f} s)")
    if not args.check:
        return EXIT_OK
    from .check import check_built

    started = time.perf_counter()
    with _build_progress(enabled=not args.quiet and sys.stderr.isatty()) as progress:
        report = check_built(config, result.out_dir, progress=progress)
    if args.verbose:
        _print_stages([("check every link", time.perf_counter() - started)])
    return _print_check_report(report, quiet=args.quiet)


@contextlib.contextmanager
def _build_progress(enabled: bool):
    """A progress bar on the terminal for builds that take over a second: the running stage and
    the pages rendered. Silent when piped, in CI and with --quiet (then tqdm is not even loaded)."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=0, file=sys.stderr, leave=False, delay=1.0, unit=" pages",
               bar_format="{desc}: {n_fmt}/{total_fmt}{unit} [{elapsed}]")

    def progress(stage: str, done: int, total: int) -> None:
        bar.set_description_str(stage, refresh=False)
        if total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        bar.close()


def cmd_import(args: argparse.Namespace) -> int:
    from .importing import import_files

    config = load_config(args.config)
    filters = importers.Filters(tuple(args.category or ()), args.since)
    report = import_files(args.files, config.papers_dir, format=args.format, date=args.date,
                          dry_run=args.dry_run, filters=filters, **_import_progress(args.quiet))
    if not args.quiet:
        for path, format in report.formats:
            print(f"{path}: read as {format}")
    return _print_import_report(report, args)


def _import_progress(quiet: bool) -> dict:
    """import_files' `progress`: a bar for imports that take over a second, on a terminal only
    (neither piped nor in CI, where stdout, which gets the diffs, is no terminal either)."""
    if quiet or not (sys.stdout.isatty() and sys.stderr.isatty()):
        return {}
    import functools

    from tqdm import tqdm

    return {"progress": functools.partial(tqdm, file=sys.stderr, leave=False, delay=1.0)}


def _print_stages(stages: Sequence[tuple[str, float]]) -> None:
    for stage, seconds in stages:
        print(f"  {seconds:7.3f} s  {stage}")


def _print_import_report(report: ImportReport, args: argparse.Namespace) -> int:
    """The diffs (dry run), the summary line, the notes (all left out with --quiet), the stage
    times (--verbose) and every problem of an import; its exit status."""
    if not args.quiet:
        for slug in sorted(report.changes):
            print(report.changes[slug])
        prefix = "dry run, nothing written: " if args.dry_run else ""
        print(f"{prefix}{len(report.new)} new, {len(report.enriched)} enriched, "
              f"{len(report.unchanged)} unchanged, {len(report.rejected)} rejected")
        for notice in report.notices:
            print(f"note: {notice}", file=sys.stderr)
    if args.verbose:
        _print_stages(report.stages)
    for problem in report.rejected:
        print(with_link(f"rejected: {problem}", problem, "rejected"), file=sys.stderr)
    for problem in report.broken:
        print(with_link(f"error: {problem} (left untouched)", problem), file=sys.stderr)
    return EXIT_INPUT if report.rejected or report.broken else EXIT_OK


def _day_argument(text: str) -> dt.date:
    """A whole day, YYYY-MM-DD, or `today` / `yesterday` (UTC, the clock of the services)."""
    from .fetch import today_utc

    named = {"today": 0, "yesterday": 1}
    if text.strip().lower() in named:
        return today_utc() - dt.timedelta(days=named[text.strip().lower()])
    day = _date_argument(text)
    if day.day is None or day.month is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a day: expected YYYY-MM-DD, today or yesterday")
    return dt.date(day.year, day.month, day.day)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _say_nothing(line: str) -> None:
    """What `--quiet` does with a fetch's news of each request: nothing (its failures are reported)."""


def cmd_fetch(args: argparse.Namespace) -> int:
    from .fetch import (Fetcher, arxiv_ids, days_between, fetch_arxiv_ids, fetch_arxiv_query, fetch_hf_daily,
                        import_fetched, today_utc)

    config = load_config(args.config)
    fetcher = Fetcher(config, refresh=args.refresh, offline=args.offline, log=_say_nothing if args.quiet else _say)
    started = time.perf_counter()
    if args.source == "hf-daily":
        if args.date and (args.since or args.until):
            return _usage("sitegen fetch hf-daily: give --date, or --since (and --until), not both")
        if args.until and not args.since:
            return _usage("sitegen fetch hf-daily: --until needs --since")
        today = today_utc()
        since = args.date or args.since or today
        until = args.date or args.until or today
        if since > until:
            return _usage(f"sitegen fetch hf-daily: --since {since} is after --until {until}")
        fetched = fetch_hf_daily(fetcher, days_between(since, until))
    else:
        ids = arxiv_ids(args.terms)
        if ids is not None:
            fetched = fetch_arxiv_ids(fetcher, ids)
        else:
            fetched = fetch_arxiv_query(fetcher, " ".join(args.terms), args.max, args.sort)
    fetch_seconds = time.perf_counter() - started
    report = import_fetched(config, fetched, dry_run=args.dry_run, **_import_progress(args.quiet))
    report.stages.insert(0, ("fetch", fetch_seconds))
    requests = fetcher.client.requests
    if not args.quiet:
        print(f"{len(fetched.fetched)} fetched ({requests} request{'' if requests == 1 else 's'}), "
              f"{len(fetched.cached)} from the cache, {len(fetched.failed)} failed")
    status = _print_import_report(report, args)
    if not args.quiet:
        for notice in fetched.notices:
            print(f"note: {notice}", file=sys.stderr)
    for identifier in fetched.missing:
        print(line_with_link(f"not found: arXiv returned no paper with the id {identifier}"), file=sys.stderr)
    for problem in fetched.failed:
        print(with_link(f"failed: {problem}", problem, "failed"), file=sys.stderr)
    if fetched.failed and not args.offline:
        print("What was fetched is imported and cached; run the same command again to retry the rest.", file=sys.stderr)
    if fetched.interrupted:
        print("sitegen fetch: interrupted; what was fetched before is imported", file=sys.stderr)
        return 130
    return EXIT_INPUT if fetched.failed or fetched.missing else status


def cmd_enrich(args: argparse.Namespace) -> int:
    from .enrich import enrich_archive
    from .fetch import Fetcher

    config = load_config(args.config)
    fetcher = Fetcher(config, refresh=args.refresh, offline=args.offline, log=_say)
    report = enrich_archive(config, fetcher, slugs=args.slugs, dry_run=args.dry_run)
    imported = report.imported
    for slug in sorted(imported.changes):
        print(imported.changes[slug])
    for match in report.matched:
        filled = f"fills {', '.join(match.filled)}" if match.filled else "nothing to add"
        print(f"matched: {match.slug} -> arXiv {match.arxiv} by {match.by} ({filled})")
    for slug, why in report.unmatched:
        print(f"not found: {slug}: {why}")
    for slug, candidates in report.ambiguous:
        print(f"ambiguous, not applied: {slug}: add `arxiv: ID` to the page to choose, then run enrich again")
        for candidate in candidates:
            print(f"    {candidate}")
    prefix = "dry run, nothing written: " if args.dry_run else ""
    print(f"{prefix}{report.looked_up} looked up ({report.complete} complete, skipped): {len(report.matched)} matched, "
          f"{len(imported.enriched)} enriched, {len(report.unmatched)} not found, {len(report.ambiguous)} ambiguous, "
          f"{len(report.failed)} failed")
    for problem in report.failed:
        print(with_link(f"failed: {problem}", problem, "failed"), file=sys.stderr)
    for problem in [*report.refused, *imported.rejected]:
        print(with_link(f"error: {problem}", problem, "rejected"), file=sys.stderr)
    for problem in report.broken:
        print(with_link(f"error: {problem} (left untouched)", problem), file=sys.stderr)
    if report.interrupted:
        print("sitegen enrich: interrupted; the matches found before are applied", file=sys.stderr)
        return 130
    return EXIT_INPUT if report.failed or report.refused or imported.rejected or report.broken else EXIT_OK


def _usage(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_USAGE


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import create_site

    created = create_site(args.directory, title=args.title, digest=args.digest)
    for path in created:
        print(f"created {path}")
    if args.digest:
        print(f"Next: cd {args.directory} && sitegen fetch {args.digest} && sitegen build; push to GitHub and the "
              f"daily digest workflow fetches, commits and deploys every day (see docs/deploy.md)")
        return EXIT_OK
    print(f"Next: cd {args.directory} && sitegen import <file> --date YYYY-MM-DD && sitegen build")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .check import check_site

    config = load_config(args.config)
    if args.base_url is not None:
        config = with_base_url(config, args.base_url)
    if args.external:
        print("Checking external links too: one request at a time per host, this can take minutes", file=sys.stderr)
    with _build_progress(enabled=sys.stderr.isatty()) as progress:
        report = check_site(config, external=args.external, progress=progress)
    return _print_check_report(report, external=args.external)


def _print_check_report(report: CheckReport, external: bool = False, quiet: bool = False) -> int:
    """The warnings (but with --quiet), every problem and the summary of a check; its exit status."""
    from .check import format_problems

    if not quiet:
        for warning in report.warnings:
            print(line_with_link(f"warning: {warning}"), file=sys.stderr)
    for line in format_problems(report.problems):
        print(line_with_link(line))
    checked = f", {report.external_checked} external links" if external else ""
    summary = f"Checked {report.pages} pages, {report.references} internal links{checked}"
    if report.problems:
        print(f"{summary}: {len(report.problems)} problem(s)", file=sys.stderr)
        return EXIT_INPUT
    if not quiet:
        print(f"{summary}: no problems")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import errno

    from .serve import ServeOptions, run_preview

    options = ServeOptions(args.config, args.host, args.port, args.open, args.poll, args.theme)
    _stop_on_terminate()
    try:
        run_preview(options, say=lambda line: print(line, flush=True))
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            in_use = Problem("sitegen serve", None, f"port {args.port} on {args.host} is in use; stop the other server "
                                                   f"or pass --port 0 to pick a free port")
            print(with_link(str(in_use), in_use), file=sys.stderr)
            return EXIT_INPUT
        raise
    except KeyboardInterrupt:
        print("stopped", flush=True)
    return EXIT_OK


def _stop_on_terminate() -> None:
    """`kill`, a closed terminal or a process manager stop `sitegen serve` as Ctrl-C does, so its
    preview folder is deleted (their default would end the process on the spot). A process it
    forks ends as by default: multiprocessing stops a pool's workers with SIGTERM, and each would
    print a KeyboardInterrupt's traceback."""
    import signal

    serving = os.getpid()

    def interrupt(signum: int, frame: object) -> None:
        if os.getpid() == serving:
            raise KeyboardInterrupt
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) == signal.SIG_DFL:
            signal.signal(signum, interrupt)


def make_parser() -> argparse.ArgumentParser:
    from .scaffold import DIGEST_WORKFLOWS

    parser = argparse.ArgumentParser(prog="sitegen", description="Static sites for research-paper archives.")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)

    new = verbs.add_parser("new", help="create a new site in DIR", description="Create a working site: settings, an empty papers folder and folders for theme overrides.")
    new.add_argument("directory", type=Path, metavar="DIR")
    new.add_argument("--title", default="Paper archive", help="the site's title")
    new.add_argument("--digest", choices=sorted(DIGEST_WORKFLOWS),
                     help="also write .github/workflows/daily-digest.yml: every day fetch that source, commit the new "
                          "pages, build and deploy to GitHub Pages")
    new.set_defaults(run=cmd_new)

    imp = verbs.add_parser("import", help="convert papers from files into content/papers/",
                           description="Convert papers into content/papers/<slug>.md. Known papers are enriched, never overwritten.")
    imp.add_argument("files", type=Path, nargs="+", metavar="FILE",
                     help="files to import, or folders (every visible file directly inside)")
    imp.add_argument("--format", "-f", choices=importers.names(), help="the input format (default: detected from each file)")
    imp.add_argument("--date", type=_date_argument, help="date for papers whose source has none (YYYY, YYYY-MM or YYYY-MM-DD)")
    filtering = ", ".join(importers.filtering())
    imp.add_argument("--category", action="append", metavar="CAT",
                     help=f"only papers in this arXiv category or below it (cs, cs.LG); repeatable; applies to {filtering} files only")
    imp.add_argument("--since", type=_date_argument, metavar="DATE",
                     help=f"only papers first published on or after DATE; applies to {filtering} files only")
    imp.add_argument("--dry-run", "-n", action="store_true", help="show what would change and write nothing")
    _add_loudness(imp, "import")
    _add_config(imp)
    imp.set_defaults(run=cmd_import)

    fetch = verbs.add_parser("fetch", help="fetch papers from Hugging Face or arXiv and import them",
                             description="Ask a service for papers, keep its raw answers under .sitegen-cache/fetch/ and import "
                                         "them as `sitegen import` would. The only verb besides enrich that uses the network.")
    services = fetch.add_subparsers(dest="source", metavar="SOURCE", required=True)
    hf = services.add_parser("hf-daily", help="Hugging Face daily papers, one request per day",
                             description="Fetch the Hugging Face daily papers of a day or a range of days (default: today, UTC). "
                                         "Days that had ended when fetched are never fetched again.")
    hf.add_argument("--date", type=_day_argument, metavar="DAY", help="the day (YYYY-MM-DD, today or yesterday)")
    hf.add_argument("--since", type=_day_argument, metavar="DAY", help="the first day of a range")
    hf.add_argument("--until", type=_day_argument, metavar="DAY", help="the last day of a range (default: today, UTC)")
    ax = services.add_parser("arxiv", help="an arXiv API search query, or arXiv ids",
                             description="Fetch the results of an arXiv API query (sitegen fetch arxiv \"cat:cs.LG AND ti:scaling\" "
                                         "--max 200), 100 per request with sources.request_delay between requests; or, when every "
                                         "argument is an arXiv id, those papers (sitegen fetch arxiv 2010.14701 2001.08361).")
    ax.add_argument("terms", nargs="+", metavar="QUERY_OR_ID", help="a search query (quote it), or arXiv ids")
    ax.add_argument("--max", type=_positive_int_argument, default=100, metavar="N", help="at most N results of a query (default: 100)")
    ax.add_argument("--sort", choices=["submitted", "updated", "relevance"], default="submitted",
                    help="order of a query's results, newest first by default (submitted)")
    for parser_ in (hf, ax):
        cache_use = parser_.add_mutually_exclusive_group()
        cache_use.add_argument("--refresh", action="store_true",
                               help="ask again for what may have changed (today's papers, arXiv results) instead of using the cache")
        cache_use.add_argument("--offline", action="store_true", help="use only responses already in the cache; no network")
        parser_.add_argument("--dry-run", "-n", action="store_true", help="fetch, then show what the import would change and write no page")
        _add_loudness(parser_, "fetch and import")
        _add_config(parser_)
        parser_.set_defaults(run=cmd_fetch)

    enr = verbs.add_parser("enrich", help="fill missing authors, dates, ids and categories from arXiv",
                           description="Look up papers that lack authors, a full date, an arXiv id, a DOI or categories on arXiv "
                                       "(by id, else by exact title) and fill only what is missing. Ambiguous titles are reported, "
                                       "never applied.")
    enr.add_argument("slugs", nargs="*", metavar="SLUG", help="only these pages (file names without .md); default: every page")
    cache_use = enr.add_mutually_exclusive_group()
    cache_use.add_argument("--refresh", action="store_true", help="ask arXiv again instead of using cached answers")
    cache_use.add_argument("--offline", action="store_true", help="use only answers already in the cache; no network")
    enr.add_argument("--dry-run", "-n", action="store_true", help="show what would change and write nothing")
    _add_config(enr)
    enr.set_defaults(run=cmd_enrich)

    bld = verbs.add_parser("build", help="render the site into public/", description="Render the site. A failed build leaves the previous output untouched. The output holds only what the build writes: a file put there by hand goes at the next build that changes the site: files to publish at the site's root (CNAME, _headers, .well-known/) go in the site's extra/ folder, others in static/.")
    bld.add_argument("--out", "-o", type=Path, help="output folder (default: output_dir of the settings, public/)")
    bld.add_argument("--base-url", help="override base_url, e.g. https://user.github.io/repo/")
    bld.add_argument("--theme", help="build with this theme instead of the one in the settings")
    bld.add_argument("--check", action="store_true",
                     help="then check every internal link, anchor and asset of what was built, as sitegen check does "
                          "(without building again); exit 1 on any problem")
    _add_loudness(bld, "build")
    _add_config(bld)
    bld.set_defaults(run=cmd_build)

    chk = verbs.add_parser("check", help="validate settings and content, build, and check every link",
                           description="Validate the settings and every content file, build into a temporary folder and check "
                                       "every internal link, #anchor and asset of every page. Exits 1 on any problem.")
    chk.add_argument("--external", action="store_true",
                     help="also check external links (slow: one request at a time per host, with timeouts)")
    chk.add_argument("--base-url", help="check the site as published at this URL, e.g. https://user.github.io/repo/")
    _add_config(chk)
    chk.set_defaults(run=cmd_check)

    srv = verbs.add_parser("serve", help="preview the site, rebuilding and reloading on every change",
                           description="Build, serve the site on this machine, watch the sources and reload the browser "
                                       "after each rebuild. Build errors are shown in the terminal and the browser.")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    srv.add_argument("--port", "-p", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    srv.add_argument("--open", action="store_true", help="open the site in the web browser")
    srv.add_argument("--poll", action="store_true", help="poll for changes (network drives, Docker bind mounts, WSL)")
    srv.add_argument("--theme", help="preview with this theme instead of the one in the settings")
    _add_config(srv)
    srv.set_defaults(run=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except ProblemsError as err:
        for problem in err.problems:
            print(with_link(f"error: {problem}", problem), file=sys.stderr)
        print(f"sitegen {args.verb}: {len(err.problems)} error(s); nothing was written "
              f"(what they mean and how to fix them: docs/troubleshooting.md)", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except OSError as err:  # a full disk, a folder without write permission: say which, no traceback
        where = f"{err.filename}: " if err.filename else ""
        unwritable = Problem(f"sitegen {args.verb}", None, f"{where}{err.strerror or err}")
        print(with_link(str(unwritable), unwritable), file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"sitegen {args.verb}: interrupted", file=sys.stderr)
        return 130


def run() -> NoReturn:
    """The `sitegen` command: main(), then an exit that skips the interpreter's teardown. A build
    of 10,000 papers leaves millions of objects that Python would free one by one (0.4 s) just
    before the process ends anyway; every file the command wrote is closed by then, and its
    worker processes have been waited for."""
    # NumPy's OpenBLAS starts a thread per core as it loads, which spins for some 0.14 s of CPU in
    # every process that loads NumPy (the build's own, its search index's, its related papers'),
    # on the cores the build renders with; sitegen's NumPy and SciPy work never calls BLAS.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
