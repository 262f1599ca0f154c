"""The command line: one sub-command per verb, each a thin layer over the real work.

Exit status: 0 success, 1 errors in the input, 2 bad usage. Only this module prints or exits.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__, importers
from .config import CONFIG_FILE, load_config, with_base_url, with_theme
from .model import PaperDate, ProblemsError

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


def _date_argument(text: str) -> PaperDate:
    try:
        return PaperDate.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", "-c", type=Path, default=Path(CONFIG_FILE), metavar="FILE",
                        help=f"the site's settings file (default: ./{CONFIG_FILE})")


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    config = load_config(args.config)
    if args.base_url is not None:
        config = with_base_url(config, args.base_url)
    if args.theme is not None:
        config = with_theme(config, args.theme)
    result = build(config, args.out)
    print(f"Built {result.papers} papers into {result.pages} pages in {result.out_dir} ({result.seconds:.2f} s)")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    import functools

    from tqdm import tqdm

    from .importing import import_files

    config = load_config(args.config)
    filters = importers.Filters(tuple(args.category or ()), args.since)
    bar = functools.partial(tqdm, file=sys.stderr, leave=False, disable=not sys.stdout.isatty())
    report = import_files(args.files, config.papers_dir, format=args.format, date=args.date,
                          dry_run=args.dry_run, filters=filters, progress=bar)
    for path, format in report.formats:
        print(f"{path}: read as {format}")
    for slug in sorted(report.changes):
        print(report.changes[slug])
    prefix = "dry run, nothing written: " if args.dry_run else ""
    print(f"{prefix}{len(report.new)} new, {len(report.enriched)} enriched, "
          f"{len(report.unchanged)} unchanged, {len(report.rejected)} rejected")
    for notice in report.notices:
        print(f"note: {notice}", file=sys.stderr)
    for problem in report.rejected:
        print(f"rejected: {problem}", file=sys.stderr)
    for problem in report.broken:
        print(f"error: {problem} (left untouched)", file=sys.stderr)
    return EXIT_INPUT if report.rejected or report.broken else EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import create_site

    created = create_site(args.directory, title=args.title)
    for path in created:
        print(f"created {path}")
    print(f"Next: cd {args.directory} && sitegen import <file> --date YYYY-MM-DD && sitegen build")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .check import check_site, format_problems

    config = load_config(args.config)
    if args.base_url is not None:
        config = with_base_url(config, args.base_url)
    if args.external:
        print("Checking external links too: one request at a time per host, this can take minutes", file=sys.stderr)
    report = check_site(config, external=args.external)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for line in format_problems(report.problems):
        print(line)
    external = f", {report.external_checked} external links" if args.external else ""
    summary = f"Checked {report.pages} pages, {report.references} internal links{external}"
    if report.problems:
        print(f"{summary}: {len(report.problems)} problem(s)", file=sys.stderr)
        return EXIT_INPUT
    print(f"{summary}: no problems")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import errno

    from .serve import ServeOptions, run_preview

    options = ServeOptions(args.config, args.host, args.port, args.open, args.poll, args.theme)
    try:
        run_preview(options, say=lambda line: print(line, flush=True))
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            print(f"sitegen serve: port {args.port} on {args.host} is in use; stop the other server "
                  f"or pass --port 0 to pick a free port", file=sys.stderr)
            return EXIT_INPUT
        raise
    except KeyboardInterrupt:
        print("stopped", flush=True)
    return EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitegen", description="Static sites for research-paper archives.")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)

    new = verbs.add_parser("new", help="create a new site in DIR", description="Create a working site: settings, an empty papers folder and folders for theme overrides.")
    new.add_argument("directory", type=Path, metavar="DIR")
    new.add_argument("--title", default="Paper archive", help="the site's title")
    new.set_defaults(run=cmd_new)

    imp = verbs.add_parser("import", help="convert papers from files into content/papers/",
                           description="Convert papers into content/papers/<slug>.md. Known papers are enriched, never overwritten.")
    imp.add_argument("files", type=Path, nargs="+", metavar="FILE",
                     help="files to import, or folders (every visible file directly inside)")
    imp.add_argument("--format", "-f", choices=importers.names(), help="the input format (default: detected from each file)")
    imp.add_argument("--date", type=_date_argument, help="date for papers whose source has none (YYYY, YYYY-MM or YYYY-MM-DD)")
    filtering = ", ".join(name for name in importers.names() if importers.supports_filters(importers.get(name)))
    imp.add_argument("--category", action="append", metavar="CAT",
                     help=f"only papers in this arXiv category or below it (cs, cs.LG); repeatable; applies to {filtering} files only")
    imp.add_argument("--since", type=_date_argument, metavar="DATE",
                     help=f"only papers first published on or after DATE; applies to {filtering} files only")
    imp.add_argument("--dry-run", "-n", action="store_true", help="show what would change and write nothing")
    _add_config(imp)
    imp.set_defaults(run=cmd_import)

    bld = verbs.add_parser("build", help="render the site into public/", description="Render the site. A failed build leaves the previous output untouched.")
    bld.add_argument("--out", "-o", type=Path, help="output folder (default: output_dir of the settings, public/)")
    bld.add_argument("--base-url", help="override base_url, e.g. https://user.github.io/repo/")
    bld.add_argument("--theme", help="build with this theme instead of the one in the settings")
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
            print(f"error: {problem}", file=sys.stderr)
        print(f"sitegen {args.verb}: {len(err.problems)} error(s); nothing was written", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"sitegen {args.verb}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
