"""`sitegen check`: everything a publish could trip over, found before publishing.

Settings and every content file are validated (a build reads them all and reports every
problem), the site is built into a temporary folder, and each page's internal links, anchors
and assets are followed there; external links are asked about only on request.
"""
from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .build import Progress, build
from .buildstate import BuildState
from .config import Config
from .feeds import has_host
from .linkcheck import BrokenLink, check_external, check_output


@dataclass
class CheckReport:
    problems: list[BrokenLink] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    references: int = 0
    external_checked: int = 0


def check_site(config: Config, external: bool = False, progress: Progress | None = None, **external_options) -> CheckReport:
    """Build into a temporary folder and check it; raises ProblemsError for bad settings or content.
    `progress` hears of the build's stages and pages, then of the pages checked."""
    with tempfile.TemporaryDirectory(prefix="sitegen-check-") as tmp:
        result = build(config, Path(tmp) / "public", state=BuildState(), progress=progress)  # fresh: never the site's cache
        return check_built(config, result.out_dir, external, progress, **external_options)


def check_built(config: Config, out_dir: Path, external: bool = False, progress: Progress | None = None,
                **external_options) -> CheckReport:
    """Check the site built into `out_dir` for `config` (`sitegen build --check`: what was just
    built, without building it again)."""
    report = CheckReport()
    if not has_host(config.base_url):
        report.warnings.append(
            f"base_url '{config.base_url}' has no host, so the build writes no feeds, no sitemap and no canonical "
            "links (they need absolute URLs); set base_url or pass --base-url https://… when publishing"
        )
    links = check_output(out_dir, config.base_url, (lambda done, total: progress("check links", done, total)) if progress else None)
    report.problems.extend(links.broken)
    report.pages, report.references = links.pages, links.references
    if external and links.external:
        results = check_external(links.external, **external_options)
        report.external_checked = len(results)
        for url, outcome in results.items():
            if outcome.ok:
                continue
            pages = sorted(links.external[url])
            more = f"; also on {len(pages) - 1} more page(s)" if len(pages) > 1 else ""
            finding = BrokenLink(pages[0], "broken external link", url, outcome.message + more)
            if outcome.certain:
                report.problems.append(finding)
            else:
                report.warnings.append(f"{pages[0]}: external link not verified → {url} ({outcome.message}{more})")
    return report


def format_problems(problems: list[BrokenLink], per_target: int = 3) -> list[str]:
    """One line per problem, but a link broken on many pages (a template's) is shown a few times
    and then counted, so one mistake does not bury the rest."""
    by_target: dict[tuple[str, str], list[BrokenLink]] = defaultdict(list)
    for problem in problems:
        by_target[(problem.reason, problem.target)].append(problem)
    lines = []
    for (reason, target), group in sorted(by_target.items(), key=lambda item: item[1][0]):
        lines += [str(problem) for problem in group[:per_target]]
        if len(group) > per_target:
            lines.append(f"… and {len(group) - per_target} more pages with the same {reason} → {target}")
    return lines
